"""French spacing kept from one build to the next, looked up by the HTML it was computed from.

Typesetting every French body and summary is a good part of reading the site; most of
them have not changed since the last build. The file holds, for each HTML fragment's
digest, its typeset HTML. It is only a cache: an unreadable file, or one written by
another version of sitekit/typography.py, is ignored and the build typesets again.
"""


from sitekit import typography
from sitekit.cache_file import CacheFile, ComputedByText, code_digest


FILE_NAME = "bilingual-typography.json"


class TypesetCache(ComputedByText):
    """digest of an HTML fragment -> its French typesetting; ``path`` None keeps it in memory.
    The fingerprint is typography.py's source: a change to the rules makes every entry stale."""

    def __init__(self, path):
        super().__init__(CacheFile(path, code_digest(typography.__file__), "typesetting every French text again"),
                         typography.french_html)

    def typeset(self, html):
        return self.get(html)
