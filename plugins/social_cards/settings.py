"""The ``SOCIAL_CARDS`` setting: defaults and validation.

    SOCIAL_CARDS = {"background": "#a4361d", "pages": False}

Every key is optional; unknown keys are ignored with a warning, and a value
that cannot be used stops the build with a SettingsError saying how to fix it.
"""

import os
from pathlib import PurePosixPath

from PIL import ImageColor, ImageFont

from sitekit.settings import CachePath, Flag, Invalid, Option, Schema, Whole, cores, require

def _folder(value, settings):
    path = PurePosixPath(value) if isinstance(value, str) else None
    require(path is not None and path.parts and not path.is_absolute() and ".." not in path.parts)
    return path.as_posix()


def _colour(value, settings):
    try:
        return ImageColor.getrgb(value)[:3]
    except (ValueError, AttributeError, TypeError):
        raise Invalid() from None


def _font(value, settings):
    if value is None:
        return None
    require(isinstance(value, (str, os.PathLike)))
    path = os.path.abspath(value)
    try:
        ImageFont.truetype(path, 20)
    except OSError:
        raise Invalid("{key}: {path} is not a font file Pillow can open; give a .ttf or .otf file, "
                      "or None for Pillow's own font", path=path) from None
    return path


def _colour_option(default, doc):
    return Option(default, doc, "{key} must be a colour such as '#a4361d' (got {value!r})", check=_colour,
                  kind="colour")


SOCIAL_CARDS = Schema("SOCIAL_CARDS", {
    "folder": Option("images/cards", "Folder of the cards in the output, then <lang>/<slug>.png for posts and "
                                     "<lang>/pages/<slug>.png for pages.",
                     "{key} must be a folder inside the output, e.g. 'images/cards' (got {value!r})",
                     check=_folder, kind="folder"),
    "pages": Flag(True, "Cards for pages too (posts always have one)."),
    "background": _colour_option("#a4361d", "Colour of the card, as CSS writes it."),
    "band": _colour_option("#7d2713", "Colour of the bottom band holding the category."),
    "text": _colour_option("#fff4e8", "Colour of the site name and the title."),
    "accent": _colour_option("#f4b860", "Colour of the bars and the category."),
    "font": Option(None, "A TrueType or OpenType font file; None: Pillow's own font, whose missing accents are "
                         "drawn by the plugin.", "{key} must be the path of a .ttf or .otf file (got {value!r})",
                   check=_font, kind="path or None"),
    "cache_dir": CachePath("social-cards", "Rendered cards are kept here, by content, so a build into a fresh "
                                           "folder copies them; None: the social-cards folder of CACHE_PATH; "
                                           "False: no cache.",
                           "{key} must be a folder, None (Pelican's cache) or False (no cache); got {value!r}"),
    "workers": Whole(None, "Processes drawing the cards a build lacks (about 17 ms each); None: one per core.",
                     "{key} must be a whole number of at least 1, or None for one per core (got {value!r})",
                     when_none=cores),
}, example={"pages": False}, falsy_is_empty=True)
load = SOCIAL_CARDS.load
