"""Comment text comes from strangers: keep formatting, drop anything active.

nh3 (the Ammonia sanitiser) keeps an allow-list of tags and attributes, so a
<script>, an event attribute (onerror=...) or a javascript: link cannot reach
the page, however the provider rendered or stored the text.
"""

from html import unescape
from urllib.parse import urlsplit

import nh3

TAGS = {
    "p", "br", "a", "em", "strong", "b", "i", "del", "s", "sub", "sup", "code", "pre",
    "blockquote", "ul", "ol", "li", "span",
}
ATTRIBUTES = {"a": {"href", "title"}}
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
