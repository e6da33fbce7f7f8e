"""The ``BRAND`` setting: the look every page and email shows (logo, accent colours, font pair,
home cover and pitch, social profiles), checked once and shared by the plugins that draw it.

    config = sitekit.brand.load(settings)     # the checked config, colours derived
    config["colors"]["light"]["accent"]       # what --accent is in the light scheme

Pelican's own THEME setting names the theme's folder, so the brand has a name of its own.
The accent must stay readable: as link text on the page background, 4.5:1 in each scheme (an
accent that fails stops the build with one line naming the key, the ratio and a colour that
passes); as a button fill behind its label, the fill is derived (darkened or lightened in
steps) when the accent itself does not reach 4.5:1 there.
"""

import hashlib
import os
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from .file_aside import write_aside
from .settings import Invalid, Option, Schema, SettingsError, require

# The page backgrounds and body text of theme/css/00-tokens.css (light, dark): the accent is
# checked against these.
BACKGROUND = {"light": "#fdfcf9", "dark": "#17171a"}
TEXT = {"light": "#1d1d1f", "dark": "#ecebe7"}
DEFAULT_ACCENT = "#a4361d"
TEXT_RATIO, FOCUS_RATIO = 4.5, 3.0

# The font pairs the theme bundles (theme/static/fonts/, theme/css/10-fonts.css) and a pair of
# system faces only. Each stack ends with faces every reader has: the email uses the fallbacks.
FONT_PAIRS = {
    "source": {
        "text": '"Source Serif 4", Georgia, "Times New Roman", serif',
        "ui": '"Source Sans 3", "Segoe UI", Helvetica, Arial, sans-serif',
        "preload": ["source-serif-4-400.woff2", "source-sans-3-400.woff2", "source-sans-3-600.woff2"],
    },
    "system": {
        "text": 'Georgia, "Times New Roman", serif',
        "ui": 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
        "preload": [],
    },
}

# Social profiles whose icon the theme draws (theme/templates/_icons.html); any other name: "link".
SOCIAL_ICONS = ("linkedin", "mastodon", "bluesky", "instagram", "youtube", "github", "rss", "email")

HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
IMAGE_SUFFIXES = (".svg", ".png")
COVER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


# --- colours -------------------------------------------------------------------------------

def rgb(colour):
    """(r, g, b) 0–255 of ``#rrggbb`` or ``#rgb``; Invalid otherwise."""
    match = HEX.fullmatch(colour.strip()) if isinstance(colour, str) else None
    require(match)
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))


def hex_colour(channels):
    return "#" + "".join(f"{round(min(255, max(0, c))):02x}" for c in channels)


def luminance(colour):
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, other):
    """WCAG 2 contrast ratio of two colours, 1 to 21."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def toward(colour, target, needed, against):
    """``colour`` mixed with ``target`` (black or white) in 4 % steps until it reaches ``needed``
    against ``against``: the nearest colour of the same hue that passes."""
    start, end = rgb(colour), rgb(target)
    for step in range(26):
        share = step * 0.04
        mixed = hex_colour(s + (e - s) * share for s, e in zip(start, end))
        if contrast(mixed, against) >= needed:
            return mixed
    return target


def passing_text_colour(colour, scheme):
    """A colour near ``colour`` readable as text on the ``scheme``'s background."""
    return toward(colour, "#000000" if scheme == "light" else "#ffffff", TEXT_RATIO, BACKGROUND[scheme])


def fill_colours(accent):
    """(fill, label colour) of a button in ``accent``: white or near-black label, whichever reads
    better, and the fill darkened or lightened in steps when neither reaches 4.5:1."""
    labels = ("#ffffff", "#17171a")
    label = max(labels, key=lambda candidate: contrast(accent, candidate))
    if contrast(accent, label) >= TEXT_RATIO:
        return accent.lower(), label
    fill = toward(accent, "#000000" if label == "#ffffff" else "#ffffff", TEXT_RATIO, label)
    return fill, label


def scheme_colours(accent, scheme):
    fill, on_accent = fill_colours(accent)
    return {"background": BACKGROUND[scheme], "text": TEXT[scheme], "accent": accent.lower(),
            "accent_fill": fill, "on_accent": on_accent}


def check_accent(colour, key, scheme):
    """Refuses an accent unreadable as link text on the ``scheme``'s page background, naming a
    colour of the same hue that passes."""
    ratio = contrast(colour, BACKGROUND[scheme])
    if ratio < TEXT_RATIO:
        better = passing_text_colour(colour, scheme)
        raise SettingsError(
            f"{key} {colour} reaches only {ratio:.2f}:1 as link text on the {scheme} background "
            f"{BACKGROUND[scheme]} (4.5:1 needed): use '{better}' "
            f"(the same hue, {'darker' if scheme == 'light' else 'lighter'}: "
            f"{contrast(better, BACKGROUND[scheme]):.2f}:1)",
            key)


# --- options -------------------------------------------------------------------------------

class Colour(Option):
    kind = "colour #rrggbb"
    error = "{key} must be a colour written #rrggbb, e.g. '#a4361d', not {value!r}"

    def convert(self, value):
        if value is None and self.default is None:
            return None
        return hex_colour(rgb(value))


class ProjectFile(Option):
    """A file of the project: relative to the content folder (PATH) or to the folder the build
    runs in; None where the option allows it."""

    kind = "path or None"

    def __init__(self, default, doc, suffixes):
        listed = " or ".join(s.lstrip(".").upper() for s in suffixes)
        super().__init__(default, doc, f"{{key}} must be the path of a {listed} file of the project "
                                       f"(relative to the content folder), or None, not {{value!r}}")
        self.suffixes = suffixes

    def load(self, value, key, settings):
        if value is None:
            return None
        try:
            require(isinstance(value, (str, os.PathLike)) and str(value).lower().endswith(self.suffixes))
            path = find_file(value, settings)
            if path is None:
                raise Invalid("{key}: no file {value!r} in the content folder or the project: "
                              "give a path relative to the content folder, e.g. 'images/brand/logo.svg'")
            return path
        except Invalid as invalid:
            raise SettingsError((invalid.template or self.error).format(key=key, value=value), key) from None


class PerLanguage(Option):
    """Text per language: {"fr": "...", "en": "..."}, or one text for every language."""

    kind = "text or {language: text}"
    error = "{key} must be a text or a dict of texts per language, e.g. {{'fr': '...', 'en': '...'}}, not {value!r}"

    def convert(self, value):
        if isinstance(value, str):
            return {"*": value}
        require(isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()))
        return dict(value)


class Social(Option):
    kind = "list of {'name', 'url'}"
    error = ("{key} must be a list of profiles, each {{'name': 'LinkedIn', 'url': 'https://...'}}, "
             "not {value!r}")

    def convert(self, value):
        require(isinstance(value, (list, tuple)))
        profiles = []
        for item in value:
            require(isinstance(item, dict) and set(item) <= {"name", "url", "icon"})
            name, url = item.get("name"), item.get("url")
            require(isinstance(name, str) and name.strip() and isinstance(url, str) and url.strip())
            icon = item.get("icon") or name.strip().lower()
            profiles.append({"name": name.strip(), "url": url.strip(),
                             "icon": icon if icon in SOCIAL_ICONS else "link"})
        return profiles


def find_file(value, settings):
    value = os.fspath(value)
    if os.path.isabs(value):
        return value if os.path.isfile(value) else None
    # The content folder, the folder the build runs in, and the project holding the theme (a
    # small project that reuses this theme and its settings finds the default logo there).
    theme = settings.get("THEME")
    folders = [settings.get("PATH") or "content", os.getcwd()]
    if theme and os.path.isdir(theme):
        project = os.path.dirname(os.path.abspath(theme))
        folders += [os.path.join(project, "content"), project]
    for folder in folders:
        candidate = os.path.join(folder, value)
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    return None


def _finish(config, settings):
    config["wordmark"] = config["wordmark"] or settings.get("SITENAME") or ""
    check_accent(config["accent"], "BRAND['accent']", "light")
    if config["accent_dark"] is None:
        config["accent_dark"] = passing_text_colour(config["accent"], "dark")
    else:
        check_accent(config["accent_dark"], "BRAND['accent_dark']", "dark")
    config["colors"] = {"light": scheme_colours(config["accent"], "light"),
                        "dark": scheme_colours(config["accent_dark"], "dark")}
    config["font_stacks"] = FONT_PAIRS[config["fonts"]]
    return config


BRAND = Schema("BRAND", {
    "logo": ProjectFile(None, "The site's logo, an SVG or PNG file (relative to the content folder); None shows "
                              "the wordmark in the interface font. Its width and height are read from the file.",
                        IMAGE_SUFFIXES),
    "logo_dark": ProjectFile(None, "The logo shown in the dark scheme (prefers-color-scheme: dark); None: the "
                                   "same logo.", IMAGE_SUFFIXES),
    "wordmark": Option(None, "The site's name as text, beside or instead of the logo; None: SITENAME.",
                       "{key} must be a text or None, not {value!r}",
                       test=lambda v: v is None or (isinstance(v, str) and v.strip()), kind="text or None"),
    "accent": Colour(DEFAULT_ACCENT, "The accent (links, rules, focus, buttons) in the light scheme; it must reach "
                                     "4.5:1 on the page background, or the build stops naming a colour that "
                                     "passes. Buttons use a darker variant when needed."),
    "accent_dark": Colour(None, "The accent in the dark scheme (checked the same way on the dark background); "
                                "None: the light accent, lightened until it passes."),
    "fonts": Option("source", "The font pair: \"source\" (Source Serif 4 for text, Source Sans 3 for the interface, "
                              "self-hosted subsets) or \"system\" (Georgia and the system's sans-serif; no font "
                              "file).", "{key} must be one of 'source', 'system', not {value!r}",
                    test=lambda v: v in FONT_PAIRS, kind="'source' or 'system'"),
    "cover": ProjectFile(None, "The home page's cover image (JPEG, PNG or WebP, relative to the content folder); "
                               "None: no cover.", COVER_SUFFIXES),
    "cover_alt": PerLanguage({}, "The cover's text alternative per language, e.g. {\"fr\": \"...\", \"en\": "
                                 "\"...\"}; empty when the image is decoration."),
    "pitch": PerLanguage({}, "The home page's introduction per language, one or two sentences."),
    "social": Social([], "Social profiles for the footer and the email, each {\"name\": \"LinkedIn\", \"url\": "
                         "\"https://...\"}; the icon follows the name (linkedin, mastodon, bluesky, instagram, "
                         "youtube, github, rss, email), any other name gets a link icon."),
}, example={"accent": DEFAULT_ACCENT, "logo": "images/brand/logo.svg"}, finish=_finish)


def load(settings):
    """BRAND checked, with what the theme and the email draw from it: ``colors`` (per scheme:
    background, text, accent, accent_fill, on_accent) and ``font_stacks`` (text, ui)."""
    return BRAND.load(settings)


def in_language(texts, lang):
    """The text of a PerLanguage value in ``lang`` ("" when there is none)."""
    return texts.get(lang, texts.get("*", ""))


# --- images -------------------------------------------------------------------------------

IMAGES = {"logo": "logo", "logo_dark": "logo-dark", "cover": "cover"}   # BRAND key: file name in the output
IMAGES_FOLDER = "brand"   # in the theme's static folder of the output (THEME_STATIC_DIR)


def images(config, static_dir):
    """{BRAND key: {"source", "url", "width", "height"}} of the brand's images that are set; ``url``
    is relative to SITEURL (the plugin copies each source there; the email links to it too)."""
    found = {}
    for key, name in IMAGES.items():
        source = config[key]
        if source:
            width, height = image_size(source)
            suffix = os.path.splitext(source)[1].lower()
            found[key] = {"source": source, "url": f"{static_dir}/{IMAGES_FOLDER}/{name}{suffix}",
                          "width": width, "height": height}
    return found


def logo_png(svg_path, height, cache_folder):
    """PNG bytes of an SVG logo drawn ``height`` pixels high, for the emails (no Outlook for
    Windows nor Gmail shows SVG). Drawn with resvg (a self-contained wheel: no system library),
    kept in ``cache_folder`` under the digest of the SVG and the height, so a new logo is drawn
    again and an unchanged one never."""
    svg = Path(svg_path).read_bytes()
    digest = hashlib.sha256(svg + f"\0{height}".encode()).hexdigest()[:20]
    kept = Path(cache_folder) / f"logo-{digest}.png"
    if kept.is_file():
        return kept.read_bytes()
    import resvg_py

    width = max(1, round(height * _aspect(svg_path)))
    try:
        png = bytes(resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), width=width, height=height))
    except (ValueError, UnicodeDecodeError) as error:
        raise SettingsError(f"BRAND['logo']: {svg_path} cannot be drawn as an image ({error}); "
                            "check that it is a valid SVG file") from None
    kept.parent.mkdir(parents=True, exist_ok=True)
    write_aside(kept, png)
    return png


def _aspect(svg_path):
    width, height = image_size(svg_path)
    return width / height


def image_size(path):
    """(width, height) in CSS pixels of an SVG (its width/height, else its viewBox) or a raster image."""
    if str(path).lower().endswith(".svg"):
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError as error:
            raise SettingsError(f"{path}: not a readable SVG file ({error}); fix it or name another logo") from None
        width, height = _svg_length(root.get("width")), _svg_length(root.get("height"))
        if width and height:
            return width, height
        box = (root.get("viewBox") or "").replace(",", " ").split()
        if len(box) == 4:
            return round(float(box[2])), round(float(box[3]))
        raise SettingsError(f"{path}: an SVG logo needs a viewBox or a width and height")
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def _svg_length(value):
    match = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", value or "")
    return round(float(match.group(1))) if match else None


def stylesheet_preamble(config):
    """The custom properties BRAND sets, read by theme/css/00-tokens.css (--brand-*)."""
    light, dark = config["colors"]["light"], config["colors"]["dark"]
    stacks = config["font_stacks"]

    def block(colours):
        return (f"--brand-accent: {colours['accent']}; --brand-accent-fill: {colours['accent_fill']}; "
                f"--brand-on-accent: {colours['on_accent']};")
    return (f"/* Generated from BRAND (plugins/brand) */\n"
            f":root {{ {block(light)} --brand-font-text: {stacks['text']}; --brand-font-ui: {stacks['ui']}; }}\n"
            f"@media (prefers-color-scheme: dark) {{ :root {{ {block(dark)} }} }}\n")
