"""The ``PARALLEL_RENDER`` setting: defaults and validation.

    PARALLEL_RENDER = {"workers": 2}
"""

import copy
import logging
import os

logger = logging.getLogger(__name__)

DEFAULTS = {
    # Processes rendering pages, the build's own included; None: one per core;
    # 1: render in the build's process only, as Pelican does.
    "workers": None,
    # Fewer pages than this in a generator: not worth starting processes.
    "parallel_from": 64,
}

# Key of the plugin's settings in the settings of every language run.
STATE_KEY = "PARALLEL_RENDER_CONFIG"


class ParallelRenderSettingsError(ValueError):
    """PARALLEL_RENDER cannot be used; the message says how to fix it."""


def load(settings):
    given = settings.get("PARALLEL_RENDER") or {}
    if not isinstance(given, dict):
        raise ParallelRenderSettingsError("PARALLEL_RENDER must be a dict, e.g. PARALLEL_RENDER = {'workers': 2}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("PARALLEL_RENDER: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    config = {**copy.deepcopy(DEFAULTS), **{k: v for k, v in given.items() if k in DEFAULTS}}
    for key in ("workers", "parallel_from"):
        value = config[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ParallelRenderSettingsError(f"PARALLEL_RENDER[{key!r}] must be a whole number from 1, "
                                              f"or None (got {value!r})")
    config["workers"] = config["workers"] or len(os.sched_getaffinity(0))
    config["parallel_from"] = config["parallel_from"] or DEFAULTS["parallel_from"]
    return config
