"""Render noted pages: in forked workers, each taking every n-th page, and in the build's process."""

import functools
import logging
import time
import traceback
from dataclasses import dataclass

from sitekit.build_context import build_of
from sitekit.unchanged import write_output
from sitekit.workers import WorkerLost, share_out

logger = logging.getLogger(__name__)


class RenderFailed(RuntimeError):
    """A page could not be rendered; the message names its file and the error. Like Jinja's
    syntax errors, it carries the template's ``filename`` and ``lineno`` when known."""

    def __init__(self, path, error, filename=None, lineno=None):
        super().__init__(f"{path} could not be rendered: {error}")
        self.path, self.error, self.filename, self.lineno = path, error, filename, lineno

    def __reduce__(self):  # sent back by a worker
        return type(self), (self.path, self.error, self.filename, self.lineno)

    @classmethod
    def of(cls, page, error):
        message = "".join(traceback.format_exception_only(type(error), error)).strip()
        return cls(page.path, message, getattr(error, "filename", None), getattr(error, "lineno", None))


@dataclass
class Page:
    template: object
    context: dict
    path: str = None
    previous: str = None  # the file at its place in the site in place (sitekit.unchanged)

    def write(self):
        try:
            output = self.template.render(self.context)
        except Exception as error:
            raise RenderFailed.of(self, error) from error
        write_output(self.path, output.encode("utf-8"), self.previous)


def render_all(pages, settings, workers, parallel_from):
    started = time.perf_counter()
    try:
        _render_all(pages, settings, workers, parallel_from)
    finally:
        logger.debug("parallel_render: %s pages rendered in %.2f s (%s workers)", len(pages),
                     time.perf_counter() - started, workers if len(pages) >= parallel_from else 1)


def _render_all(pages, settings, workers, parallel_from):
    render = functools.partial(_render_share, settings=settings)
    try:
        _, done = share_out(render, pages, workers if len(pages) >= parallel_from else 1)
    except WorkerLost as lost:
        raise RenderFailed("a page", f"its render worker stopped with status {lost.status}") from lost
    workers = len(done) + 1  # fewer than asked beside other threads
    for number, one in enumerate(done, start=1):
        if one.result:
            # Its problems died with it: rendered again here, they land in the build's list (logged once).
            for page in pages[number::workers]:
                page.write()
        else:
            one.replay()


def _render_share(pages, settings):
    """Write ``pages``; whether they added to the bilingual build's problems."""
    counted = _problem_count(settings)
    for page in pages:
        page.write()
    return _problem_count(settings) != counted


def _problem_count(settings):
    """The bilingual build's problems so far: its list must stay the one a serial build makes."""
    build = build_of(settings)
    return None if build is None else len(build.problems.errors) + len(build.problems.warnings)
