"""The POST_META setting: defaults and validation."""

import logging

logger = logging.getLogger(__name__)

DEFAULTS = {
    # Authors' profiles (photo, bio per language, links), relative to PATH.
    "authors_file": "data/authors.toml",
    # Reading speed used for "5 min read".
    "words_per_minute": 220,
}


class PostMetaSettingsError(ValueError):
    """POST_META cannot be used; the message says how to fix it."""


def load(settings):
    given = settings.get("POST_META", {})
    if not isinstance(given, dict):
        raise PostMetaSettingsError("POST_META must be a dict, e.g. POST_META = {'words_per_minute': 220}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("POST_META: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    merged = {**DEFAULTS, **given}
    speed = merged["words_per_minute"]
    if not isinstance(speed, int) or speed <= 0:
        raise PostMetaSettingsError(f"POST_META['words_per_minute'] must be a positive whole number, not {speed!r}")
    return merged
