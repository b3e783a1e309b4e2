"""Draw the demo's nominee pictures, demo/demo_images/<slug>.png, one per
municipality of demo/demo_data.py: its name and county beside a plain
shield (not its coat of arms) in white on a calm colour of its own, 800 x 450
px. No photos, no people. load_demo copies them into MEDIA_ROOT, and their alt
texts (demo_data.image_of) say what they show. Run by hand after changing
them, then commit the PNGs:

    .venv/bin/python scripts/make_demo_images.py

Needs Pillow (a dependency of the app) and DejaVu Sans Bold (Debian:
fonts-dejavu-core)."""

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo import demo_data  # noqa: E402  (after the path above)

WIDTH, HEIGHT = 800, 450
SCALE = 3  # drawn this much larger, then scaled down: smooth edges
TEXT = "#ffffff"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
TARGET = ROOT / "demo" / "demo_images"
TEXT_LEFT, TEXT_RIGHT = 300, WIDTH - 56


def shield(left: int, top: int, width: int, height: int) -> list[tuple[float, float]]:
    """A plain heater shield: a flat top, straight sides, curving to a point."""
    points = [(left, top), (left + width, top), (left + width, top + height * 0.45)]
    steps = 24
    # Right side curving down to the point, then the left side back up.
    for i in range(1, steps + 1):
        t = i / steps
        points.append(
            (left + width - width / 2 * t**1.2, top + height * 0.45 + height * 0.55 * t**0.8)
        )
    for i in range(steps - 1, -1, -1):
        t = i / steps
        points.append((left + width / 2 * t**1.2, top + height * 0.45 + height * 0.55 * t**0.8))
    return points


def fitted(text: str, size: int) -> ImageFont.FreeTypeFont:
    """The font at ``size`` (at SCALE), smaller if the text would not fit the text column."""
    while size > 20:
        font = ImageFont.truetype(FONT, size * SCALE)
        if font.getlength(text) <= (TEXT_RIGHT - TEXT_LEFT) * SCALE:
            return font
        size -= 2
    return ImageFont.truetype(FONT, size * SCALE)


def scaled(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(x * SCALE, y * SCALE) for x, y in points]


def contrast(colour: str) -> float:
    """WCAG contrast of white text on the colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def main() -> None:
    TARGET.mkdir(exist_ok=True)
    for number, name, county, _slug in demo_data.MUNICIPALITIES:
        file_name, colour, _alt = demo_data.image_of(number)
        assert contrast(colour) >= 7, (colour, contrast(colour))
        image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), colour)
        draw = ImageDraw.Draw(image)
        # A white shield with the background inside it: an even outline.
        draw.polygon(scaled(shield(80, 105, 160, 220)), fill=TEXT)
        draw.polygon(scaled(shield(90, 115, 140, 194)), fill=colour)
        left = TEXT_LEFT * SCALE
        draw.text((left, 215 * SCALE), name, font=fitted(name, 64), fill=TEXT, anchor="ls")
        draw.text((left, 275 * SCALE), county, font=fitted(county, 34), fill=TEXT, anchor="ls")
        image = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
        path = TARGET / file_name
        image.save(path, format="PNG", optimize=True)
        print(f"{path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
