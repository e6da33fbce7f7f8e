"""A cache kept in one JSON file from one build to the next, stamped with what made it.

The plugins that keep work between builds (Markdown conversions, French typesetting, the
media transforms) each hold a dict of entries. The file stores it with a fingerprint: the
versions and settings the entries were computed with. A file with another fingerprint, or
one that cannot be read, is only a cache: it is ignored (with a warning when unreadable)
and the build computes again. The file is written aside and renamed into place, so a build
cut short leaves the previous file whole.
"""

import json
import logging
import os
import tempfile

logger = logging.getLogger(__name__)


class CacheFile:
    """``path`` (None: nothing is read or written) holding entries made under ``fingerprint``.

    ``redo`` says what the build does without the file, for the warning, e.g.
    "converting every file again"."""

    def __init__(self, path, fingerprint, redo):
        self.path = path
        self.fingerprint = fingerprint
        self.redo = redo
        self._holds = set()  # the keys the file holds, as last read or written

    def read(self):
        """The entries of the file, or {} when it is missing, unreadable or of another fingerprint."""
        entries = self._read()
        self._holds = set(entries)
        return entries

    def keep(self, entries, keys):
        """Write the entries of ``keys`` (those a build used), unless the file holds exactly those:
        an unchanged build does not rewrite it."""
        keys = set(keys)
        if keys != self._holds:
            self.write({key: entries[key] for key in keys})
            self._holds = keys

    def _read(self):
        if self.path is None or not os.path.exists(self.path):
            return {}
        try:
            with open(self.path, encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError) as error:
            logger.warning("%s cannot be read (%s); %s", self.path, error, self.redo)
            return {}
        if not isinstance(data, dict) or data.get("fingerprint") != self.fingerprint:
            return {}  # made by other versions or settings: any entry may differ
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def write(self, entries):
        """Replace the file with ``entries`` (a dict of JSON values), in key order."""
        if self.path is None:
            return
        data = {"fingerprint": self.fingerprint, "entries": {key: entries[key] for key in sorted(entries)}}
        folder = os.path.dirname(self.path)
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(self.path)}-", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, ensure_ascii=False, separators=(",", ":"))
            os.replace(temporary, self.path)
        except BaseException:
            os.unlink(temporary)
            raise
