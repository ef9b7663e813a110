"""Serves the installable PWA: the shell at `/`, its manifest, the root-scoped service worker, assets.

The shell runs no inline script or style; its CSP is set with the other headers in server/security.py.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"
DIST_DIR = PWA_DIR / "dist"

bp = Blueprint("web", __name__)


def _dist() -> Path:
    """The built shell; PWA_DIST_DIR points elsewhere (tests serve a changed build from a copy)."""
    return Path(current_app.config.get("PWA_DIST_DIR") or DIST_DIR)


# No file of the shell has a longer name; a longer one would make the file system refuse the lookup.
MAX_NAME = 200


def _shell_file(directory: Path, name: str, mimetype: str | None = None, *, revalidate: bool) -> Response:
    if len(name) > MAX_NAME or any(len(part) > 120 for part in name.split("/")):
        abort(404)
    if not (directory / name).is_file():
        abort(404)
    response = send_from_directory(directory, name, mimetype=mimetype, max_age=0 if revalidate else 3600)
    if revalidate:
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index() -> Response:
    """The app shell; every screen is a hash route inside it."""
    return _shell_file(PWA_DIR, "index.html", "text/html", revalidate=True)


@bp.get("/blank")
def blank() -> Response:
    """An empty page served like the shell: the cold-start benchmark's floor."""
    return _shell_file(PWA_DIR, "blank.html", "text/html", revalidate=True)


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    return _shell_file(PWA_DIR, "manifest.webmanifest", "application/manifest+json", revalidate=True)


@bp.get("/service-worker.js")
def service_worker() -> Response:
    """The built service worker at the root, so its scope is the whole app."""
    response = _shell_file(_dist(), "service-worker.js", "text/javascript", revalidate=True)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/dist/<path:name>")
def dist(name: str) -> Response:
    # Revalidated: names are stable and the service worker's precache carries the revisions.
    return _shell_file(_dist(), name, revalidate=True)


@bp.get("/icons/<path:name>")
def icons(name: str) -> Response:
    if not name.endswith(".png"):
        abort(404)
    return _shell_file(PWA_DIR / "icons", name, "image/png", revalidate=False)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
