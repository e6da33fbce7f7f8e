"""Which image represents a post, page or newsletter issue when shared, and writing the generated ones.

An item with an ``Image:`` line is represented by that image; every other
published one by a card drawn for it. Each gets these attributes, for
the templates' og:image, twitter:image and JSON-LD:

- ``social_image``: the image's path relative to SITEURL ("images/cards/fr/mon-slug.png"),
  or the full address of an image given as one (https://...);
- ``social_image_url``: the full address (SITEURL + "/" + social_image);
- ``social_image_width``, ``social_image_height``: in pixels (None when unknown);
- ``social_image_alt``: what the image shows: the title for a card, the
  ``Image-Alt:`` line for a given image (None without one).
"""

import hashlib
import html
import functools
import logging
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from sitekit.build_context import report
from sitekit.linked_copy import put_linked
from sitekit.workers import in_workers

from .render import HEIGHT, TITLE_SIZES, WIDTH, draw_card, save_card, stored_digest

logger = logging.getLogger(__name__)

LINK_MARKER = re.compile(r"^(?:\{(static|attach|filename)\}|\|(static|attach|filename)\|)")
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
TAG = re.compile(r"<[^>]*>")
PARALLEL_FROM = 16  # cards per worker below which starting processes costs more than it saves


# Where each kind of item has its cards, below the language's folder.
KIND_FOLDERS = {"article": "", "page": "pages", "issue": "newsletter"}


@dataclass(frozen=True)
class Card:
    lang: str
    slug: str
    kind: str  # a key of KIND_FOLDERS
    title: str
    category: str | None  # shown in the band: a post's category, an issue's newsletter
    site_name: str

    @property
    def relative_path(self):
        """Path below the cards folder: fr/mon-slug.png, en/pages/about.png, fr/newsletter/5.png."""
        return posixpath.join(self.lang, KIND_FOLDERS[self.kind], f"{self.slug}.png")

    def digest(self, fingerprint):
        """A short hash of everything the card shows: unchanged, the file is not written again."""
        text = "\x1f".join((fingerprint, self.title, self.category or "", self.site_name))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- Attributes ----------------------------------------------------------------

def attach(item, kind, settings, config, slug=None, band=None):
    """Give ``item`` its social_image attributes; return its Card when one is to be drawn.

    ``slug`` names the card (default: the item's slug); ``band`` is the text
    of its band (default: a post's category, nothing for a page).
    """
    given = str(getattr(item, "image", None) or "").strip()
    path = image_path(given, item.source_path, settings["PATH"]) if given else ""
    if path:
        _attach_given(item, path, given, settings)
        return None
    slug = slug or getattr(item, "slug", None)
    if item.status != "published" or not slug or (kind == "page" and not config["pages"]):
        return None
    card = _card_of(item, kind, settings, slug, band)
    path = posixpath.join(config["folder"], card.relative_path)
    _set(item, path, settings, (WIDTH, HEIGHT), alt=card.title)
    return card


def _card_of(item, kind, settings, slug, band):
    if band is None and kind == "article":
        category = getattr(item, "category", None)
        band = category.name if category else None
    return Card(
        lang=item.lang,
        slug=slug,
        kind=kind,
        title=plain(getattr(item, "title", "") or slug),
        category=plain(band) if band else None,
        site_name=plain(settings.get("SITENAME", "")),
    )


def plain(text):
    """Text of a title as the reader sees it: no tags, entities decoded."""
    return html.unescape(TAG.sub("", str(text))).strip()


def _attach_given(item, path, value, settings):
    size = None if ABSOLUTE.match(path) else _image_size(item, path, value, settings)
    _set(item, path, settings, size, alt=item.metadata.get("image_alt") or item.metadata.get("image-alt"))


def image_path(value, source_path, content_path):
    """The output path of an ``Image:`` value ("{static}/images/x.jpg" -> "images/x.jpg").

    Like Pelican's links, "{static}images/x.jpg" (no slash) is relative to the
    post's folder; a plain path is taken as written; full addresses are kept.
    """
    value = value.strip()
    if ABSOLUTE.match(value):
        return value
    marker = LINK_MARKER.match(value)
    rest = value[marker.end():] if marker else value
    if marker and not rest.startswith("/"):
        folder = os.path.relpath(os.path.dirname(os.path.abspath(source_path)), os.path.abspath(content_path))
        rest = posixpath.join(Path(folder).as_posix(), rest)
    path = posixpath.normpath(rest).lstrip("/") if rest.strip("/") else ""
    return "" if path == "." else path


def _image_size(item, path, value, settings):
    file = Path(settings["PATH"], path)
    try:
        with Image.open(file) as image:
            return image.size
    except (OSError, ValueError):
        # An error: a broken og:image must not be published.
        report(settings, item.source_path, "Image",
               f"{value!r} is not an image under {settings['PATH']}; fix the path or remove the line")
        return None


def _set(item, path, settings, size, alt):
    item.social_image = path
    item.social_image_url = path if ABSOLUTE.match(path) else f"{settings.get('SITEURL', '').rstrip('/')}/{path}"
    item.social_image_width, item.social_image_height = size or (None, None)
    item.social_image_alt = plain(alt) if alt else None


# --- Writing -------------------------------------------------------------------

def write(card, target, state):
    """Make ``target`` hold ``card``; returns what it took: "up to date", "copied" or "drawn"."""
    reused = reuse(card, target, state)
    if reused:
        return reused
    draw_all([(card, target)], state)
    return "drawn"


def reuse(card, target, state):
    """Make ``target`` hold ``card`` without drawing it, if possible: "up to date", "copied", or None."""
    digest = card.digest(state.fingerprint)
    if stored_digest(target) == digest:
        return "up to date"
    cached = state.cache_file(card, digest)
    if cached and stored_digest(cached) == digest:
        put_linked(cached, target)
        return "copied"
    return None


def draw_all(jobs, state):
    """Draw and save each (card, target) of ``jobs``, in worker processes when there are many."""
    for card, target in jobs:
        _warn_missing_glyphs(card, state, target)  # here, in the jobs' order
    workers = min(state.config["workers"], len(jobs) // PARALLEL_FROM)
    in_workers(functools.partial(_draw, state=state), jobs, workers)


def _draw(jobs, state):
    for card, target in jobs:
        _draw_one(card, target, state)


def _draw_one(card, target, state):
    digest = card.digest(state.fingerprint)
    cached = state.cache_file(card, digest)
    image = draw_card(card, state.config, state.face_at)
    if not cached:
        save_card(image, target, digest)
        return
    save_card(image, cached, digest)
    _forget_older_versions(cached)
    put_linked(cached, target)


def _warn_missing_glyphs(card, state, target):
    missing = state.face_at(TITLE_SIZES[-1]).missing(card.site_name + card.title + (card.category or ""))
    if missing:
        logger.warning("%s: the card font has no %s, drawn as boxes; set SOCIAL_CARDS['font'] to a font that has them",
                       target, " ".join(f"{char!r} (U+{ord(char):04X})" for char in missing))


def _forget_older_versions(cached):
    """Remove the cached versions of the same card with another digest."""
    folder, name = os.path.split(cached)
    stem = name[: -len(".0123456789abcdef.png")]
    version = re.compile(re.escape(stem) + r"\.[0-9a-f]{16}\.png")
    for other in os.listdir(folder):
        if other != name and version.fullmatch(other):
            os.unlink(os.path.join(folder, other))
