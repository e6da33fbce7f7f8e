"""Files of a cache put into a site: hard links where the file system allows, copies elsewhere.

A link costs no copy and keeps the file's inode and date, so rsync and web servers see an
unchanged file as unchanged. It is safe only because cache files are never written into:
a new version is written aside and renamed over the old one.
"""

import contextlib
import os
import shutil
import uuid


def link_or_copy(source, target):
    """A hard link at ``target`` (which must not exist), or a copy keeping the dates."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def put_linked(source, target):
    """``source`` at ``target``, replacing whatever is there in one rename (its folder is made)."""
    with contextlib.suppress(OSError):
        if os.path.samefile(source, target):
            # Linked already; rename() would do nothing and leave the temporary name behind.
            return
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{uuid.uuid4().hex}{os.path.splitext(target)[1]}")
    try:
        link_or_copy(source, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
