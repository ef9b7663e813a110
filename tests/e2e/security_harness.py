"""Browser helpers for the security tests: Chromium's virtual authenticator and a module harness."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


def localhost(url: str) -> str:
    """WebAuthn needs a domain, not an IP address: the same server as http://localhost:port."""
    return url.replace("127.0.0.1", "localhost")


def virtual_authenticator(context: Any, page: Any) -> tuple[Any, str]:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, found["authenticatorId"]


def build_harness(out_dir: Path) -> Path:
    """Bundle the security modules (with their real imports) the way the app's build does."""
    out = out_dir / "security_modules.js"
    entry = Path(__file__).parent / "harness/security_modules.js"
    subprocess.run(
        [
            str(ROOT / "node_modules/.bin/esbuild"),
            str(entry),
            "--bundle",
            "--format=esm",
            f"--outfile={out}",
            "--log-level=warning",
        ],
        check=True,
        cwd=ROOT,
    )
    return out


def open_harness(page: Any, base: str, bundle: Path) -> None:
    """A same-origin page of the app with the modules loaded (served as a file of this origin)."""
    page.route(
        "**/test-harness/security_modules.js",
        lambda route: route.fulfill(path=str(bundle), content_type="text/javascript"),
    )
    page.goto(base + "/blank")
    page.add_script_tag(url="/test-harness/security_modules.js", type="module")
    page.wait_for_function("() => document.documentElement.dataset.harness === 'ready'")
