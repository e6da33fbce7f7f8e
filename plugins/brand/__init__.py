"""The site's look, set once: the BRAND setting (brand colours, logo, fonts, home pitch, social
profiles), the ``brand`` global of the templates, and the one stylesheet every page loads,
assembled from the theme's css/ parts."""

from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.generator_init.connect(handlers.on_generator_init)
    signals.all_generators_finalized.connect(handlers.on_generators_finalized)
