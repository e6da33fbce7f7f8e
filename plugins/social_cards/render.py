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

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from sitekit.file_aside import written_aside

from .text import fit_lines, shorten

WIDTH, HEIGHT = 1200, 630
MARGIN = 88
BAND_HEIGHT = 104
TITLE_TOP, TITLE_BOTTOM = 168, HEIGHT - BAND_HEIGHT - 40
TITLE_SIZES = range(76, 39, -4)
TITLE_LINES = 4
LINE_HEIGHT = 1.2
SITE_SIZE, CATEGORY_SIZE = 34, 28
INK_LEVELS = 16  # shades between a ground and its ink: 2 × 16 palette entries in all
FULL = 255  # ink coverage of a solid stroke
BAND_TOP = HEIGHT - BAND_HEIGHT
ACCENT = 2 * INK_LEVELS - 1  # palette index of the accent: full ink on the band
ACCENT_BARS = ((MARGIN, 64, MARGIN + 72, 70), (0, BAND_TOP, WIDTH, BAND_TOP + 4))
DIGEST_KEY = "social-card"  # PNG text chunk holding the digest of what the card shows


def draw_card(card, config, face_at):
    """The card's image: ``card`` has site_name, title and category (or None).

    Text is drawn as coverage on a grey "ink" image, which then becomes a
    palette image: above the band, shades from the background to the text
    colour; in the band, from the band colour to the accent. Every pixel of a
    card is one of those two blends, so this is exact where quantizing an RGB
    drawing would guess, and it skips the quantizing (7 ms a card).
    """
    ink = Image.new("L", (WIDTH, HEIGHT))
    _draw_header(ink, card.site_name, face_at)
    _draw_title(ink, card.title, face_at)
    _draw_band(ink, card.category, face_at)
    return _coloured(ink, config)


def _draw_header(ink, site_name, face_at):
    face = face_at(SITE_SIZE)
    face.draw(ink, (MARGIN, 118), shorten(site_name, face.length, WIDTH - 2 * MARGIN), FULL)


def _draw_title(ink, title, face_at):
    width = WIDTH - 2 * MARGIN
    face, lines = fit_lines(title, face_at, TITLE_SIZES, width - 4, TITLE_LINES)
    step = face.size * LINE_HEIGHT
    ascent = face.size * 0.78  # from the top of a line box to its baseline
    block = step * (len(lines) - 1) + face.size
    top = TITLE_TOP + max(0, (TITLE_BOTTOM - TITLE_TOP - block) / 2)
    bold = max(1, face.size // 36)
    for index, line in enumerate(lines):
        face.draw(ink, (MARGIN, round(top + ascent + index * step)), line, FULL, bold=bold)


def _draw_band(ink, category, face_at):
    if category:
        face = face_at(CATEGORY_SIZE)
        label = shorten(category.upper(), face.length, WIDTH - 2 * MARGIN)
        face.draw(ink, (MARGIN, HEIGHT - BAND_HEIGHT / 2 + CATEGORY_SIZE * 0.36), label, FULL)


def _coloured(ink, config):
    """The ink as a palette image in the card's colours, with the accent bars."""
    indexed = ink.point(_shades(first=0))
    band = ink.crop((0, BAND_TOP, WIDTH, HEIGHT)).point(_shades(first=INK_LEVELS))
    indexed.paste(band, (0, BAND_TOP))
    for box in ACCENT_BARS:
        indexed.paste(ACCENT, box)
    indexed.putpalette(_blend(config["background"], config["text"]) + _blend(config["band"], config["accent"]))
    return indexed


def _shades(first):
    """Point table: ink coverage 0-255 to the palette index of the nearest shade."""
    return [first + round(coverage * (INK_LEVELS - 1) / FULL) for coverage in range(256)]


def _blend(ground, ink):
    """INK_LEVELS colours from ``ground`` to ``ink``, flat RGB as putpalette takes them."""
    steps = INK_LEVELS - 1
    return [round(g + (i - g) * level / steps) for level in range(INK_LEVELS) for g, i in zip(ground, ink)]


def save_card(image, path, digest):
    """Save a card's palette image as a PNG, atomically (a served site never sees half a file)."""
    info = PngInfo()
    info.add_text(DIGEST_KEY, digest)
    with written_aside(path, binary=True, permissions=0o644) as stream:
        # zlib level 3: 3 ms a card and about 19 KiB, where the default level 6 takes 8 ms
        # for 15 KiB. A cold build of a 1,000-post site saves 1,500 cards; only sharing
        # previews fetch them, once each.
        image.save(stream, "PNG", compress_level=3, pnginfo=info)


def stored_digest(path):
    """The digest saved in a card, or None (no file, not a card, unreadable)."""
    try:
        with Image.open(path) as image:
            return image.info.get(DIGEST_KEY)
    except (OSError, ValueError):
        return None
