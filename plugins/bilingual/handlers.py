"""Signal handlers of the bilingual plugin: glue between Pelican and the modules.

State is kept in one Build object stored in the settings of every language
run (settings["BILINGUAL_BUILD"]), never in module globals.
"""

import logging
import os
from pathlib import Path

from jinja2 import pass_context
from pelican.contents import Article, Page

from . import catalogue, checks, links, sitemaps
from .problems import AlreadyReported, ContentErrors
from .settings import BUILD_KEY, LANG_KEY, base_patterns, load, localise
from .state import Build, WrittenPage
from .taxonomy import Taxonomy
from .typography import french_html, french_text

logger = logging.getLogger(__name__)

DATE_FIELDS = {"date": "Date", "modified": "Modified"}


def on_initialized(pelican):
    settings = pelican.settings
    if BUILD_KEY in settings:
        return  # a language run started by the main run: already set up
    config = load(settings)
    if config["catalogue_dir"] is None:
        config["catalogue_dir"] = str(Path(settings["THEME"]) / "translations")
    taxonomy = Taxonomy.load(Path(settings["PATH"]) / config["taxonomy_file"])
    build = Build(config, base_patterns(settings), settings["PATH"], taxonomy)
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
            readers.reader_classes[extension] = _date_checking(reader_class, build)


def _date_checking(reader_class, build):
    """A reader that reports an unreadable date instead of failing on it."""

    class DateCheckingReader(reader_class):
        def read(self, source_path):
            self._bad_values = {}
            content, metadata = super().read(source_path)
            for name, raw in self._bad_values.items():
                metadata.pop(name, None)
                checks.report_bad_value(build, source_path, DATE_FIELDS[name], raw,
                                        "is not a date; write it as 2025-01-31 or 2025-01-31 09:30")
            return content, metadata

        def process_metadata(self, name, value):
            try:
                return super().process_metadata(name, value)
            except ValueError:
                if name not in DATE_FIELDS:
                    raise
                self._bad_values[name] = value
                return None

    DateCheckingReader.__name__ = reader_class.__name__
    return DateCheckingReader


def on_generator_init(generator):
    build, lang = _run(generator.settings)
    if not build:
        return
    env = generator.env
    env.add_extension("jinja2.ext.i18n")
    catalogue.install(env, lang, build.config["catalogue_dir"])
    env.globals.update(
        SITE_LANG=lang,
        SITE_LANGUAGES=build.languages,
        LANG_HOME=build.prefix(lang),
        language_alternates=pass_context(lambda context: links.alternates(context, build, lang)),
        hreflang_links=lambda found: sitemaps.hreflang_links(found, build.primary),
    )


def on_content_init(content):
    if not isinstance(content, (Article, Page)):
        return
    build, _ = _run(content.settings)
    if not build:
        return
    _expose_hyphenated_fields(content)
    content.lang = str(content.metadata.get("lang", build.primary)).strip().lower()
    content.in_default_lang = content.lang == content.settings["DEFAULT_LANG"]
    content.translation_key = getattr(content, "translation_of", None) or getattr(content, "slug", None) or content.source_path
    checks.check_fields(content, build, isinstance(content, Article))
    if content.lang.startswith("fr"):
        _apply_french_typography(content)


def _expose_hyphenated_fields(content):
    """'Translation-Of:' becomes content.translation_of (Pelican keeps the hyphen)."""
    for key, value in content.metadata.items():
        if "-" in key:
            setattr(content, key.replace("-", "_"), value)


def _apply_french_typography(content):
    if content._content:
        content._content = french_html(content._content)
    if getattr(content, "title", None):
        content.title = french_text(content.title)
    if getattr(content, "_summary", None):
        content._summary = french_html(content._summary)


def on_articles_read(generator):
    """Before categories and tags are counted: keep this language's posts only."""
    build, lang = _run(generator.settings)
    if not build:
        return
    groups = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts", "drafts_translations")
    everything = [item for group in groups for item in getattr(generator, group)]
    if lang == build.primary:
        _index_languages(build, generator.articles + generator.translations)
        checks.check_collection(everything, build, "post")
    untranslated = []
    for group in groups:
        kept, moved = _split(getattr(generator, group), lang, build)
        setattr(generator, group, kept)
        untranslated += [item for item in moved if group == "articles" and not _has_version_in(item, lang)]
    generator.bilingual_untranslated = untranslated


def _index_languages(build, published):
    for item in published:
        index = build.index[item.lang]
        if getattr(item, "category", None):
            index.categories.add(item.category.name)
        index.tags.update(tag.name for tag in getattr(item, "tags", []))
        index.authors.update(author.name for author in getattr(item, "authors", []))


def _split(items, lang, build):
    """(items of this language, the others): the others link to their own site, unwritten."""
    kept, moved = [], []
    for item in items:
        if item.lang == lang:
            kept.append(item)
            continue
        if item.lang in build.languages:
            key = "DRAFT_URL" if item.status == "draft" else f"{type(item).__name__.upper()}_URL"
            item.override_url = build.url_in(item.lang, key, **item.url_format)
        item.override_save_as = ""
        moved.append(item)
    return kept, moved


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
        build.foreign_urls.add(item.url)
    for group in (generator.articles, generator.dates):
        group.extend(listed)
        group.sort(key=lambda item: item.date, reverse=True)


def on_pages_read(generator):
    build, lang = _run(generator.settings)
    if not build:
        return
    groups = ("pages", "translations", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")
    if lang == build.primary:
        checks.check_collection([i for g in groups for i in getattr(generator, g)], build, "page")
    for group in groups:
        items = getattr(generator, group)
        items[:] = _split(items, lang, build)[0]  # in place: the context holds these lists


def on_feed_generated(context, feed):
    """Feeds hold their own language only, even when lists show the other one."""
    build, _ = _run(context)
    if build and build.foreign_urls:
        feed.items = [item for item in feed.items if not any(item["link"].endswith("/" + url) for url in build.foreign_urls)]


def on_content_written(path, context):
    build, lang = _run(context)
    if not build or not path.endswith(".html"):
        return
    content = context.get("article") or context.get("page")
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
    sitemaps.write_index(output, build.languages, settings["SITEURL"])
    sitemaps.write_robots(output, settings["SITEURL"])
    all_pages = [page for lang_pages in build.written.values() for page in lang_pages]
    checks.check_links(output, all_pages, settings["SITEURL"], build.problems)
    logger.info("Wrote %s", ", ".join(
        f"{len(build.written[code])} pages in {catalogue.language_name(code, 'en')} ({code})" for code in build.languages))
    if build.problems.errors:
        raise ContentErrors(build.problems.errors)


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
