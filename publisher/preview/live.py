"""The preview's loop: each batch of changes from the watcher is rebuilt, then the open pages reload or show why not."""

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from publisher.build import EXIT_CONTENT_ERRORS
from publisher.preview import incremental
from publisher.preview.builder import RestartNeeded, display_path
from publisher.progress import plural

logger = logging.getLogger(__name__)


@dataclass
class Rebuild:
    """What one batch of changes gave: a BuildReport, or the error that stopped the build."""

    changed: tuple
    report: object = None
    error: BaseException = None
    errors: tuple = ()  # the ERROR lines logged while building (content errors, one a line)

    @property
    def ok(self):
        return self.error is None

    @property
    def restart(self):
        return isinstance(self.error, RestartNeeded)

    def line(self):
        what = describe_changes(self.changed)
        if self.restart:
            return f"{what}: restarting to load the new code"
        if self.ok and isinstance(self.report, incremental.Refresh):
            return f"Updated after {what}: {self.report.summary()}"
        if self.ok:
            report = self.report
            per_language = (", ".join(f"{plural(count, 'page')} in {lang}" for lang, count in report.pages.items())
                            or "site built")
            warnings = f" ({plural(report.warnings, 'warning')})" if report.warnings else ""
            return f"Rebuilt after {what}: {per_language}, in {report.seconds:.1f} s{warnings}"
        return f"Rebuild failed after {what}: {describe_failure(self.error)}; still serving the previous site"

    def failure(self):
        """What the open pages show of a failed rebuild."""
        return failure_shown(f"Rebuild failed after {describe_changes(self.changed)}", self.error, self.errors)


def failure_shown(title, error, errors):
    """What the open pages show of a failed build: ``title``, the ``errors`` logged, then the
    failure's own line ("1 content error listed above...", or the exception and where it was raised)."""
    return {"title": title, "lines": [*errors, describe_failure(error)]}


class ErrorLines(logging.Handler):
    """``with ErrorLines() as logged:`` the messages of the ERROR records logged meanwhile, in ``logged.lines``."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)


def describe_changes(paths):
    names = sorted(display_path(p) for p in paths)
    if len(names) == 1:
        return f"{names[0]} changed"
    if len(names) <= 3:
        return f"{', '.join(names[:-1])} and {names[-1]} changed"
    return f"{names[0]} and {len(names) - 1} other files changed"


def describe_failure(exc):
    """One line, as publisher.build.report_failure says it (content errors were listed above, one a line)."""
    if getattr(exc, "exitcode", None) == EXIT_CONTENT_ERRORS:
        return str(exc)
    where = f"{exc.filename}:{exc.lineno}: " if getattr(exc, "filename", None) and getattr(exc, "lineno", None) else ""
    return f"{where}{exc} ({type(exc).__name__}; run with --debug for the traceback)"


class LivePreview:
    """Each batch of changes from ``watcher`` goes to ``rebuild``; a success reloads the server's pages.

    ``rebuild(changed_paths)`` returns a BuildReport or raises (a failed build
    leaves the previous site being served). ``on_outcome`` receives a Rebuild
    for each batch (the command prints its line).
    """

    def __init__(self, rebuild, server, watcher, on_outcome=None):
        self.rebuild = rebuild
        self.server = server
        self.watcher = watcher
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.restart = None    # the Rebuild that asked for a restart, if one did
        self.failure = None    # what stopped the watching loop, if anything did
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._thread = None

    def handle(self, changed):
        """Rebuild after ``changed`` (paths), announce it (or show its errors), return the Rebuild."""
        changed = tuple(sorted(Path(p) for p in changed))
        with ErrorLines() as logged:
            report, error = self._rebuild(changed)
        outcome = Rebuild(changed, report=report, error=error, errors=tuple(logged.lines))
        if outcome.ok:
            self.server.reload()
        elif not outcome.restart:
            self.server.show_failure(outcome.failure())
        logger.debug("%s", outcome.line())
        self.on_outcome(outcome)
        self._follow_up(outcome)
        return outcome

    def _rebuild(self, changed):
        """(the report, None), or (None, the error that stopped the build)."""
        try:
            return self.rebuild(changed), None
        except Exception as exc:
            logger.debug("rebuild after %s failed", describe_changes(changed), exc_info=True)
            return None, exc

    def _follow_up(self, outcome):
        """Work that may wait until the pages have reloaded (the search index after a fast rebuild)."""
        follow_up = getattr(outcome.report, "follow_up", None)
        if follow_up is None:
            return
        try:
            follow_up()
        except Exception as exc:
            logger.warning("the search index was not brought up to date (%s); it will be at the next full build", exc)

    def run(self, stop):
        """Watch and rebuild until ``stop`` is set, or a change needs a restart (returns that Rebuild)."""
        for changed in self.watcher.batches(stop):
            outcome = self.handle(changed)
            if outcome.restart:
                return outcome
        return None

    def start(self, timeout=10):
        """Serve, and watch in a thread; return once changes are being recorded."""
        self.server.start()
        self._thread = threading.Thread(target=self._run, name="preview-watcher", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.watcher.ready.wait(0.05) and not self._finished.is_set() and time.monotonic() < deadline:
            pass
        if not self.watcher.ready.is_set() or self.failure is not None:
            self.stop()
            raise self.failure or TimeoutError(f"the file watcher did not start within {timeout} s")
        return self

    def _run(self):
        try:
            self.restart = self.run(self._stop)
        except BaseException as exc:  # kept for the caller: the loop's thread cannot raise to it
            self.failure = exc
        finally:
            self._finished.set()

    def wait(self, timeout=None):
        """Until the loop ends by itself (a restart, a failure); True if it did."""
        return self._finished.wait(timeout)

    def stop(self, timeout=60):
        """Stop watching (after the build in progress, if any), then serving."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
