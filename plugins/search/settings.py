"""The ``SEARCH`` setting: defaults and validation."""

from sitekit.settings import Flag, Items, Number, Schema, Text

SEARCH = Schema("SEARCH", {
    "enabled": Flag(True, "False skips the index (quicker local builds); the search page stays."),
    "root_selector": Text("main", "The element of each post page Pagefind reads; inside it, data-pagefind-body "
                                  "narrows the text and data-pagefind-ignore leaves parts out.",
                          "{key} must be a CSS selector, e.g. 'main'"),
    "exclude_selectors": Items([], "More CSS selectors of parts to leave out of the index.",
                               "{key} must list CSS selectors, e.g. ['.share', '.author-box']",
                               each=lambda selector: isinstance(selector, str) and selector.strip() != ""),
    "timeout": Number(120, "Seconds Pagefind may take before the build gives up on it.",
                      "{key} must be a number of seconds above 0, e.g. 120"),
    "cache": Flag(True, "Keep the index in the search-index folder of CACHE_PATH and use it again while the "
                        "posts' pages are byte for byte the same; False: index every build."),
}, example={"root_selector": "main"})
load = SEARCH.load

# Pagefind's own folder name: theme/templates/search.html loads it from there.
BUNDLE_DIR = "pagefind"
