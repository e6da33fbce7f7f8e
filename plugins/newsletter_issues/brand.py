"""BRAND as the email draws it: the plain dict newsletter.render takes (see DEFAULT_BRAND there).

The logo goes into the email as a PNG, since no Outlook for Windows nor Gmail shows SVG: a PNG
logo is used as it is; an SVG logo is drawn as a PNG at each build where it changed
(sitekit.brand.logo_png, kept in CACHE_PATH/brand), written beside the site's brand images
(EMAIL_LOGO), so the email always shows the logo the site shows. A PNG is taken as drawn at
twice its size (sharp on dense screens), shown at most LOGO_HEIGHT pixels high. The accent keeps 4.5:1 on every
background of the email, darkened in steps where it does not.
"""

import os

from newsletter.render import DEFAULT_BRAND
from sitekit import brand as site_brand
from sitekit.file_aside import write_aside
from sitekit.settings import SettingsError

LOGO_HEIGHT = 56  # px shown
EMAIL_LOGO = "brand/logo-email.png"  # under THEME_STATIC_DIR in the output, for an SVG logo


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
    path = config.get("logo")
    if not path:
        return None
    if path.lower().endswith(".svg"):
        return _drawn_logo(path, config, settings, site_url)
    content = os.path.abspath(settings.get("PATH") or "content")
    path = os.path.abspath(path)
    if not path.startswith(content + os.sep):
        return None  # only a file the build copies to the site can be linked from the email
    width, height = site_brand.image_size(path)
    url = os.path.relpath(path, content).replace(os.sep, "/")
    return _shown(f"{site_url}/{url}", width, height, config)


def _drawn_logo(svg, config, settings, site_url):
    """The SVG logo drawn as a PNG at twice the height it is shown, written into the output."""
    width, height = site_brand.image_size(svg)
    shown_height = min(LOGO_HEIGHT, height)
    png = site_brand.logo_png(svg, shown_height * 2, os.path.join(settings.get("CACHE_PATH") or "cache", "brand"))
    relative = f"{settings['THEME_STATIC_DIR']}/{EMAIL_LOGO}"
    target = os.path.join(settings["OUTPUT_PATH"], relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    write_aside(target, png, permissions=0o644)
    return _shown(f"{site_url}/{relative}", round(width * shown_height * 2 / height), shown_height * 2, config)


def _shown(url, width, height, config):
    """A PNG drawn at twice its size, shown at half of it, at most LOGO_HEIGHT high."""
    shown_height = min(LOGO_HEIGHT, max(1, height // 2))
    shown_width = round(width * shown_height / height)
    return {"url": url, "width": shown_width, "height": shown_height, "alt": config["wordmark"]}


def _absolute(url, site_url):
    return url if "://" in url or url.startswith("mailto:") else f"{site_url}/{url.lstrip('/')}"
