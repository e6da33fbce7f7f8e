"""A new build keeps the previous build's file wherever the bytes are the same.

The build writes the whole site into a folder aside and then swaps it in
(publisher.build), so that readers never see half a site. A file whose bytes
(and permissions) equal the file at the same place in the site in place is not
written again: the new site gets a hard link to the old file. It keeps its inode
and its modification time, so whatever goes by times sees only the files that
changed: rsync without ``--checksum``, a web server's ``Last-Modified`` and
``ETag`` (nginx derives its ETag from the time and the size), and so the
readers' browser caches.

It is also the cheaper way: creating a file costs far more than linking one on
some file systems (0.6 ms against 0.01 ms on the benchmark machine's ext4).

- ``write_output`` does it as a page or a feed is written: the build tells the
  writers where the site in place is (``PREVIOUS_OUTPUT_PATH``).
- ``keep_unchanged`` does it, once the build is done, for the files written by
  other means (static files, the theme's, sitemaps).

A linked file is never written into: ``write_output`` removes whatever is at its
path before it writes, so the site in place is never touched.
"""

import contextlib
import functools
import io
import logging
import os
import stat
from dataclasses import dataclass

from .workers import in_workers

logger = logging.getLogger(__name__)

# The setting publisher.build gives each language run: the folder of the site in place.
PREVIOUS_KEY = "PREVIOUS_OUTPUT_PATH"
# From this many files to compare, processes (one per core) share them: the work is system
# calls, about 0.1 ms a file.
SHARED_FROM = 1000
# Past this size a file is compared in pieces rather than read whole.
WHOLE_READ_LIMIT = 4 * 1024 * 1024
PIECE = 1024 * 1024


@dataclass
class Kept:
    """How many files of the new site are the previous site's, and how many are new or changed."""

    kept: int = 0
    changed: int = 0

    @property
    def total(self):
        return self.kept + self.changed


# ---------------------------------------------------------------- while the build writes


def previous_file(settings, path):
    """The file at ``path``'s place in the site in place, or None when the build has none."""
    previous = settings.get(PREVIOUS_KEY)
    if not previous:
        return None
    return os.path.join(previous, os.path.relpath(path, settings["OUTPUT_PATH"]))


def write_output(path, data, previous=None):
    """Put ``data`` (bytes) at ``path``: a link to ``previous`` when that file holds the same bytes.

    Return True when the file was written, False when it was linked."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # never write into a file that may be linked to the site in place
    if previous and _holds(previous, data):
        try:
            os.link(previous, path)
            return False
        except OSError as error:
            logger.debug("Writing %s: no hard link to %s (%s)", path, previous, error)
    with open(path, "wb") as stream:
        stream.write(data)
    return True


class WrittenOnClose(io.StringIO):
    """A text file in memory that Pelican's writer writes a page or a feed into: when it is
    closed, its bytes go to ``deliver`` (which writes them only if they changed)."""

    def __init__(self, encoding, deliver):
        super().__init__()
        self._encoding, self._deliver = encoding, deliver

    def close(self):
        if not self.closed:
            self._deliver(self.getvalue().encode(self._encoding))
        super().close()


def _holds(path, data):
    """Whether ``path`` is a regular file with ``data`` and the permissions a new file gets here
    (keep_unchanged, too, keeps only a file whose permissions are the same)."""
    try:
        found = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    if not stat.S_ISREG(found.st_mode) or stat.S_IMODE(found.st_mode) != _new_file_mode():
        return False
    if found.st_size != len(data):
        return False
    with open(path, "rb") as stream:
        return stream.read() == data


@functools.cache  # asked for every page written
def _new_file_mode():
    """What open() gives a new file: 0o666 less the umask, which can only be read by setting it."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# ---------------------------------------------------------------- once the build is done


def keep_unchanged(staging, previous, workers=None):
    """Link into ``staging`` every file of ``previous`` (the site in place) that has the same bytes.

    Both folders are on one file system (the build writes beside the output). When the
    file system refuses hard links, the new files stay as they are: same bytes, new times."""
    staging, previous = os.fspath(staging), os.fspath(previous)
    paths = [os.path.relpath(os.path.join(folder, name), staging)
             for folder, _, files in os.walk(staging) for name in files]
    if not os.path.isdir(previous):
        return Kept(changed=len(paths))
    # Most files are linked already (by write_output, or from cache/ as the social cards):
    # only the others are read.
    to_compare = [path for path in paths
                  if not _one_file(os.path.join(staging, path), os.path.join(previous, path))]
    outcome = _compare_all(staging, previous, to_compare, workers or os.cpu_count() or 1)
    outcome.kept += len(paths) - len(to_compare)
    return outcome


def _compare_all(staging, previous, paths, workers):
    keep = functools.partial(_keep, staging, previous)
    outcomes = in_workers(keep, paths, workers if len(paths) >= SHARED_FROM else 1)
    return Kept(sum(one.kept for one in outcomes), sum(one.changed for one in outcomes))


def _keep(staging, previous, paths):
    outcome, linking = Kept(), True
    for path in paths:
        new, old = os.path.join(staging, path), os.path.join(previous, path)
        if not _same_bytes(new, old):
            outcome.changed += 1
            continue
        outcome.kept += 1
        if linking:
            linking = _link_over(old, new)
    return outcome


def _one_file(new, old):
    try:
        one, other = os.lstat(new), os.lstat(old)
    except FileNotFoundError:
        return False
    return (one.st_ino, one.st_dev) == (other.st_ino, other.st_dev)


def _same_bytes(new, old):
    """Same bytes and permissions; both regular files (not links to one file: see _one_file)."""
    try:
        one, other = os.lstat(new), os.lstat(old)
    except FileNotFoundError:
        return False
    if not (stat.S_ISREG(one.st_mode) and stat.S_ISREG(other.st_mode)):
        return False
    if one.st_size != other.st_size or one.st_mode != other.st_mode:
        return False
    with open(new, "rb") as first, open(old, "rb") as second:
        if one.st_size <= WHOLE_READ_LIMIT:
            return first.read() == second.read()
        while True:
            piece = first.read(PIECE)
            if piece != second.read(PIECE):
                return False
            if not piece:
                return True


def _link_over(old, new):
    """Put a hard link to ``old`` in place of ``new``; False when the file system will not.

    (``new`` and ``old`` are two files here: were they one, rename() would do nothing and
    leave the temporary name behind.)"""
    temporary = f"{new}.keep-{os.getpid()}"
    try:
        os.link(old, temporary)
    except OSError as error:
        logger.debug("Not keeping the previous build's files (hard link refused: %s)", error)
        return False
    os.replace(temporary, new)
    return True
