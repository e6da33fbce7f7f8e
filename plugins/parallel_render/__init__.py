"""Pages rendered across the machine's cores.

Rendering every page with Jinja is, after reading, most of a full build. This
plugin hands Pelican a writer that, while the posts' and the pages' generators
write, only notes each page (its template, its context and its file) and lets
Pelican do everything else as usual: pagination, the checks against writing a
file twice, the content_written signal. Once the generator is done, the noted
pages are rendered by forked worker processes and the build's own process,
each taking every n-th page, so the bytes are those of a serial build.

What a worker logs is logged again by the build, and a worker whose pages
added a problem to the build's list has its pages rendered again by the build
itself, so the list is the one a serial build makes. With RELATIVE_URLS on, or
fewer pages than ``parallel_from``, pages are rendered in the build's process
as Pelican does. Settings: ``PARALLEL_RENDER`` (settings.py).
"""

from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.get_writer.connect(handlers.on_get_writer)
    signals.all_generators_finalized.connect(handlers.on_generators_ready)
