"""Exported HTML to the project's Markdown, with markdownify (MIT, pure Python,
subclassable converter; html2text is GPL and pandoc a separate binary).

What the converter adds to markdownify's defaults, for the Markdown the
project's posts are written in (Python-Markdown with ``extra``):

- a figure of one image (or sound, or video) with a plain-text caption
  becomes ``![alt](src "caption")`` alone on its line, which the media plugin
  turns back into a figure; any other figure of media stays raw ``<figure>``
  HTML, which Python-Markdown passes through; a figure of figures (a block
  gallery) gives one figure per image;
- YouTube or Vimeo players (iframes, block-editor embeds) become their link
  alone on a line, the media plugin's click-to-load form;
- code blocks keep their language (block editor, Prism, SyntaxHighlighter);
- escaping is Python-Markdown's: ``\\|`` in table cells, ``&lt;`` for a
  literal ``<``, never a backslash Python-Markdown would print;
- no-break spaces are kept; HTML comments (the block editor's) are dropped;
- every URL of an image, link or player goes through ``rewrite_url``, so a
  reader can point them at the files it copies.
"""

import re
from typing import Callable
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from markdownify import MarkdownConverter, chomp

MEDIA_TAGS = ("img", "audio", "video")
_URL_ATTRIBUTES = {"img": ("src",), "a": ("href",), "audio": ("src",), "video": ("src", "poster"),
                   "source": ("src",), "iframe": ("src",)}
_NOISE_ATTRIBUTES = ("srcset", "sizes", "class", "width", "height", "loading", "decoding", "style",
                     "data-id", "data-link", "data-orig-file", "data-orig-size", "data-medium-file",
                     "data-large-file", "data-image-meta", "data-image-title", "data-image-description",
                     "data-attachment-id", "data-permalink", "data-comments-opened", "data-image-caption")
_EMBED_HOSTS = re.compile(r"^(?:www\.|m\.|player\.)?(?:youtube\.com|youtube-nocookie\.com|youtu\.be|vimeo\.com)$")
_CODE_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
_BRUSH = re.compile(r"brush:\s*([\w+#-]+)")
_ATTACHMENT_PAGE = re.compile(r"[?&]attachment_id=\d+|/attachment/[^/]+/?$")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_LINE_START_MARKS = re.compile(r"(^|\n)([ \t]*)(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|\d+(?=\.(?:\s|$)))")
_INLINE_MARKS = re.compile(r"([\\`*_\[\]|])")


def is_video_link(url):
    """Whether ``url`` is a YouTube or Vimeo address (the media plugin makes it a player)."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(_EMBED_HOSTS.match((parts.hostname or "").lower()))


class ProjectConverter(MarkdownConverter):
    """markdownify with the project's figures, players, code fences and escaping."""

    # --- text ---------------------------------------------------------------------

    def escape(self, text, parent_tags):
        """Escape only what Python-Markdown (with extra) reads as markup, in ways it undoes."""
        if not text:
            return ""
        text = _INLINE_MARKS.sub(r"\\\1", text)
        text = _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;")
        # Marks that make a heading, a quote or a list only at the start of a line
        # (a text node may start mid-line: an extra escape there is harmless).
        return _LINE_START_MARKS.sub(_escape_line_start, text)

    def convert_a(self, el, text, parent_tags):
        if "_noformat" in parent_tags:
            return text
        href = (el.get("href") or "").strip()
        title = el.get("title") or ""
        if href.startswith(("http://", "https://")) and el.get_text().strip() == href and not title:
            return f"<{href}>"  # Python-Markdown's autolink: a bare address stays one
        prefix, suffix, text = chomp(text)
        if not text or not href:
            return text
        return f"{prefix}[{text}]({_safe_url(href)}{_title_part(title)}){suffix}"

    # --- media ----------------------------------------------------------------------

    def convert_img(self, el, text, parent_tags):
        if "_inline" in parent_tags:
            return el.get("alt") or ""
        return _image_markdown(el.get("alt") or "", el.get("src") or "", el.get("title") or "")

    def convert_audio(self, el, text, parent_tags):
        src = _media_source(el)
        return f"\n\n![{_escape_alt(el.get('aria-label') or '')}]({_safe_url(src)})\n\n" if src else ""

    def convert_video(self, el, text, parent_tags):
        src = _media_source(el)
        if not src:
            return ""
        if is_video_link(src):
            return f"\n\n<{src}>\n\n"
        return f"\n\n![{_escape_alt(el.get('aria-label') or '')}]({_safe_url(src)})\n\n"

    def convert_iframe(self, el, text, parent_tags):
        src = el.get("src") or ""
        return f"\n\n<{src}>\n\n" if src.startswith(("http://", "https://")) else ""

    def convert_figure(self, el, text, parent_tags):
        if el.find("figure") is not None:
            return text  # a gallery: one figure per image, already converted
        embed = _embed_url(el)
        if embed:
            return f"\n\n<{embed}>\n\n"
        media = [tag for tag in el.find_all(MEDIA_TAGS)]
        if not media:
            return text  # a table or a quote in a figure: its content is enough
        caption = el.find("figcaption")
        if len(media) == 1 and (caption is None or _plain(caption)):
            return "\n\n" + _single_media_markdown(media[0], caption) + "\n\n"
        for tag in el.find_all(True):
            for attribute in _NOISE_ATTRIBUTES:
                tag.attrs.pop(attribute, None)
        return f"\n\n{el.decode()}\n\n"

    # --- code -------------------------------------------------------------------------

    def convert_pre(self, el, text, parent_tags):
        if not text:
            return ""
        code = text.strip("\n")
        longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}{code_language(el)}\n{code}\n{fence}\n\n"


def code_language(pre):
    """The language a code block names: ``language-x`` or ``lang-x`` classes, ``lang=``, a SyntaxHighlighter brush."""
    candidates = [pre] + ([pre.code] if pre.code else [])
    for tag in candidates:
        classes = " ".join(tag.get("class") or [])
        for regex in (_CODE_LANGUAGE, _BRUSH):
            match = regex.search(classes)
            if match:
                return match.group(1).lower()
        for attribute in ("lang", "data-lang", "data-language"):
            if tag.get(attribute):
                return tag[attribute].strip().lower()
    return ""


def _escape_line_start(match):
    return f"{match.group(1)}{match.group(2)}" + (
        f"{match.group(3)}\\" if match.group(3)[0].isdigit() else f"\\{match.group(3)}")


def _escape_alt(text):
    return re.sub(r"([\\\[\]])", r"\\\1", text.strip())


def _safe_url(url):
    """A URL as a Markdown link target: no space or parenthesis to end it early."""
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _title_part(title):
    # Python-Markdown reads entities in a title, not backslash escapes.
    title = title.strip()
    return ' "{}"'.format(title.replace("&", "&amp;").replace('"', "&quot;")) if title else ""


def _image_markdown(alt, src, title):
    return f"![{_escape_alt(alt)}]({_safe_url(src)}{_title_part(title)})"


def _media_source(el):
    if el.get("src"):
        return el["src"]
    source = el.find("source", src=True)
    return source["src"] if source else ""


def _plain(caption):
    return not caption.find(True)


def _single_media_markdown(media, caption):
    text = " ".join(caption.get_text().split()) if caption is not None else ""
    if media.name == "img":
        return _image_markdown(media.get("alt") or "", media.get("src") or "", text or media.get("title") or "")
    src = _media_source(media)
    if media.name == "video" and is_video_link(src):
        return f"<{src}>"
    # Audio and video: the media plugin reads the alt text of an image-like link as the caption.
    return f"![{_escape_alt(text)}]({_safe_url(src)})"


def _embed_url(figure):
    """The video link of a block-editor embed figure or of a figure holding a player iframe."""
    classes = " ".join(figure.get("class") or [])
    if "wp-block-embed" in classes:
        for string in figure.find_all(string=True):
            if is_video_link(string):
                return string.strip()
    iframe = figure.find("iframe")
    if iframe is not None and is_video_link(iframe.get("src")):
        return iframe["src"]
    return None


def _tidy(soup, rewrite_url):
    """One walk through the fragment: comments dropped, URLs rewritten, images cleaned,
    and ``<a href=X><img src=X></a>`` (WordPress's "link to media file") made the image alone."""
    links = []
    for node in list(soup.descendants):
        if isinstance(node, Comment):
            node.extract()
            continue
        if not isinstance(node, Tag):
            continue
        for attribute in _URL_ATTRIBUTES.get(node.name, ()):
            value = node.get(attribute)
            if value and rewrite_url is not None:
                node[attribute] = rewrite_url(value.strip()) or value
        if node.name == "img":
            # srcset would stop the media plugin from making its own responsive copies.
            for attribute in _NOISE_ATTRIBUTES:
                node.attrs.pop(attribute, None)
        elif node.name == "a":
            links.append(node)
    for link in links:
        children = [c for c in link.children if not (isinstance(c, NavigableString) and not c.strip())]
        if len(children) == 1 and getattr(children[0], "name", None) == "img" \
                and (children[0].get("src") == link.get("href") or _ATTACHMENT_PAGE.search(link.get("href") or "")):
            link.unwrap()  # the same file, or WordPress's page of that file: gone after the move


def to_markdown(html: str, rewrite_url: Callable[[str], str | None] | None = None) -> str:
    """Markdown for an HTML fragment: ATX headings, ``*`` bullets, fenced code with its language.

    ``rewrite_url(url)`` may return a new address for an image, link or player (None: unchanged).
    """
    soup = BeautifulSoup(html, "html.parser")
    _tidy(soup, rewrite_url)
    converter = ProjectConverter(heading_style="ATX", bullets="*", code_language="", table_infer_header=True)
    text = converter.convert_soup(soup)
    lines = [_trim(line) for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _trim(line):
    # Two trailing spaces are a line break (<br>) in Markdown: keep exactly those.
    stripped = line.rstrip(" \t")
    if stripped and line.endswith("  ") and not line.endswith("   "):
        return stripped + "  "
    return stripped
