"""The ``BILINGUAL`` setting: defaults, validation and per-language Pelican settings.

Every language is built by its own Pelican run into the same output folder.
The first language lives at the site root; each other language lives under a
folder of its own (``en/``). URL patterns are written once, without a
language, in ``pelicanconf.py``; this module prefixes them for each language.
"""

import copy
import logging

logger = logging.getLogger(__name__)

DEFAULTS = {
    # Languages in order of precedence: the first one is the original
    # language of the site and is published at the root.
    "languages": ["fr", "en"],
    # Folder (and URL prefix) of each language; the first defaults to "".
    "paths": {},
    # Per-language overrides of Pelican settings (SITENAME, SITESUBTITLE...).
    "overrides": {},
    # Data file mapping category and tag names across languages.
    "taxonomy_file": "data/taxonomy.toml",
    # List posts that have no translation in the other language too, with a
    # badge, linking to the original.
    "list_untranslated": False,
    # gettext catalogues of the theme: <dir>/<lang>/LC_MESSAGES/messages.po
    "catalogue_dir": None,
}

# Pelican settings holding an output path or URL, prefixed per language.
LOCALISED_KEYS = (
    "ARTICLE_URL", "ARTICLE_SAVE_AS", "DRAFT_URL", "DRAFT_SAVE_AS",
    "PAGE_URL", "PAGE_SAVE_AS", "DRAFT_PAGE_URL", "DRAFT_PAGE_SAVE_AS",
    "CATEGORY_URL", "CATEGORY_SAVE_AS", "TAG_URL", "TAG_SAVE_AS",
    "AUTHOR_URL", "AUTHOR_SAVE_AS",
    "YEAR_ARCHIVE_URL", "YEAR_ARCHIVE_SAVE_AS",
    "MONTH_ARCHIVE_URL", "MONTH_ARCHIVE_SAVE_AS",
    "DAY_ARCHIVE_URL", "DAY_ARCHIVE_SAVE_AS",
    "FEED_ATOM", "FEED_RSS", "FEED_ALL_ATOM", "FEED_ALL_RSS",
    "CATEGORY_FEED_ATOM", "CATEGORY_FEED_RSS", "TAG_FEED_ATOM", "TAG_FEED_RSS",
    "AUTHOR_FEED_ATOM", "AUTHOR_FEED_RSS",
)

# Translations are written by the run of their own language, never as
# "slug-en.html" copies inside another language's site.
SILENCED_KEYS = (
    "ARTICLE_LANG_SAVE_AS", "PAGE_LANG_SAVE_AS",
    "DRAFT_LANG_SAVE_AS", "DRAFT_PAGE_LANG_SAVE_AS",
    "TRANSLATION_FEED_ATOM", "TRANSLATION_FEED_RSS",
)

# Keys this plugin adds to the Pelican settings of each run.
BUILD_KEY = "BILINGUAL_BUILD"
LANG_KEY = "BILINGUAL_LANG"


class BilingualSettingsError(ValueError):
    """The BILINGUAL setting cannot be used; the message says how to fix it."""


def load(settings):
    """Merge ``settings['BILINGUAL']`` over the defaults and validate it."""
    given = settings.get("BILINGUAL", {})
    if not isinstance(given, dict):
        raise BilingualSettingsError("BILINGUAL must be a dict, e.g. BILINGUAL = {'languages': ['fr', 'en']}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("BILINGUAL: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    merged = {**copy.deepcopy(DEFAULTS), **given}
    languages = merged["languages"]
    if (not isinstance(languages, (list, tuple)) or len(languages) < 2
            or len(set(languages)) != len(languages)
            or not all(isinstance(code, str) and code.isalpha() for code in languages)):
        raise BilingualSettingsError(
            "BILINGUAL['languages'] must list two or more distinct language codes, e.g. ['fr', 'en']")
    merged["languages"] = [code.lower() for code in languages]
    paths = {code: (code + "/") for code in merged["languages"][1:]}
    paths[merged["languages"][0]] = ""
    for code, folder in merged["paths"].items():
        if code not in paths:
            raise BilingualSettingsError(f"BILINGUAL['paths'] names {code!r}, which is not in 'languages'")
        paths[code] = folder.strip("/") + "/" if folder.strip("/") else ""
    merged["paths"] = paths
    for code in merged["overrides"]:
        if code not in paths:
            raise BilingualSettingsError(f"BILINGUAL['overrides'] names {code!r}, which is not in 'languages'")
    return merged


def base_patterns(settings):
    """The language-free URL patterns, as written in pelicanconf.py."""
    patterns = {key: settings.get(key) for key in LOCALISED_KEYS}
    for name in list(settings.get("DIRECT_TEMPLATES", [])) + ["index"]:
        for suffix in ("URL", "SAVE_AS"):
            key = f"{name.upper()}_{suffix}"
            patterns[key] = settings.get(key, f"{name}.html")
    return patterns


def localise(settings, config, lang, base):
    """Turn one run's Pelican settings into the settings of language ``lang``."""
    prefix = config["paths"][lang]
    for key, pattern in base.items():
        settings[key] = _prefixed(prefix, key, pattern, base)
    for key in SILENCED_KEYS:
        settings[key] = "" if key.endswith("SAVE_AS") else None
    settings["DEFAULT_LANG"] = lang
    settings["ARTICLE_TRANSLATION_ID"] = "translation_key"
    settings["PAGE_TRANSLATION_ID"] = "translation_key"
    settings.update(config["overrides"].get(lang, {}))
    return settings


def _prefixed(prefix, key, pattern, base):
    """Prefix a pattern, keeping "" (not written) and None (disabled) as they are.

    An empty *_URL beside a non-empty *_SAVE_AS is the language's root
    ("" for French, "en/" for English), so it is prefixed too.
    """
    if pattern is None:
        return None
    if pattern == "" and key.endswith("_URL"):
        return prefix if base.get(key[: -len("_URL")] + "_SAVE_AS") else ""
    return prefix + pattern if pattern else pattern
