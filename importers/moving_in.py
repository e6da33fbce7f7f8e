"""Moving an import in: files staged under cache/imports/, then renamed into content/ by a
journal written first, so a run killed during the moves is finished by the next one; one
import at a time in a project.

A test stops the process where a kill would (``IMPORT_TEST_EXIT_AT``: "staged", before the
journal, or "move:N", after N renames), to check that content/ is never left half-written.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
from pathlib import Path

from sitekit.file_aside import write_aside

from .data_files import MANIFEST
from .model import ImporterError

logger = logging.getLogger(__name__)

JOURNAL = "journal.json"
EXIT_HOOK = "IMPORT_TEST_EXIT_AT"


def stage(changes, staging):
    """Every file to create or replace, written under ``staging`` (content's layout)."""
    for change in changes:
        if change.action not in ("create", "update"):
            continue
        destination = staging / change.path
        destination.parent.mkdir(parents=True, exist_ok=True)
        if change.data is not None:
            destination.write_bytes(change.data)
        elif change.source is not None and Path(change.source) != destination:
            shutil.copyfile(change.source, destination)


def move_in(site, work_folder, changes):
    """Record the renames in the journal, then do them; the journal goes once all are done."""
    data_last = sorted((c for c in changes if c.action in ("create", "update")),
                       key=lambda c: (c.kind == "data", c.path == MANIFEST))
    moves = [[_relative(site, work_folder / "content" / c.path), _relative(site, site.content / c.path)]
             for c in data_last]
    journal = {"staging": _relative(site, work_folder), "moves": moves}
    write_aside(site.work / JOURNAL, json.dumps(journal, indent=1).encode(), durable=True)
    _replay(site, journal)


def finish_interrupted(site):
    """Replay the journal an import killed during its moves left behind; return how many moves it did."""
    path = site.work / JOURNAL
    if not path.exists():
        return 0
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImporterError(f"{path}: unreadable journal of a stopped import ({exc}); "
                            "check content/ and remove the file") from None
    logger.warning("Finishing the import stopped while moving its files in (%d files)", len(journal["moves"]))
    return _replay(site, journal)


def _replay(site, journal):
    limit = _exit_after_moves()
    done = 0
    for source, destination in journal["moves"]:
        source, destination = site.root / source, site.root / destination
        if not source.exists():
            continue  # moved before the stop
        if limit is not None and done >= limit:
            os._exit(3)  # a test's deterministic kill, midway
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, destination)
        done += 1
    (site.work / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(site.root / journal["staging"], ignore_errors=True)
    return done


def _relative(site, path):
    return Path(os.path.relpath(path, site.root)).as_posix()


def exit_here(point):
    if os.environ.get(EXIT_HOOK) == point:
        os._exit(3)


def _exit_after_moves():
    value = os.environ.get(EXIT_HOOK, "")
    return int(value.split(":", 1)[1]) if value.startswith("move:") else None


@contextlib.contextmanager
def import_lock(site):
    """One import at a time in a project: the second stops with one line."""
    descriptor = os.open(site.work / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImporterError(f"{site.work}: another import is running in this project; wait for it") from None
        yield
    finally:
        os.close(descriptor)
