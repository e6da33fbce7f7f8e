"""Pelican's Writer, noting pages instead of rendering them while a generator writes, and writing
a file only when its bytes are not those of the site in place (sitekit.unchanged)."""

import io
import os
from contextlib import contextmanager
from dataclasses import dataclass

from pelican.writers import FileOverwriteFailedError, Writer

from sitekit.build_context import state_of
from sitekit.unchanged import WrittenOnClose, previous_file, write_output

from .render import Page, render_all


@dataclass(frozen=True)
class ParallelRendering:
    """The loaded PARALLEL_RENDER setting of a build that lists the plugin, in its build context."""

    config: dict


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
            config = state_of(self.settings, ParallelRendering).config
            render_all(noted, self.settings, config["workers"], config["parallel_from"])
        finally:
            self._noted = self._awaiting = None

    def write_file(self, name, template, context, *args, **kwargs):
        if self._noted is not None:
            template = _Noting(template, self)
        return super().write_file(name, template, context, *args, **kwargs)

    def _open_w(self, filename, encoding, override=False):
        """Pelican opens the file right after "rendering" it: here a noted page learns its file.
        No file is opened: a page's or a feed's bytes go through write_output once known."""
        page, self._awaiting = self._awaiting, None
        if self._skips(filename, override):
            return open(os.devnull, "w", encoding=encoding)
        previous = previous_file(self.settings, filename)
        if page is None:
            return WrittenOnClose(encoding, lambda data: write_output(filename, data, previous))
        page.path, page.previous = filename, previous
        self._noted.append(page)
        return io.StringIO()

    def _skips(self, filename, override):
        """Pelican's rule for a file written twice: one write may override the others, the
        later ones are skipped; any other second write is an error."""
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(f"{filename}: a second write overriding the others; only one may")
            return True
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(f"{filename}: written twice in one build; the second write "
                                           "needs override=True")
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return False


class _Noting:
    """Stands for the template in Writer.write_file: renders nothing, notes the page."""

    def __init__(self, template, writer):
        self.template = template
        self.writer = writer

    def render(self, context):
        self.writer._awaiting = Page(self.template, context)
        return ""
