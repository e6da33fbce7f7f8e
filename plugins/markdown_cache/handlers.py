"""Signal handlers: set the cache up before the first run reads, save it after each run."""

import logging
import time

from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from sitekit.build_context import keep_state, setting_up, state_of

from .cache import ConversionCache, convert_ahead, fingerprint, markdown_files
from .reader import CachingMarkdownReader
from .settings import load

logger = logging.getLogger(__name__)


def on_initialized(pelican):
    settings = pelican.settings
    if not setting_up(settings, ConversionCache, __package__):
        return
    config = load(settings)
    if not config["enabled"]:
        return
    CachingMarkdownReader(settings)  # completes MARKDOWN as Pelican's reader does (the meta extension)
    cache = keep_state(settings, ConversionCache(config["file"], fingerprint(settings["MARKDOWN"])))
    settings["READERS"] = {**settings.get("READERS", {}),
                           **{extension: CachingMarkdownReader for extension in MarkdownReader.file_extensions}}
    started = time.perf_counter()
    texts = [text for text in map(_text, markdown_files(settings["PATH"], MarkdownReader.file_extensions,
                                                        settings.get("IGNORE_FILES", []))) if text is not None]
    converted = convert_ahead(cache, texts, settings["MARKDOWN"], settings["FORMATTED_FIELDS"],
                              config["workers"], config["parallel_from"])
    logger.debug("markdown_cache: %s of %s files converted ahead in %.2f s", converted, len(texts),
                 time.perf_counter() - started)


def _text(path):
    try:
        with pelican_open(path) as text:
            return text
    except UnicodeDecodeError:
        return None  # not UTF-8: left to the reader, which reports it naming the file (plugins/bilingual)


def on_finalized(pelican):
    cache = state_of(pelican.settings, ConversionCache)
    if cache is not None:
        cache.save()
        logger.debug("markdown_cache: %s conversions found, %s made while reading", cache.hits, cache.misses)
