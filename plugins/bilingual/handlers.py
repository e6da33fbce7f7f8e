"""Signal handlers of the bilingual plugin: glue between Pelican and the modules.

State is kept in one BilingualBuild shared by every language run through the
build context (sitekit.build_context), never in module globals.
"""

from pelican.contents import Article, Page

from sitekit.build_context import build_of, is_main_run, language_of_run

from . import contents, own_language, reader, runs, templates


def _run(settings):
    """(build, language of this run), or (None, None) outside a bilingual build."""
    build = build_of(settings)
    return (build, language_of_run(settings)) if build else (None, None)


def on_initialized(pelican):
    runs.start(pelican.settings)


def on_run_start(pelican):
    build = build_of(pelican.settings)
    if build and is_main_run(pelican.settings):
        build.reset()  # each rebuild of `invoke serve` starts afresh


def on_readers_init(readers):
    if build_of(readers.settings):
        reader.report_problems(readers)


def on_generator_init(generator):
    build, lang = _run(generator.settings)
    if build:
        templates.set_up(generator.env, build, lang)


def on_content_init(content):
    build = build_of(content.settings) if isinstance(content, (Article, Page)) else None
    if build:
        contents.prepare(content, build, isinstance(content, Article))


def on_articles_read(generator):
    build, lang = _run(generator.settings)
    if build:
        own_language.keep_posts(generator, build, lang)


def on_pages_read(generator):
    build, lang = _run(generator.settings)
    if build:
        own_language.keep_pages(generator, build, lang)


def on_articles_listed(generator):
    build, lang = _run(generator.settings)
    if build and build.config["list_untranslated"]:
        own_language.list_untranslated(generator, build, lang)


def on_feed_generated(context, feed):
    build, lang = _run(context)
    if build:
        own_language.keep_feed_language(feed, build, lang)


def on_content_written(path, context):
    build, lang = _run(context)
    if build and path.endswith(".html"):
        contents.note_written(path, context, build, lang)


def on_run_finished(pelican):
    if build_of(pelican.settings):
        runs.finish(pelican)
