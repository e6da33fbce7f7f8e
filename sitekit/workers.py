"""Work shared among processes: the calling one and forked workers, each taking every n-th item.

Forked workers start at once and already hold what the calling process has loaded: Markdown's
extensions, the fonts, a build's pages with their whole context (Jinja templates, which a
spawned process could not be sent). But fork copies the calling thread only: a lock another
thread holds at that moment (a library's, sys.stderr's) stays held in the worker for ever, and
the worker hangs when it needs it. So workers are forked only while the calling thread is the
process's only one; beside other threads (an `invoke serve` rebuild next to the server's, rich's
progress bar) the work is done in the calling process, in order.

What a worker logs goes through its loggers' filters there and is handed to this process's
handlers afterwards; an exception raised in a worker is raised here.
"""

import gc
import logging
import os
import pickle
import threading
import traceback
from dataclasses import dataclass, field


class WorkerLost(RuntimeError):
    """A worker ended without sending its result back (killed, or out of memory)."""

    def __init__(self, status):
        super().__init__(f"a worker stopped with status {status}")
        self.status = status


@dataclass
class Done:
    """What a worker sends back."""

    result: object = None
    records: list = field(default_factory=list)  # (logger name, level, message) of each line it logged
    error: BaseException = None

    def replay(self):
        """Hand the lines the worker logged to this process's handlers."""
        for name, level, message in self.records:
            target = logging.getLogger(name)
            target.callHandlers(target.makeRecord(name, level, "(worker)", 0, message, None, None))


def in_workers(function, items, workers):
    """[function(share) for each share of ``items``] (see share_out), the workers' lines logged here."""
    mine, done = share_out(function, items, workers)
    for one in done:
        one.replay()
    return [mine] + [one.result for one in done]


def share_out(function, items, workers):
    """Call ``function(share)`` on ``workers`` shares of ``items`` (every n-th item each): the first
    share here, the others in forked workers meanwhile. Returns (the first's result, [Done of each
    worker]), or raises the first worker's exception once all are done. With one worker, or
    while other threads run, ``function(items)`` runs here, alone."""
    workers = min(workers, len(items)) if threading.active_count() == 1 else 1
    if workers < 2:
        return function(items), []
    shares = [items[start::workers] for start in range(workers)]
    gc.freeze()  # the workers then leave the caller's objects alone: fewer pages copied on write
    try:
        children = [_fork(function, share) for share in shares[1:]]
    finally:
        gc.unfreeze()
    try:
        mine = function(shares[0])
    finally:
        done = [_finish(pid, pipe) for pid, pipe in children]
    for one in done:
        if one.error is not None:
            raise one.error
    return mine, done


def _fork(function, share):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    os.close(read_end)
    status = 1
    try:
        data = _sendable(_work(function, share))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)  # never back into the caller's code


def _work(function, share):
    done = Done()

    def keep(logger, record):  # after the logger's own filters, instead of its handlers
        done.records.append((logger.name, record.levelno, record.getMessage()))

    logging.Logger.callHandlers = keep  # this process only works, then exits
    try:
        done.result = function(share)
    except Exception as error:
        done.error = error
    return done


def _sendable(done):
    """``done`` pickled; an error that would not come back whole travels as its message."""
    try:
        data = pickle.dumps(done)
        if done.error is not None:
            pickle.loads(data)
        return data
    except Exception:
        error = done.error or RuntimeError("a worker's result cannot be sent back")
        message = "".join(traceback.format_exception_only(type(error), error)).strip()
        return pickle.dumps(Done(records=done.records, error=RuntimeError(message)))


def _finish(pid, pipe):
    with os.fdopen(pipe, "rb") as stream:
        data = stream.read()
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if not data or status != 0:
        return Done(error=WorkerLost(status))
    return pickle.loads(data)
