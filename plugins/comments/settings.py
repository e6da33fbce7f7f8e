"""The ``COMMENTS`` setting: defaults and validation, checked once when Pelican starts."""

import copy
import logging

from sitekit.settings import Choice, Flag, Number, Option, Schema, SettingsError, Text, Whole

logger = logging.getLogger(__name__)

STATES = ("open", "closed", "off")
THREAD_MODES = ("pair", "language")
SECONDS = "{key} must be a number of seconds above 0, e.g. 5"

COMMENTS = Schema("COMMENTS", {
    "provider": Text("isso", "Which comment service: a module of plugins/comments/providers/.",
                     "{key} must name a provider, e.g. 'isso'"),
    "default_state": Choice("open", "A post's comments when its metadata has no \"Comments:\" line: \"open\", "
                                    "\"closed\" (shown, no new ones) or \"off\" (no comment section).", STATES),
    "thread_per": Choice("pair", "\"pair\": a post and its translation share one thread; \"language\": each "
                                 "language has its own (the original keeps the pair's id).", THREAD_MODES),
    "feeds": Flag(True, "Per-post Atom feed of the comments (\"follow this conversation\"), for providers whose "
                        "comments the build can read."),
    "timeout": Number(5, "Seconds one request to the comment service may take (connect, then read).", SECONDS),
    "total_timeout": Number(30, "Seconds all of a build's requests to the comment service may take together.",
                            SECONDS),
    "fetch": Flag(True, "False: ask the comment service nothing and show the cached comments (what `invoke "
                        "publish --dry-run` does, so that it makes no request)."),
    "cache_file": Text("cache/comments/{provider}.json", "The last comments fetched, used when the service cannot "
                                                         "be reached; relative to the folder the build runs in.",
                       "{key} must be a file path, e.g. 'cache/comments/{{provider}}.json'"),
    "max_comment_bytes": Whole(20000, "The most HTML (bytes, UTF-8) one comment may put in a page or a feed; a "
                                      "longer one is cut, with a link to the live thread, and the build warns.",
                               "{key} must be a whole number of bytes above 0 (the most HTML one comment may "
                               "show), e.g. 20000, not {value!r}"),
    **{name: Option({}, f"The options of {name} (see plugins/comments/providers/{name}.py); the chosen "
                        "provider's are checked.", kind="dict") for name in ("isso", "giscus", "disqus", "mastodon")},
}, example={"provider": "isso", "isso": {"url": "..."}})
load = COMMENTS.load


def provider_options(config, name, defaults, required):
    """The options of provider ``name``: COMMENTS[name] over ``defaults``, required keys present."""
    given = config.get(name, {})
    if not isinstance(given, dict):
        raise SettingsError(f"COMMENTS[{name!r}] must be a dict of options, e.g. {{{required[0]!r}: ...}}"
                            if required else f"COMMENTS[{name!r}] must be a dict of options")
    known = set(defaults) | set(required)
    for key in sorted(set(given) - known):
        logger.warning("COMMENTS[%r]: unknown key %r ignored (known keys: %s)", name, key, ", ".join(sorted(known)))
    options = {**copy.deepcopy(defaults), **{k: v for k, v in given.items() if k in known}}
    missing = [key for key in required if not (isinstance(options.get(key), str) and options[key].strip())]
    if missing:
        raise SettingsError(f"COMMENTS[{name!r}] needs {', '.join(repr(k) for k in missing)}: "
                            f"add {' and '.join(f'{k!r}: ...' for k in missing)} to COMMENTS[{name!r}] in pelicanconf.py")
    return options
