"""Signal handlers: hand Pelican the deferring writer, and render what it noted after each generator."""

from pelican.generators import ArticlesGenerator, PagesGenerator

from sitekit.build_context import keep_state, setting_up, state_of

from .settings import load
from .writer import DeferringWriter, ParallelRendering


def on_initialized(pelican):
    settings = pelican.settings
    if setting_up(settings, ParallelRendering, __package__):
        keep_state(settings, ParallelRendering(load(settings)))


def on_get_writer(pelican):
    if state_of(pelican.settings, ParallelRendering) is not None:
        return DeferringWriter
    return None


def on_generators_ready(generators):
    """Posts and pages (most of the site) are rendered in parallel; other generators write as usual."""
    for generator in generators:
        if isinstance(generator, (ArticlesGenerator, PagesGenerator)) and state_of(generator.settings, ParallelRendering):
            _render_after(generator)


def _render_after(generator):
    writes = generator.generate_output

    def generate_output(writer):
        if not isinstance(writer, DeferringWriter):
            return writes(writer)
        with writer.deferred():
            return writes(writer)

    generator.generate_output = generate_output
