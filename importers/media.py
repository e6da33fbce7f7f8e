"""The files an export's items use: found in the media folder (``--media DIR``), or downloaded
when the editor allows it (``--fetch-media``), and what a body says when one is missing.

A WordPress body names ``…/wp-content/uploads/2021/02/x.jpg``; the media folder
the editor has may be the uploads folder itself, its parent, or a flat archive.
So a URL is looked up by the tail of its path, longest first (``2021/02/x.jpg``
in ``DIR/2021/02/``, ``DIR/uploads/2021/02/``, ``DIR/wp-content/uploads/…``),
then by file name when only one file of the folder has it.

Nothing is fetched unless asked: an export's addresses may point at a site that
is gone, or at a tracker. When asked, only http(s), with a timeout and a size
limit, one file at a time.
"""

import logging
import os
import posixpath
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .model import ImporterError

logger = logging.getLogger(__name__)

FETCH_TIMEOUT = 20          # seconds per request (connect and each read)
FETCH_LIMIT = 50 * 2 ** 20  # bytes: more than any picture a blog shows; a bigger file is refused
_CHUNK = 64 * 1024


class MediaError(ImporterError):
    """A file could not be fetched; the message says which and why."""


class MediaFolder:
    """The editor's media folder, looked up by the tail of a URL's path."""

    def __init__(self, root):
        self.root = Path(root) if root else None
        self._by_name = None  # file name -> [paths], built at the first look-up by name

    def find(self, url, export_folder=None):
        """The file in the folder for ``url`` (or, for a path inside the export, in the export's folder), or None."""
        parts = _path_parts(url)
        if not parts:
            return None
        # The export's own folder holds the files it names by path, not copies of a site's addresses.
        roots = (self.root,) if can_fetch(url) else (self.root, export_folder)
        for root in roots:
            if root is None:
                continue
            for start in range(len(parts)):
                candidate = root.joinpath(*parts[start:])
                if candidate.is_file():
                    return candidate
        return self._unique_by_name(parts[-1])

    def _unique_by_name(self, name):
        if self.root is None:
            return None
        if self._by_name is None:
            self._by_name = {}
            for folder, _, names in os.walk(self.root):
                for each in names:
                    self._by_name.setdefault(each, []).append(Path(folder, each))
        found = self._by_name.get(name, [])
        return found[0] if len(found) == 1 else None


def _path_parts(url):
    """The decoded segments of a URL's (or a relative path's) path, without '.' or '..'."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return []
    segments = [unquote(part) for part in path.split("/")]
    return [part for part in segments if part and part not in (".", "..") and "/" not in part and "\0" not in part]


def safe_target(target):
    """``target`` as a clean path inside content/, or None when it would leave it."""
    if not target or "\\" in target:
        return None
    path = posixpath.normpath(target.strip().lstrip("/"))
    if path in (".", "") or path.startswith("../") or path == ".." or PurePosixPath(path).is_absolute():
        return None
    return path


def can_fetch(url):
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def fetch(url, destination, timeout=FETCH_TIMEOUT, limit=FETCH_LIMIT, session=None):
    """Download ``url`` into ``destination`` (its folder made); MediaError on any failure (nothing left)."""
    import requests

    if not can_fetch(url):
        raise MediaError(f"{url}: only http and https addresses are fetched")
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    getter = session or requests
    try:
        with getter.get(url, stream=True, timeout=timeout, allow_redirects=True) as response:
            if response.status_code != 200:
                raise MediaError(f"{url}: the server answered {response.status_code}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise MediaError(f"{url}: {int(declared)} bytes, more than the {limit} allowed")
            _save(response, url, destination, limit)
    except requests.RequestException as exc:
        destination.unlink(missing_ok=True)
        raise MediaError(f"{url}: {type(exc).__name__}") from None
    except MediaError:
        destination.unlink(missing_ok=True)
        raise


def _save(response, url, destination, limit):
    size = 0
    with open(destination, "wb") as stream:
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise MediaError(f"{url}: more than the {limit} bytes allowed")
            stream.write(chunk)


def link_to_original(body, target, url):
    """``body`` with its uses of ``{static}/target`` pointing at ``url`` as a plain link.

    A missing picture kept as an image would stop the build (the media plugin
    refuses an image that is not there); a link to where it was keeps the
    reader one click from it. Without an address to link to, the alt text stays.
    """
    static = re.escape("{static}/" + target)
    linkable = can_fetch(url)

    def markdown_image(match):
        alt = match.group(1) or (url if linkable else "")
        return f"[{alt}]({url})" if linkable else alt

    body = re.sub(r"!\[((?:[^\]\\]|\\.)*)\]\(\s*<?" + static + r'>?(?:\s+"[^"]*")?\s*\)', markdown_image, body)

    def html_image(match):
        alt_match = re.search(r'alt="([^"]*)"', match.group(0))
        alt = alt_match.group(1) if alt_match and alt_match.group(1) else url
        return f'<a href="{url}">{alt}</a>' if linkable else (alt_match.group(1) if alt_match else "")

    body = re.sub(r"<img\b[^>]*\bsrc=\"" + static + r"\"[^>]*>", html_image, body)
    return body.replace("{static}/" + target, url if linkable else "")
