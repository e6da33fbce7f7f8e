"""Social cards: the image shown when a post or page is shared.

A post or page with an ``Image:`` line is shared with that image. Every other
published one gets a 1200×630 PNG card drawn at build time (site name, title,
category), written to ``images/cards/<lang>/<slug>.png`` (pages:
``images/cards/<lang>/pages/<slug>.png``; newsletter issues, the newsletter's
name in the band: ``images/cards/<lang>/newsletter/<number>.png``) by the run
of its language, and only when what it shows has changed. Templates read
``social_image``, ``social_image_url``, ``social_image_width``,
``social_image_height`` and ``social_image_alt`` on the item (see cards.py). Settings: the
``SOCIAL_CARDS`` dict (see settings.py).
"""

import blinker
from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.article_generator_finalized.connect(handlers.on_articles_ready)
    signals.page_generator_finalized.connect(handlers.on_pages_ready)
    signals.article_writer_finalized.connect(handlers.on_articles_written)
    signals.page_writer_finalized.connect(handlers.on_pages_written)
    # Sent by the newsletter_issues plugin, named here so neither plugin imports the other.
    blinker.signal("newsletter_issues.issues_read").connect(handlers.on_issues_read)
    blinker.signal("newsletter_issues.issues_written").connect(handlers.on_issues_written)
