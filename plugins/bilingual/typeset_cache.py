"""French spacing kept from one build to the next, looked up by the HTML it was computed from.

Typesetting every French body and summary is a good part of reading the site; most of
them have not changed since the last build. The file holds, for each HTML fragment's
digest, its typeset HTML. It is only a cache: an unreadable file, or one written by
another version of typography.py, is ignored and the build typesets again.
"""

import hashlib
import logging
from pathlib import Path

from publisher.cache_file import CacheFile

from .typography import french_html

logger = logging.getLogger(__name__)

FILE_NAME = "bilingual-typography.json"


def _fingerprint():
    """The typography rules' source: a change to them makes every entry stale."""
    return hashlib.sha256(Path(__file__).with_name("typography.py").read_bytes()).hexdigest()


class TypesetCache:
    """digest of an HTML fragment -> its French typesetting; ``path`` None keeps it in memory."""

    def __init__(self, path):
        self._file = CacheFile(path, _fingerprint(), "typesetting every French text again")
        self.entries = self._file.read()
        self.used = set()  # what this build asked for: the next file holds these
        self.computed = 0  # typeset by this build (the rest came from the file)

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
        self._file.keep(self.entries, self.used)
