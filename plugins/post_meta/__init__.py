"""What a post page shows about a post beyond its text: authors' profiles,
reading time, cover image and schema.org BlogPosting data (Article data for a
newsletter issue's page); and the ``focusable_code`` filter, which lets a
keyboard reach the code blocks of any page."""

from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.get_generators.connect(handlers.on_run_start)
    signals.generator_init.connect(handlers.on_generator_init)
    signals.content_object_init.connect(handlers.on_content_init)
    signals.finalized.connect(handlers.on_finalized)
