"""Pagefind's bundle of each language kept from one build to the next, used again while that
language's posts are the same.

Pagefind cannot update an index: it reads every post each time, a good part of a
build that changed nothing. Its bundle depends only on the posts' files (paths
and bytes), the options it was given and its own version, so the last bundle is
kept under CACHE_PATH with a digest of those, and copied into the new output
when the digest matches. Only the last bundle of each language is kept.

The cache is only a cache: a missing, partial or unreadable one is rebuilt.
"""

import hashlib
import json
import logging
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from sitekit.work_folder import swap_into_place
from sitekit.linked_copy import link_or_copy

logger = logging.getLogger(__name__)

FOLDER_NAME = "search-index"
KEY_FILE = "key"
BUNDLE = "bundle"


class IndexCache:
    """The bundle of the last indexed set of posts, in ``folder``."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def of_language(self, lang):
        """The cache of one language's bundle, in a folder of its own."""
        return IndexCache(self.folder / lang)

    def key(self, output, pages, options, binary):
        """What the bundle is made from: Pagefind's identity, its options, every post's path and bytes."""
        digest = hashlib.blake2b(digest_size=20)
        digest.update(_binary_identity(binary).encode())
        digest.update(json.dumps(options, sort_keys=True).encode())
        for page in sorted(set(pages)):
            digest.update(page.encode() + b"\0")
            digest.update(hashlib.blake2b(Path(output, page).read_bytes(), digest_size=20).digest())
        return digest.hexdigest()

    def restore(self, key, bundle):
        """Put the kept bundle at ``bundle`` if it was made from ``key``; whether it was."""
        try:
            if self._kept_key() != key:
                return False
            _copy_tree(self.folder / BUNDLE, bundle)
            # Another build (`invoke serve` beside `invoke build`) may have replaced it meanwhile.
            restored = self._kept_key() == key
        except OSError:
            restored = False
        if not restored:
            shutil.rmtree(bundle, ignore_errors=True)  # a partial or mixed copy must not stay in the site
        return restored

    def _kept_key(self):
        return (self.folder / KEY_FILE).read_text(encoding="utf-8")

    def store(self, key, bundle):
        """Keep ``bundle`` for ``key``, replacing the last one; a failure only costs the next build time."""
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            fresh = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}-", dir=self.folder.parent))
            _copy_tree(bundle, fresh / BUNDLE)
            # The key is written last: a folder without it is never taken for a bundle.
            (fresh / KEY_FILE).write_text(key, encoding="utf-8")
            swap_into_place(fresh, self.folder)
        except OSError as error:
            logger.warning("search: the index could not be kept in %s (%s); the next build indexes again",
                           self.folder, error)


def _binary_identity(binary):
    """A new Pagefind (package or binary) may write a different bundle."""
    try:
        version = metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        version = "unknown"
    stat = os.stat(binary)
    return f"{version} {binary} {stat.st_size} {stat.st_mtime_ns}"


def _copy_tree(source, target):
    """Hard links where the file system allows (the bundle's files are only ever replaced, never
    rewritten in place), copies elsewhere."""
    shutil.copytree(source, target, copy_function=link_or_copy)

