"""Render noted pages: in forked workers, each taking every n-th page, and in the build's process."""

import gc
import logging
import os
import pickle
import time
import traceback
from dataclasses import dataclass

from sitekit.unchanged import write_output

logger = logging.getLogger(__name__)

# The bilingual plugin's build, when it runs: its list of problems must stay the one a serial build makes.
BILINGUAL_KEY = "BILINGUAL_BUILD"


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


@dataclass
class _Outcome:
    """What a worker sends back."""

    records: list            # (logger name, level, message) of each line it logged
    problems_added: bool     # its pages added to the build's problems
    failure: RenderFailed = None  # about the page it could not render


def render_all(pages, settings, workers, parallel_from):
    started = time.perf_counter()
    try:
        _render_all(pages, settings, workers, parallel_from)
    finally:
        logger.debug("parallel_render: %s pages rendered in %.2f s (%s workers)", len(pages),
                     time.perf_counter() - started, workers if len(pages) >= parallel_from else 1)


def _render_all(pages, settings, workers, parallel_from):
    if workers < 2 or len(pages) < parallel_from:
        for page in pages:
            page.write()
        return
    shares = [pages[number::workers] for number in range(workers)]
    gc.freeze()  # the workers then leave the build's objects alone: fewer pages copied on write
    try:
        children = [_start(share, settings) for share in shares[1:]]
    finally:
        gc.unfreeze()
    try:
        for page in shares[0]:
            page.write()
    finally:
        outcomes = [_finish(pid, pipe) for pid, pipe in children]
    for share, outcome in zip(shares[1:], outcomes):
        _take_back(share, outcome)


def _take_back(share, outcome):
    if outcome.failure is not None:
        raise outcome.failure
    if outcome.problems_added:
        # Rendered again here, so the problems land in the build's list (and are logged once).
        for page in share:
            page.write()
        return
    for name, level, message in outcome.records:
        target = logging.getLogger(name)
        target.callHandlers(target.makeRecord(name, level, "(render worker)", 0, message, None, None))


def _start(share, settings):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    os.close(read_end)
    status = 1
    try:
        outcome = _render_in_worker(share, settings)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(pickle.dumps(outcome))
        status = 0
    finally:
        os._exit(status)  # never back into the build's own code


def _render_in_worker(share, settings):
    records = []

    def keep(logger_self, record):  # after the logger's own filters, instead of its handlers
        records.append((logger_self.name, record.levelno, record.getMessage()))

    logging.Logger.callHandlers = keep  # this process only renders, then exits
    counted = _problem_count(settings)
    failure = None
    for page in share:
        try:
            page.write()
        except RenderFailed as error:
            failure = error
            break
        except Exception as error:  # writing the file
            failure = RenderFailed.of(page, error)
            break
    return _Outcome(records, _problem_count(settings) != counted, failure)


def _problem_count(settings):
    build = settings.get(BILINGUAL_KEY)
    return None if build is None else len(build.problems.errors) + len(build.problems.warnings)


def _finish(pid, pipe):
    with os.fdopen(pipe, "rb") as stream:
        data = stream.read()
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if not data or code != 0:
        return _Outcome([], False, RenderFailed("a page", f"its render worker stopped with status {code}"))
    return pickle.loads(data)
