"""What the media plugin keeps from one build to the next.

- ``TransformCache``: each post's transformed HTML, by the HTML it came from and the page it
  belongs to. An entry also holds the files the transform looked at (with their dates and
  sizes), the problems it reported and the resized copies it asked for: it serves only while
  every one of those files is as it was, and then replays the problems and the requests.
- ``VariantCache``: the resized copies themselves, made once per version of the original,
  width and quality, then hard-linked into each build's site.

Entries made by other settings, another Pillow or another version of this plugin's code
are not used (the file's fingerprint says which).
"""

import hashlib
import json
import os
import stat
from pathlib import Path

import PIL

from sitekit.cache_file import CacheFile, code_digest
from sitekit.linked_copy import put_linked

from . import images

HERE = Path(__file__).parent


class Consulted:
    """The files one transform looked at, and the resized copies it asked for (relative path in
    the site, source, width)."""

    def __init__(self):
        self.files = {}     # path -> file_stamp when first looked at
        self.variants = []

    def note(self, path):
        self.files.setdefault(str(path), file_stamp(path))


def file_stamp(path):
    """[modification time, size, whether a regular file], or None where nothing is."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_mtime_ns, found.st_size, stat.S_ISREG(found.st_mode)]


def transforms_fingerprint(config):
    """The setting, Pillow, and this plugin's source: a change to it may change any result."""
    return json.dumps({"config": {key: value for key, value in config.items() if key not in ("quality", "cache")},
                       "pillow": PIL.__version__, "code": code_digest(*sorted(HERE.glob("*.py")))}, sort_keys=True)


class TransformCache:
    """key -> {"html" (None: unchanged), "files", "reports", "variants"}; ``path`` None keeps
    the entries in memory only (one build's language runs still share them)."""

    def __init__(self, path, fingerprint=""):
        self._file = CacheFile(path, fingerprint, "transforming every post again")
        self.entries = self._file.read()
        self.used = set()    # what this build asked for: the next file holds these
        self.made = 0        # transforms run by this build (the others were replayed)

    @staticmethod
    def key(fragment, page):
        """The HTML and what of the page a transform reads (not where this build writes)."""
        where = [page.source_path, page.lang, page.content_root, page.siteurl, page.static_url,
                 page.static_save_as]
        digest = hashlib.blake2b(json.dumps(where).encode("utf-8"), digest_size=16)
        digest.update(b"\0" + fragment.encode("utf-8"))
        return digest.hexdigest()

    def get(self, key):
        """The entry, if every file it looked at is as it was."""
        entry = self.entries.get(key)
        if entry is None or any(file_stamp(path) != stamp for path, stamp in entry["files"].items()):
            return None
        self.used.add(key)
        return entry

    def put(self, key, entry):
        self.entries[key] = entry
        self.used.add(key)
        self.made += 1

    def save(self):
        """Write the entries this build used, unless the file already holds exactly those."""
        self._file.keep(self.entries, self.used)


class VariantCache:
    """Resized copies in ``folder``: a subfolder per original, a file per width and version."""

    def __init__(self, folder):
        self.folder = folder
        # What makes a copy besides its original, width and quality: Pillow and images.py.
        self._maker = json.dumps([PIL.__version__, code_digest(HERE / "images.py")])

    def put(self, target, variant, quality):
        """Link the copy into ``target``, resizing first if no build made it yet; 1 if resized."""
        cached = self._path(variant, quality)
        resized = 0
        if not os.path.exists(cached):
            images.write_variant(variant.source, cached, variant.width, quality)
            _forget_other_versions(cached, variant.width)
            resized = 1
        put_linked(cached, target)
        return resized

    def _path(self, variant, quality):
        source = os.path.abspath(variant.source)
        found = os.stat(source)
        version = hashlib.blake2b(json.dumps([found.st_mtime_ns, found.st_size, variant.width, quality,
                                              self._maker]).encode("utf-8"), digest_size=8).hexdigest()
        folder = os.path.join(self.folder, hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest())
        return os.path.join(folder, f"{variant.width}.{version}{Path(source).suffix}")


def _forget_other_versions(cached, width):
    """Copies of the same original and width made from an older version of it, or another quality."""
    folder, name = os.path.split(cached)
    for other in os.listdir(folder):
        if other != name and other.startswith(f"{width}."):
            os.unlink(os.path.join(folder, other))
