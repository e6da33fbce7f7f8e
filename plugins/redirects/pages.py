"""A small page at each old path that leads to the new one: an instant refresh, a canonical link,
noindex, and a visible link for whoever the refresh does not move (no script)."""

import logging
import os
import posixpath
from html import escape
from urllib.parse import unquote

logger = logging.getLogger(__name__)

# What the page says, in the target's language (English for any other).
WORDING = {
    "fr": ("Page déplacée", "Cette page a déménagé\u202f:"),
    "en": ("Page moved", "This page has moved:"),
}

TEMPLATE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta http-equiv="refresh" content="0; url={url}">
<link rel="canonical" href="{url}">
<meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<p>{said} <a href="{url}">{url}</a></p>
</body>
</html>
"""


def old_path(address):
    """An old address as the redirects compare it: decoded, with its leading slash."""
    address = unquote(address.strip())
    return address if address.startswith("/") else "/" + address


def page_file(address):
    """The output-relative file that answers ``address`` on a static host, or None (a query, another
    extension than .html, a path leaving the site)."""
    if "?" in address:
        return None
    relative = posixpath.normpath(address).lstrip("/")
    if relative in ("", "."):
        return "index.html"
    if relative.startswith(".."):
        return None
    extension = posixpath.splitext(relative)[1].lower()
    if address.endswith("/") or not extension:
        return relative + "/index.html"
    return relative if extension in (".html", ".htm") else None


def absolute(url, siteurl):
    return f"{siteurl.rstrip('/')}/{url}" if siteurl else f"/{url}"


def render(target, siteurl):
    title, said = WORDING.get(target.lang.split("-")[0], WORDING["en"])
    return TEMPLATE.format(lang=escape(target.lang), title=title, said=said,
                           url=escape(absolute(target.url, siteurl)))


def write_pages(output, resolved, siteurl, warn):
    """Write a page for each (old address, Target) of ``resolved`` that has a path of its own;
    return those kept for the server maps. An address where the build wrote a page keeps that page
    (``warn(old, message)`` says so, unless it is the target itself) and gets no redirect anywhere."""
    kept, ours = [], set()
    for address, target in resolved:
        address = old_path(address)
        relative = page_file(address)
        if relative is None:
            kept.append((address, target))
            continue
        if relative == page_file(old_path("/" + target.url)):
            continue  # the old address is the new one (a category kept its slug): nothing to do
        path = os.path.join(output, relative)
        if relative not in ours and os.path.exists(path):
            warn(address, f"a page of this site is already at {relative}, so it is not redirected to "
                          f"{target.url or '/'}; remove the line (or change the page's Slug)")
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(render(target, siteurl))
        ours.add(relative)
        kept.append((address, target))
    return kept
