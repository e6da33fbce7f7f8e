"""Replacing a file in one rename, so a reader sees the old bytes or the new ones, never half."""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def written_aside(path, binary=False, permissions=None, durable=False):
    """A stream on a new file beside ``path`` (its folder is made); when the block ends, the
    file replaces ``path``. If the block raises, the new file is removed and ``path`` is left
    as it was. ``permissions``: set on the new file (mkstemp makes it readable by its owner
    only), e.g. 0o644 for a file a web server serves. ``durable``: the bytes and the rename
    are on disk (fsync) before this returns, for a file a power cut must not take back."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}-", dir=folder)
    try:
        with os.fdopen(handle, "wb" if binary else "w", encoding=None if binary else "utf-8") as stream:
            yield stream
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        if permissions is not None:
            os.chmod(temporary, permissions)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if durable:
        _sync_folder(folder)


def write_aside(path, data, permissions=None, durable=False):
    """``data`` (bytes) replaces ``path`` in one rename (see written_aside)."""
    with written_aside(path, binary=True, permissions=permissions, durable=durable) as stream:
        stream.write(data)


def _sync_folder(folder):
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
