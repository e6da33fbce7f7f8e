"""Isso, the default: a self-hosted comment server (https://isso-comments.de).

First party, so its script loads with the page. At build time the approved
comments of every thread are read from its HTTP API: one POST /count for all
threads, then GET /?uri=<thread> for those that have comments.
"""

from html import unescape
from urllib.parse import urlsplit

from sitekit.settings import SettingsError

from . import BaseProvider

# Isso marks a comment accepted (1), waiting for moderation (2) or deleted (4).
ACCEPTED = 1


class Provider(BaseProvider):
    name = "isso"
    label = "Isso"
    third_party = False
    reads_comments = True
    defaults = {
        # Extra data-isso-* attributes of the script, e.g. {"reply-sort-order": "asc"}.
        "widget_options": {},
    }
    required = ("url",)

    def check(self):
        url = self.options["url"]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"COMMENTS['isso']['url'] must be the address of the Isso server, "
                                f"e.g. 'https://comments.example.org/', not {url!r}")
        self.url = url if url.endswith("/") else url + "/"
        if not isinstance(self.options["widget_options"], dict):
            raise SettingsError("COMMENTS['isso']['widget_options'] must be a dict of data-isso-* values")

    @property
    def source(self):
        return self.url

    @property
    def origin(self):
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def csp_sources(self):
        return {"script-src": [self.origin], "connect-src": [self.origin]}

    def fetch(self, threads, http):
        keys = [thread.key for thread in threads]
        counts = http.post_json(self.url + "count", keys)
        if not isinstance(counts, list) or len(counts) != len(keys):
            counts = [1] * len(keys)  # an odd answer: ask for every thread
        found = {}
        for key, count in zip(keys, counts):
            if not count:
                found[key] = []
                continue
            answer = http.get_json(self.url, params={"uri": key, "plain": "0"}, missing_ok=True)
            replies = answer.get("replies") if isinstance(answer, dict) else None
            found[key] = list(_records(replies if isinstance(replies, list) else []))
        return found

    def live_link(self, thread, comment, page_url):
        # Isso's widget gives each comment the id "isso-<id>" and scrolls to it;
        # a closed thread has no widget on the page.
        return f"{page_url}#isso-{comment.id}" if thread.state == "open" else None

    def widget(self, thread, lang, page_url, title):
        script = {
            "src": self.url + "js/embed.min.js",
            "data-isso": self.url,
            "data-isso-lang": lang,
            # The theme styles the widget; Isso's own stylesheet and avatars
            # would need inline styles, which the site's CSP refuses.
            "data-isso-css": "false",
            "data-isso-avatar": "false",
            "data-isso-gravatar": "false",
        }
        script.update({f"data-isso-{key}": str(value) for key, value in self.options["widget_options"].items()})
        attrs = {"id": "isso-thread", "data-isso-id": thread.id, "data-title": title}
        return {"loader": None, "attrs": attrs, "script": script}

    def with_texts(self, script, lang, texts):
        """``script``'s attributes plus the theme's wording of Isso's messages (``texts``: Isso's
        message id -> text in ``lang``), as Isso reads them: data-isso-<id>-text-<lang>. Isso's own
        catalogues lack some (its French has no placeholders: "John Doe" showed on French pages);
        a widget_options value set by the site stays."""
        suffix = lang.lower().replace("_", "-")
        words = {f"data-isso-{key}-text-{suffix}": str(text) for key, text in texts.items()}
        return {**words, **script}


def _records(comments, parent=None):
    """Isso's nested comments, flattened; deleted and unapproved ones left out."""
    for comment in comments:
        if not isinstance(comment, dict) or "id" not in comment:
            continue
        if comment.get("mode") == ACCEPTED and "created" in comment:
            yield {
                "id": comment["id"], "parent": comment.get("parent") or parent,
                # Isso stores names and addresses HTML-escaped; the theme escapes them itself.
                "author": comment.get("author") or "", "website": unescape(comment.get("website") or "") or None,
                "created": comment["created"], "html": comment.get("text") or "",
            }
        replies = comment.get("replies")
        yield from _records(replies if isinstance(replies, list) else [], comment["id"])
