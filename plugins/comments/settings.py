"""The ``COMMENTS`` setting: defaults and validation, checked once when Pelican starts."""

import copy
import logging
from numbers import Real

logger = logging.getLogger(__name__)

DEFAULTS = {
    # Which comment service: a module of plugins/comments/providers/.
    "provider": "isso",
    # A post's comments when its metadata has no "Comments:" line:
    # "open", "closed" (shown, no new ones) or "off" (no comment section).
    "default_state": "open",
    # "pair": a post and its translation share one thread;
    # "language": each language has its own (the original keeps the pair's id).
    "thread_per": "pair",
    # Per-post Atom feed of the comments ("follow this conversation"),
    # for providers whose comments the build can read.
    "feeds": True,
    # Seconds one request to the comment service may take (connect, then read),
    # and seconds all of a build's requests may take together.
    "timeout": 5,
    "total_timeout": 30,
    # False: ask the comment service nothing and show the cached comments
    # (what `invoke publish --dry-run` does, so that it makes no request).
    "fetch": True,
    # The last comments fetched, used when the service cannot be reached.
    # Relative paths are taken from the folder the build runs in.
    "cache_file": "cache/comments/{provider}.json",
    # The most HTML (bytes, UTF-8) one comment may put in a page or a feed:
    # a few lines of Markdown can expand to megabytes (one long reference
    # link used a thousand times). A longer comment is cut between elements,
    # with a link to the live thread, and the build warns.
    "max_comment_bytes": 20000,
    # One dict of options per provider; the chosen one's are checked.
    "isso": {},
    "giscus": {},
    "disqus": {},
    "mastodon": {},
}

STATES = ("open", "closed", "off")
THREAD_MODES = ("pair", "language")

# Key of the plugin's state in the Pelican settings of every language run.
STATE_KEY = "COMMENTS_STATE"


class CommentsSettingsError(ValueError):
    """The COMMENTS setting cannot be used; the message says how to fix it."""


def load(settings):
    """Merge ``settings['COMMENTS']`` over the defaults and check it."""
    given = settings.get("COMMENTS", {})
    if not isinstance(given, dict):
        raise CommentsSettingsError("COMMENTS must be a dict, e.g. COMMENTS = {'provider': 'isso', 'isso': {'url': '...'}}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("COMMENTS: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    merged = {**copy.deepcopy(DEFAULTS), **{k: copy.deepcopy(v) for k, v in given.items() if k in DEFAULTS}}
    _one_of(merged, "default_state", STATES)
    _one_of(merged, "thread_per", THREAD_MODES)
    for key in ("feeds", "fetch"):
        _check(isinstance(merged[key], bool), f"COMMENTS[{key!r}] must be True or False")
    for key in ("timeout", "total_timeout"):
        value = merged[key]
        _check(isinstance(value, Real) and not isinstance(value, bool) and value > 0,
               f"COMMENTS[{key!r}] must be a number of seconds above 0, e.g. 5")
    limit = merged["max_comment_bytes"]
    _check(isinstance(limit, int) and not isinstance(limit, bool) and limit > 0,
           "COMMENTS['max_comment_bytes'] must be a whole number of bytes above 0 "
           f"(the most HTML one comment may show), e.g. 20000, not {limit!r}")
    _check(isinstance(merged["cache_file"], str) and merged["cache_file"].strip(),
           "COMMENTS['cache_file'] must be a file path, e.g. 'cache/comments/{provider}.json'")
    _check(isinstance(merged["provider"], str) and merged["provider"].strip(),
           "COMMENTS['provider'] must name a provider, e.g. 'isso'")
    return merged


def provider_options(config, name, defaults, required):
    """The options of provider ``name``: COMMENTS[name] over ``defaults``, required keys present."""
    given = config.get(name, {})
    if not isinstance(given, dict):
        raise CommentsSettingsError(f"COMMENTS[{name!r}] must be a dict of options, e.g. {{{required[0]!r}: ...}}"
                                    if required else f"COMMENTS[{name!r}] must be a dict of options")
    known = set(defaults) | set(required)
    for key in sorted(set(given) - known):
        logger.warning("COMMENTS[%r]: unknown key %r ignored (known keys: %s)", name, key, ", ".join(sorted(known)))
    options = {**copy.deepcopy(defaults), **{k: v for k, v in given.items() if k in known}}
    missing = [key for key in required if not (isinstance(options.get(key), str) and options[key].strip())]
    if missing:
        raise CommentsSettingsError(
            f"COMMENTS[{name!r}] needs {', '.join(repr(k) for k in missing)}: "
            f"add {' and '.join(f'{k!r}: ...' for k in missing)} to COMMENTS[{name!r}] in pelicanconf.py")
    return options


def _one_of(merged, key, choices):
    _check(merged[key] in choices,
           f"COMMENTS[{key!r}] must be one of {', '.join(repr(c) for c in choices)}, not {merged[key]!r}")


def _check(condition, message):
    if not condition:
        raise CommentsSettingsError(message)
