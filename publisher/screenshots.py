"""The design gallery: every page type photographed, and one contact sheet of them all.

    invoke screenshots [--destination screenshots]

The pages, widths and colour schemes come from the SCREENSHOTS setting of
pelicanconf.py. The site is built into a temporary folder, served on a
loopback port and photographed in one headless chromium (output/ is not
touched): each page in each language, width and scheme (prefers-color-scheme
emulated), the search page with a query typed, and the latest newsletter
issue's email as the newsletter renders it. Files are named
<lang>-<page>-<width>[-dark].png (full page), and screenshots/contact-sheet.png
shows the first screen of each, labelled, in one grid; contact-sheet.json
lists its tiles (label, file, box).
"""

import argparse
import functools
import json
import logging
import re
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from pelican.settings import read_settings

from sitekit.build_context import RenderedEmails, state_of

from .browser import headless_chromium
from .build import build_site
from .local_server import LocalServer

logger = logging.getLogger(__name__)

WIDTHS = (375, 768, 1280)
SCHEMES = ("light", "dark")
EMAIL_WIDTHS = (375, 600)
SHEET = "contact-sheet.png"
# The first screen a reader sees, per width (phone, tablet, laptop); the contact sheet shows that much.
FIRST_SCREEN = {375: 667, 600: 800, 768: 1024, 1280: 800}
TILE_HEIGHT = 250
LABEL_HEIGHT = 32  # two lines: the page, then language, width and scheme
GAP = 14
MARGIN = 24
ROW_TITLE = 200
# Images and fonts are waited for, not slept for: lazy images are made eager and decoded.
SETTLE = """async () => {
    await document.fonts.ready;
    await Promise.all(Array.from(document.images, (image) => {
        image.loading = "eager";
        return image.decode().catch(() => null);
    }));
}"""


@dataclass
class Shot:
    name: str     # the page type ("home", "search", "email")
    lang: str
    width: int
    scheme: str
    file: str     # the PNG's name in the destination

    @property
    def label(self):
        return f"{self.lang} {self.name} {self.width}" + (" dark" if self.scheme == "dark" else "")


class ScreenshotError(RuntimeError):
    pass


def take_screenshots(destination="screenshots", settings_file="pelicanconf.py", only=None, widths=None):
    """Write the PNG of every shot and the contact sheet; return the paths (contact sheet last).
    ``only``: these page types alone (and "email"); ``widths``: these widths alone."""
    config = narrowed(read_settings(settings_file).get("SCREENSHOTS", {}), only, widths)
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    shots = []
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "output"
        with LocalServer(output) as server:
            report = build_site(settings_file, output, {"SITEURL": server.url, "FEED_DOMAIN": server.url})
            server.start()
            with headless_chromium() as browser:
                for shot, path, query in page_shots(config):
                    _shoot_page(browser, f"{server.url}/{path}", shot, query, destination)
                    shots.append(shot)
                emails = _latest_emails(report, config)
                for shot, rendered in email_shots(config, emails):
                    _shoot_email(browser, rendered.html, shot, emails.site_url, report.output, destination)
                    shots.append(shot)
    _remove_stale(destination, shots)
    sheet = contact_sheet(shots, destination, destination / SHEET)
    return [destination / shot.file for shot in shots] + [sheet]


def narrowed(config, only=None, widths=None):
    """The SCREENSHOTS setting with only some page types (``only``, "email" included) and widths."""
    config = dict(config)
    if only:
        unknown = set(only) - set(config.get("pages", {})) - {"email"}
        if unknown:
            raise ScreenshotError(f"no page type {', '.join(sorted(unknown))} in SCREENSHOTS['pages'] "
                                  f"(known: {', '.join(config.get('pages', {}))}, email)")
        config["pages"] = {name: paths for name, paths in config.get("pages", {}).items() if name in only}
        if "email" not in only:
            config["email"] = {**(config.get("email") or {}), "widths": []}
    if widths:
        config["widths"] = list(widths)
        email = config.get("email") or {}
        config["email"] = {**email, "widths": [w for w in email.get("widths", EMAIL_WIDTHS) if w in widths]}
    return config


def page_shots(config):
    """(Shot, path, query or None) per page, language, width and scheme, in the setting's order."""
    widths = config.get("widths", WIDTHS)
    schemes = config.get("schemes", SCHEMES)
    for name, paths in config.get("pages", {}).items():
        for lang, where in paths.items():
            path, query = (where["path"], where.get("query")) if isinstance(where, dict) else (where, None)
            for width in widths:
                for scheme in schemes:
                    yield Shot(name, lang, width, scheme, _file_name(lang, name, width, scheme)), path, query


def email_shots(config, emails):
    """(Shot, rendered email) per language of the latest issue, width and scheme."""
    email = config.get("email") or {}
    widths = email.get("widths", EMAIL_WIDTHS)
    schemes = config.get("schemes", SCHEMES)
    for rendered in emails.rendered:
        lang = rendered.issue.lang
        for width in widths:
            for scheme in schemes:
                yield Shot("email", lang, width, scheme, _file_name(lang, "email", width, scheme)), rendered


@dataclass
class _Emails:
    site_url: str
    rendered: list


def _latest_emails(report, config):
    """The rendered emails of the issue to show (SCREENSHOTS['email']['issue'], else the latest)."""
    if config.get("email") is False:
        return _Emails("", [])
    state = state_of(report.settings or {}, RenderedEmails)
    if state is None or not state.rendered:
        raise ScreenshotError("no newsletter email was rendered: is newsletter_issues in PLUGINS, "
                              "with an issue in content? Or set SCREENSHOTS['email'] = False")
    wanted = (config.get("email") or {}).get("issue") or max(rendered.issue.number for rendered in state.rendered)
    rendered = sorted((r for r in state.rendered if r.issue.number == wanted), key=lambda r: r.issue.lang)
    if not rendered:
        raise ScreenshotError(f"SCREENSHOTS['email']['issue'] is {wanted}: no such issue was rendered")
    return _Emails(state.site_url, rendered)


def _file_name(lang, name, width, scheme):
    return f"{lang}-{name}-{width}{'-dark' if scheme == 'dark' else ''}.png"


def _new_page(browser, shot):
    return browser.new_page(viewport={"width": shot.width, "height": FIRST_SCREEN.get(shot.width, 800)},
                            color_scheme=shot.scheme)


def _shoot_page(browser, url, shot, query, destination):
    page = _new_page(browser, shot)
    try:
        response = page.goto(url)
        if response is None or not response.ok:
            raise ScreenshotError(f"{url} answered {response.status if response else 'nothing'}; "
                                  "check SCREENSHOTS['pages'] in pelicanconf.py")
        if query:
            field = page.locator('input[name="q"]')
            field.fill(query)
            field.press("Enter")
            # The results, once Pagefind has answered: no sleep, the first card is waited for.
            page.locator(".search-list > li").first.wait_for(state="visible")
        page.evaluate(SETTLE)
        page.screenshot(path=str(destination / shot.file), full_page=True)
    finally:
        page.close()
    logger.info("wrote %s", shot.file)


def _shoot_email(browser, html, shot, site_url, output, destination):
    from .newsletter_review import _serve_from_build

    context = browser.new_context(viewport={"width": shot.width, "height": FIRST_SCREEN.get(shot.width, 800)},
                                  color_scheme=shot.scheme)
    try:
        # As `invoke newsletter-preview` does: the email's images come from the build, nothing else loads.
        context.route("**/*", lambda route: _serve_from_build(route, site_url, output))
        page = context.new_page()
        page.set_content(html, wait_until="load")
        page.evaluate(SETTLE)
        page.screenshot(path=str(destination / shot.file), full_page=True)
    finally:
        context.close()
    logger.info("wrote %s", shot.file)


def _remove_stale(destination, shots):
    """PNGs of an earlier run that this one did not write (a page since dropped from the setting)."""
    langs = "|".join(sorted({re.escape(shot.lang) for shot in shots}))
    if not langs:
        return
    pattern = re.compile(rf"^({langs})-.+-\d+(-dark)?\.png$")
    kept = {shot.file for shot in shots}
    for path in destination.glob("*.png"):
        if pattern.match(path.name) and path.name not in kept:
            path.unlink()


# The contact sheet -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _font(size):
    from PIL import ImageFont

    for candidate in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _fitting(draw, text, width, largest=13, smallest=8):
    """The largest label font (down to ``smallest``) in which ``text`` fits ``width``: no label runs into the next."""
    for size in range(largest, smallest, -1):
        font = _font(size)
        if draw.textlength(text, font=font) <= width:
            return font
    return _font(smallest)


def contact_sheet(shots, folder, target):
    """One PNG: a row per page type, a tile per shot (its first screen, scaled), labelled beneath.

    Columns are language, then width, then scheme, so light and dark sit side by side.
    Writes ``target`` and ``target``.json (the tiles' labels, files and boxes); returns ``target``.
    """
    from PIL import Image, ImageDraw

    rows = list(dict.fromkeys(shot.name for shot in shots))
    columns = {}
    for shot in shots:
        columns.setdefault(shot.name, []).append(shot)
    widths = {row: sum(_tile_width(shot.width) for shot in columns[row]) + GAP * (len(columns[row]) - 1)
              for row in rows}
    sheet_width = MARGIN * 2 + ROW_TITLE + max(widths.values(), default=0)
    row_height = TILE_HEIGHT + LABEL_HEIGHT + GAP * 2
    sheet_height = MARGIN * 2 + 40 + row_height * len(rows)
    sheet = Image.new("RGB", (sheet_width, sheet_height), (246, 244, 240))
    draw = ImageDraw.Draw(sheet)
    title_font, row_font = _font(26), _font(16)
    draw.text((MARGIN, MARGIN), f"Design gallery: {len(shots)} screenshots (first screen of each; "
                                "full pages in the PNG files)", fill=(30, 30, 30), font=title_font)
    tiles = []
    y = MARGIN + 40 + GAP
    for row in rows:
        draw.text((MARGIN, y + TILE_HEIGHT // 2 - 10), row, fill=(30, 30, 30), font=row_font)
        x = MARGIN + ROW_TITLE
        for shot in columns[row]:
            width = _tile_width(shot.width)
            with Image.open(folder / shot.file) as image:
                first = image.convert("RGB").crop((0, 0, image.width, min(image.height, _screen(shot.width))))
            tile = first.resize((width, round(first.height * width / first.width)), Image.LANCZOS)
            sheet.paste(tile, (x, y))
            draw.rectangle((x - 1, y - 1, x + width, y + tile.height), outline=(200, 196, 188))
            label_box = (x, y + TILE_HEIGHT + 4, x + width, y + TILE_HEIGHT + 4 + LABEL_HEIGHT)
            for line, text in enumerate((shot.name, shot.label.replace(f" {shot.name} ", " ", 1))):
                draw.text((x, label_box[1] + line * 15), text, fill=(20, 20, 20), font=_fitting(draw, text, width))
            tiles.append({"label": shot.label, "file": shot.file, "box": [x, y, x + width, y + tile.height],
                          "label_box": list(label_box), **asdict(shot)})
            x += width + GAP
        y += row_height
    sheet.save(target, optimize=True)
    Path(target).with_suffix(".json").write_text(json.dumps({"size": [sheet_width, sheet_height], "tiles": tiles},
                                                            indent=1), encoding="utf-8")
    logger.info("wrote %s (%d tiles)", target, len(tiles))
    return Path(target)


def _screen(width):
    return FIRST_SCREEN.get(width, round(width * 1.6))


def _tile_width(width):
    """The tile of a first screen TILE_HEIGHT high."""
    return round(width * TILE_HEIGHT / _screen(width))


def main(argv=None):
    parser = argparse.ArgumentParser(description="The design gallery: screenshots of every page type and a "
                                                 "contact sheet.")
    parser.add_argument("--destination", default="screenshots")
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--only", action="append", metavar="PAGE_TYPE",
                        help="this page type alone (repeatable; 'email' for the email)")
    parser.add_argument("--width", action="append", type=int, dest="widths", metavar="PX",
                        help="this width alone (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        written = take_screenshots(args.destination, args.settings, args.only, args.widths)
    except ScreenshotError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
