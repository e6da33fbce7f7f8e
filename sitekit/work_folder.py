"""Folders a command fills beside its target, and those a killed command left behind.

A build fills ``.output.building-XXXXXXXX`` beside output/ and a folder deploy stages
into ``.public.deploy-XXXXXXXX`` beside public/. A process killed with SIGKILL runs no
clean-up, so its folder stays. Each folder is held by an flock on the folder itself for
as long as its process lives (the kernel drops the lock when the process dies, however
it dies), so the next command can tell a leftover (nobody holds it) from the folder of a
command still running (an `invoke serve` rebuild, another build) and removes only the
leftovers. Creating a folder and locking it happen under an flock on the parent folder,
which the sweep takes too: a sweep never sees a folder that is made but not yet locked.
"""

import contextlib
import fcntl
import glob
import logging
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)


class WorkFolder:
    """A new folder beside ``target``, locked by this process until ``release()``."""

    def __init__(self, target, purpose):
        target = Path(target)
        self.prefix = work_prefix(target, purpose)
        with _locked(target.parent):
            self.leftovers = _unheld(target.parent, self.prefix)
            self.path = Path(tempfile.mkdtemp(prefix=self.prefix, dir=target.parent))
            self._lock = _hold(self.path)

    def remove_leftovers(self):
        """Delete the folders of killed commands found beside the target (small ones: a
        build's site is renamed and deleted in the background instead, see publisher.build)."""
        for leftover in self.leftovers:
            shutil.rmtree(leftover, ignore_errors=True)

    def release(self):
        """Drop the lock (once the folder is renamed into place or deleted)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


@contextlib.contextmanager
def scratch_folder(target, purpose):
    """A WorkFolder for files that only pass through it: the leftovers of killed commands
    removed first, the folder itself deleted at the end."""
    with WorkFolder(target, purpose) as work:
        work.remove_leftovers()
        try:
            yield work.path
        finally:
            shutil.rmtree(work.path, ignore_errors=True)


def work_prefix(target, purpose):
    """``.output.building-`` for output/ and "building": hidden, and named after its target."""
    return f".{Path(target).name}.{purpose}-"


def _unheld(parent, prefix):
    """The folders named ``prefix*`` in ``parent`` that no living process holds."""
    unheld = []
    for path in sorted(parent.glob(f"{glob.escape(prefix)}*")):
        if path.is_dir() and not path.is_symlink() and not _held(path):
            unheld.append(path)
    if unheld:
        logger.info("Removing %d folder(s) left by a command that was stopped: %s",
                    len(unheld), ", ".join(path.name for path in unheld))
    return unheld


def _held(folder):
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return True  # gone meanwhile: nothing to remove
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # also drops the lock just taken
    return False


def _hold(folder):
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


@contextlib.contextmanager
def _locked(parent):
    descriptor = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def swap_into_place(staging, output, delete_in_background=False):
    """Two renames: readers see the old site or the new one, never a half-written one.

    ``delete_in_background``: the previous folder is deleted by a process of its own (see
    delete_detached) rather than before this returns."""
    retired = retired_name(output)
    if output.exists():
        output.rename(retired)
    staging.rename(output)
    if not retired.exists():
        return
    if delete_in_background:
        delete_detached([retired])
    else:
        shutil.rmtree(retired, ignore_errors=True)


def retired_prefix(output):
    return f".{output.name}.old-"


def retired_name(output):
    return output.with_name(f"{retired_prefix(output)}{uuid.uuid4().hex[:8]}")


def delete_detached(folders):
    """Delete ``folders`` without waiting: a thousand-post site is thousands of files, over a
    second of unlinking the editor need not wait for. A shell starts `rm` in the background
    and exits at once, so `rm` goes on (detached from this process and its terminal) when the
    build's process ends, and no child is left for it to reap."""
    subprocess.run(["sh", "-c", 'rm -rf -- "$@" &', "sh", *map(str, folders)], check=False,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   start_new_session=True)
