"""The ``SOCIAL_CARDS`` setting: defaults and validation.

    SOCIAL_CARDS = {"background": "#a4361d", "pages": False}

Every key is optional; unknown keys are ignored with a warning, and a value
that cannot be used stops the build with a SocialCardsSettingsError saying
how to fix it.
"""

import copy
import logging
import os
from pathlib import PurePosixPath

from PIL import ImageColor, ImageFont

logger = logging.getLogger(__name__)

DEFAULTS = {
    # Folder of the cards in the output, then <lang>/<slug>.png for posts and
    # <lang>/pages/<slug>.png for pages.
    "folder": "images/cards",
    # Cards for pages too (posts always have one).
    "pages": True,
    # Colours, as CSS writes them.
    "background": "#a4361d",  # the card
    "band": "#7d2713",        # the bottom band holding the category
    "text": "#fff4e8",        # site name and title
    "accent": "#f4b860",      # the bars and the category
    # A TrueType or OpenType font file; None: Pillow's own font, whose
    # missing accents are drawn by the plugin.
    "font": None,
    # Rendered cards are kept here, by content, so a build into a fresh
    # folder copies them instead of drawing them again. None: the
    # "social-cards" folder of Pelican's CACHE_PATH; False: no cache.
    "cache_dir": None,
    # Processes drawing the cards a build lacks; None: one per core. A cold
    # build of a large site draws thousands (about 17 ms each).
    "workers": None,
}

COLOUR_KEYS = ("background", "band", "text", "accent")


class SocialCardsSettingsError(ValueError):
    """The SOCIAL_CARDS setting cannot be used; the message says how to fix it."""


def load(settings):
    """Merge ``settings['SOCIAL_CARDS']`` over the defaults and validate it."""
    given = settings.get("SOCIAL_CARDS") or {}
    if not isinstance(given, dict):
        raise SocialCardsSettingsError("SOCIAL_CARDS must be a dict, e.g. SOCIAL_CARDS = {'pages': False}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("SOCIAL_CARDS: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    config = {**copy.deepcopy(DEFAULTS), **{k: v for k, v in given.items() if k in DEFAULTS}}
    config["folder"] = _folder(config["folder"])
    if not isinstance(config["pages"], bool):
        raise SocialCardsSettingsError("SOCIAL_CARDS['pages'] must be True or False")
    for key in COLOUR_KEYS:
        config[key] = _colour(key, config[key])
    config["font"] = _font(config["font"])
    config["cache_dir"] = _cache_dir(config["cache_dir"], settings)
    config["workers"] = _workers(config["workers"])
    return config


def _workers(value):
    if value is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SocialCardsSettingsError(f"SOCIAL_CARDS['workers'] must be a whole number of at least 1, or None "
                                       f"for one per core (got {value!r})")
    return value


def _folder(value):
    path = PurePosixPath(value) if isinstance(value, str) else None
    if path is None or not path.parts or path.is_absolute() or ".." in path.parts:
        raise SocialCardsSettingsError(
            f"SOCIAL_CARDS['folder'] must be a folder inside the output, e.g. 'images/cards' (got {value!r})")
    return path.as_posix()


def _colour(key, value):
    try:
        return ImageColor.getrgb(value)[:3]
    except (ValueError, AttributeError, TypeError):
        raise SocialCardsSettingsError(
            f"SOCIAL_CARDS[{key!r}] must be a colour such as '#a4361d' (got {value!r})") from None


def _font(value):
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise SocialCardsSettingsError(f"SOCIAL_CARDS['font'] must be the path of a .ttf or .otf file (got {value!r})")
    path = os.path.abspath(value)
    try:
        ImageFont.truetype(path, 20)
    except OSError:
        raise SocialCardsSettingsError(
            f"SOCIAL_CARDS['font']: {path} is not a font file Pillow can open; "
            "give a .ttf or .otf file, or None for Pillow's own font") from None
    return path


def _cache_dir(value, settings):
    if value is False:
        return None
    if value is None:
        return os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", "social-cards"))
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        raise SocialCardsSettingsError(
            f"SOCIAL_CARDS['cache_dir'] must be a folder, None (Pelican's cache) or False (no cache); got {value!r}")
    return os.path.abspath(value)
