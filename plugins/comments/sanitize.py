"""Comment text comes from strangers: keep formatting, drop anything active.

nh3 (the Ammonia sanitiser) keeps an allow-list of tags and attributes, so a
<script>, an event attribute (onerror=...) or a javascript: link cannot reach
the page, however the provider rendered or stored the text.
"""

from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

TAGS = {
    "p", "br", "a", "em", "strong", "b", "i", "del", "s", "sub", "sup", "code", "pre",
    "blockquote", "ul", "ol", "li", "span",
}
ATTRIBUTES = {"a": {"href", "title"}}
VOID_TAGS = {"br"}
URL_SCHEMES = {"http", "https", "mailto"}
# Links written by commenters: search engines should not count them as ours.
LINK_REL = "nofollow ugc noopener"


def clean_html(html):
    """Sanitised HTML: allowed tags only, links marked as user content."""
    return nh3.clean(str(html), tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel=LINK_REL, strip_comments=True)


def plain_text(html):
    """The text of some HTML, tags removed and entities decoded: the theme escapes it again."""
    return unescape(nh3.clean(str(html), tags=set(), strip_comments=True)).strip()


def safe_link(url):
    """``url`` if it is an http(s) address, else None (a javascript: website is dropped)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


# Characters that reorder the text after them: an override in a name
# ("Mallory \u202egnp.exe") shows as "Mallory exe.png" and can run on into
# the words around it. The pages isolate names (<bdi>); where text cannot be
# isolated (feeds, titles) these are removed.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])


def without_bidi_controls(text):
    """``text`` (a name) with the direction controls removed, for places that cannot isolate it."""
    return text.translate(BIDI_CONTROLS).strip()


def cut_html(html, limit):
    """The start of sanitised ``html`` that fits in ``limit`` bytes (UTF-8), the
    elements still open closed: cut between elements or between words, never
    inside a tag or an entity. ``html`` itself when it fits."""
    if len(html.encode()) <= limit:
        return html
    cutter = _Cutter(limit)
    # Fed in slices: a 4 MB comment is read only as far as the cut.
    for start in range(0, len(html), 8192):
        cutter.feed(html[start:start + 8192])
        if cutter.full:
            break
    return clean_html(cutter.result())


class _Cutter(HTMLParser):
    """Copies tags, entities and text while they fit, keeping room for the end
    tags of the elements left open (nh3's output: no comments, only <br> is void)."""

    def __init__(self, limit):
        super().__init__(convert_charrefs=False)  # entities arrive whole, never split
        self.room = limit
        self.kept = []
        self.open = []    # (tag, where its start tag is in kept)
        self.full = False

    def result(self):
        self._trim_end()
        return "".join(self.kept) + "".join(f"</{tag}>" for tag, _ in reversed(self.open))

    def _trim_end(self):
        """Leave out what would end the cut text with nothing to read: an element
        opened just before the cut (a link without text), spaces before it."""
        while self.kept:
            last = self.kept[-1]
            if self.open and self.open[-1][1] == len(self.kept) - 1:
                self.open.pop()
                self.kept.pop()
            elif last != last.rstrip():  # text: tags and entities never end in a space
                self.kept[-1] = last.rstrip()
                if not self.kept[-1]:
                    self.kept.pop()
            else:
                return

    def _keep(self, text, reserve=0):
        """Keep ``text`` (and set ``reserve`` bytes aside for an end tag) if it fits."""
        size = len(text.encode())
        if self.full or size + reserve > self.room:
            self.full = True
            return False
        self.kept.append(text)
        self.room -= size + reserve
        return True

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            self._keep(self.get_starttag_text())
        elif self._keep(self.get_starttag_text(), reserve=len(f"</{tag}>")):
            self.open.append((tag, len(self.kept) - 1))

    def handle_startendtag(self, tag, attrs):
        self._keep(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self.full or tag not in (name for name, _ in self.open):
            return
        while self.open:  # its room was set aside when it opened
            closed, _ = self.open.pop()
            self.kept.append(f"</{closed}>")
            if closed == tag:
                return

    def handle_entityref(self, name):
        self._keep(f"&{name};")

    def handle_charref(self, name):
        self._keep(f"&#{name};")

    def handle_data(self, data):
        if not self.full and not self._keep(data):
            words = _words_within(data, self.room)  # the cut: as many words as fit
            if words:
                self.kept.append(words)
            self.room = 0


def _words_within(text, size):
    """The whole words of ``text`` that fit in ``size`` bytes (its characters, if it has no space)."""
    start = text.encode()[:size].decode("utf-8", "ignore")
    if len(start) < len(text) and not text[len(start)].isspace():
        before_word = max(start.rfind(space) for space in (" ", "\n", "\t"))
        if before_word >= 0:
            start = start[:before_word]
    return start.rstrip()
