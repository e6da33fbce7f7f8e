"""The last comments fetched from the service, kept for builds that cannot reach it.

One JSON file per provider: {"source": server, "threads": {key: {"fetched": iso time, "comments": [records]}}}.
Entries fetched from another server (the local one, before a publish) are ignored.
Written aside and renamed (sitekit.file_aside), so a build stopped half-way never
leaves a broken cache behind.
"""

import json
import logging
from datetime import datetime, timezone

from sitekit.file_aside import written_aside

logger = logging.getLogger(__name__)


class CommentCache:
    def __init__(self, path, source):
        self.path = path
        self.source = source
        self.threads = self._read()

    def _read(self):
        try:
            with open(self.path, encoding="utf-8") as file:
                data = json.load(file)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            logger.warning("comments: cache %s unreadable (%s); it will be written afresh", self.path, error)
            return {}
        if not isinstance(data, dict) or data.get("source") != self.source:
            return {}
        threads = data.get("threads")
        return threads if isinstance(threads, dict) else {}

    def get(self, key):
        """The cached records of thread ``key``, or None when it was never fetched."""
        entry = self.threads.get(key)
        records = entry.get("comments") if isinstance(entry, dict) else None
        return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else None

    def fetched_at(self, key):
        entry = self.threads.get(key)
        return entry.get("fetched") if isinstance(entry, dict) else None

    def put(self, key, records):
        self.threads[key] = {"fetched": datetime.now(timezone.utc).isoformat(timespec="seconds"), "comments": records}

    def save(self):
        with written_aside(self.path) as file:
            json.dump({"source": self.source, "threads": self.threads}, file, ensure_ascii=False, indent=1, sort_keys=True)
