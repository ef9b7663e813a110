"""The photo form in Chromium: a large camera JPEG with GPS and an orientation tag comes out at most
1600 px, upright, with no EXIF, named by its SHA-256; compression works offline from the app shell."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.e2e.conftest import screenshot
from tests.e2e.forms_harness.site import csp_violations, harness_fixtures, last_result, open_form

forms_site, forms_browser, forms_page = harness_fixtures()

LIB = "/dist/vendor/browser-image-compression.js"
RED, BLUE = (220, 30, 30), (30, 60, 220)
# Counts what browser-image-compression's worker answers: files made there, or errors (after which
# the library silently compresses on the main thread instead).
WORKER_PROBE = """
(() => {
  const Native = window.Worker;
  window.__worker = { files: 0, errors: [] };
  window.Worker = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (e.data && e.data.error) window.__worker.errors.push(e.data.error);
        if (e.data && e.data.file) window.__worker.files += 1;
      });
    }
  };
})();
"""


@pytest.fixture(scope="module")
def camera_jpeg(tmp_path_factory: Any) -> Path:
    """A 4000x3000 sensor image stored sideways (EXIF orientation 6: rotate 90 degrees clockwise to
    view), left half red and right half blue, with noise (a realistic size) and a GPS position."""
    width, height = 4000, 3000
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(Image.new("RGB", (width // 2, height), RED), (0, 0))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.12)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 10.5), 3: "E", 4: (121.0, 28.0, 33.2)}  # GPSInfo
    path = tmp_path_factory.mktemp("camera") / "IMG_0042.jpg"
    image.save(path, "JPEG", quality=92, exif=exif.tobytes())
    with Image.open(path) as check:
        assert check.getexif().get_ifd(0x8825)[1] == "N"
    return path


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while data[at] == 0xFF and data[at + 1] != 0xDA:
        markers.append(data[at + 1])
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return markers


def take_photo(page: Any, path: Path, shot: str) -> dict[str, Any]:
    page.set_input_files("input[type=file]", str(path))
    page.wait_for_selector("form[data-state=ready]", timeout=30_000)
    page.select_option("select[name=partUsedId]", "pu-1")
    page.fill("input[name=caption]", "Burnt drain pump winding")
    screenshot(page, shot)
    page.get_by_role("button", name="Attach photo").click()
    page.wait_for_selector("body[data-results='1']")
    return last_result(page)


def check_photo(result: dict[str, Any]) -> bytes:
    data = base64.b64decode(result["bytes"]["base64"])
    assert result["mime"] == "image/jpeg"
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["partUsedId"] == "pu-1"
    assert result["caption"] == "Burnt drain pump winding"
    assert result["takenAt"].endswith("Z")
    # No metadata left: no APP1 (Exif/XMP) segment, nothing that reads as Exif or a GPS tag.
    assert 0xE1 not in jpeg_segments(data)
    assert b"Exif" not in data[:4096]
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert not image.getexif()
    # Upright (orientation applied: the sideways sensor image is now portrait) and <= 1600 px.
    assert image.size == (result["width"], result["height"]) == (1200, 1600)
    rgb = image.convert("RGB")
    top, bottom = rgb.getpixel((600, 200)), rgb.getpixel((600, 1400))
    assert top[0] > 150 and top[2] < 110, top  # the red half is now on top
    assert bottom[2] > 150 and bottom[0] < 110, bottom
    return data


def test_photo_is_compressed_upright_and_stripped_of_exif(
    forms_page: Any, forms_site: Any, camera_jpeg: Path
) -> None:
    page = forms_page
    page.add_init_script(WORKER_PROBE)
    open_form(page, "photos")
    screenshot(page, "forms-photos-empty")
    result = take_photo(page, camera_jpeg, "forms-photos-ready")
    data = check_photo(result)
    assert len(data) < camera_jpeg.stat().st_size / 3
    assert page.evaluate("window.__worker") == {"files": 1, "errors": []}  # compressed in the worker
    assert forms_site.hits.get(LIB, 0) >= 1  # whose library came from the app, not a CDN
    assert page.offsite_requests == []
    assert csp_violations(page) == []
    # The form is ready for the next photo.
    assert page.locator("form").get_attribute("data-state") == "empty"


def test_photo_compression_works_offline_without_a_cdn(
    forms_page: Any, forms_site: Any, camera_jpeg: Path
) -> None:
    page = forms_page
    page.add_init_script(WORKER_PROBE)
    open_form(page, "photos", sw="1")
    assert page.evaluate("window.__swReady") is True
    page.context.set_offline(True)
    page.reload()  # the page itself now comes from the service worker's cache
    page.wait_for_selector("body[data-form=photos] .of-form")
    assert page.evaluate("navigator.onLine") is False
    hits_before = dict(forms_site.hits)

    result = take_photo(page, camera_jpeg, "forms-photos-ready-offline")
    check_photo(result)
    assert page.evaluate("window.__worker") == {"files": 1, "errors": []}
    assert forms_site.hits == hits_before  # nothing reached the network
    assert page.offsite_requests == []


def test_a_file_that_is_not_a_picture_is_refused_with_a_message(forms_page: Any) -> None:
    page = forms_page
    open_form(page, "photos")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "IMG_0043.jpg", "mimeType": "image/jpeg", "buffer": b"this is not a jpeg"}],
    )
    page.wait_for_selector("form[data-state=failed]", timeout=30_000)
    assert "could not be read" in page.locator(".of-status").inner_text()
    assert page.get_by_role("button", name="Attach photo").is_hidden()
    assert page.evaluate("window.__results.length") == 0


def test_metadata_stripping_removes_exif_and_keeps_the_picture(forms_page: Any, camera_jpeg: Path) -> None:
    page = forms_page
    open_form(page, "photos")
    original = camera_jpeg.read_bytes()
    assert 0xE1 in jpeg_segments(original)
    stripped = base64.b64decode(
        page.evaluate(
            "(b) => window.__base64(window.__modules.photos.stripJpegMetadata(window.__fromBase64(b)))",
            base64.b64encode(original).decode(),
        )
    )
    assert 0xE1 not in jpeg_segments(stripped)
    assert b"PhoneMaker" not in stripped
    assert len(stripped) < len(original)
    with Image.open(io.BytesIO(stripped)) as clean, Image.open(io.BytesIO(original)) as raw:
        assert not clean.getexif()
        assert clean.size == raw.size
        assert clean.crop((0, 0, 64, 64)).tobytes() == raw.crop((0, 0, 64, 64)).tobytes()


def test_a_photo_that_could_not_be_kept_stays_on_screen(forms_page: Any, camera_jpeg: Path) -> None:
    page = forms_page
    open_form(page, "photos")
    page.set_input_files("input[type=file]", str(camera_jpeg))
    page.wait_for_selector("form[data-state=ready]", timeout=30_000)
    page.evaluate("window.__rejectNext = true")
    attach = page.get_by_role("button", name="Attach photo")
    attach.tap()
    page.wait_for_function("() => !window.__rejectNext")
    assert page.locator("form").get_attribute("data-state") == "ready"
    assert attach.is_enabled()
    attach.tap()
    page.wait_for_selector("body[data-results='1']")
    assert last_result(page)["width"] == 1200
    assert page.locator("form").get_attribute("data-state") == "empty"
