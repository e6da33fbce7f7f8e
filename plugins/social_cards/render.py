"""Drawing a card and saving it as a small PNG that remembers what it shows.

The layout, 1200×630 (the size Open Graph and X previews expect):

    ┌───────────────────────────────────────────────┐
    │ ▬▬                                            │  accent bar
    │ Site name                                     │
    │                                               │
    │ The title of the post, in up to four          │  largest size that fits
    │ lines, as even as possible                    │
    │                                               │
    ├───────────────────────────────────────────────┤
    │ CATEGORY                                      │  darker band
    └───────────────────────────────────────────────┘
"""

import os
import tempfile

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .text import fit_lines, shorten

WIDTH, HEIGHT = 1200, 630
MARGIN = 88
BAND_HEIGHT = 104
TITLE_TOP, TITLE_BOTTOM = 168, HEIGHT - BAND_HEIGHT - 40
TITLE_SIZES = range(76, 39, -4)
TITLE_LINES = 4
LINE_HEIGHT = 1.2
SITE_SIZE, CATEGORY_SIZE = 34, 28
PALETTE_COLOURS = 32
DIGEST_KEY = "social-card"  # PNG text chunk holding the digest of what the card shows


def draw_card(card, config, face_at):
    """The card's image: ``card`` has site_name, title and category (or None)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), config["background"])
    _draw_header(image, card.site_name, config, face_at)
    _draw_title(image, card.title, config, face_at)
    _draw_band(image, card.category, config, face_at)
    return image


def _draw_header(image, site_name, config, face_at):
    image.paste(config["accent"], (MARGIN, 64, MARGIN + 72, 70))
    face = face_at(SITE_SIZE)
    face.draw(image, (MARGIN, 118), shorten(site_name, face.length, WIDTH - 2 * MARGIN), config["text"])


def _draw_title(image, title, config, face_at):
    width = WIDTH - 2 * MARGIN
    face, lines = fit_lines(title, face_at, TITLE_SIZES, width - 4, TITLE_LINES)
    step = face.size * LINE_HEIGHT
    ascent = face.size * 0.78  # from the top of a line box to its baseline
    block = step * (len(lines) - 1) + face.size
    top = TITLE_TOP + max(0, (TITLE_BOTTOM - TITLE_TOP - block) / 2)
    bold = max(1, face.size // 36)
    for index, line in enumerate(lines):
        face.draw(image, (MARGIN, round(top + ascent + index * step)), line, config["text"], bold=bold)


def _draw_band(image, category, config, face_at):
    image.paste(config["band"], (0, HEIGHT - BAND_HEIGHT, WIDTH, HEIGHT))
    image.paste(config["accent"], (0, HEIGHT - BAND_HEIGHT, WIDTH, HEIGHT - BAND_HEIGHT + 4))
    if category:
        face = face_at(CATEGORY_SIZE)
        label = shorten(category.upper(), face.length, WIDTH - 2 * MARGIN)
        face.draw(image, (MARGIN, HEIGHT - BAND_HEIGHT / 2 + CATEGORY_SIZE * 0.36), label, config["accent"])


def save_card(image, path, digest):
    """Save as a palette PNG, atomically (a served site never sees half a file)."""
    info = PngInfo()
    info.add_text(DIGEST_KEY, digest)
    small = image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "wb") as stream:
            # zlib's default level: 8 ms a card where optimize=True (level 9) takes 40 ms, for
            # files 15 % larger. Only sharing previews fetch them; a 1,000-post site has 1,500.
            small.save(stream, "PNG", compress_level=6, pnginfo=info)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def stored_digest(path):
    """The digest saved in a card, or None (no file, not a card, unreadable)."""
    try:
        with Image.open(path) as image:
            return image.info.get(DIGEST_KEY)
    except (OSError, ValueError):
        return None
