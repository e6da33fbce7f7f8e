"""The rates per issue over time, one line per language: a PNG (for the README, an email) and an SVG (the web).

No plotting library: matplotlib would add some 25 MB (numpy and its own
dependencies) to every fresh install of the tests, and pygal makes PNGs only
through cairosvg and the cairo C library. Two small panels of lines are a few
shapes, laid out once (``layout``) and drawn twice: with Pillow, already a
dependency of the build, at twice the size then reduced (smooth lines, few
colours, a small file), and as SVG text.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from .model import rates

WIDTH, HEIGHT = 880, 520
MARGIN_LEFT, MARGIN_RIGHT, TOP, PANEL_GAP, BOTTOM = 64, 120, 78, 60, 56
PANELS = (("open_rate", "Open rate (unique opens / delivered)"),
          ("click_rate", "Click rate (unique clicks / delivered)"))
COLOURS = ("#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#a16207")
INK, GRID, PAPER = "#222222", "#d9d9d9", "#ffffff"
SCALE = 2   # the PNG is drawn at twice the size, then reduced: smooth lines without antialiasing


@dataclass
class Shape:
    kind: str            # "line" | "polyline" | "dot" | "text"
    points: tuple        # ((x, y), ...)
    colour: str = INK
    width: float = 1.0
    text: str = ""
    size: int = 12
    anchor: str = "start"   # text: start | middle | end
    bold: bool = False


def series(results, first_lang=None):
    """{lang: [(issue number, sent date, {rate: value})]}, oldest issue first; ``first_lang`` first."""
    found = {}
    for result in sorted(results, key=lambda r: (r.campaign.sent_at, r.campaign.number)):
        found.setdefault(result.campaign.lang, []).append(
            (result.campaign.number, result.campaign.sent_at[:10], rates(result.figures)))
    return {lang: found[lang] for lang in sorted(found, key=lambda lang: (lang != first_lang, lang))}


def layout(lines, title="Newsletter: rates per issue"):
    """The chart's shapes: two panels sharing the issues along x, one line per language in each."""
    first_sent = {}
    for points in lines.values():
        for number, date, _rates in points:
            first_sent[number] = min(date, first_sent.get(number, date))
    issues = sorted((date, number) for number, date in first_sent.items())
    xs = _x_positions([number for _date, number in issues])
    shapes = [Shape("text", ((MARGIN_LEFT, 30),), text=title, size=18, bold=True)]
    panel_height = (HEIGHT - TOP - BOTTOM - PANEL_GAP) / 2
    for index, (rate_name, label) in enumerate(PANELS):
        top = TOP + index * (panel_height + PANEL_GAP)
        values = [rates_of[rate_name] for points in lines.values() for _number, _date, rates_of in points
                  if rates_of[rate_name] is not None]
        ceiling = _ceiling(max(values, default=0))
        shapes += _panel(top, panel_height, label, ceiling)
        for lang_index, (lang, points) in enumerate(lines.items()):
            colour = COLOURS[lang_index % len(COLOURS)]
            placed = [(xs[number], top + panel_height * (1 - point[rate_name] / ceiling))
                      for number, _date, point in points if point[rate_name] is not None]
            if len(placed) > 1:
                shapes.append(Shape("polyline", tuple(placed), colour, 2.5))
            shapes += [Shape("dot", (xy,), colour, 4) for xy in placed]
            if placed:
                shapes.append(Shape("text", ((placed[-1][0] + 10, placed[-1][1] + 4),), colour, text=lang, size=13,
                                    bold=True))
    bottom = HEIGHT - BOTTOM
    for date, number in issues:
        shapes.append(Shape("text", ((xs[number], bottom + 18),), text=f"n° {number}", size=12, anchor="middle"))
        shapes.append(Shape("text", ((xs[number], bottom + 34),), "#555555", text=date, size=11, anchor="middle"))
    return shapes


def write(results, folder, first_lang=None, name="rates"):
    """rates.png and rates.svg in ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    shapes = layout(series(results, first_lang))
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    draw_png(shapes).save(png, optimize=True)
    svg.write_text(draw_svg(shapes), encoding="utf-8")
    return png, svg


def draw_png(shapes):
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), PAPER)
    pen = ImageDraw.Draw(image)
    for shape in shapes:
        points = [(x * SCALE, y * SCALE) for x, y in shape.points]
        if shape.kind in ("line", "polyline"):
            pen.line(points, fill=shape.colour, width=round(shape.width * SCALE), joint="curve")
        elif shape.kind == "dot":
            (x, y), radius = points[0], shape.width * SCALE
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=shape.colour)
        else:
            font = ImageFont.load_default(size=shape.size * SCALE)
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[shape.anchor]
            pen.text(points[0], shape.text, fill=shape.colour, font=font, anchor=anchor,
                     stroke_width=1 if shape.bold else 0, stroke_fill=shape.colour)
    reduced = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    return reduced.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def draw_svg(shapes):
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" font-family="system-ui, sans-serif" role="img">',
             f'<title>{escape(shapes[0].text)}</title>', f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{PAPER}"/>']
    for shape in shapes:
        if shape.kind == "line":
            (x1, y1), (x2, y2) = shape.points
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{shape.colour}" '
                         f'stroke-width="{shape.width}"/>')
        elif shape.kind == "polyline":
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{shape.colour}" '
                         f'stroke-width="{shape.width}" stroke-linejoin="round"/>')
        elif shape.kind == "dot":
            (x, y), = shape.points
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{shape.width}" fill="{shape.colour}"/>')
        else:
            (x, y), = shape.points
            weight = ' font-weight="bold"' if shape.bold else ""
            parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{shape.size}" fill="{shape.colour}" '
                         f'text-anchor="{shape.anchor}"{weight}>{escape(shape.text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(top, height, label, ceiling):
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    shapes = [Shape("text", ((left, top - 10),), text=label, size=13, bold=True)]
    steps = round(ceiling / _tick(ceiling))
    for step in range(steps + 1):
        y = top + height * (1 - step / steps)
        shapes.append(Shape("line", ((left, y), (right, y)), GRID if step else INK, 1))
        shapes.append(Shape("text", ((left - 8, y + 4),), "#555555", text=f"{ceiling * step / steps * 100:.0f} %",
                            size=11, anchor="end"))
    return shapes


def _x_positions(numbers):
    """Issues evenly spaced in the order they went out (one issue: in the middle)."""
    left, right = MARGIN_LEFT + 24, WIDTH - MARGIN_RIGHT - 24
    if len(numbers) == 1:
        return {numbers[0]: (left + right) / 2}
    step = (right - left) / (len(numbers) - 1)
    return {number: left + index * step for index, number in enumerate(numbers)}


def _tick(ceiling):
    """Grid lines every 5 % up to 30 %, every 10 % up to 60 %, else every 20 %."""
    return 0.05 if ceiling <= 0.3 else 0.1 if ceiling <= 0.6 else 0.2


def _ceiling(highest):
    """The panel's top: the next 10 % above the highest rate (20 % above 60 %; 20 % at least, 100 % at most)."""
    tenths = int(highest * 10 - 1e-9) + 1
    if tenths > 6:
        tenths += tenths % 2   # whole steps of the 20 % grid
    return min(1.0, max(0.2, tenths / 10))
