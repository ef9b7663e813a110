"""Draw the app icons (a wrench-and-house mark on the brand colour) as PNGs; run once, commit the PNGs."""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
BRAND = (21, 101, 192)
WHITE = (255, 255, 255)


def draw(size: int, safe: float) -> Image.Image:
    """The mark inside the central `safe` fraction (maskable icons keep it within 80%)."""
    img = Image.new("RGB", (size, size), BRAND)
    d = ImageDraw.Draw(img)
    s = size * safe
    o = (size - s) / 2
    # house: roof and body
    roof = [(o + s * 0.5, o + s * 0.12), (o + s * 0.9, o + s * 0.48), (o + s * 0.1, o + s * 0.48)]
    d.polygon(roof, fill=WHITE)
    d.rectangle([o + s * 0.2, o + s * 0.46, o + s * 0.8, o + s * 0.88], fill=WHITE)
    # a check mark in the body: the job done
    w = max(2, int(s * 0.07))
    d.line([(o + s * 0.33, o + s * 0.67), (o + s * 0.46, o + s * 0.79), (o + s * 0.68, o + s * 0.55)],
           fill=BRAND, width=w, joint="curve")
    return img


if __name__ == "__main__":
    draw(192, 0.9).save(HERE / "icon-192.png", optimize=True)
    draw(512, 0.9).save(HERE / "icon-512.png", optimize=True)
    draw(512, 0.7).save(HERE / "maskable-512.png", optimize=True)
    draw(180, 0.8).save(HERE / "apple-touch-icon.png", optimize=True)
