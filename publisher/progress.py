"""What a long command shows while it works: one line per step, a bar under the long ones.

    steps = Steps(total=4)
    with steps.step("build") as step:
        ...                       # step.advance(done, total) feeds the bar
        step.result = "38 pages in fr, 38 pages in en"

prints "[1/4] build      2.03 s  38 pages in fr, 38 pages in en" when the step ends
(or "... FAILED" when it raises). The bar is drawn on stderr only when stderr is a
terminal, and disappears when the step ends, so logs and CI output hold the step
lines alone. rich comes with Pelican (its console); nothing else is installed.
"""

import sys
import time
from contextlib import contextmanager, nullcontext

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def plural(count, word):
    """"1 warning", "2 warnings", "0 warnings": the count and the word, in the singular for one."""
    return f"{count} {word}{'' if count == 1 else 's'}"


class Step:
    def __init__(self, name, bar):
        self.name = name
        self.result = ""
        self._bar = bar     # rich's Progress, or None when no bar is drawn
        self._task = None

    def advance(self, done, total=None):
        """``done`` of ``total`` units (None: a count with no known end)."""
        if self._bar is None:
            return
        if self._task is None:
            self._task = self._bar.add_task("", total=total)
        self._bar.update(self._task, completed=done, total=total, refresh=True)


class Steps:
    def __init__(self, total, out=None, live=None):
        self.total = total
        self.out = out or sys.stdout
        self.live = sys.stderr.isatty() if live is None else live
        self.index = 0
        self.seconds = {}   # step name -> duration

    @contextmanager
    def step(self, name):
        self.index += 1
        started = time.perf_counter()
        bar = _bar(name) if self.live else None
        step = Step(name, bar)
        try:
            with bar or nullcontext():
                yield step
        except BaseException:
            self._line(name, time.perf_counter() - started, "FAILED")
            raise
        self._line(name, time.perf_counter() - started, step.result)

    def skip(self, name, reason):
        self.index += 1
        self.seconds[name] = 0.0
        print(f"[{self.index}/{self.total}] {name:<11} skipped: {reason}", file=self.out, flush=True)

    def _line(self, name, seconds, text):
        self.seconds[name] = seconds
        print(f"[{self.index}/{self.total}] {name:<11}{seconds:6.2f} s  {text}".rstrip(), file=self.out, flush=True)


def _bar(name):
    """rich's progress bar on stderr, started and removed by its with block.

    Redrawn when the step reports progress rather than by rich's refresh thread: while another
    thread runs, the build's parallel steps do their work in one process (sitekit/workers.py).
    """
    return Progress(TextColumn(f"  {name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True, auto_refresh=False,
                    redirect_stdout=False, redirect_stderr=False)
