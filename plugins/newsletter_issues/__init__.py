"""Newsletter issues: read from content/newsletter/, archived on the site in
each language (/newsletter/, /en/newsletter/, one page per issue, an Atom
feed, thank-you pages for the "did you like it?" links), and rendered as MJML
emails into the outbox once every language is built.

Named newsletter_issues, not newsletter: Pelican imports plugins by their bare
name, which would clash with the top-level newsletter/ package (the engine).
"""

import blinker
from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.get_generators.connect(handlers.add_generator)
    signals.generator_init.connect(handlers.on_generator_init)
    blinker.signal("bilingual.all_languages_written").connect(handlers.on_all_languages_written)
