"""The ``SEARCH`` setting: defaults and validation."""

import copy
import logging
from numbers import Real

logger = logging.getLogger(__name__)

DEFAULTS = {
    # False skips the index (quicker local builds); the search page stays.
    "enabled": True,
    # Pagefind reads only this element of each post page. Inside it, an
    # element marked data-pagefind-body narrows the text further, and
    # data-pagefind-ignore leaves parts out (share links, author box...).
    "root_selector": "main",
    # More CSS selectors of parts to leave out of the index.
    "exclude_selectors": [],
    # Seconds Pagefind may take before the build gives up on it.
    "timeout": 120,
    # Keep the index in the "search-index" folder of Pelican's CACHE_PATH and use it
    # again while the posts' pages are byte for byte the same; False: index every build.
    "cache": True,
}

# Pagefind's own folder name: theme/templates/search.html loads it from there.
BUNDLE_DIR = "pagefind"

# Key of this plugin's state in the Pelican settings of every language run.
STATE_KEY = "SEARCH_STATE"


class SearchSettingsError(ValueError):
    """The SEARCH setting cannot be used; the message says how to fix it."""


def load(settings):
    """Merge ``settings['SEARCH']`` over the defaults and validate it."""
    given = settings.get("SEARCH", {})
    if not isinstance(given, dict):
        raise SearchSettingsError("SEARCH must be a dict, e.g. SEARCH = {'root_selector': 'main'}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("SEARCH: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    merged = {**copy.deepcopy(DEFAULTS), **{k: v for k, v in given.items() if k in DEFAULTS}}
    for flag in ("enabled", "cache"):
        _check(isinstance(merged[flag], bool), f"SEARCH[{flag!r}] must be True or False")
    _check(_is_selector(merged["root_selector"]),
           "SEARCH['root_selector'] must be a CSS selector, e.g. 'main'")
    selectors = merged["exclude_selectors"]
    _check(isinstance(selectors, (list, tuple)) and all(_is_selector(s) for s in selectors),
           "SEARCH['exclude_selectors'] must list CSS selectors, e.g. ['.share', '.author-box']")
    merged["exclude_selectors"] = list(selectors)
    timeout = merged["timeout"]
    _check(isinstance(timeout, Real) and not isinstance(timeout, bool) and timeout > 0,
           "SEARCH['timeout'] must be a number of seconds above 0, e.g. 120")
    return merged


def _is_selector(value):
    return isinstance(value, str) and value.strip() != ""


def _check(condition, message):
    if not condition:
        raise SearchSettingsError(message)
