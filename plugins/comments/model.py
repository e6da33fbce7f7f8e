"""Comments and threads as the theme and the feeds see them, whatever the provider."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .sanitize import clean_html, plain_text, safe_link, without_bidi_controls


# Comment ids end up in id="" and #fragments: digits and letters only.
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _safe_id(value):
    text = str(value)
    if not SAFE_ID.match(text):
        raise ValueError(f"unusable comment id {text[:70]!r}")
    return text


@dataclass
class Comment:
    id: str
    author: str            # plain text; "" when the commenter gave no name
    created: datetime      # aware, UTC
    html: str              # sanitised HTML of the text
    parent: str | None = None
    website: str | None = None   # the commenter's link, http(s) only
    url: str | None = None       # where the comment lives (a toot), if elsewhere
    replies: list = field(default_factory=list)
    cut: bool = False            # html is the start of a longer text (COMMENTS['max_comment_bytes'])

    @classmethod
    def from_record(cls, record):
        """A comment from the cache file or a provider: text cleaned again, links checked."""
        return cls(
            id=_safe_id(record["id"]),
            author=_name(record.get("author")),
            created=_utc(record["created"]),
            html=clean_html(record.get("html") or ""),
            parent=_safe_id(record["parent"]) if record.get("parent") not in (None, "") else None,
            website=safe_link(record.get("website")),
            url=safe_link(record.get("url")),
        )


def _name(value):
    """The commenter's name as text; "" when nothing visible is left (the theme says "Anonymous")."""
    name = plain_text(value or "")
    return name if without_bidi_controls(name) else ""


def _utc(value):
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass
class Thread:
    """What a post page shows of its comments (``article.comments``)."""

    id: str                # the provider's thread id (stable across slug changes)
    state: str             # "open", "closed" or "off"
    provider: object       # the Provider instance
    comments: list = field(default_factory=list)  # flat, oldest first
    feed_url: str | None = None
    feed_save_as: str | None = None
    details: object = None  # what the provider needs besides the id (Mastodon: the toot)

    @property
    def count(self):
        return len(self.comments)

    @property
    def roots(self):
        """Top-level comments, each with its ``replies`` filled in, oldest first."""
        by_id = {comment.id: comment for comment in self.comments}
        for comment in self.comments:
            comment.replies = []
        roots = []
        for comment in self.comments:
            parent = by_id.get(comment.parent)
            (parent.replies if parent is not None and parent is not comment else roots).append(comment)
        return roots

    @property
    def key(self):
        """What the provider's comments are fetched and cached under; None: nothing to fetch."""
        return self.provider.fetch_key(self)

    def live_link(self, comment, page_url):
        """Where the reader finds ``comment`` whole (it was cut), or None."""
        return self.provider.live_link(self, comment, page_url)

    def widget(self, lang, page_url, title):
        """Attributes of the theme's widget element (see theme/static/js/comments.js)."""
        return self.provider.widget(self, lang, page_url, title)


def sort_oldest_first(comments):
    return sorted(comments, key=lambda comment: (comment.created, comment.id))
