"""Markdown converted once: in parallel before the build reads, then kept by content.

Every language run reads every source file (a post's translation links need
both), and Python-Markdown is most of a build's time. This plugin hands Pelican
a Markdown reader whose conversions are looked up by what they convert: the
text, plus the Markdown version and the MARKDOWN setting. Before the first run
reads, the files not yet converted are converted across the machine's cores;
the results are kept in CACHE_PATH/markdown-cache.json for the next build. A
hit gives the exact HTML a conversion would, so the site is byte for byte the
one a build without the plugin writes. Settings: ``MARKDOWN_CACHE`` (settings.py).
"""

from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.finalized.connect(handlers.on_finalized)
