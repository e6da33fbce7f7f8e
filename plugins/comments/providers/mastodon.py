"""Mastodon: the replies to a toot named in the post ("Mastodon: <toot address>").

The build reads the public replies through the instance's API
(GET /api/v1/statuses/<id>/context) and writes them into the page, so the
reader's browser contacts the instance only after "Show comments", which
loads the newest replies. Readers answer on Mastodon itself.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sitekit.settings import SettingsError

from . import BaseProvider

TOOT_PATH = re.compile(r"^/(?:@[^/]+|users/[^/]+/statuses)/(\d+)/?$")
TOOT_ID = re.compile(r"^\d+$")
PUBLIC = {"public", "unlisted"}


@dataclass(frozen=True)
class Toot:
    id: str
    url: str


class Provider(BaseProvider):
    name = "mastodon"
    label = "Mastodon"
    reads_comments = True
    required = ("instance",)

    def check(self):
        parts = urlsplit(self.options["instance"])
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise SettingsError("COMMENTS['mastodon']['instance'] must be the address of the author's "
                                f"instance, e.g. 'https://mastodon.social', not {self.options['instance']!r}")
        self.instance = f"{parts.scheme}://{parts.netloc}"
        self.privacy_url = self.instance + "/privacy-policy"

    @property
    def source(self):
        return self.instance

    def csp_sources(self):
        return {"connect-src": [self.instance]}

    def thread_for(self, post, thread, report):
        # A pair shares one thread: a toot named in either post serves both.
        shared = self.thread_per == "pair"
        for item in (post, *(getattr(post, "translations", ()) if shared else ())):
            value = item.metadata.get("mastodon")
            if value:
                return self._toot(str(value).strip(), lambda message: report(item, "Mastodon", message))
        return None

    def _toot(self, value, report):
        if TOOT_ID.match(value):
            return Toot(value, f"{self.instance}/statuses/{value}")
        parts = urlsplit(value)
        match = TOOT_PATH.match(parts.path)
        if f"{parts.scheme}://{parts.netloc}" != self.instance or not match:
            report(f"{value!r} is not a toot of {self.instance} (COMMENTS['mastodon']['instance']); "
                         f"write the toot's address, e.g. {self.instance}/@you/112233445566778899")
            return None
        return Toot(match.group(1), value)

    def fetch_key(self, thread):
        return thread.details.url if thread.details else None

    def fetch(self, threads, http):
        found = {}
        for thread in threads:
            toot = thread.details
            context = http.get_json(f"{self.instance}/api/v1/statuses/{toot.id}/context", missing_ok=True) or {}
            replies = context.get("descendants") if isinstance(context, dict) else None
            found[thread.key] = [_record(status, toot.id) for status in (replies if isinstance(replies, list) else [])
                                 if isinstance(status, dict) and status.get("visibility") in PUBLIC
                                 and "id" in status and "created_at" in status]
        return found

    def widget(self, thread, lang, page_url, title):
        toot = thread.details
        attrs = {"data-instance": self.instance, "data-toot": toot.id, "data-toot-url": toot.url} if toot else {}
        return {"loader": "mastodon", "attrs": attrs, "script": None}


def _record(status, toot_id):
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    parent = status.get("in_reply_to_id")
    return {
        "id": status["id"], "parent": None if parent == toot_id else parent,
        "author": account.get("display_name") or account.get("acct") or "",
        "website": account.get("url"), "url": status.get("url"),
        "created": status["created_at"], "html": status.get("content") or "",
    }
