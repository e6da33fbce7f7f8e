"""Media in posts: figures, responsive images, audio and video, click-to-load
YouTube and Vimeo players, download links with their type and size.

Each post's HTML is rewritten when Pelican makes its content object; the
resized copies of images are written at the end of each language run. Both
are kept in CACHE_PATH/media for the next build (plugins/media/caches.py):
a post whose HTML and images did not change is not transformed again, and a
copy is resized once, then linked into each build. See plugins/media/transforms.py.
"""

import logging

from pelican import signals

from . import handlers

logger = logging.getLogger(__name__)


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.content_object_init.connect(handlers.on_content_init)
    signals.article_generator_finalized.connect(handlers.on_generator_finalized)
    signals.page_generator_finalized.connect(handlers.on_generator_finalized)
    signals.finalized.connect(handlers.on_finalized)
