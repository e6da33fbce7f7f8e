"""Comment threads under posts: a provider chosen by setting (Isso by default),
comments fetched at build time and written into the pages, a comment feed per
post, third-party widgets loaded only after the reader's consent.

See docs/architecture.md ("Comments") and the COMMENTS setting in pelicanconf.py.
"""

from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.get_generators.connect(handlers.on_run_start)
    signals.article_generator_finalized.connect(handlers.on_articles_listed)
    signals.article_writer_finalized.connect(handlers.on_articles_written)
