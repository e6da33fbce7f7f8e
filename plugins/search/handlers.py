"""Signal handlers of the search plugin: glue between Pelican and the indexer.

State is kept in one SearchState object in the build context of every
language run (sitekit.build_context), never in module globals. Signals are
process-wide: a later build in the same process that does not list this
plugin finds no state and is left alone.
"""

import logging
import os

from sitekit.build_context import build_of, is_main_run, keep_state, report, setting_up, state_of

from . import indexer
from .index_cache import FOLDER_NAME, IndexCache
from .settings import load
from .state import SearchState

logger = logging.getLogger(__name__)


def on_initialized(pelican):
    settings = pelican.settings
    if not setting_up(settings, SearchState, __package__):
        return
    config = load(settings)
    cache = IndexCache(os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", FOLDER_NAME)))
    keep_state(settings, SearchState(config, cache if config["cache"] else None))


def on_run_start(pelican):
    state = state_of(pelican.settings, SearchState)
    if state and is_main_run(pelican.settings):
        state.reset()


def on_content_written(path, context):
    state = state_of(context, SearchState)
    post = context.get("article")
    if not state or post is None or not path.endswith(".html"):
        return
    if post.status == "published":  # drafts and hidden posts stay out of search
        page = os.path.relpath(path, context["OUTPUT_PATH"]).replace(os.sep, "/")
        state.posts.setdefault(post.lang, []).append(page)


def on_run_finished(pelican):
    """A site in one language: index once it is written."""
    if build_of(pelican.settings) is None:
        _index(pelican.settings)


def on_all_languages_written(pelican):
    """A bilingual site: index once the main run has written every language."""
    _index(pelican.settings)


def _index(settings):
    state = state_of(settings, SearchState)
    if not state or not state.config["enabled"]:
        return
    try:
        counts = state.index(settings["OUTPUT_PATH"])
    except indexer.IndexerError as error:
        report(settings, "search", "index", str(error))  # in a bilingual build, it fails publisher.build
        return
    if not counts:
        logger.warning("search: no published post to index; the search pages will find nothing")
        return
    logger.info("Search index: %s", ", ".join(f"{count} posts in {lang}" for lang, count in sorted(counts.items())))

