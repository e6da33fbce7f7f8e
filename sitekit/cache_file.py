"""A cache kept in one JSON file from one build to the next, stamped with what made it.

The plugins that keep work between builds (Markdown conversions, French typesetting, the
media transforms, reading times) each hold a dict of entries; ``ComputedByText`` is the
whole of it for a value computed from one text alone. The file stores it with a fingerprint: the
versions and settings the entries were computed with. A file with another fingerprint, or
one that cannot be read, is only a cache: it is ignored (with a warning when unreadable)
and the build computes again. The file is written aside and renamed into place, so a build
cut short leaves the previous file whole.
"""

import hashlib
import json
import logging
import os
from pathlib import Path

from .file_aside import written_aside

logger = logging.getLogger(__name__)


def code_digest(*paths):
    """A digest of source files (their names and bytes), for a fingerprint: a change to the
    code that computes the entries makes every entry stale."""
    digest = hashlib.blake2b(digest_size=16)
    for path in paths:
        digest.update(Path(path).name.encode("utf-8") + b"\0" + Path(path).read_bytes())
    return digest.hexdigest()


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
            self._write({key: entries[key] for key in keys})
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

    def _write(self, entries):
        """Replace the file with ``entries`` (a dict of JSON values), in key order."""
        if self.path is None:
            return
        data = {"fingerprint": self.fingerprint, "entries": {key: entries[key] for key in sorted(entries)}}
        with written_aside(self.path) as stream:
            json.dump(data, stream, ensure_ascii=False, separators=(",", ":"))


class ComputedByText:
    """``compute(text)`` kept by the text's digest, in memory and in ``cache_file``."""

    def __init__(self, cache_file, compute):
        self._file = cache_file
        self._compute = compute
        self.entries = self._file.read()
        self.used = set()  # what this build asked for: the next file holds these
        self.computed = 0  # computed by this build (the rest came from the file)

    def start(self):
        """A new build (each rebuild of `invoke serve`): what it uses is counted afresh."""
        self.used = set()
        self.computed = 0

    def get(self, text):
        key = hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
        if key not in self.entries:
            self.entries[key] = self._compute(text)
            self.computed += 1
        self.used.add(key)
        return self.entries[key]

    def save(self):
        """Write the entries this build used, unless the file already holds exactly those."""
        self._file.keep(self.entries, self.used)
