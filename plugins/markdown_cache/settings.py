"""The ``MARKDOWN_CACHE`` setting: defaults and validation.

    MARKDOWN_CACHE = {"workers": 2}
"""

import copy
import logging
import os

logger = logging.getLogger(__name__)

DEFAULTS = {
    # False: convert every file in every language run, as Pelican does.
    "enabled": True,
    # Processes converting files before the build reads them; None: one per
    # core; 1: convert in the build's own process.
    "workers": None,
    # Fewer files than this to convert: not worth starting processes.
    "parallel_from": 24,
    # The conversions kept between builds; None: markdown-cache.json in
    # Pelican's CACHE_PATH; False: keep them for this build only.
    "file": None,
}

# Key of the plugin's state in the settings of every language run.
STATE_KEY = "MARKDOWN_CACHE_STATE"


class MarkdownCacheSettingsError(ValueError):
    """MARKDOWN_CACHE cannot be used; the message says how to fix it."""


def load(settings):
    given = settings.get("MARKDOWN_CACHE") or {}
    if not isinstance(given, dict):
        raise MarkdownCacheSettingsError("MARKDOWN_CACHE must be a dict, e.g. MARKDOWN_CACHE = {'workers': 2}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("MARKDOWN_CACHE: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    config = {**copy.deepcopy(DEFAULTS), **{k: v for k, v in given.items() if k in DEFAULTS}}
    if not isinstance(config["enabled"], bool):
        raise MarkdownCacheSettingsError("MARKDOWN_CACHE['enabled'] must be True or False")
    for key in ("workers", "parallel_from"):
        value = config[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise MarkdownCacheSettingsError(f"MARKDOWN_CACHE[{key!r}] must be a whole number from 1, "
                                             f"or None (got {value!r})")
    config["workers"] = config["workers"] or len(os.sched_getaffinity(0))
    config["parallel_from"] = config["parallel_from"] or DEFAULTS["parallel_from"]
    config["file"] = _file(config["file"], settings)
    return config


def _file(value, settings):
    if value is None:
        return os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", "markdown-cache.json"))
    if value is False:
        return None
    if isinstance(value, str) and value.strip():
        return os.path.abspath(value)
    raise MarkdownCacheSettingsError(
        f"MARKDOWN_CACHE['file'] must be a file path, None (Pelican's cache) or False (got {value!r})")
