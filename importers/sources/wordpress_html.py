"""WordPress post HTML as stored in a WXR, made plain HTML before its conversion to Markdown.

WordPress keeps a post's body the way the editor saved it and finishes it at
display time; an import has to do that finishing itself, in this order:

1. reusable blocks (``<!-- wp:block {"ref":N} /-->``) replaced by their content;
2. block-editor comments and ``<!--more-->`` removed;
3. shortcodes expanded (``[caption]``, ``[gallery]``, ``[audio]``, ``[video]``,
   ``[embed]``, ``[youtube]``, ``[vimeo]``) into HTML the converter knows;
   others are left as text and reported;
4. a YouTube or Vimeo address alone on its line made a link alone in its paragraph
   (WordPress shows it as a player; so does the media plugin);
5. for bodies written in the classic editor, paragraphs made of blank lines
   (see ``autop``).

Code (``<pre>``, ``<code>``) is set aside during steps 3 to 5 and put back untouched.
"""

import html
import json
import re
from dataclasses import dataclass, field
from typing import Callable

from importers.html_markdown import is_video_link

KNOWN_SHORTCODES = ("caption", "wp_caption", "gallery", "audio", "video", "embed", "youtube", "vimeo")
AUDIO_TYPES = ("mp3", "ogg", "oga", "m4a", "wav", "flac")
VIDEO_TYPES = ("mp4", "m4v", "webm", "ogv", "flv")

# Elements that start a block of their own: the paragraph rule never wraps them in <p>.
_BLOCK_TAGS = ("address|article|aside|audio|blockquote|details|div|dl|fieldset|figcaption|figure|footer|form|"
               "h[1-6]|header|hr|iframe|li|math|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul|"
               "video|dd|dt|select|option|style|script|noscript")
_BLOCK_START = re.compile(rf"<(?:{_BLOCK_TAGS})[\s/>]", re.IGNORECASE)
_BLOCK_END = re.compile(rf"</(?:{_BLOCK_TAGS})>", re.IGNORECASE)
_TRAILING_CLOSERS = re.compile(rf"(?:\s*</(?:{_BLOCK_TAGS})>)+$", re.IGNORECASE)
_OPENS_WITH_CONTAINER = re.compile(r"^(?:<(?:blockquote|div|section|article|aside|header|footer|details)\b[^>]*>\s*)+",
                                   re.IGNORECASE)
_OPENS_WITH_BLOCK = re.compile(rf"^</?(?:{_BLOCK_TAGS})[\s/>]", re.IGNORECASE)

_REUSABLE_BLOCK = re.compile(r"<!--\s*wp:block\s+(\{.*?\})\s*/-->", re.DOTALL)
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->\n?", re.DOTALL)
_MORE = re.compile(r"<!--\s*(?:more|nextpage|noteaser)\b.*?-->", re.DOTALL)
_CODE = re.compile(r"<(pre|code|script|style)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\x00(B?)(\d+)\x00")
_ESCAPED_SHORTCODE = re.compile(r"\[(\[[^\[\]]+\])\]")
_ENCLOSING = re.compile(r"\[(caption|wp_caption|embed)\b([^\]]*)\](.*?)\[/\1\]", re.DOTALL)
_SELF_CLOSING = re.compile(r"\[(gallery|audio|video|youtube|vimeo)(?=[\s=\]/])([^\]]*?)/?\](?:\s*\[/\1\])?")
_ANY_SHORTCODE = re.compile(r"\[(/?)([A-Za-z][\w-]*)((?:[\s=][^\[\]]*)?)(/?)\]")
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'"]+)|"([^"]*)"|(\S+)""")
_LEADING_MEDIA = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)", re.DOTALL | re.IGNORECASE)
_LONE_URL_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"']+)[ \t]*$", re.MULTILINE)
_LONE_URL_PARAGRAPH = re.compile(r"<p>\s*(https?://[^\s<>\"']+)\s*</p>", re.IGNORECASE)


@dataclass
class Attachment:
    """What a WXR says of an uploaded file: enough for a gallery, a caption or a cover."""
    id: str
    url: str
    title: str = ""
    alt: str = ""
    caption: str = ""
    parent: str = "0"
    order: int = 0

    @property
    def is_image(self):
        return bool(re.search(r"\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?)$", self.url.split("?")[0], re.I))


@dataclass
class BodyContext:
    """What the clean-up of one body needs to know of the rest of the export."""
    post_id: str
    attachments: dict[str, Attachment] = field(default_factory=dict)
    blocks: dict[str, str] = field(default_factory=dict)       # wp_block id -> its content
    unknown_shortcode: Callable[[str], None] = lambda name: None


def prepare_body(body: str, context: BodyContext) -> str:
    """The body as plain HTML: blocks, shortcodes and embeds expanded, paragraphs made."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    body = expand_reusable_blocks(body, context.blocks)
    classic = "<!-- wp:" not in body
    body = _MORE.sub("", _BLOCK_COMMENT.sub("", body))
    body, kept = _set_code_aside(body)
    body = expand_shortcodes(body, context)
    body = embed_lone_video_links(body)
    if classic:
        body = _autop(body)
    return _put_code_back(body, kept)


def prepare_comment(text: str) -> str:
    """A comment's HTML: comments are written as classic text, blank lines making paragraphs."""
    return autop(text.replace("\r\n", "\n"))


# --- Blocks ------------------------------------------------------------------------

def expand_reusable_blocks(body, blocks, depth=0):
    """Each reference to a reusable block replaced by the block's content (blocks may nest)."""
    def replace(match):
        try:
            ref = str(json.loads(match.group(1)).get("ref", ""))
        except (ValueError, AttributeError):
            return ""
        content = blocks.get(ref, "")
        return expand_reusable_blocks(content, blocks, depth + 1) if depth < 5 else content
    return _REUSABLE_BLOCK.sub(replace, body)


# --- Code kept aside -----------------------------------------------------------------

def _set_code_aside(text):
    kept = []

    def keep(match):
        kept.append(match.group())
        if match.group(1).lower() == "code":
            return f"\x00{len(kept) - 1}\x00"
        return f"\n\n\x00B{len(kept) - 1}\x00\n\n"  # a block: a paragraph of its own
    return _CODE.sub(keep, text), kept


def _put_code_back(text, kept):
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(2))], text)


# --- Shortcodes ------------------------------------------------------------------------

def expand_shortcodes(body, context):
    """Known shortcodes into HTML; unknown ones left as written and named to ``context``."""
    escaped = []

    def set_escaped_aside(match):  # [[caption]] is how an author writes "[caption]" literally
        escaped.append(match.group(1))
        return f"\x01{len(escaped) - 1}\x01"
    body = _ESCAPED_SHORTCODE.sub(set_escaped_aside, body)
    body = _ENCLOSING.sub(lambda m: _enclosing(m.group(1), parse_attributes(m.group(2)), m.group(3), context), body)
    body = _SELF_CLOSING.sub(lambda m: _self_closing(m.group(1), m.group(2), context), body)
    for name in _unknown_shortcodes(body):
        context.unknown_shortcode(name)
    return re.sub(r"\x01(\d+)\x01", lambda m: escaped[int(m.group(1))], body)


def parse_attributes(text):
    """A shortcode's attributes: ``{name: value}``, positional values under 0, 1, …"""
    attributes, position = {}, 0
    for match in _ATTRIBUTE.finditer(html.unescape(text or "")):
        name = match.group(1) or match.group(3) or match.group(5)
        if name:
            attributes[name.lower()] = match.group(2) if match.group(1) else match.group(4) if match.group(3) else match.group(6)
        else:
            attributes[position] = match.group(7) if match.group(7) is not None else match.group(8)
            position += 1
    return attributes


def _unknown_shortcodes(body):
    """Names of what looks like a shortcode: attributes, a closing tag or a self-closing slash
    (so that "[sic]" or "[1]" in prose are not taken for one)."""
    names = []
    for match in _ANY_SHORTCODE.finditer(body):
        closing, name, attributes, slash = match.groups()
        if closing:
            continue
        if "=" in attributes or slash or f"[/{name}]" in body:
            if name not in names:
                names.append(name)
    return names


def _enclosing(name, attributes, content, context):
    if name == "embed":
        url = html.unescape(content.strip())
        return _link_paragraph(url) if url.startswith(("http://", "https://")) else content
    return _caption(attributes, content)


def _caption(attributes, content):
    match = _LEADING_MEDIA.match(content)
    if not match:
        return content
    text = content[match.end():].strip() or attributes.get("caption", "")
    caption = f"<figcaption>{text}</figcaption>" if text else ""
    return f"\n\n<figure>{match.group(1)}{caption}</figure>\n\n"


def _self_closing(name, raw_attributes, context):
    if name in ("youtube", "vimeo"):
        return _video_shortcode(name, raw_attributes)
    attributes = parse_attributes(raw_attributes)
    if name == "gallery":
        return _gallery(attributes, context)
    types = AUDIO_TYPES if name == "audio" else VIDEO_TYPES
    src = attributes.get("src") or next((attributes[t] for t in types if attributes.get(t)), "")
    if not src:
        return ""
    if is_video_link(src):
        return _link_paragraph(src)
    return f'\n\n<p><img src="{html.escape(src)}" alt=""></p>\n\n'


def _video_shortcode(name, raw_attributes):
    """``[youtube URL]``, ``[youtube=URL]`` (Jetpack), ``[vimeo 123]``, ``[vimeo URL]``, ``[vimeo id=123]``."""
    value = html.unescape(raw_attributes.strip().lstrip("=").strip().strip("\"'"))
    if name == "vimeo":
        attributes = parse_attributes(raw_attributes)
        value = attributes.get("id") or attributes.get(0, value)
        if value.isdigit():
            value = f"https://vimeo.com/{value}"
    return _link_paragraph(value) if value.startswith(("http://", "https://")) else ""


def _gallery(attributes, context):
    ids = attributes.get("ids") or attributes.get("include") or ""
    chosen = [context.attachments[i] for i in re.findall(r"\d+", ids) if i in context.attachments]
    if not ids:  # a gallery of the images attached to the post, in their order
        chosen = sorted((a for a in context.attachments.values() if a.parent == context.post_id and a.is_image),
                        key=lambda a: (a.order, int(a.id) if a.id.isdigit() else 0))
    excluded = set(re.findall(r"\d+", attributes.get("exclude", "")))
    figures = [_attachment_figure(a) for a in chosen if a.id not in excluded]
    return "\n\n" + "\n\n".join(figures) + "\n\n" if figures else ""


def _attachment_figure(attachment):
    caption = f"<figcaption>{html.escape(attachment.caption)}</figcaption>" if attachment.caption else ""
    return f'<figure><img src="{html.escape(attachment.url)}" alt="{html.escape(attachment.alt)}">{caption}</figure>'


def _link_paragraph(url):
    url = html.escape(url.strip())
    return f'\n\n<p><a href="{url}">{url}</a></p>\n\n'


# --- Videos pasted as a link -------------------------------------------------------------

def embed_lone_video_links(body):
    """A YouTube or Vimeo address alone on its line (or in its paragraph) as a link alone in a paragraph."""
    def replace(match):
        url = html.unescape(match.group(1))
        return _link_paragraph(url).strip() if is_video_link(url) else match.group()
    return _LONE_URL_PARAGRAPH.sub(replace, _LONE_URL_LINE.sub(replace, body))


# --- Paragraphs of classic bodies ----------------------------------------------------------

def autop(text):
    """Paragraphs for text written in the classic editor.

    A blank line ends a paragraph and a single line break is a ``<br>``, as the
    classic editor showed them; block elements (lists, tables, figures, quotes…)
    are never wrapped in a paragraph, and the text inside a quote, a list item or
    a cell gets the same treatment only when it holds blank lines itself.
    """
    text, kept = _set_code_aside(text)
    return _put_code_back(_autop(text), kept)


def _autop(text):
    """autop of a text whose code is already set aside."""
    if not text.strip():
        return ""
    text = _BLOCK_START.sub(lambda m: "\n\n" + m.group(), text)
    text = _BLOCK_END.sub(lambda m: m.group() + "\n\n", text)
    chunks = [chunk.strip() for chunk in re.split(r"\n\s*\n", text)]
    return "\n".join(_paragraph(chunk) for chunk in chunks if chunk) + "\n"


def _paragraph(chunk):
    container = _OPENS_WITH_CONTAINER.match(chunk)
    if container and not _BLOCK_START.search(chunk, container.end()):
        return container.group() + _paragraph(chunk[container.end():].lstrip())  # "<blockquote>text"
    if _OPENS_WITH_BLOCK.match(chunk) or re.fullmatch(r"\x00B\d+\x00", chunk):
        return chunk
    closing = _TRAILING_CLOSERS.search(chunk)  # "more text</li>": the paragraph ends before </li>
    ending = closing.group() if closing else ""
    text = chunk[:len(chunk) - len(ending)]
    return "<p>" + re.sub(r"\s*\n\s*", "<br>\n", text) + "</p>" + ending
