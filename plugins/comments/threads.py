"""Which thread a post's comments belong to, and whether it takes new ones.

A thread id must outlive a change of slug (the URL) or of title, so it is
not taken from either: it is the name of the original post's file without
its extension ("audit-seo-inventaire"), or the post's "Comments-Id:" line
when the file itself is renamed or an older id must be kept. In "pair" mode a
translation shares its original's thread; in "language" mode it has its own,
"<id>/<lang>", while the original keeps the plain id.
"""

import os

from sitekit.threads import THREAD_ID, usable_explicit_id
from sitekit.threads import thread_id as shared_thread_id

from .model import Thread
from .settings import STATES


def original_of(post):
    """The post of a translation pair that translates nothing (itself if alone)."""
    for item in (post, *getattr(post, "translations", ())):
        if not getattr(item, "translation_of", None):
            return item
    return post


def _explicit_id(post):
    return usable_explicit_id(post.metadata.get("comments-id"))


def owner_of(post, mode):
    """The source file a thread belongs to: a pair's original in "pair" mode, else the post itself."""
    return (original_of(post) if mode == "pair" else post).source_path


def thread_id(post, mode):
    """The rule itself is sitekit.threads.thread_id, which the comments importer follows too."""
    original = original_of(post)
    return shared_thread_id(
        post.source_path, post.lang, mode,
        original_source_path=None if original is post else original.source_path,
        explicit_id=post.metadata.get("comments-id"),
        original_explicit_id=original.metadata.get("comments-id"))


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
