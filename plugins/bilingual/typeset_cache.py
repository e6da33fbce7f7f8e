"""French spacing kept from one build to the next, looked up by the HTML it was computed from.

Typesetting every French body and summary is a good part of reading the site; most of
them have not changed since the last build. The file holds, for each HTML fragment's
digest, its typeset HTML. It is only a cache: an unreadable file, or one written by
another version of typography.py, is ignored and the build typesets again.
"""

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from .typography import french_html

logger = logging.getLogger(__name__)

FILE_NAME = "bilingual-typography.json"


def _fingerprint():
    """The typography rules' source: a change to them makes every entry stale."""
    return hashlib.sha256(Path(__file__).with_name("typography.py").read_bytes()).hexdigest()


class TypesetCache:
    """digest of an HTML fragment -> its French typesetting; ``path`` None keeps it in memory."""

    def __init__(self, path):
        self.path = path
        self.fingerprint = _fingerprint()
        self.entries = self._read()
        self.used = set()  # what this build asked for: the next file holds these
        self.computed = 0  # typeset by this build (the rest came from the file)
        self._saved = set(self.entries)

    def start(self):
        """A new build (each rebuild of `invoke serve`): what it uses is counted afresh."""
        self.used = set()
        self.computed = 0

    def typeset(self, html):
        key = hashlib.blake2b(html.encode("utf-8"), digest_size=16).hexdigest()
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = french_html(html)
            self.computed += 1
        self.used.add(key)
        return found

    def save(self):
        """Write the entries this build used, unless the file already holds exactly those."""
        if self.path is None or self.used == self._saved:
            return
        data = {"fingerprint": self.fingerprint, "entries": {key: self.entries[key] for key in sorted(self.used)}}
        folder = os.path.dirname(self.path)
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".typography-", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, ensure_ascii=False, separators=(",", ":"))
            os.replace(temporary, self.path)
        except BaseException:
            os.unlink(temporary)
            raise
        self._saved = set(self.used)

    def _read(self):
        if self.path is None or not os.path.exists(self.path):
            return {}
        try:
            with open(self.path, encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError) as error:
            logger.warning("bilingual: %s cannot be read (%s); typesetting every French text again", self.path, error)
            return {}
        if not isinstance(data, dict) or data.get("fingerprint") != self.fingerprint:
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}
