"""An issue's body, cut into the blocks an email layout is made of.

Mail clients ignore most CSS, so the body is not dropped into the email as
one piece of HTML: images become <mj-image> (absolute src, width, alt),
a link marked {.button} becomes <mj-button>, and the text in between keeps
its HTML with inline styles on the elements that need them.

The body is parsed with lxml (libxml2's HTML parser) and the text blocks are
written by a small serializer of our own: it writes them exactly as
BeautifulSoup's "minimal" formatter did (see _write), which the MJML of every
issue sent so far was made with, and MJML's parser needs "<br/>", not "<br>".
"""

import re
from dataclasses import dataclass

from lxml import etree

from .html_nodes import children, is_element, parse

CONTENT_WIDTH = 552  # px: a 600 px email minus its side padding (24 px each side)

# The email's faces: web-safe stacks echoing the site's pair (no web font is fetched; Outlook
# for Windows falls back to Times New Roman on a face it lacks, so only faces mail clients have).
FONT_TEXT = "Georgia, Times New Roman, serif"  # unquoted: names of words only, valid CSS, safe in attributes
FONT_UI = "Segoe UI, Helvetica, Arial, sans-serif"
ACCENT = "#a4361d"


def text_styles(accent=ACCENT, font_ui=FONT_UI):
    """Inline styles of text elements (mail clients drop <style> in places), in the brand's accent;
    headings in the interface face, the rest in the text face of the block around them."""
    heading = f"font-family:{font_ui};"
    return {
        "h1": heading + "font-size:26px;line-height:1.25;margin:24px 0 8px;",
        "h2": heading + "font-size:22px;line-height:1.3;margin:24px 0 8px;",
        "h3": heading + "font-size:18px;line-height:1.35;margin:20px 0 6px;",
        "p": "margin:0 0 14px;",
        "blockquote": f"margin:0 0 14px;padding:4px 0 4px 14px;border-left:3px solid {accent};font-style:italic;",
        "ul": "margin:0 0 14px;padding-left:22px;",
        "ol": "margin:0 0 14px;padding-left:22px;",
        "li": "margin:0 0 6px;",
        "a": f"color:{accent};",
        "pre": "white-space:pre-wrap;font-family:Menlo,Consolas,monospace;font-size:14px;",
        "code": "font-family:Menlo,Consolas,monospace;font-size:14px;",
    }


STYLES = text_styles()

# What BeautifulSoup's HTML tree builder and "minimal" formatter did, kept so
# that text blocks come out byte for byte as before.
VOID_ELEMENTS = {"area", "base", "basefont", "bgsound", "br", "col", "command", "embed", "frame", "hr", "image",
                 "img", "input", "isindex", "keygen", "link", "menuitem", "meta", "nextid", "param", "source",
                 "spacer", "track", "wbr"}  # written <br/>
WHITESPACE_KEEPING = {"pre", "textarea"}  # elsewhere, text of ASCII spaces only was shrunk to " " or "\n"
ASCII_SPACES = set(" \n\t\f\r")
RAW_TEXT = {"script", "style"}  # their text was written unescaped
WORD_LISTS = {"class", "accesskey", "dropzone"}  # attributes normalised to words joined by one space
WORD_LISTS_OF = {"a": {"rel", "rev"}, "link": {"rel", "rev"}, "td": {"headers"}, "th": {"headers"},
                 "form": {"accept-charset"}, "object": {"archive"}, "area": {"rel"}, "iframe": {"sandbox"},
                 "output": {"for"}}
STRING_CONTAINERS = {"rt", "rp", "style", "script", "template"}  # text left out of captions and labels
# libxml2 gives these attributes, written without a value (<input disabled>), their own
# name as value; BeautifulSoup had them empty, and wrote disabled="".
BOOLEAN_ATTRIBUTES = ("checked", "compact", "declare", "defer", "disabled", "ismap", "multiple", "nohref",
                      "noresize", "noshade", "nowrap", "readonly", "selected")


@dataclass
class Block:
    kind: str               # "text", "image" or "button"
    html: str = ""          # text: HTML with inline styles
    src: str = ""           # image
    alt: str = ""
    width: int = CONTENT_WIDTH
    height: int | None = None
    caption: str = ""       # image: plain text
    href: str = ""          # image link or button target
    label: str = ""         # button


def email_blocks(body_html, links, styles=None):
    """The body as a list of Blocks; ``links`` is a LinkMaker, ``styles`` the inline styles of
    text elements (default STYLES: see text_styles)."""
    styles = STYLES if styles is None else styles
    blocks, text = [], []
    for node in _top_level_nodes(body_html):
        block = _special_block(node, links)
        if block is None:
            if not _is_blank(node):
                text.append(node)
            continue
        _flush(text, blocks, links, styles)
        blocks.append(block)
    _flush(text, blocks, links, styles)
    return blocks


def _top_level_nodes(body_html):
    """The children of <body>: text (str), elements and comments, in order."""
    root = parse(body_html)
    if root is None:
        # Comments alone make no document, but they were kept as a text block:
        # parse them again inside a body to have them.
        if "<!" not in body_html and "<?" not in body_html:
            return []
        root = parse("<body>" + body_html)
    _empty_valueless_booleans(root, body_html)
    body = root.find("body")
    if body is None:  # <head> content only: BeautifulSoup gave the whole document
        return [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    return list(children(body))


def _empty_valueless_booleans(root, source):
    """disabled="" again where the source wrote <... disabled>, as BeautifulSoup had it.

    In the tree, <input disabled> and <input disabled="disabled"> look the same:
    the value is emptied unless the source spells the name as its own value."""
    lowered = source.lower()
    names = [name for name in BOOLEAN_ATTRIBUTES
             if name in lowered and not re.search(rf"\b{name}\s*=\s*[\"']?{name}\b", lowered)]
    for element in root.iter(etree.Element) if names else ():
        for name in names:
            if element.get(name) == name:
                element.set(name, "")


def _is_blank(node):
    """Whitespace, or a comment of whitespace (BeautifulSoup treated comments as text)."""
    if isinstance(node, str):
        return not node.strip()
    return not isinstance(node.tag, str) and not (node.text or "").strip()


def _special_block(node, links):
    if not is_element(node):
        return None
    if node.tag == "figure" and _first(node, "img") is not None:
        caption = _first(node, "figcaption")
        return _image(_first(node, "img"), _text(caption) if caption is not None else "", links)
    only = _only_child(node) if node.tag == "p" else None
    if only is not None and only.tag == "img":
        return _image(only, only.get("title", ""), links)
    if only is not None and only.tag == "a" and _first(only, "img") is not None and _only_child(only) is not None:
        return _image(_first(only, "img"), "", links, href=links.link(only.get("href")))
    if only is not None and only.tag == "a" and "button" in (only.get("class") or "").split():
        return Block("button", href=links.link(only.get("href")), label=_text(only))
    return None


def _first(element, tag):
    """The first descendant with this tag, or None."""
    return next(element.iterdescendants(tag), None)


def _only_child(tag):
    shown = [c for c in children(tag) if not _is_blank(c)]
    return shown[0] if len(shown) == 1 and is_element(shown[0]) else None


def _text(element):
    """The element's words as BeautifulSoup's get_text(" ", strip=True) gave them: each
    piece of text stripped, joined by spaces; comments, scripts and ruby notes left out."""
    hidden = any(a.tag in STRING_CONTAINERS for a in element.iterancestors())
    return " ".join(piece.strip() for piece in _strings(element, hidden) if piece.strip())


def _strings(element, hidden):
    hidden = hidden or element.tag in STRING_CONTAINERS
    if element.text and not hidden:
        yield element.text
    for child in element:
        if is_element(child):
            yield from _strings(child, hidden)
        if child.tail and not hidden:
            yield child.tail


def _image(img, caption, links, href=""):
    width, height = _size(img)
    shown = min(width or CONTENT_WIDTH, CONTENT_WIDTH)
    return Block("image", src=links.absolute(_best_source(img, shown)), alt=img.get("alt", ""), width=shown,
                 height=round(height * shown / width) if width and height else None, caption=caption, href=href)


def _size(img):
    try:
        return int(img.get("width", 0)) or None, int(img.get("height", 0)) or None
    except ValueError:
        return None, None


def _best_source(img, shown):
    """The smallest copy at least twice the shown width (sharp on high-density screens), else the original."""
    candidates = []
    for item in (img.get("srcset") or "").split(","):
        match = re.match(r"\s*(\S+)\s+(\d+)w\s*$", item)
        if match:
            candidates.append((int(match.group(2)), match.group(1)))
    good = sorted(c for c in candidates if c[0] >= 2 * shown)
    return good[0][1] if good else img.get("src", "")


def _flush(nodes, blocks, links, styles):
    if not nodes:
        return
    html = []
    for node in nodes:
        if isinstance(node, str):
            html.append(_escape(node))
        else:
            _write(node, links, html, styles)
    blocks.append(Block("text", html="".join(html).strip()))
    nodes.clear()


def _style(tag, attributes, links, styles):
    """The attributes an element is written with in the email (a new dict)."""
    attributes = dict(attributes)
    if tag == "a" and attributes.get("href"):
        attributes["href"] = links.link(attributes["href"])
    if tag == "img":  # an image inside a sentence: absolute, and never wider than the email
        attributes["src"] = links.absolute(attributes.get("src"))
        for attribute in ("srcset", "sizes", "loading", "decoding"):
            attributes.pop(attribute, None)
        attributes["style"] = "max-width:100%;height:auto;"
    for attribute in ("class", "id"):
        attributes.pop(attribute, None)
    style = styles.get(tag)
    if style:
        attributes["style"] = style + attributes.get("style", "")
    return attributes


def _write(node, links, html, styles, keep_whitespace=False):
    """Appends the node's HTML (not its tail) to ``html``, as BeautifulSoup wrote it:
    attributes sorted by name, void elements as <br/>, only & < > escaped in text."""
    if not isinstance(node.tag, str):  # a comment
        html.append("<!--" + _shrunk(node.text or "", keep_whitespace) + "-->")
        return
    tag = node.tag
    attributes = _style(tag, node.attrib, links, styles)
    html.append("<" + tag + "".join(" " + _attribute(tag, name, value) for name, value in sorted(attributes.items())))
    if tag in VOID_ELEMENTS and not node.text and not len(node):
        html.append("/>")
        return
    html.append(">")
    keep_whitespace = keep_whitespace or tag in WHITESPACE_KEEPING
    raw = tag in RAW_TEXT
    if node.text:
        html.append(_string(node.text, keep_whitespace, raw))
    for child in node:
        _write(child, links, html, styles, keep_whitespace)
        if child.tail:
            html.append(_string(child.tail, keep_whitespace, raw))
    html.append("</" + tag + ">")


def _string(text, keep_whitespace, raw):
    text = _shrunk(text, keep_whitespace)
    return text if raw else _escape(text)


def _shrunk(text, keep_whitespace):
    """BeautifulSoup's parser kept text of ASCII spaces only (outside <pre>) as one space or newline."""
    if keep_whitespace or not ASCII_SPACES.issuperset(text):
        return text
    return "\n" if "\n" in text else " "


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(tag, name, value):
    if name in WORD_LISTS or name in WORD_LISTS_OF.get(tag, ()):
        value = " ".join(value.split())
    value = _escape(value)
    if '"' not in value:
        return f'{name}="{value}"'
    if "'" not in value:
        return f"{name}='{value}'"
    return name + '="' + value.replace('"', "&quot;") + '"'
