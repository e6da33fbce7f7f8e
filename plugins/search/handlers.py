"""Signal handlers of the search plugin: glue between Pelican and the indexer.

State is kept in one SearchState object stored in the settings of every
language run (settings["SEARCH_STATE"]), never in module globals. Signals are
process-wide: a later build in the same process that does not list this
plugin finds no state and is left alone.
"""

import logging
import os

from sitekit.plugin_list import lists_plugin

from . import indexer
from .index_cache import FOLDER_NAME, IndexCache
from .settings import STATE_KEY, load
from .state import SearchState

logger = logging.getLogger(__name__)



def on_initialized(pelican):
    settings = pelican.settings
    if STATE_KEY in settings:
        return  # a language run started by the main run: already set up
    if not lists_plugin(settings, __package__):
        return
    config = load(settings)
    cache = IndexCache(os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", FOLDER_NAME)))
    settings[STATE_KEY] = SearchState(config, cache if config["cache"] else None)


def _is_main_run(settings):
    """The run that builds the others (bilingual), or the only one (single language)."""
    build = settings.get("BILINGUAL_BUILD")
    return build is None or settings.get("BILINGUAL_LANG") == build.primary


def on_run_start(pelican):
    state = pelican.settings.get(STATE_KEY)
    if state and _is_main_run(pelican.settings):
        state.reset()


def on_content_written(path, context):
    state = context.get(STATE_KEY)
    post = context.get("article")
    if not state or post is None or not path.endswith(".html"):
        return
    if post.status == "published":  # drafts and hidden posts stay out of search
        state.posts.append(os.path.relpath(path, context["OUTPUT_PATH"]).replace(os.sep, "/"))


def on_run_finished(pelican):
    """A site in one language: index once it is written."""
    if "BILINGUAL_BUILD" not in pelican.settings:
        _index(pelican.settings)


def on_all_languages_written(pelican):
    """A bilingual site: index once the main run has written every language."""
    _index(pelican.settings)


def _index(settings):
    state = settings.get(STATE_KEY)
    if not state or not state.config["enabled"]:
        return
    try:
        counts = state.index(settings["OUTPUT_PATH"])
    except indexer.IndexerError as error:
        _report(settings, str(error))
        return
    if not counts:
        logger.warning("search: no published post to index; the search pages will find nothing")
        return
    logger.info("Search index: %s", ", ".join(f"{count} posts in {lang}" for lang, count in sorted(counts.items())))


def _report(settings, message):
    """One line; in a bilingual build, a problem that fails publisher.build."""
    build = settings.get("BILINGUAL_BUILD")
    if build is not None:
        build.problems.add("search", "index", message)  # logs the error line itself
    else:
        logger.error("search: index: %s", message)
