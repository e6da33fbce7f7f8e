"""An export's comments into the comment server's store: Isso's sqlite database.

Each post's comments go under the thread id the site's comments plugin gives
that post (``sitekit.threads.thread_id``: the file's name, ``<id>/<lang>`` for
a translation in "language" mode, or its ``Comments-Id:`` line), so they show
under the right post, at build time and live. Written through Isso's own
Python API (``isso.db``): one thread per id, titled after the post; approved
comments published (mode 1), with their dates (UTC: Isso's own importers go
through ``time.mktime``, local time), author, website and email (kept in the
database only; Isso never shows it), no IP address; replies to a reply hang
from the top comment, the one level Isso keeps. Pending, spam and trashed
comments are counted, not imported.

Exactly once: a comment is recognised in the database by its thread, date
and author, so a second run, or a run after one killed midway, adds nobody
twice. One connection serves the whole run, committed after whole threads
once COMMIT_EVERY comments wait (Isso's API opens a connection and commits
per statement, and each commit waits for the disk: 5,000 comments took a
minute that way, 6 s now).
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import timezone
from html import escape
from pathlib import Path

from sitekit.threads import thread_id

from .html_markdown import to_markdown
from .model import Comment, Export, FormatError, Skipped

logger = logging.getLogger(__name__)

PUBLISHED = 1           # Isso's mode of an accepted comment
NO_ADDRESS = "0.0.0.0"  # Isso wants an address per comment (for its votes); the commenter's is not kept
SAME_TIME = 0.001       # seconds: a stored date read back as a float
COMMIT_EVERY = 500      # comments inserted before the next commit (after a whole thread)
# Tests stop a run after this many inserts, as a kill would (os._exit: nothing is cleaned up).
EXIT_AFTER_VARIABLE = "IMPORTERS_COMMENTS_EXIT_AFTER"
BLOCK_TAGS = re.compile(r"<(?:p|br|div|ul|ol|blockquote|pre|h[1-6])\b", re.I)
HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):\s*(.*)$")


@dataclass
class CommentCounts:
    imported: int = 0
    already: int = 0      # in the database from an earlier run
    pending: int = 0
    spam: int = 0
    skipped: int = 0      # trashed, or under a post that was not written
    notes: list[Skipped] = field(default_factory=list)  # each comment skipped, for the report


def import_comments(export: Export, placed: dict[str, str], isso_config: Path, thread_per: str,
                    dry_run: bool, root: Path = Path(".")) -> CommentCounts:
    """Put the approved comments of ``export``'s items into the Isso database that ``isso_config``
    names (its ``dbpath``, relative to ``root``, the project). ``placed``: source_id -> the written
    file's path under ``root/content``; ``thread_per``: COMMENTS["thread_per"] ("pair" or "language").
    ``dry_run``: count only, the database untouched."""
    counts = CommentCounts()
    threads = Threads(export, placed, Path(root) / "content", thread_per)
    store = None
    for item in export.items:
        if not item.comments:
            continue
        if item.source_id not in placed:
            for comment in item.comments:
                _skip(counts, comment, "its post was not imported")
            continue
        if store is None:
            store = Store.open(_database_path(isso_config, Path(root)), isso_config, dry_run)
        uri, title = threads.of(item)
        _import_thread(store, uri, title, item.comments, counts)
        if store.waiting >= COMMIT_EVERY:
            store.commit()
    if store is not None:
        store.commit()
        store.close()
    return counts


def _skip(counts, comment, reason):
    counts.skipped += 1
    counts.notes.append(Skipped(comment.id, "comment", reason))


def _database_path(isso_config, root):
    from isso import config

    if not Path(isso_config).is_file():
        raise FormatError(isso_config, "no Isso configuration here; name the comment server's isso.cfg")
    conf = config.load(config.default_file(), str(isso_config))
    path = Path(os.path.expanduser(conf.get("general", "dbpath")))
    return path if path.is_absolute() else root / path


# --- Threads ------------------------------------------------------------------------------------


class Threads:
    """The thread id and title of each item, as the site's comments plugin will name them."""

    def __init__(self, export, placed, content, mode):
        self.placed, self.content, self.mode = placed, content, mode
        self.groups = {}
        for item in export.items:
            if item.translation_group:
                self.groups.setdefault(item.translation_group, []).append(item)

    def header(self, item):
        """The written file's header lines (lower-case keys); {} before it is written (a dry run)."""
        path = self.content / self.placed[item.source_id]
        if not path.is_file():
            return {}
        found = {}
        with open(path, encoding="utf-8") as file:
            for line in file:
                match = HEADER_LINE.match(line.rstrip("\n"))
                if not match:
                    break
                found[match.group(1).lower()] = match.group(2).strip()
        return found

    def original(self, item):
        """The item a translation translates (the one of its group that translates nothing), or None."""
        group = [other for other in self.groups.get(item.translation_group, []) if other.source_id in self.placed]
        if len(group) < 2:
            return None
        originals = [other for other in group if "translation-of" not in self.header(other)]
        original = originals[0] if originals else min(group, key=lambda other: other.date)
        return None if original is item else original

    def of(self, item):
        """(thread id, title) of ``item``."""
        own = self.header(item)
        original = self.original(item)
        source = self.placed[item.source_id]
        explicit = own.get("comments-id") or item.metadata.get("Comments-Id")
        if original is None:
            return thread_id(source, own.get("lang") or item.lang, self.mode, explicit_id=explicit), item.title
        theirs = self.header(original)
        uri = thread_id(source, own.get("lang") or item.lang, self.mode,
                        original_source_path=self.placed[original.source_id], explicit_id=explicit,
                        original_explicit_id=theirs.get("comments-id") or original.metadata.get("Comments-Id"))
        return uri, original.title if self.mode == "pair" else item.title


# --- The database -------------------------------------------------------------------------------


def _database_class():
    from isso.db import SQLite3

    class Database(SQLite3):
        """Isso's database API over one connection, committed when we say (Isso's own opens and
        commits one per statement)."""

        def __init__(self, path, conf):
            self.connection = sqlite3.connect(path)
            super().__init__(path, conf)
            self.connection.commit()

        def execute(self, sql, args=()):
            if isinstance(sql, (list, tuple)):
                sql = " ".join(sql)
            return self.connection.execute(sql, args)

    return Database


class Store:
    """Isso's database through its own API; in a dry run, read only (or nothing, if it does not exist)."""

    def __init__(self, db, path, dry_run):
        self.db, self.path, self.dry_run = db, path, dry_run
        self.inserted = 0
        self.waiting = 0  # inserted since the last commit
        self.exit_after = int(os.environ.get(EXIT_AFTER_VARIABLE) or 0)
        self.planned = 0  # dry run: ids handed out for comments not written

    @classmethod
    def open(cls, path, isso_config, dry_run):
        from isso import config

        if dry_run:
            return cls(None, path, True)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = _database_class()(str(path), config.load(config.default_file(), str(isso_config)))
        except sqlite3.DatabaseError as error:
            raise FormatError(path, f"not an Isso database ({error})") from None
        return cls(db, path, False)

    def commit(self):
        if not self.dry_run:
            self.db.connection.commit()
        self.waiting = 0

    def close(self):
        if not self.dry_run:
            self.db.connection.close()

    def _read(self, sql, args):
        """Every row ``sql`` selects (in a dry run, from the database as it is, if any)."""
        if not self.dry_run:
            return self.db.execute(sql, args).fetchall()
        if not self.path.is_file():
            return []
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as connection:
            try:
                return connection.execute(sql, args).fetchall()
            except sqlite3.OperationalError:  # no tables yet
                return []

    def thread(self, uri, title):
        """The thread's id, made if new."""
        found = self._read("SELECT id FROM threads WHERE uri=?", (uri,))
        if found:
            return found[0][0]
        if self.dry_run:
            return None
        return self.db.threads.new(uri, title)["id"]

    def stored(self, tid):
        """{(created, author): id} of the thread's comments already in the database (one query per
        thread: the comments table has no index for a lookup per comment)."""
        if tid is None:
            return {}
        rows = self._read("SELECT created, author, id FROM comments WHERE tid=?", (tid,))
        return {(created, author): id_ for created, author, id_ in rows}

    def add(self, uri, record):
        if self.dry_run:
            self.planned -= 1
            return self.planned
        added = self.db.comments.add(uri, record)
        self.inserted += 1
        self.waiting += 1
        if self.exit_after and self.inserted >= self.exit_after:
            os._exit(75)  # the test's kill: what was inserted since the last commit is lost
        return added["id"]


def _import_thread(store, uri, title, comments, counts):
    by_id = {comment.id: comment for comment in comments}
    stored = {}  # export id -> Isso id (None: not imported)
    tid = store.thread(uri, title) if any(c.status == "approved" for c in comments) else None
    already = store.stored(tid)

    def place(comment, visiting=()):
        if comment.id in stored:
            return stored[comment.id]
        stored[comment.id] = None
        if comment.status != "approved":
            _count_left_out(counts, comment)
            return None
        parent = by_id.get(comment.parent)
        # A reply to a comment left out (pending, spam) hangs from the nearest one imported, or the top.
        parent_id = place(parent, (*visiting, comment.id)) if parent and parent.id not in visiting else None
        created, author = _created(comment), _escaped(comment.author)
        existing = _same(already, created, author)
        if existing is not None:
            counts.already += 1
            stored[comment.id] = existing
        else:
            stored[comment.id] = store.add(uri, _record(comment, parent_id, created))
            counts.imported += 1
        return stored[comment.id]

    for comment in sorted(comments, key=lambda c: c.date):
        place(comment)


def _same(already, created, author):
    """The id of the stored comment by ``author`` at ``created`` (a float read back may differ in
    its last digits), or None."""
    found = already.get((created, author))
    if found is not None:
        return found
    return next((id_ for (when, who), id_ in already.items() if who == author and abs(when - created) < SAME_TIME),
                None)


def _count_left_out(counts, comment):
    if comment.status == "pending":
        counts.pending += 1
    elif comment.status == "spam":
        counts.spam += 1
    else:
        _skip(counts, comment, f"{comment.status} comment")


def _created(comment):
    """Seconds since the epoch, the date read as UTC when it carries no offset."""
    date = comment.date if comment.date.tzinfo else comment.date.replace(tzinfo=timezone.utc)
    return date.timestamp()


def _escaped(value):
    """Names and addresses HTML-escaped, as Isso's own views store them."""
    return escape(value, quote=False) if value else None


def _record(comment: Comment, parent_id, created):
    """The comment as Isso's API adds it."""
    return {
        "parent": parent_id,
        "created": created,
        "mode": PUBLISHED,
        "remote_addr": NO_ADDRESS,
        "text": comment_markdown(comment.text),
        "author": _escaped(comment.author),
        "email": _escaped(comment.email),
        "website": _escaped(comment.website),
        "notification": 0,
    }


def comment_markdown(html: str) -> str:
    """A comment's stored text as Isso keeps it: Markdown. WordPress and Movable Type keep a
    commenter's plain text with its line breaks and make paragraphs only when showing it."""
    if not BLOCK_TAGS.search(html):
        paragraphs = [part.strip() for part in re.split(r"\n\s*\n", html.strip()) if part.strip()]
        html = "".join("<p>" + part.replace("\n", "<br>") + "</p>" for part in paragraphs)
    return to_markdown(html).strip()

