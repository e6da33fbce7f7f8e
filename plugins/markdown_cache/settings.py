"""The ``MARKDOWN_CACHE`` setting: defaults and validation.

    MARKDOWN_CACHE = {"workers": 2}
"""

from sitekit.settings import CachePath, Flag, Schema, Whole, cores

WHOLE = "{key} must be a whole number from 1, or None (got {value!r})"
MARKDOWN_CACHE = Schema("MARKDOWN_CACHE", {
    "enabled": Flag(True, "False: convert every file in every language run, as Pelican does."),
    "workers": Whole(None, "Processes converting files before the build reads them; None: one per core; "
                           "1: convert in the build's own process.", WHOLE, when_none=cores),
    "parallel_from": Whole(24, "Fewer files than this to convert: not worth starting processes.", WHOLE,
                           when_none=lambda: 24),
    "file": CachePath("markdown-cache.json", "The conversions kept between builds; None: markdown-cache.json "
                                             "in CACHE_PATH; False: keep them for this build only.",
                      "{key} must be a file path, None (Pelican's cache) or False (got {value!r})"),
}, example={"workers": 2}, falsy_is_empty=True)
load = MARKDOWN_CACHE.load
