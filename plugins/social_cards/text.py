"""Text on a card: glyph coverage, measuring, wrapping and drawing.

Pillow's built-in scalable font (``ImageFont.load_default(size=...)``) holds
ASCII and a few marks (« » ’ …) but no accented letter and no no-break
space. A ``Face`` draws what the font lacks from what it has:

- a letter with accents (é, è, ê, ë, ç, î...) is its base letter plus marks
  drawn as lines and dots (an i or j under a mark loses its dot);
- a missing space (U+00A0, U+202F...) is a gap: a no-break space is as wide
  as a space, a narrow one a little over half as wide;
- œ, æ, ß and dashes become oe, ae, ss and a hyphen.

With a font that has every glyph (the ``font`` setting), text is drawn as is.
Wrapping only breaks at ordinary spaces, so French no-break spaces keep
"?" and "»" with their word.
"""

import functools
import math
import re
import unicodedata

from PIL import Image, ImageDraw

NOT_A_CHARACTER = "\U0010fffd"  # a private-use code point: no font draws it
NARROW_SPACES = {"\u202f", "\u2009", "\u200a", "\u2006", "\u2005"}
REPLACEMENTS = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss",
                "—": "-", "–": "-", "\u2011": "-", "\u2010": "-", "\u2212": "-"}
ACCENTS = {"\u0301": "acute", "\u0300": "grave", "\u0302": "circumflex",
           "\u0308": "diaeresis", "\u0303": "tilde", "\u030a": "ring", "\u0327": "cedilla"}
DOTTED = {"i", "j"}
BREAKABLE = re.compile(r"[ \t\r\n]+")  # not the no-break spaces
ELLIPSIS = "…"
SUPERSAMPLE = 4  # marks are drawn this many times larger, then reduced: smooth edges


class Face:
    """One font at one size, drawing every character it can, composing the others."""

    def __init__(self, font):
        self.font = font
        self.size = font.size
        self._notdef = _glyph(font, NOT_A_CHARACTER)
        self._pieces = {}
        self._marks = {}
        self._has = {}

    def has(self, char):
        """Whether the font has a glyph of its own for ``char``."""
        if char not in self._has:  # every card's text is checked: render each character once
            self._has[char] = _glyph(self.font, char) != self._notdef
        return self._has[char]

    def segments(self, text):
        """``text`` as drawing steps: ("text", str), ("gap", width) or ("accented", base, marks)."""
        steps = []
        for char in text:
            piece = self._piece(char)
            if piece[0] == "text" and steps and steps[-1][0] == "text":
                steps[-1] = ("text", steps[-1][1] + piece[1])
            else:
                steps.append(piece)
        return steps

    def missing(self, text):
        """The characters of ``text`` this face can only draw as a "missing glyph" box."""
        return sorted({char for char in text if self._piece(char) == ("text", char) and not self.has(char)})

    def length(self, text):
        """Advance width of ``text`` in pixels."""
        return sum(self._step_length(step) for step in self.segments(text))

    def draw(self, image, xy, text, fill, bold=0):
        """Draw ``text`` with its baseline starting at ``xy``; returns the advance."""
        x, y = xy
        draw = ImageDraw.Draw(image)
        for step in self.segments(text):
            if step[0] == "text":
                draw.text((x, y), step[1], font=self.font, fill=fill, anchor="ls",
                          stroke_width=bold, stroke_fill=fill)
            elif step[0] == "accented":
                self._draw_accented(image, draw, (x, y), step[1], step[2], fill, bold)
            x += self._step_length(step)
        return x - xy[0]

    def _piece(self, char):
        if char not in self._pieces:
            self._pieces[char] = self._make_piece(char)
        return self._pieces[char]

    def _make_piece(self, char):
        if self.has(char):
            return ("text", char)
        if unicodedata.category(char) == "Zs":
            space = self.font.getlength(" ")
            return ("gap", space * 0.55 if char in NARROW_SPACES else space)
        base, *marks = unicodedata.normalize("NFD", char)
        if marks and self.has(base) and all(mark in ACCENTS for mark in marks):
            return ("accented", base, tuple(ACCENTS[mark] for mark in marks))
        replacement = REPLACEMENTS.get(char)
        if replacement and all(self.has(c) for c in replacement):
            return ("text", replacement)
        return ("text", char)  # drawn as the font's "missing glyph" box

    def _step_length(self, step):
        if step[0] == "gap":
            return step[1]
        return self.font.getlength(step[1])

    def _draw_accented(self, image, draw, xy, base, marks, fill, bold):
        x, y = xy
        left, top, right, _ = self.font.getbbox(base, anchor="ls")
        above = [mark for mark in marks if mark != "cedilla"]
        if base in DOTTED and above:
            top = self.font.getbbox("x", anchor="ls")[1]
            self._draw_undotted(image, (x, y), base, top, fill, bold)
        else:
            draw.text((x, y), base, font=self.font, fill=fill, anchor="ls", stroke_width=bold, stroke_fill=fill)
        centre = x + (left + right) / 2
        for mark in marks:
            mask, (across, down) = self._mark(mark, bold)
            anchor = y if mark == "cedilla" else y + top
            image.paste(fill, (round(centre - across), round(anchor - down)), mask)

    def _mark(self, mark, bold):
        key = (mark, bold)
        if key not in self._marks:
            self._marks[key] = _mark_mask(mark, self.size, bold)
        return self._marks[key]

    def _draw_undotted(self, image, xy, base, x_height_top, fill, bold):
        """Draw an i or j without its dot: only what lies below the x-height."""
        x, y = round(xy[0]), round(xy[1])
        left, top, right, bottom = self.font.getbbox(base, anchor="ls", stroke_width=bold)
        mask = Image.new("L", (right - left + 2, bottom - top + 2))
        ImageDraw.Draw(mask).text((-left + 1, -top + 1), base, font=self.font, fill=255, anchor="ls",
                                  stroke_width=bold, stroke_fill=255)
        cut = x_height_top - top - bold + 1
        if cut > 0:
            mask.paste(0, (0, 0, mask.width, cut))
        image.paste(fill, (x + left - 1, y + top - 1), mask)


def _glyph(font, char):
    mask = font.getmask(char)
    return mask.size, bytes(mask)


def _mark_mask(mark, size, bold):
    """An anti-aliased mask of one mark (drawn four times larger, then reduced),
    and where in it lies its anchor: the top of the letter's ink, or the
    baseline for a cedilla."""
    half, up, down = math.ceil(size * 0.3), math.ceil(size * 0.4), math.ceil(size * 0.3)
    mask = Image.new("L", (2 * half * SUPERSAMPLE, (up + down) * SUPERSAMPLE))
    _draw_mark(ImageDraw.Draw(mask), mark, (half * SUPERSAMPLE, up * SUPERSAMPLE),
               size * SUPERSAMPLE, bold * SUPERSAMPLE)
    return mask.reduce(SUPERSAMPLE), (half, up)


def _draw_mark(draw, mark, anchor, size, bold):
    """One accent whose lowest point is a little above ``anchor``, or a cedilla under it."""
    centre, low = anchor[0], anchor[1] - size * 0.07
    width = max(2, round(size * 0.07)) + bold
    high, half = size * 0.15, size * 0.1
    if mark == "acute":
        draw.line([(centre - half * 0.5, low), (centre + half * 0.6, low - high)], fill=255, width=width)
    elif mark == "grave":
        draw.line([(centre + half * 0.5, low), (centre - half * 0.6, low - high)], fill=255, width=width)
    elif mark == "circumflex":
        draw.line([(centre - half, low), (centre, low - high), (centre + half, low)], fill=255, width=width,
                  joint="curve")
    elif mark == "diaeresis":
        radius = size * 0.045 + bold / 2
        for dx in (-size * 0.1, size * 0.1):
            draw.ellipse([centre + dx - radius, low - 2 * radius, centre + dx + radius, low], fill=255)
    elif mark == "tilde":
        wave = [(centre + half * 1.3 * (i / 6 - 1), low - high * 0.45 - high * 0.4 * math.sin(i * math.pi / 6))
                for i in range(13)]
        draw.line(wave, fill=255, width=max(2, round(width * 0.7)), joint="curve")
    elif mark == "ring":
        radius = high * 0.45
        draw.ellipse([centre - radius, low - 2 * radius, centre + radius, low], outline=255, width=max(1, width // 2))
    elif mark == "cedilla":
        baseline, drop = anchor[1], size * 0.2
        hook = [(centre, baseline), (centre + half * 0.15, baseline + drop * 0.35),
                (centre + half * 0.55, baseline + drop * 0.6), (centre - half * 0.5, baseline + drop)]
        draw.line(hook, fill=255, width=max(2, width - 1), joint="curve")


# --- Wrapping ------------------------------------------------------------------

def words(text):
    return [word for word in BREAKABLE.split(text.strip()) if word]


def wrap(text, measure, width):
    """Greedy wrap of ``text`` into lines no wider than ``width`` (as ``measure`` says).

    A word wider than a line is cut where it must be.
    """
    lines, current = [], ""
    for word in words(text):
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        *full, current = split_word(word, measure, width)
        lines.extend(full)
    if current:
        lines.append(current)
    return lines


def split_word(word, measure, width):
    """A word as pieces that each fit in ``width`` (one piece when it fits)."""
    pieces = []
    while measure(word) > width and len(word) > 1:
        cut = longest_fitting(word, lambda n: measure(word[:n]) <= width)
        pieces.append(word[:cut])
        word = word[cut:]
    return pieces + [word]


def longest_fitting(text, fits):
    """The largest n (at least 1) for which fits(n) holds, fits being true up to some n."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def balanced_wrap(text, measure, width):
    """The greedy wrap's number of lines, with lines as even as possible.

    Finds the narrowest width that keeps that number of lines, so the last
    line is not left with a single short word.
    """
    lines = wrap(text, measure, width)
    if len(lines) < 2:
        return lines
    narrowest, widest = int(width * 0.5), int(width)
    while narrowest < widest:
        middle = (narrowest + widest) // 2
        if len(wrap(text, measure, middle)) <= len(lines):
            widest = middle
        else:
            narrowest = middle + 1
    return wrap(text, measure, widest)


def fit_lines(text, face_at, sizes, width, max_lines):
    """(face, lines) for the largest of ``sizes`` at which ``text`` fits in ``max_lines``.

    ``face_at(size)`` gives the Face of a size. Past the smallest size, the
    text is cut and ends with an ellipsis.
    """
    for size in sizes:
        face = face_at(size)
        measure = functools.cache(face.length)  # balancing tries many widths: the same lines again
        lines = wrap(text, measure, width)
        if len(lines) <= max_lines:
            return face, balanced_wrap(text, measure, width)
    return face, lines[:max_lines - 1] + [shorten(" ".join(lines[max_lines - 1:]), measure, width)]


def shorten(text, measure, width):
    """``text`` cut to fit ``width``, ending with an ellipsis when cut."""
    if measure(text) <= width:
        return text
    if measure(text[:1] + ELLIPSIS) > width:
        return ELLIPSIS
    cut = longest_fitting(text, lambda n: measure(text[:n].rstrip() + ELLIPSIS) <= width)
    return text[:cut].rstrip() + ELLIPSIS
