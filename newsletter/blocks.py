"""An issue's body, cut into the blocks an email layout is made of.

Mail clients ignore most CSS, so the body is not dropped into the email as
one piece of HTML: images become <mj-image> (absolute src, width, alt),
a link marked {.button} becomes <mj-button>, and the text in between keeps
its HTML with inline styles on the elements that need them.
"""

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag

CONTENT_WIDTH = 560  # px: a 600 px email minus its side padding

# Inline styles of text elements (mail clients drop <style> in places).
STYLES = {
    "h1": "font-size:26px;line-height:1.25;margin:24px 0 8px;",
    "h2": "font-size:22px;line-height:1.3;margin:24px 0 8px;",
    "h3": "font-size:18px;line-height:1.35;margin:20px 0 6px;",
    "p": "margin:0 0 14px;",
    "blockquote": "margin:0 0 14px;padding:4px 0 4px 14px;border-left:3px solid #a4361d;font-style:italic;",
    "ul": "margin:0 0 14px;padding-left:22px;",
    "ol": "margin:0 0 14px;padding-left:22px;",
    "li": "margin:0 0 6px;",
    "a": "color:#a4361d;",
    "pre": "white-space:pre-wrap;font-family:Menlo,Consolas,monospace;font-size:14px;",
    "code": "font-family:Menlo,Consolas,monospace;font-size:14px;",
}


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


def email_blocks(body_html, links):
    """The body as a list of Blocks; ``links`` is a LinkMaker."""
    soup = BeautifulSoup(body_html, "lxml")   # lxml: several times faster than html.parser
    blocks, text = [], []
    for node in list((soup.body or soup).contents):
        block = _special_block(node, links)
        if block is None:
            if not (isinstance(node, NavigableString) and not node.strip()):
                text.append(node)
            continue
        _flush(text, blocks, links)
        blocks.append(block)
    _flush(text, blocks, links)
    return blocks


def _special_block(node, links):
    if not isinstance(node, Tag):
        return None
    if node.name == "figure" and node.find("img"):
        caption = node.find("figcaption")
        return _image(node.find("img"), caption.get_text(" ", strip=True) if caption else "", links)
    only = _only_child(node) if node.name == "p" else None
    if only is not None and only.name == "img":
        return _image(only, only.get("title", ""), links)
    if only is not None and only.name == "a" and only.find("img") and _only_child(only) is not None:
        return _image(only.find("img"), "", links, href=links.link(only.get("href")))
    if only is not None and only.name == "a" and "button" in (only.get("class") or []):
        return Block("button", href=links.link(only.get("href")), label=only.get_text(" ", strip=True))
    return None


def _only_child(tag):
    children = [c for c in tag.contents if not (isinstance(c, NavigableString) and not c.strip())]
    return children[0] if len(children) == 1 and isinstance(children[0], Tag) else None


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


def _flush(nodes, blocks, links):
    if not nodes:
        return
    fragment = BeautifulSoup("", "html.parser")
    for node in nodes:
        fragment.append(node)
    for tag in fragment.find_all(True):
        _style(tag, links)
    blocks.append(Block("text", html=str(fragment).strip()))
    nodes.clear()


def _style(tag, links):
    if tag.name == "a" and tag.get("href"):
        tag["href"] = links.link(tag["href"])
    if tag.name == "img":  # an image inside a sentence: absolute, and never wider than the email
        tag["src"] = links.absolute(tag.get("src"))
        for attribute in ("srcset", "sizes", "loading", "decoding"):
            tag.attrs.pop(attribute, None)
        tag["style"] = "max-width:100%;height:auto;"
    for attribute in ("class", "id"):
        tag.attrs.pop(attribute, None)
    style = STYLES.get(tag.name)
    if style:
        tag["style"] = style + tag.get("style", "")
