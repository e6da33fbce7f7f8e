"""Signal handlers: hand Pelican the deferring writer, and render what it noted after each generator."""

from pelican.generators import ArticlesGenerator, PagesGenerator

from sitekit.plugin_list import lists_plugin

from .settings import STATE_KEY, load
from .writer import DeferringWriter


def on_initialized(pelican):
    settings = pelican.settings
    if STATE_KEY in settings:
        return  # a language run of the same build: already set up
    # Signals outlive a build: a later build in this process may not list this plugin.
    if lists_plugin(settings, __package__):
        settings[STATE_KEY] = load(settings)


def on_get_writer(pelican):
    if STATE_KEY in pelican.settings:
        return DeferringWriter
    return None


def on_generators_ready(generators):
    """Posts and pages (most of the site) are rendered in parallel; other generators write as usual."""
    for generator in generators:
        if isinstance(generator, (ArticlesGenerator, PagesGenerator)) and STATE_KEY in generator.settings:
            _render_after(generator)


def _render_after(generator):
    writes = generator.generate_output

    def generate_output(writer):
        if not isinstance(writer, DeferringWriter):
            return writes(writer)
        with writer.deferred():
            return writes(writer)

    generator.generate_output = generate_output
