"""The site's languages: the ``BILINGUAL`` setting (defaults, validation, per-language Pelican
settings), where each language lives and which language a content file is in.

Every language is built by its own Pelican run into the same output folder.
The first language lives at the site root; each other language lives under a
folder of its own (``en/``). URL patterns are written once, without a
language, in ``pelicanconf.py``; this module prefixes them for each language.
The build (plugins/bilingual) and the authoring commands (publisher/) follow
these rules, so a file is in the same language for both.
"""

from pathlib import PurePath

from babel import Locale

from .settings import Option, Schema, SettingsError

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


def _is_language_list(codes):
    return (isinstance(codes, (list, tuple)) and len(codes) >= 2 and len(set(codes)) == len(codes)
            and all(isinstance(code, str) and code.isalpha() for code in codes))


def _places(config, settings):
    """Each language's folder ("" for the first), and overrides only for languages of the site."""
    paths = {code: (code + "/") for code in config["languages"][1:]}
    paths[config["languages"][0]] = ""
    for code, folder in config["paths"].items():
        if code not in paths:
            raise SettingsError(f"BILINGUAL['paths'] names {code!r}, which is not in 'languages'")
        paths[code] = folder.strip("/") + "/" if folder.strip("/") else ""
    config["paths"] = paths
    for code in config["overrides"]:
        if code not in paths:
            raise SettingsError(f"BILINGUAL['overrides'] names {code!r}, which is not in 'languages'")
    return config


BILINGUAL = Schema("BILINGUAL", {
    "languages": Option(["fr", "en"], "Languages in order of precedence: the first one is the original language "
                                      "of the site and is published at the root.",
                        "{key} must list two or more distinct language codes, e.g. ['fr', 'en']",
                        test=_is_language_list, check=lambda codes, settings: [code.lower() for code in codes],
                        kind="list of language codes"),
    "paths": Option({}, "Folder (and URL prefix) of each language; the first defaults to \"\".", kind="dict"),
    "overrides": Option({}, "Per-language overrides of Pelican settings (SITENAME, SITESUBTITLE...).",
                        kind="dict"),
    "taxonomy_file": Option("data/taxonomy.toml", "Data file mapping category and tag names across languages.",
                            kind="path"),
    "list_untranslated": Option(False, "List posts that have no translation in the other language too, with a "
                                       "badge, linking to the original.", kind="True or False"),
    "catalogue_dir": Option(None, "gettext catalogues of the theme: <dir>/<lang>/LC_MESSAGES/messages.po.",
                            kind="folder or None"),
}, example={"languages": ["fr", "en"]}, finish=_places)
load = BILINGUAL.load
DEFAULTS = BILINGUAL.defaults


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


def language_name(code, in_lang=None):
    """'Français', 'English': a language's name, in its own language by default."""
    name = Locale.parse(code).get_display_name(in_lang or code)
    return name[:1].upper() + name[1:]


class Languages:
    """The site's languages and their places, from the loaded setting (``load``) and ``base_patterns``."""

    def __init__(self, config, base_patterns):
        self.config = config
        self.base_patterns = base_patterns

    @property
    def languages(self):
        return self.config["languages"]

    @property
    def primary(self):
        return self.languages[0]

    def prefix(self, lang):
        return self.config["paths"][lang]

    def of_file(self, path):
        """Without a Lang line, a file in posts/en/ is English; elsewhere, the first language."""
        return next((part for part in reversed(PurePath(path).parts[:-1]) if part in self.languages), self.primary)

    def url_in(self, site_lang, key, **values):
        """URL of a pattern (e.g. CATEGORY_URL) in the site of ``site_lang``."""
        pattern = self.base_patterns.get(key)
        if pattern is None:
            return None
        return self.prefix(site_lang) + pattern.format(**values)

    def reserved_folders(self):
        """First folders of the site's own URLs (en, archives, tag...), which a post's slug would clash with."""
        folders = {self.prefix(lang).strip("/") for lang in self.languages}
        for pattern in self.base_patterns.values():
            if pattern and "/" in pattern and not pattern.startswith("{"):
                folders.add(pattern.split("/", 1)[0])
        for name in ("archives", "tags", "categories", "authors"):
            folders.add(name)
        return folders - {""}
