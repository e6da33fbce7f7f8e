"""The comment thread id of a post, from its source file alone.

The comments plugin names a post's thread with it at build time, and the
importer (importers/comments.py) files imported comments under it, so both
agree by construction. A thread id must outlive a change of slug (the URL)
or of title, so it is taken from neither: it is the name of the original
post's file without its extension ("audit-seo-inventaire"), or the post's
"Comments-Id:" line when the file itself is renamed or an older id must be
kept. In "pair" mode a translation shares its original's thread; in
"language" mode it has its own, "<id>/<lang>", while the original keeps the
plain id.
"""

import os
import re

# Thread ids travel in URLs, tag: URIs and attributes.
THREAD_ID = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


def usable_explicit_id(value):
    """A "Comments-Id:" value stripped, or None when there is none (absent, blank, not text)."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def own_id(source_path, explicit_id=None):
    """A post's own id: its valid "Comments-Id:", else its file's name without the extension."""
    explicit = usable_explicit_id(explicit_id)
    if explicit and THREAD_ID.match(explicit):
        return explicit
    return os.path.splitext(os.path.basename(source_path))[0]


def thread_id(source_path, lang, mode, original_source_path=None, explicit_id=None, original_explicit_id=None):
    """The thread of the post in ``source_path`` (language ``lang``) under ``mode`` ("pair" or "language").

    ``original_source_path``: the file of the post it translates (None, or its own path, for an
    original); ``explicit_id`` and ``original_explicit_id``: their "Comments-Id:" lines, if any.
    A translation with a "Comments-Id:" of its own keeps it even in "language" mode.
    """
    is_original = original_source_path is None or original_source_path == source_path
    if mode == "pair":
        if is_original:
            return own_id(source_path, explicit_id)
        return own_id(original_source_path, original_explicit_id)
    if is_original or explicit_id:
        return own_id(source_path, explicit_id)
    return f"{own_id(original_source_path, original_explicit_id)}/{lang}"
