"""BRAND as the email draws it: the plain dict newsletter.render takes (see DEFAULT_BRAND there).

The logo goes into the email as a PNG, since no Outlook for Windows nor Gmail shows SVG: a PNG
logo is used as it is; for an SVG logo, the PNG of the same name beside it (logo.svg →
logo.png, e.g. rendered once with `chromium --headless --screenshot`); without one the
email shows the name alone. A PNG is taken as drawn at twice its size (sharp on dense
screens), shown at most LOGO_HEIGHT pixels high. The accent keeps 4.5:1 on every
background of the email, darkened in steps where it does not.
"""

import os

from newsletter.render import DEFAULT_BRAND
from sitekit import brand as site_brand
from sitekit.settings import SettingsError

LOGO_HEIGHT = 56  # px shown


def email_brand(settings, site_url):
    """The brand of the email; None (newsletter.render's defaults) when BRAND cannot be read: the
    brand plugin, where the build lists it, stops the build and says why."""
    try:
        config = site_brand.load(settings)
    except SettingsError:
        return None
    light, dark = config["colors"]["light"], config["colors"]["dark"]
    backgrounds = (DEFAULT_BRAND["background"], DEFAULT_BRAND["card"])
    accent = light["accent"]
    for background in backgrounds:
        if site_brand.contrast(accent, background) < site_brand.TEXT_RATIO:
            accent = site_brand.toward(accent, "#000000", site_brand.TEXT_RATIO, background)
    return {
        "wordmark": config["wordmark"],
        "logo": _logo(config, settings, site_url),
        "accent": accent,
        "accent_fill": light["accent_fill"], "on_accent": light["on_accent"],
        "accent_dark": dark["accent"], "on_accent_dark": dark["on_accent"],
        "social": [{"name": profile["name"], "url": _absolute(profile["url"], site_url)}
                   for profile in config["social"]],
    }


def _logo(config, settings, site_url):
    path = _png_of(config.get("logo"))
    content = os.path.abspath(settings.get("PATH") or "content")
    if path is None or not path.startswith(content + os.sep):
        return None  # only a file the build copies to the site can be linked from the email
    width, height = site_brand.image_size(path)
    shown_height = min(LOGO_HEIGHT, max(1, height // 2))
    shown_width = round(width * shown_height / height)
    url = os.path.relpath(path, content).replace(os.sep, "/")
    return {"url": f"{site_url}/{url}", "width": shown_width, "height": shown_height,
            "alt": config["wordmark"]}


def _png_of(path):
    if not path:
        return None
    path = os.path.abspath(path)
    if path.lower().endswith(".png"):
        return path
    beside = os.path.splitext(path)[0] + ".png"
    return beside if os.path.isfile(beside) else None


def _absolute(url, site_url):
    return url if "://" in url or url.startswith("mailto:") else f"{site_url}/{url.lstrip('/')}"
