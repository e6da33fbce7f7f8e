"""Details computed from a post's text: reading time and cover image."""

import math
import re
from pathlib import Path

from PIL import Image, UnidentifiedImageError

TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"\w+(?:[’'-]\w+)*")
FIRST_IMAGE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["'][^>]*>""", re.I)
ALT = re.compile(r"""\balt\s*=\s*["']([^"']*)["']""", re.I)


def reading_minutes(html, words_per_minute):
    words = len(WORD.findall(TAG.sub(" ", html or "")))
    return max(1, math.ceil(words / words_per_minute))


def static_path(reference):
    """'images/x.jpg' from '{static}/images/x.jpg', '/images/x.jpg' or 'images/x.jpg'."""
    reference = re.sub(r"^[{|]static[}|]", "", reference.strip())
    return reference.lstrip("/")


def cover(content, content_path, size_of=None):
    """(path relative to SITEURL, alt text, width, height) of the post's cover, or None.

    The cover is the Image: metadata, else the first picture of the text: the first local image
    that can be read as one (the media plugin turns an ![](sound.wav) into a player later, so the
    text's first <img> may be a sound). ``size_of(path)`` gives an image's (width, height),
    (None, None) when unreadable (default: image_size).
    """
    size_of = size_of or image_size
    if getattr(content, "image", None):
        path = static_path(content.image)
        return _cover(path, content.title, *size_of(Path(content_path) / path))
    for match in FIRST_IMAGE.finditer(content._content or ""):
        if "://" in match.group(1):
            return None
        path = static_path(match.group(1))
        width, height = size_of(Path(content_path) / path)
        if width:
            alt_match = ALT.search(match.group(0))
            return _cover(path, alt_match.group(1) if alt_match else "", width, height)
    return None


def _cover(path, alt, width, height):
    return {"url": path, "alt": alt, "width": width, "height": height}


def image_size(path):
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError):
        return None, None
