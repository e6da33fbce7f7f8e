"""Signal handlers of the bilingual plugin: glue between Pelican and the modules.

State is kept in one Build object stored in the settings of every language
run (settings["BILINGUAL_BUILD"]), never in module globals.
"""

import logging
import os
import re
from pathlib import Path

import blinker
from jinja2 import pass_context
from pelican.contents import Article, Page
from pelican.readers import BaseReader
from pelican.utils import SafeDatetime

import placeholders

from . import catalogue, checks, links, sitemaps
from .problems import AlreadyReported
from .settings import BUILD_KEY, LANG_KEY, base_patterns, load, localise
from .state import Build, WrittenPage
from .typeset_cache import FILE_NAME
from .typography import french_text

logger = logging.getLogger(__name__)

# Sent by the main run once every language is written, before the link check:
# the place for site-wide work (a search index...). Blinker calls handlers of
# one signal in no fixed order, so "finalized" alone cannot promise that.
all_languages_written = blinker.signal("bilingual.all_languages_written")

DATE_FIELDS = {"date": "Date", "modified": "Modified"}
# 2025-01-31, 2025-01-31 09:30, 2025-01-31T09:30:15: no zone, no fraction of a second.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")


def on_initialized(pelican):
    settings = pelican.settings
    if BUILD_KEY in settings:
        return  # a language run started by the main run: already set up
    config = load(settings)
    if config["catalogue_dir"] is None:
        config["catalogue_dir"] = str(Path(settings["THEME"]) / "translations")
    typeset_cache = os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", FILE_NAME))
    build = Build(config, base_patterns(settings), settings["PATH"], typeset_cache)
    settings[BUILD_KEY] = build
    settings[LANG_KEY] = build.primary
    localise(settings, config, build.primary, build.base_patterns)
    AlreadyReported.install(build)


def _run(settings):
    """(build, language of this run), or (None, None) outside a bilingual build."""
    build = settings.get(BUILD_KEY)
    return (build, settings.get(LANG_KEY)) if build else (None, None)


def on_run_start(pelican):
    build, lang = _run(pelican.settings)
    if build and lang == build.primary:
        build.reset()  # each rebuild of `invoke serve` starts afresh


def on_readers_init(readers):
    build, _ = _run(readers.settings)
    if build:
        for extension, reader_class in list(readers.reader_classes.items()):
            if reader_class is not BaseReader:  # static files have no dates
                readers.reader_classes[extension] = _date_checking(reader_class)


def _date_checking(reader_class):
    """The reader class, reporting an unreadable date instead of failing on it, a file that is
    not text the site can carry instead of stopping the build, and names outside the taxonomy.

    Made once per reader class and kept on it: Pelican finds readers among
    the subclasses of BaseReader, so one made per build would pile up.
    """
    if getattr(reader_class, "reports_bad_dates", False):
        return reader_class
    if "_date_checking_variant" not in reader_class.__dict__:
        reader_class._date_checking_variant = type(reader_class.__name__, (reader_class,), {
            "reports_bad_dates": True, "read": _read_reporting_dates, "process_metadata": _process_reporting_dates})
    return reader_class._date_checking_variant


def _read_reporting_dates(self, source_path):
    build = self.settings[BUILD_KEY]
    unreadable = checks.text_problem(source_path)
    if unreadable is not None:
        line, message = unreadable
        build.problems.add(build.relative_path(source_path), f"line {line}", message)
        # Pelican leaves a "skip" file out without a word; the build fails on the error above.
        return "", {"status": "skip"}
    self._bad_values = {}
    content, metadata = super(type(self), self).read(source_path)
    for name, raw in self._bad_values.items():
        metadata.pop(name, None)
        checks.report_bad_value(build, source_path, DATE_FIELDS[name], raw,
                                "is not a date; write it as 2025-01-31 or 2025-01-31 09:30")
    if metadata.get("status") != "skip":
        # The file's own lines only: Pelican adds DEFAULT_CATEGORY to the metadata after reading.
        language = str(metadata.get("lang") or _language_of_folder(source_path, build)).strip().lower()
        checks.check_taxonomy(build, source_path, metadata, language)
    return content, metadata


def _process_reporting_dates(self, name, value):
    if name in DATE_FIELDS and isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            # Pelican hands every date to dateutil's parser (about a tenth of reading a cached post);
            # the usual form gives the same naive SafeDatetime straight from fromisoformat.
            return SafeDatetime.fromisoformat(value)
        except ValueError:
            pass  # a 13th month: Pelican's own error, reported below
    try:
        return super(type(self), self).process_metadata(name, value)
    except ValueError:
        if name not in DATE_FIELDS:
            raise
        self._bad_values[name] = value
        return None


def on_generator_init(generator):
    build, lang = _run(generator.settings)
    if not build:
        return
    env = generator.env
    env.add_extension("jinja2.ext.i18n")
    catalogue.install(env, lang, build.translations(lang))
    env.filters["plaintext"] = _plain_text
    env.globals.update(
        SITE_LANG=lang,
        SITE_LANGUAGES=build.languages,
        LANG_HOME=build.prefix(lang),
        language_alternates=pass_context(lambda context: links.alternates(context, build, lang)),
        hreflang_links=lambda found: sitemaps.hreflang_links(found, build.primary),
    )


def _plain_text(html):
    """Text of an HTML fragment for <title> and meta tags; unlike Jinja's
    striptags, keeps the no-break spaces of French typography."""
    return re.sub(r"\s*<[^>]*>\s*", lambda m: " " if m.group().strip() != m.group() else "", str(html)).strip()


def on_content_init(content):
    if not isinstance(content, (Article, Page)):
        return
    build, _ = _run(content.settings)
    if not build:
        return
    _expose_hyphenated_fields(content)
    content.lang = str(content.metadata.get("lang", _language_of_folder(content.source_path, build))).strip().lower()
    content.in_default_lang = content.lang == content.settings["DEFAULT_LANG"]
    content.translation_key = getattr(content, "translation_of", None) or getattr(content, "slug", None) or content.source_path
    checks.check_fields(content, build, isinstance(content, Article))
    # Template text of publisher/authoring.py (newsletter issues too): a draft may hold it, nothing published may.
    left = content.status != "draft" and placeholders.left_in(content.source_path, content._content,
                                                              *content.metadata.values())
    if left:
        build.problems.add(build.relative_path(content.source_path), *left)
    if content.lang.startswith("fr"):
        _apply_french_typography(content, build)


def _language_of_folder(source_path, build):
    """Without a Lang line, a file in posts/en/ is English; elsewhere, the first language."""
    folders = Path(source_path).parts[:-1]
    return next((part for part in reversed(folders) if part in build.languages), build.primary)


def _expose_hyphenated_fields(content):
    """'Translation-Of:' becomes content.translation_of (Pelican keeps the hyphen)."""
    for key, value in content.metadata.items():
        if "-" in key:
            setattr(content, key.replace("-", "_"), value)


def _apply_french_typography(content, build):
    if content._content:
        content._content = build.typeset(content._content)
    if getattr(content, "title", None):
        content.title = french_text(content.title)
    if getattr(content, "_summary", None):
        content._summary = build.typeset(content._summary)


ARTICLE_GROUPS = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts", "drafts_translations")
PAGE_GROUPS = ("pages", "translations", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")


def on_articles_read(generator):
    """Before categories and tags are counted: keep this language's posts only."""
    build, lang = _run(generator.settings)
    if not build:
        return
    if lang == build.primary:
        _index_languages(build, generator.articles + generator.translations)
    moved = _keep_language(generator, ARTICLE_GROUPS, "post", build, lang)
    generator.bilingual_untranslated = [item for item in moved["articles"] if not _has_version_in(item, lang)]


def on_pages_read(generator):
    build, lang = _run(generator.settings)
    if build:
        _keep_language(generator, PAGE_GROUPS, "page", build, lang)


def _keep_language(generator, groups, kind, build, lang):
    """Check the collection, then keep the items of ``lang`` in each group (in
    place: Pelican's context holds these lists). Returns the others, by group."""
    checks.check_collection([item for group in groups for item in getattr(generator, group)], build, kind)
    moved = {}
    for group in groups:
        items = getattr(generator, group)
        kept, moved[group] = _split(items, lang, build)
        items[:] = kept
    return moved


def _index_languages(build, published):
    for item in published:
        index = build.index[item.lang]
        if getattr(item, "category", None):
            index.categories[item.category.name.casefold()] = item.category.name
        index.tags.update((tag.name.casefold(), tag.name) for tag in getattr(item, "tags", []))
        index.authors.update(author.name for author in getattr(item, "authors", []))


def _split(items, lang, build):
    """(items of this language, the others): the others link to their own site, unwritten."""
    kept, moved = [], []
    for item in items:
        if item.source_path in build.unwritten:
            item.override_save_as = ""
        if item.lang == lang:
            kept.append(item)
            continue
        if item.lang in build.languages:
            item.override_url = _url_in_own_site(item, build)
        item.override_save_as = ""
        moved.append(item)
    return kept, moved


def _url_in_own_site(item, build):
    """The URL ``item`` gets in the run of its own language, which writes it.

    This run's settings are those of another language: Pelican would give the
    item this language's prefix or its *_LANG_URL pattern. A URL line in the
    item's metadata is the one Pelican uses as it is in every run, so it wins
    over the pattern (else the links to the item lead to nothing).
    """
    own = item.metadata.get("url")
    if own is not None:
        return own
    return build.url_in(item.lang, _url_key(item), **item.url_format)


def _url_key(item):
    kind = type(item).__name__.upper()  # ARTICLE or PAGE
    if item.status == "draft":
        return "DRAFT_URL" if kind == "ARTICLE" else "DRAFT_PAGE_URL"
    return f"{kind}_URL"


def _has_version_in(item, lang):
    return any(t.lang == lang for t in item.translations)


def on_articles_listed(generator):
    """Optionally list the other language's untranslated posts, with a badge."""
    build, lang = _run(generator.settings)
    if not build or not build.config["list_untranslated"]:
        return
    listed = [item for item in generator.bilingual_untranslated if item.lang in build.languages and item.status == "published"]
    for item in listed:
        item.untranslated_from = item.lang
        build.listed_from_elsewhere[lang].add(item.url)
    for group in (generator.articles, generator.dates):
        group.extend(listed)
        group.sort(key=lambda item: item.date, reverse=True)


def on_feed_generated(context, feed):
    """Feeds hold their own language only, even when lists show the other one; each names its
    language and its language's home (Pelican gives every feed the site's root as link and
    id, and feed readers that go by the id would merge the French and English feeds)."""
    build, lang = _run(context)
    if not build:
        return
    foreign = build.listed_from_elsewhere[lang]
    if foreign:
        feed.items = [item for item in feed.items if not any(item["link"].endswith("/" + url) for url in foreign)]
    if feed.feed.get("id") == feed.feed["link"]:
        feed.feed["id"] = feed.feed["link"] + build.prefix(lang)
    feed.feed["link"] += build.prefix(lang)
    feed.feed["language"] = lang


def on_content_written(path, context):
    build, lang = _run(context)
    if not build or not path.endswith(".html"):
        return
    content = context.get("article") or context.get("page")
    if content is not None and content.status != "published":
        return  # drafts and hidden pages stay out of sitemaps and counts
    relative = os.path.relpath(path, context["OUTPUT_PATH"])
    build.written[lang].append(WrittenPage(
        path=relative,
        url=links.own_url(context),
        source=build.relative_path(content.source_path) if content is not None else None,
        alternates=links.alternates(context, build, lang),
        lastmod=getattr(content, "modified", None) or getattr(content, "date", None),
    ))


def on_run_finished(pelican):
    build, lang = _run(pelican.settings)
    if not build:
        return
    settings = pelican.settings
    output = settings["OUTPUT_PATH"]
    sitemaps.write_language_sitemap(output, lang, build.written[lang], settings["SITEURL"], build.primary)
    if lang != build.primary:
        return
    for other in build.languages[1:]:
        _run_language(pelican, build, other)
    build.save_caches()
    all_languages_written.send(pelican)
    sitemaps.write_index(output, build.languages, settings["SITEURL"])
    sitemaps.write_robots(output, settings["SITEURL"])
    all_pages = [page for lang_pages in build.written.values() for page in lang_pages]
    checks.check_links(output, all_pages, settings["SITEURL"], build.problems)
    logger.info("Wrote %s", ", ".join(
        f"{len(build.written[code])} pages in {catalogue.language_name(code, 'en')} ({code})" for code in build.languages))
    if build.problems.errors:
        # The command decides: publisher.build stops; `invoke serve` goes on.
        logger.info("%s content error(s) listed above", len(build.problems.errors))


def _run_language(pelican, build, lang):
    """Build the site of ``lang`` into the same output folder."""
    settings = dict(pelican.settings)
    settings.update(
        DELETE_OUTPUT_DIRECTORY=False,
        THEME_STATIC_PATHS=[],           # the main run already copied the theme
        STATIC_CHECK_IF_MODIFIED=True,   # and the images: skip copying them again
    )
    settings[LANG_KEY] = lang
    localise(settings, build.config, lang, build.base_patterns)
    pelican.__class__(settings).run()
