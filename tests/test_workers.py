"""Work shared among forked processes (sitekit.workers): the results of serial work, a worker's
error raised with its message, and no fork (so no hang) while another thread holds a lock."""

import os
import threading

import jinja2
import pytest

from parallel_render.render import Page, render_all
from sitekit.workers import in_workers

HELD = threading.Lock()  # held by another thread while a step starts: a forked copy stays locked


def _squares_and_process(numbers):
    return [(number * number, os.getpid()) for number in numbers]


def test_workers_give_the_results_of_serial_work():
    shares = in_workers(_squares_and_process, list(range(100)), workers=3)
    results = sorted(square for share in shares for square, _ in share)
    assert results == [square for square, _ in _squares_and_process(range(100))]
    processes = {pid for share in shares for _, pid in share}
    alone = threading.active_count() == 1
    assert len(processes) == (3 if alone else 1) and (os.getpid() in processes)


def _fails_on_seven(numbers):
    for number in numbers:
        if number == 7:
            raise ValueError(f"item {number} is not wanted")
    return numbers


def test_a_workers_exception_is_raised_here_with_its_message():
    with pytest.raises(ValueError, match="item 7 is not wanted"):
        in_workers(_fails_on_seven, list(range(10)), workers=2)  # 7 falls to the worker


class _NeedsTwoArguments(Exception):
    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")


def _fails_unpicklably(numbers):
    if 1 in numbers:
        raise _NeedsTwoArguments("page-1.html", "no title")
    return numbers


def test_an_error_that_cannot_travel_whole_keeps_its_message():
    with pytest.raises(Exception, match="page-1.html: no title"):
        in_workers(_fails_unpicklably, [0, 1], workers=2)


class _NeedsTheLock:
    """A template whose rendering takes HELD, as a worker would need a lock of a library."""

    def __init__(self, reached):
        self.reached = reached

    def render(self, context):
        self.reached.set()  # the holder lets go then; a forked worker's copy of HELD would stay held
        with HELD:
            return f"page {context['number']}"


@pytest.mark.parametrize("step", ["in_workers", "render_all"])
def test_a_step_started_from_a_thread_while_another_holds_a_lock_completes(tmp_path, step):
    reached, held = threading.Event(), threading.Event()
    pages = [Page(_NeedsTheLock(reached), {"number": n}, str(tmp_path / f"page-{n}.html")) for n in range(8)]

    def hold():
        with HELD:
            held.set()
            reached.wait()

    def run():
        if step == "render_all":
            render_all(pages, {}, workers=2, parallel_from=1)
        else:
            in_workers(lambda share: [page.write() for page in share], pages, workers=2)

    holder, builder = threading.Thread(target=hold), threading.Thread(target=run)
    holder.start()
    held.wait()
    builder.start()
    builder.join(timeout=60)  # a failure guard: a forked worker would wait for HELD for ever
    reached.set()
    holder.join()
    assert not builder.is_alive(), "the step hung"
    assert [(tmp_path / f"page-{n}.html").read_text() for n in range(8)] == [f"page {n}" for n in range(8)]
