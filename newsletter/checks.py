"""What an email must satisfy before anyone receives it.

Each check returns a list of problems, one sentence each, saying what to fix.
``exists(path)`` tells whether a path of the site (relative to its root) was
built, so links into the site are known to work.
"""

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

HTML_LIMIT = 100 * 1024   # Gmail clips messages from about 102 KB
SUBJECT_LIMIT = 78        # RFC 5322's recommended line length, and what inboxes show


def check_email(rendered, links, placeholder, exists, html_limit=HTML_LIMIT):
    """All problems of ``rendered`` (a RenderedIssue); ``links`` is its LinkMaker."""
    soup = BeautifulSoup(rendered.html, "lxml")   # a whole document: lxml reads it as html.parser would, faster
    return [
        *check_size(rendered.html, html_limit),
        *check_subject(rendered.subject),
        *check_images(soup, links, exists),
        *check_links(soup, links, placeholder, exists),
        *check_unsubscribe(rendered, placeholder),
        *check_no_remote_code(soup),
    ]


def check_size(html, limit=HTML_LIMIT):
    size = len(html.encode("utf-8"))
    if size > limit:
        return [f"the HTML weighs {size / 1024:.0f} KB, over {limit / 1024:.0f} KB: Gmail would clip it; "
                "shorten the issue or use fewer images"]
    return []


def check_subject(subject):
    if len(subject) > SUBJECT_LIMIT:
        return [f"the subject (Title) has {len(subject)} characters, over {SUBJECT_LIMIT}; shorten it"]
    if not subject.strip():
        return ["the subject (Title) is empty"]
    return []


def check_images(soup, links, exists):
    problems = []
    for img in soup.find_all("img"):
        src = img.get("src", "")
        if img.get("alt") is None:
            problems.append(f"image {src} has no alt text; describe it in ![...] (or leave the brackets empty "
                            "for a decorative image)")
        if not _is_absolute(src):
            problems.append(f"image {src!r} is not an absolute http(s) address")
        elif links.is_internal(src) and not exists(links.site_path(src)):
            problems.append(f"image {src} does not exist in the built site; check its file name")
    return problems


def check_links(soup, links, placeholder, exists):
    problems = []
    for a in soup.find_all("a"):
        href = (a.get("href") or "").strip()
        if href == placeholder or href.startswith("mailto:"):
            continue
        if not _is_absolute(href):
            problems.append(f"link {href!r} ({a.get_text(strip=True)!r}) is not an absolute http(s) address")
        elif links.is_internal(href) and not exists(links.site_path(href)):
            problems.append(f"link {href} points into the site, but no such page was built")
    return problems


def check_unsubscribe(rendered, placeholder):
    missing = [part for part, body in (("HTML", rendered.html), ("text", rendered.text)) if placeholder not in body]
    if missing:
        return [f"the unsubscribe link ({placeholder}) is missing from the {' and '.join(missing)} part; "
                "keep it in the template's footer"]
    return []


def check_no_remote_code(soup):
    problems = []
    for script in soup.find_all("script"):
        problems.append(f"a <script> ({script.get('src') or 'inline'}): mail clients refuse scripts; remove it")
    for link in soup.find_all("link", rel=lambda r: r and "stylesheet" in r):
        problems.append(f"a remote stylesheet ({link.get('href')}): mail clients do not load it; use inline styles")
    for style in soup.find_all("style"):
        if re.search(r"@import|url\(\s*['\"]?https?:", style.get_text()):
            problems.append("a <style> loads a remote file (@import or url()); mail clients block it")
    return problems


def _is_absolute(url):
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
