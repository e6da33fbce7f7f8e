"""What the language runs of one build share: the provider, the cache, the
comments fetched so far and whether the service answered."""

import logging
import os

from .cache import CommentCache
from .http import HttpClient, Unreachable
from .model import Comment, sort_oldest_first
from .sanitize import cut_html

logger = logging.getLogger(__name__)


class CommentsState:
    """Kept in the build context of every language run; reset at each main run."""

    def __init__(self, config, provider, report):
        self.config = config
        self.provider = provider
        self.cache_path = os.path.abspath(config["cache_file"].format(provider=provider.name))
        self.report = report  # report(kind, message, about=None): "warning" or "error"
        self._http = None
        self.reset()

    def reset(self):
        """Start afresh (each rebuild of `invoke serve` calls this)."""
        self.close()
        self.found = {}          # key -> records fetched in this build
        self.owners = {}         # thread id -> (owning source file, a post), all languages
        self.unreachable = None  # why the service failed, once it has
        self.cuts_reported = set()  # (thread key, comment id): warned once, not once per language
        self._cache = None
        self._http = None

    @property
    def cache(self):
        if self._cache is None:
            self._cache = CommentCache(self.cache_path, self.provider.source)
        return self._cache

    def fill(self, threads):
        """Give each thread its comments: fetched now, or from the cache."""
        readable = [t for t in threads if t.state != "off" and t.key is not None]
        self._fetch([t for t in _unique(readable) if t.key not in self.found])
        for thread in readable:
            records = self.found.get(thread.key)
            if records is None:
                records = self.cache.get(thread.key) or []
            thread.comments = sort_oldest_first(self._capped(thread, _comments(records)))

    def _capped(self, thread, comments):
        """Each comment's HTML within COMMENTS['max_comment_bytes'] (Markdown can
        expand a short text a hundredfold); the theme links a cut one to the live thread."""
        limit = self.config["max_comment_bytes"]
        for comment in comments:
            size = len(comment.html.encode())
            if size <= limit:
                continue
            comment.html, comment.cut = cut_html(comment.html, limit), True
            if (thread.key, comment.id) not in self.cuts_reported:
                self.cuts_reported.add((thread.key, comment.id))
                self.report("warning", f"thread {thread.id!r}, comment {comment.id}: {size} bytes of HTML, cut to "
                            f"{limit} (COMMENTS['max_comment_bytes']); shorten or delete it on "
                            f"{self.provider.label}, or raise the limit", about=("cut", thread.key, comment.id))
        return comments

    def _fetch(self, threads):
        if not threads or not self.provider.reads_comments or self.unreachable or not self.config["fetch"]:
            return
        if self._http is None:
            self._http = HttpClient(self.config["timeout"], self.config["total_timeout"])
        try:
            fetched = self.provider.fetch(threads, self._http)
        except Unreachable as error:
            self._give_up(str(error))
            return
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # An answer of an unexpected shape: as good as no answer.
            self._give_up(f"answered in a form this plugin does not understand ({type(error).__name__}: {error})")
            return
        for key, records in fetched.items():
            self.found[key] = records
            self.cache.put(key, records)
        self.cache.save()

    def _give_up(self, reason):
        self.unreachable = reason
        self.report("warning", f"{reason}; the pages show the comments last fetched ({self._cache_note()})")

    def _cache_note(self):
        dates = [self.cache.fetched_at(key) for key in self.cache.threads]
        dates = [d for d in dates if d]
        if not dates:
            return f"none yet: {self.cache_path} does not exist"
        return f"kept in {self.cache_path}, last on {max(dates)}"

    def close(self):
        if self._http is not None:
            self._http.close()
            self._http = None


def _unique(threads):
    seen, unique = set(), []
    for thread in threads:
        if thread.key not in seen:
            seen.add(thread.key)
            unique.append(thread)
    return unique


def _comments(records):
    comments = []
    for record in records:
        try:
            comments.append(Comment.from_record(record))
        except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
            logger.debug("comments: record skipped (%s): %r", error, record)
    return comments
