"""Demo images drawn with Pillow: no downloads, deterministic per title."""

import hashlib
from io import BytesIO

from django.core.files.images import ImageFile
from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1600, 1000


def _colours(seed: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    digest = hashlib.sha256(seed.encode()).digest()
    return (digest[0], digest[1], digest[2]), (digest[3], digest[4], digest[5])


def draw_demo_image(title: str) -> ImageFile:
    """A gradient with a few shapes and the title, as a PNG file ready for a Wagtail image."""
    start, end = _colours(title)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        t = y / HEIGHT
        draw.line([(0, y), (WIDTH, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(start, end)))
    draw.ellipse([WIDTH * 0.55, HEIGHT * 0.2, WIDTH * 0.9, HEIGHT * 0.75], fill=end, outline=start, width=12)
    draw.rectangle([80, HEIGHT - 220, WIDTH - 80, HEIGHT - 80], fill=(255, 255, 255))
    draw.text((110, HEIGHT - 180), title, fill=(20, 20, 20), font_size=64)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    return ImageFile(buffer, name=f"{slug}.png")
