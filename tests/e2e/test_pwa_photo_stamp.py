"""A photo taken on site, offline, reaches the server with its metadata stripped and a visible
stamp (order number and the time it was taken) burned into the picture for warranty claims."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

from server.extensions import db
from server.models import Photo
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.e2e.pwa_flow import add_photo, jpeg, open_order, sign_in, wait_offline_ready, wait_synced
from tests.e2e.pwa_seed import seed_visit


def camera_shot() -> bytes:
    """A camera JPEG carrying the metadata a phone adds: maker and GPS position."""
    image = Image.open(io.BytesIO(jpeg(7)))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 10.5), 3: "E", 4: (121.0, 28.0, 33.2)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def stamped_photo(browser: Any, live_server: Any, live_app: Any, locale: str, name: str) -> Image.Image:
    now = datetime.now(UTC)
    seeded = seed_visit(
        live_app,
        status="on_site",
        appointment_in=timedelta(minutes=-30),
        arrived_at=now - timedelta(minutes=25),
        departed_at=now - timedelta(minutes=50),
    )
    phone = browser.new_context(base_url=live_server.url, locale=locale, **PHONE)
    try:
        page = phone.new_page()
        sign_in(page)
        wait_synced(page)
        wait_offline_ready(page)
        open_order(page, seeded.order_number)
        phone.set_offline(True)
        add_photo(page, camera_shot(), "damage.jpg")
        phone.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        wait_synced(page)
    finally:
        phone.close()
    with live_app.app_context():
        photo = db.session.query(Photo).filter_by(order_id=seeded.order_id).one()
        path = Path(live_app.config["BLOB_DIR"])
        stored = next(p for p in path.rglob("*") if p.is_file() and photo.sha256 in p.name)
        image = Image.open(io.BytesIO(stored.read_bytes()))
        image.load()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / f"{name}.png")
    return image


def band_and_body(image: Image.Image) -> tuple[float, float]:
    """Mean brightness of the bottom 4% (the stamp's band) and of the middle of the picture."""
    w, h = image.size
    grey = image.convert("L")
    band = ImageStat.Stat(grey.crop((0, int(h * 0.96), w, h))).mean[0]
    body = ImageStat.Stat(grey.crop((0, int(h * 0.3), w, int(h * 0.7)))).mean[0]
    return band, body


def test_a_photo_reaches_the_server_stamped_and_without_metadata(
    browser: Any, live_server: Any, live_app: Any
) -> None:
    image = stamped_photo(browser, live_server, live_app, "en-US", "pwa-photo-stamped-en")
    assert not image.getexif()  # no maker, no GPS position
    band, body = band_and_body(image)
    assert band < body - 40, (band, body)  # the dark stamp band with light text is burned in
    # The text is there: the band is not flat dark, white strokes sit in it.
    w, h = image.size
    strokes = image.convert("L").crop((0, int(h * 0.95), w // 2, h)).getextrema()
    assert strokes[1] > 200, strokes


def test_the_stamp_is_burned_in_on_a_chinese_phone_too(browser: Any, live_server: Any, live_app: Any) -> None:
    image = stamped_photo(browser, live_server, live_app, "zh-CN", "pwa-photo-stamped-zh")
    band, body = band_and_body(image)
    assert band < body - 40, (band, body)
