"""Rewrite a rendered post: figures, responsive images, audio and video,
click-to-load YouTube and Vimeo players, download links.

Pure functions of the post's HTML and a Page (what the post is, where the
site's files are); problems go to ``page.report``. Each transform leaves
its own output alone, so running them again changes nothing.
"""

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote, unquote, urlsplit

from .downloads import MIME_TYPES, size_label
from .embeds import embed_for
from .images import RASTER, UNREADABLE, variant_path
from .markup import ATTRS, Tag, escape, skipping, sub_outside
from .caches import Consulted
from .state import MediaState, Variant

AUDIO = (".mp3", ".wav", ".ogg", ".oga", ".m4a")
VIDEO = (".mp4", ".webm", ".ogv")

# Markdown writes an image or a link alone on its line as the only content
# of a paragraph: that paragraph becomes a figure.
_LONE_IMAGE = skipping(r"<p>\s*(?P<img><img\b" + ATTRS + r">)\s*</p>")
_LONE_LINK = skipping(r"<p>\s*(?P<a><a\b" + ATTRS + r">)(?P<text>(?:(?!</?(?:a|p)\b).)*?)</a\s*>\s*</p>")
_LONE_URL = skipping(r"<p>\s*(?P<url>https?://[^\s<>\"']+)\s*</p>")
_IMAGE = skipping(r"(?P<img><img\b" + ATTRS + r">)")
_LINK = skipping(r"(?P<a><a\b" + ATTRS + r">)(?P<text>(?:(?!<a\b).)*?)(?P<end></a\s*>)")
_STATIC = re.compile(r"^(?:\{static\}|\|static\|)")


@dataclass
class Page:
    """The content being transformed and where the site's files are."""

    source_path: str     # the content file
    lang: str
    content_root: str    # settings PATH
    output_path: str     # settings OUTPUT_PATH
    siteurl: str
    static_url: str      # settings STATIC_URL, e.g. "{path}"
    static_save_as: str  # settings STATIC_SAVE_AS
    state: MediaState
    report: Callable[[str, str, tuple], None]  # (field, message, what it is about)
    # While a transform's result is recorded for the cache: the files it looks at, the copies it asks for.
    consulted: Consulted = None

    def is_file(self, path):
        self._note(path)
        return os.path.isfile(path)

    def file_size(self, path):
        self._note(path)
        return os.path.getsize(path)

    def image_size(self, path):
        self._note(path)
        return self.state.image_size(str(path))

    def request_variant(self, relative, source, width):
        """Ask for the copy of ``source`` resized to ``width`` at ``relative`` in the site."""
        if self.consulted is not None:
            self.consulted.variants.append([relative, str(source), width])  # asked for when replayed
        else:
            self.state.request(self.output_file_of(relative), Variant(str(source), width, self.source_path))

    def _note(self, path):
        if self.consulted is not None:
            self.consulted.note(path)

    def static_url_of(self, relative):
        """Final URL of a file of the site: Pelican does not rewrite srcset."""
        return f"{self.siteurl}/{quote(self.static_url.format(path=relative))}"

    def output_file_of(self, relative):
        return Path(self.output_path) / self.static_save_as.format(path=relative)


@dataclass(frozen=True)
class LocalFile:
    path: Path        # on disk
    relative: str     # relative to the content folder, with "/"
    static: bool      # written {static}/...: Pelican rewrites it in src and href
    exists: bool


def transform(fragment, page):
    """The post's HTML with every transform applied, in an order where each
    sees the output of the previous ones (figures first, then their images)."""
    for regex, replace in ((_LONE_IMAGE, _lone_image), (_LONE_LINK, _lone_link), (_LONE_URL, _lone_url),
                           (_IMAGE, _image), (_LINK, _download_link)):
        fragment = sub_outside(regex, lambda m: replace(m, page), fragment)
    return fragment


# --- Figures, audio and video --------------------------------------------------

def _lone_image(match, page):
    img = Tag(match.group("img"))
    kind = _media_kind(img.get("src"))
    if kind:
        caption = img.get("title") or img.get("alt")
        return f'<figure class="media-{kind}">{_player(kind, img)}{_caption(caption)}</figure>'
    title = img.get("title")
    img.remove("title")  # now the caption: said once, not twice
    return f"<figure>{img}{_caption(title)}</figure>"


def _caption(text):
    return f"<figcaption>{escape(text.strip())}</figcaption>" if text and text.strip() else ""


def _media_kind(src):
    path = urlsplit(src or "").path.lower()
    return "audio" if path.endswith(AUDIO) else "video" if path.endswith(VIDEO) else None


def _player(kind, img, label=None):
    """An <audio> or <video> playing the image's src; nothing is fetched before "play"."""
    player = Tag.new(kind, controls=None, preload="none", src=img.get("src"))
    if label:
        player["aria-label"] = label
    return f"{player}</{kind}>"


# --- YouTube and Vimeo ------------------------------------------------------------

def _lone_link(match, page):
    link = Tag(match.group("a"))
    embed = embed_for(link.get("href") or "")
    if embed is None:
        return match.group()
    link.add_class("embed-preview")
    return _embed_figure(embed, f"{link}{match.group('text')}</a>")


def _lone_url(match, page):
    """A bare URL alone in its paragraph, as pasted by an author."""
    url = html.unescape(match.group("url"))  # the text may hold &amp;
    embed = embed_for(url)
    if embed is None:
        return match.group()
    link = Tag.new("a", class_="embed-preview", href=url)
    return _embed_figure(embed, f"{link}{escape(url)}</a>")


def _embed_figure(embed, link):
    # The player's address waits in a data- attribute: no iframe and no
    # thumbnail, so nothing reaches the provider until the reader clicks.
    figure = Tag.new("figure", class_="embed", data_provider=embed.provider, data_embed_src=embed.player)
    return f"{figure}{link}<figcaption>{embed.label}</figcaption></figure>"


# --- Images -----------------------------------------------------------------------

def _image(match, page):
    img = Tag(match.group("img"))
    src = img.get("src") or ""
    kind = _media_kind(src)
    if kind:  # audio or video inside a line of text: no figure around it
        return _player(kind, img, label=img.get("alt"))
    _check_alt(img, src, page)
    local = local_file(src, page)
    if local is None or not local.relative.lower().endswith(RASTER):
        return match.group()
    return str(img) if _make_responsive(img, local, src, page) else match.group()


def _check_alt(img, src, page):
    decorative = img.get("role") in ("presentation", "none") or img.get("aria-hidden") == "true"
    if not decorative and not (img.get("alt") or "").strip():
        page.report("image", f"'{src}' has no alt text; describe it: ![what the image shows]({src})", ("alt", src))


def _make_responsive(img, local, src, page):
    """Add size, lazy loading and srcset to a local raster image; False if left as it was."""
    if "srcset" in img:
        return False  # done already, or written by hand
    if not local.exists:
        page.report("image", f"'{src}' names {shown(local.path)}, which does not exist; "
                             "fix the path or add the file", ("missing", src))
        return False
    try:
        width, height = page.image_size(local.path)
    except UNREADABLE as exc:
        page.report("image", f"'{src}' cannot be read as an image ({exc})", ("unreadable", src))
        return False
    if "width" not in img and "height" not in img:  # reserve its space: no jump when it loads
        img["width"], img["height"] = str(width), str(height)
    img.setdefault("loading", "lazy")
    img.setdefault("decoding", "async")
    smaller = [w for w in page.state.config["widths"] if w < width]
    if smaller:
        img["srcset"] = _srcset(local, src, width, smaller, page)
        img.setdefault("sizes", page.state.config["sizes"])
    return True


def _srcset(local, src, width, smaller, page):
    folder = page.state.config["folder"]
    entries = []
    for w in smaller:
        relative = variant_path(local.relative, folder, w)
        page.request_variant(relative, local.path, w)
        entries.append(f"{page.static_url_of(relative)} {w}w")
    original = page.static_url_of(local.relative) if local.static else src
    entries.append(f"{original} {width}w")
    return ", ".join(entries)


def cover_srcset(relative, width, page):
    """The srcset of a post's cover picture (post_meta's ``cover``), shown in cards at
    other sizes than in the post: the same resized copies, asked for here too, since
    a cover named by ``Image:`` may not appear in the text at all."""
    local = local_file("{static}/" + relative, page)
    smaller = [w for w in page.state.config["widths"] if w < width]
    if local is None or not local.exists or not smaller:
        return ""
    return _srcset(local, None, width, smaller, page)


# --- Download links ------------------------------------------------------------------

def _download_link(match, page):
    link = Tag(match.group("a"))
    if "download" in link:
        return match.group()  # done already
    local = local_file(link.get("href") or "", page)
    if local is None or not local.exists:
        return match.group()  # a missing file: the bilingual link check reports it
    suffix = Path(local.relative).suffix.lower()
    if suffix not in MIME_TYPES:
        return match.group()
    link["type"] = MIME_TYPES[suffix]
    link["download"] = None
    label = f"({suffix[1:].upper()}, {size_label(page.file_size(local.path), page.lang)})"
    return f'{link}{match.group("text")}{match.group("end")} <span class="download-meta">{escape(label)}</span>'


# --- Files of the site ---------------------------------------------------------------

def local_file(src, page):
    """The file of the content folder a src or href names, or None for anything else.

    ``{static}/x`` is PATH/x and ``{static}x`` is x next to the content file,
    as Pelican reads them; a plain relative path is looked for next to the
    content file, then in the content folder.
    """
    static = bool(_STATIC.match(src))
    target = _STATIC.sub("", src)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path or target.startswith(("{", "|", "#")):
        return None
    path = unquote(parts.path)
    root = Path(page.content_root)
    if path.startswith("/"):
        if not static:
            return None  # a URL of the site, not a file name
        candidates = [root / path.lstrip("/")]
    else:
        candidates = [Path(page.source_path).parent / path] + ([] if static else [root / path])
    found = [Path(os.path.normpath(c)) for c in candidates]
    chosen = next((c for c in found if page.is_file(c)), found[0])
    relative = os.path.relpath(chosen, root)
    if relative.startswith(".."):
        return None  # outside the content folder: never published
    return LocalFile(chosen, Path(relative).as_posix(), static, page.is_file(chosen))


def shown(path):
    """A path as the author sees it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative
