"""Bilingual sites: the first language at the root, each other one under its folder.

Pelican builds one language per run. The main run (the first language) builds
its site, then runs the other languages into the same output folder, then
writes what spans every language: the sitemap index, robots.txt, the link
check and the summary. See docs/architecture.md.
"""

import logging

from pelican import signals

from . import handlers
# For other plugins: the signal sent once every language is written.
from .runs import all_languages_written  # noqa: F401

logger = logging.getLogger(__name__)


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.get_generators.connect(handlers.on_run_start)
    signals.readers_init.connect(handlers.on_readers_init)
    signals.generator_init.connect(handlers.on_generator_init)
    signals.content_object_init.connect(handlers.on_content_init)
    signals.article_generator_pretaxonomy.connect(handlers.on_articles_read)
    signals.article_generator_finalized.connect(handlers.on_articles_listed)
    signals.page_generator_finalized.connect(handlers.on_pages_read)
    signals.feed_generated.connect(handlers.on_feed_generated)
    signals.content_written.connect(handlers.on_content_written)
    signals.finalized.connect(handlers.on_run_finished)
