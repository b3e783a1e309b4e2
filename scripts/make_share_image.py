"""Draw static/img/share.png, the picture shown when a nominee page without an
image of its own is shared on social media: 1200 x 630 px (Open Graph's and
X's large card), the prize's name and IMDi in white on the site's green
(contrast 9.3:1). Run by hand after changing it, then commit the PNG:

    .venv/bin/python scripts/make_share_image.py

Needs Pillow (a dependency of the app) and Liberation Sans Bold
(Debian: fonts-liberation)."""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
BRAND = "#00504b"  # --brand in static/css/site.css
TEXT = "#ffffff"
FONT = "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"
TARGET = Path(__file__).resolve().parent.parent / "static" / "img" / "share.png"
MARGIN = 96


def main() -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), BRAND)
    draw = ImageDraw.Draw(image)
    title = ImageFont.truetype(FONT, 88)
    owner = ImageFont.truetype(FONT, 60)

    draw.rectangle((MARGIN, 150, MARGIN + 120, 158), fill=TEXT)
    draw.multiline_text(
        (MARGIN, 196), "Bosettings- og\nintegreringsprisen", font=title, fill=TEXT, spacing=18
    )
    draw.text((MARGIN, HEIGHT - 96), "IMDi", font=owner, fill=TEXT, anchor="ls")
    image.save(TARGET, format="PNG", optimize=True)
    print(f"{TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
