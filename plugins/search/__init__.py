"""Site search: a Pagefind index of the posts, one index per language.

Every language run records the post pages it writes; once the last language
is written, the main run hands those pages to Pagefind, which writes its
bundle into OUTPUT_PATH/pagefind/. Pagefind reads each page's <html lang> and
makes one index per language, so the French search page finds French posts
and the English one English posts. See theme/templates/search.html and
theme/static/js/search.js for the reader's side.
"""

import blinker
from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.get_generators.connect(handlers.on_run_start)
    signals.content_written.connect(handlers.on_content_written)
    signals.finalized.connect(handlers.on_run_finished)
    # Sent by the bilingual plugin once every language is written.
    blinker.signal("bilingual.all_languages_written").connect(handlers.on_all_languages_written)
