"""Which thread a post's comments belong to, and whether it takes new ones.

A thread id must outlive a change of slug (the URL) or of title, so it is
not taken from either: it is the name of the original post's file without
its extension ("audit-seo-inventaire"), or the post's "Comments-Id:" line
when the file itself is renamed or an older id must be kept. In "pair" mode a
translation shares its original's thread; in "language" mode it has its own,
"<id>/<lang>", while the original keeps the plain id.
"""

import os
import re

from .model import Thread
from .settings import STATES


def original_of(post):
    """The post of a translation pair that translates nothing (itself if alone)."""
    for item in (post, *getattr(post, "translations", ())):
        if not getattr(item, "translation_of", None):
            return item
    return post


# Thread ids travel in URLs, tag: URIs and attributes.
THREAD_ID = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


def _explicit_id(post):
    explicit = post.metadata.get("comments-id")
    return explicit.strip() if isinstance(explicit, str) and explicit.strip() else None


def _own_id(post):
    explicit = _explicit_id(post)
    if explicit and THREAD_ID.match(explicit):
        return explicit
    return os.path.splitext(os.path.basename(post.source_path))[0]


def owner_of(post, mode):
    """The source file a thread belongs to: a pair's original in "pair" mode, else the post itself."""
    return (original_of(post) if mode == "pair" else post).source_path


def thread_id(post, mode):
    original = original_of(post)
    if mode == "pair" or original is post or post.metadata.get("comments-id"):
        return _own_id(original if mode == "pair" else post)
    return f"{_own_id(original)}/{post.lang}"


def state_of(post, default, report):
    value = post.metadata.get("comments")
    if value is None:
        return default
    state = str(value).strip().lower()
    if state not in STATES:
        report(post, "Comments", f"{value!r} is not a comment setting; write one of: {', '.join(STATES)}")
        return default
    return state


def make_thread(post, config, provider, report):
    """``report(post, field, message)`` records a content error."""
    state = state_of(post, config["default_state"], report)
    explicit = _explicit_id(post)
    if explicit and not THREAD_ID.match(explicit):
        report(post, "Comments-Id", f"{explicit!r} cannot name a thread; use letters, digits, '.', '_', '-' and '/' only")
    thread = Thread(id=thread_id(post, config["thread_per"]), state=state, provider=provider)
    if state != "off":
        thread.details = provider.thread_for(post, thread, report)
    return thread


def feed_paths(post_url, post_save_as):
    """(URL, output path) of a post's comment feed, beside the post page."""
    if post_url.endswith("/") or post_url == "":
        return post_url + "comments.xml", os.path.join(os.path.dirname(post_save_as), "comments.xml")
    stem = os.path.splitext(post_url)[0]
    return stem + ".comments.xml", os.path.splitext(post_save_as)[0] + ".comments.xml"
