"""Related posts: at the end of each post, up to RELATED["count"] posts of the same language that
share the most tags with it (then its category, then the newest), as ``article.related``."""

from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.article_generator_finalized.connect(handlers.on_articles_listed)
