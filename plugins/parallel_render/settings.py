"""The ``PARALLEL_RENDER`` setting: defaults and validation.

    PARALLEL_RENDER = {"workers": 2}
"""

from sitekit.settings import Schema, Whole, cores

WHOLE = "{key} must be a whole number from 1, or None (got {value!r})"
PARALLEL_RENDER = Schema("PARALLEL_RENDER", {
    "workers": Whole(None, "Processes rendering pages, the build's own included; None: one per core; "
                           "1: render in the build's process only, as Pelican does.", WHOLE, when_none=cores),
    "parallel_from": Whole(64, "Fewer pages than this in a generator: not worth starting processes.", WHOLE,
                           when_none=lambda: 64),
}, example={"workers": 2}, falsy_is_empty=True)
load = PARALLEL_RENDER.load
