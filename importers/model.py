"""What every source reader produces and every writer consumes.

A reader (importers/sources/<format>.py) never writes anything: it turns an
export into an ``Export``. Dates are timezone-aware. Bodies are Markdown as
the project's posts are written (images as ``![alt]({static}/images/…)``
pointing at ``Media.target``), French typography left to the build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


class ImporterError(Exception):
    """Base of the importers' errors: one line for the editor, naming the file and the problem."""


class FormatError(ImporterError):
    """The export is not the format named, is malformed, cut short or in an unknown encoding."""

    def __init__(self, path, problem):
        self.path, self.problem = path, problem
        super().__init__(f"{path}: {problem}")


def unique_name(name, taken):
    """``name``, or ``name-2``, ``name-3``… the first not in ``taken`` (a set, which gets it):
    exports repeat slugs and ids (old TypePad basenames were cut at 15 characters)."""
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class ReadOptions:
    lang: str = "fr"                 # the language of items the export does not mark
    media: Path | None = None        # a local folder of the export's media (--media)
    fetch_media: bool = False        # allow downloading media missing from that folder (--fetch-media)
    site_timezone: str = "Europe/Paris"  # for exports whose dates carry no offset


@dataclass
class Media:
    """A file an item uses: found in the media folder (or fetched) and copied to ``target``."""
    url: str                 # as the export names it (absolute URL or a path in the export)
    target: str              # path under content/, e.g. "images/wordpress/2021/02/plan.jpg"
    kind: str = "image"      # image, audio, video, file


@dataclass
class Comment:
    id: str                  # unique within the export
    parent: str | None       # the id of the comment it answers, or None
    author: str
    date: datetime
    text: str                # HTML as the commenter's text was stored
    email: str | None = None
    website: str | None = None
    status: str = "approved"  # approved, pending, spam, trash


@dataclass
class Item:
    kind: str                # "post", "page" or "issue"
    source_id: str           # stable within the export, e.g. "wordpress:123"; names it in the report
    title: str
    date: datetime
    lang: str
    slug: str
    body: str                # Markdown
    status: str = "published"  # "published" or "draft"
    summary: str | None = None
    category: str | None = None          # the category's slug (see Export.categories)
    tags: list[str] = field(default_factory=list)  # tags' slugs (see Export.tags)
    author: str | None = None            # the author's slug (see Export.authors)
    cover: Media | None = None           # the featured picture
    media: list[Media] = field(default_factory=list)  # every file the body links to
    translation_group: str | None = None  # items sharing it are translations of each other
    old_urls: list[str] = field(default_factory=list)  # paths ("/2021/02/07/slug/") or "?p=123"
    comments: list[Comment] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)  # more header lines: Issue, Preheader, …
    modified: datetime | None = None


@dataclass
class Subscriber:
    email: str
    lang: str
    consent_date: datetime | None    # when they signed up (their consent), from the export
    source: str                      # the platform, e.g. "substack"
    status: str = "subscribed"       # subscribed, unsubscribed (never mailed again), unconfirmed


@dataclass
class Skipped:
    source_id: str           # id or URL in the export
    what: str                # "post", "comment", "shortcode", "image", …
    reason: str


@dataclass
class Export:
    format: str
    path: Path
    items: list[Item] = field(default_factory=list)
    authors: dict[str, dict] = field(default_factory=dict)       # slug -> {"name": …, "bio": {lang: …}, …}
    categories: dict[str, dict] = field(default_factory=dict)    # slug -> {lang: name, "description": {…}}
    tags: dict[str, dict] = field(default_factory=dict)          # slug -> {lang: name}
    subscribers: list[Subscriber] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    old_urls: dict[str, str] = field(default_factory=dict)       # old path -> "category:<slug>", "tag:<slug>", "feed:<lang>"
    exported_at: datetime | None = None
