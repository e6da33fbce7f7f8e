"""The language runs of one build: the main run (the first language) sets the build up, builds
its site, then runs each other language into the same output folder, then writes what spans
every language: the sitemap index, robots.txt, the link check and the summary."""

import logging
import os
from pathlib import Path

import blinker

from sitekit.build_context import build_of, is_main_run, language_of_run, language_run, start_build
from sitekit.languages import base_patterns, language_name, load, localise

from . import checks, sitemaps
from .problems import AlreadyReported
from .state import BilingualBuild
from .typeset_cache import FILE_NAME

logger = logging.getLogger(__name__)

# Sent by the main run once every language is written, before the link check:
# the place for site-wide work (a search index...). Blinker calls handlers of
# one signal in no fixed order, so "finalized" alone cannot promise that.
all_languages_written = blinker.signal("bilingual.all_languages_written")


def start(settings):
    """Set the build up in the main run's settings (the runs it starts share it)."""
    if build_of(settings) is not None:
        return
    config = load(settings)
    if config["catalogue_dir"] is None:
        config["catalogue_dir"] = str(Path(settings["THEME"]) / "translations")
    typeset_cache = os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", FILE_NAME))
    build = BilingualBuild(config, base_patterns(settings), settings["PATH"], typeset_cache)
    start_build(settings, build)
    localise(settings, config, build.primary, build.base_patterns)
    AlreadyReported.install(build)


def finish(pelican):
    """A run is written: its sitemap; after the main run, the other languages and the site-wide files."""
    settings = pelican.settings
    build, lang = build_of(settings), language_of_run(settings)
    output = settings["OUTPUT_PATH"]
    sitemaps.write_language_sitemap(output, lang, build.written[lang], settings["SITEURL"], build.primary)
    if not is_main_run(settings):
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
        f"{len(build.written[code])} pages in {language_name(code, 'en')} ({code})" for code in build.languages))
    if build.problems.errors:
        # The command decides: publisher.build stops; `invoke serve` goes on.
        logger.info("%s content error(s) listed above", len(build.problems.errors))


def _run_language(pelican, build, lang):
    """Build the site of ``lang`` into the same output folder."""
    settings = language_run(pelican.settings, lang)
    settings.update(
        DELETE_OUTPUT_DIRECTORY=False,
        THEME_STATIC_PATHS=[],           # the main run already copied the theme
        STATIC_CHECK_IF_MODIFIED=True,   # and the images: skip copying them again
    )
    localise(settings, build.config, lang, build.base_patterns)
    pelican.__class__(settings).run()
