"""The ``RELATED`` setting: defaults and validation."""

from sitekit.settings import Flag, Schema, Whole

RELATED = Schema("RELATED", {
    "enabled": Flag(True, "False: posts show no related posts."),
    "count": Whole(3, "How many related posts a post shows at most (posts sharing no tag and not its "
                      "category are never shown).",
                   "{key} must be a whole number from 1 to 12, e.g. 3", least=1, most=12),
}, example={"count": 3})
load = RELATED.load
