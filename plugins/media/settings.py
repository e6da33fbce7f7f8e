"""The ``MEDIA`` setting: defaults and validation, checked once when Pelican starts."""

import copy
import logging

logger = logging.getLogger(__name__)

DEFAULTS = {
    # Widths (in pixels) of the resized copies offered in srcset; only those
    # smaller than the original are made.
    "widths": [480, 800, 1200],
    # How wide the image shows on the page, for the browser to pick a copy:
    # the text column is 44rem wide from 48rem screens up, full width below.
    "sizes": "(min-width: 48rem) 44rem, 100vw",
    # JPEG and WebP quality of the resized copies (PNG is lossless).
    "quality": 82,
    # Folder, next to each original, that holds its resized copies.
    "folder": "_w",
    # Keep the transformed posts and the resized copies in CACHE_PATH/media from one build
    # to the next (False: every build transforms and resizes again).
    "cache": True,
}

# Key of the MediaState object in the Pelican settings of every run.
STATE_KEY = "MEDIA_STATE"


class MediaSettingsError(ValueError):
    """The MEDIA setting cannot be used; the message says how to fix it."""


def load(settings):
    """Merge ``settings['MEDIA']`` over the defaults and validate it."""
    given = settings.get("MEDIA", {})
    if not isinstance(given, dict):
        raise MediaSettingsError("MEDIA must be a dict, e.g. MEDIA = {'widths': [480, 800, 1200]}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("MEDIA: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    merged = {**copy.deepcopy(DEFAULTS), **given}
    merged["widths"] = _widths(merged["widths"])
    if not isinstance(merged["sizes"], str) or not merged["sizes"].strip():
        raise MediaSettingsError("MEDIA['sizes'] must be a sizes attribute, e.g. '(min-width: 48rem) 44rem, 100vw'")
    quality = merged["quality"]
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 95:
        raise MediaSettingsError(f"MEDIA['quality'] must be a whole number from 1 to 95, not {quality!r}")
    if not isinstance(merged["cache"], bool):
        raise MediaSettingsError(f"MEDIA['cache'] must be True or False, not {merged['cache']!r}")
    folder = merged["folder"]
    if not isinstance(folder, str) or not folder.strip() or any(c in folder for c in "/\\") or folder in (".", ".."):
        raise MediaSettingsError(f"MEDIA['folder'] must be one folder name such as '_w', not {folder!r}")
    return merged


def _widths(widths):
    if (not isinstance(widths, (list, tuple))
            or not all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in widths)):
        raise MediaSettingsError(f"MEDIA['widths'] must list widths in pixels, e.g. [480, 800, 1200], not {widths!r}")
    return sorted(set(widths))
