"""Pelican's Writer, noting pages instead of rendering them while a generator writes."""

import os
from contextlib import contextmanager

from pelican.writers import Writer

from .render import Page, render_all
from .settings import STATE_KEY


class DeferringWriter(Writer):
    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self._noted = None     # the pages to render, while deferring
        self._awaiting = None  # the page whose file Pelican is about to open

    @contextmanager
    def deferred(self):
        """Note the pages written in the block, then render them all; as Pelican does with RELATIVE_URLS
        (each page changes the context's localsiteurl before it renders, so the order matters)."""
        if self.settings.get("RELATIVE_URLS"):
            yield
            return
        self._noted = []
        try:
            yield
            noted, self._noted = self._noted, None
            config = self.settings[STATE_KEY]
            render_all(noted, self.settings, config["workers"], config["parallel_from"])
        finally:
            self._noted = self._awaiting = None

    def write_file(self, name, template, context, *args, **kwargs):
        if self._noted is not None:
            template = _Noting(template, self)
        return super().write_file(name, template, context, *args, **kwargs)

    def _open_w(self, filename, encoding, override=False):
        # Pelican opens the file right after "rendering" it: here the page learns its file.
        stream = super()._open_w(filename, encoding, override)
        page, self._awaiting = self._awaiting, None
        if page is not None and stream.name != os.devnull:  # devnull: a page Pelican skips
            page.path = filename
            self._noted.append(page)
        return stream


class _Noting:
    """Stands for the template in Writer.write_file: renders nothing, notes the page."""

    def __init__(self, template, writer):
        self.template = template
        self.writer = writer

    def render(self, context):
        self.writer._awaiting = Page(self.template, context)
        return ""
