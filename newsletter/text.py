"""The text/plain part of an issue's email, written from the HTML of its content.

Some readers use plain-text mail clients, and spam filters distrust an email
whose text part is missing or empty, so the text part has to be readable on its
own: wrapped paragraphs, underlined headings, "- " lists, "> " quotes, and links
as numbered references listed at the end, the way people write plain-text mail.

The input is a fragment as produced by Python-Markdown (plus a few constructs of
our own templates), not arbitrary web pages: the renderer is deliberately small.
"""

import re
import textwrap
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

HARD_BREAK = "\n"  # a <br>: the author wants a new line, even an empty one
SOFT_BREAK = "\x1e"  # around an image: a line of its own, but never an empty line

# What a browser collapses: ASCII whitespace only, so that the no-break spaces of
# French typography (U+00A0, U+202F) survive.
COLLAPSIBLE_WHITESPACE = re.compile(r"[ \t\n\r\f]+")

# Python-Markdown or a template filter may have percent-encoded the brackets of a
# placeholder that the mailing service replaces per recipient; it must stay intact.
ENCODED_PLACEHOLDER = re.compile(r"%5B%5B([A-Za-z0-9_]+)%5D%5D", re.IGNORECASE)

DROPPED_TAGS = {"script", "style", "head", "title", "template"}
DROPPED_CLASS = "email-only-html"

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
    "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav",
    "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}
UNDERLINES = {"h1": "=", "h2": "-"}
RULE = "-" * 20
QUOTE_PREFIX = "> "
CODE_INDENT = "    "
NESTED_LIST_INDENT = "  "
CELL_SEPARATOR = " | "


@dataclass
class Block:
    """Lines that stand apart from their neighbours (by a blank line, usually).

    ``is_list`` lets a list item keep a nested list right under its text."""

    lines: list
    is_list: bool = False


class _PlainTextWrapper(textwrap.TextWrapper):
    """Breaks lines at plain spaces only: never at hyphens (URLs, "peut-être"),
    nor at the no-break spaces French typography puts before « » ; : ! ?"""

    wordsep_simple_re = re.compile(r"( +)")


def html_to_text(html: str, width: int = 72, links_heading: str = "Links:") -> str:
    """The plain-text version of an HTML fragment, wrapped at ``width`` columns.

    Links become "text [n]", with the numbered URLs listed after ``links_heading``
    at the end ("Liens :" for the French issue)."""
    renderer = _TextRenderer()
    soup = BeautifulSoup(html, "lxml")   # lxml: several times faster than html.parser
    lines = _join(renderer.blocks(soup.body or soup, width))
    if renderer.links:
        lines += ["", links_heading]
        lines += [f"[{number}] {url}" for url, number in renderer.links.items()]
    return _tidy(lines)


class _TextRenderer:
    """Walks the parsed HTML once, numbering links in order of first appearance."""

    def __init__(self):
        self.links = {}  # URL -> reference number; dicts keep insertion order

    def blocks(self, element, width):
        """The blocks of a container: its block children, and a paragraph for
        each run of inline content between them (as a browser lays them out)."""
        blocks, run = [], []
        for child in element.children:
            if _is_block(child):
                blocks += self.paragraph(run, width)
                blocks += self.block(child, width)
                run = []
            else:
                run.append(child)
        return blocks + self.paragraph(run, width)

    def block(self, tag, width):
        """Dispatches a block element to its renderer; others are plain containers."""
        renderers = {
            "h1": self.heading, "h2": self.heading, "h3": self.heading,
            "h4": self.heading, "h5": self.heading, "h6": self.heading,
            "ul": self.itemised_list, "ol": self.itemised_list, "blockquote": self.blockquote,
            "pre": self.preformatted, "hr": self.rule, "table": self.table,
            "figure": self.figure,
        }
        return renderers.get(tag.name, self.blocks)(tag, width)

    def paragraph(self, nodes, width):
        lines = _wrapped_lines("".join(self.inline(node) for node in nodes), width)
        return [Block(lines)] if lines else []

    def heading(self, tag, width):
        """h1 and h2 are underlined, as Setext headings are in Markdown."""
        lines = _wrapped_lines(self.inline_children(tag), width)
        if not lines:
            return []
        if tag.name in UNDERLINES:
            lines.append(UNDERLINES[tag.name] * max(len(line) for line in lines))
        return [Block(lines)]

    def itemised_list(self, tag, width):
        """Items numbered from ``start`` in an ol; a blank line between them only
        when the list is loose (Markdown then puts each item's text in a <p>)."""
        lines, number = [], _start_number(tag)
        loose = _is_loose(tag)
        for child in tag.children:
            if not isinstance(child, Tag) or _is_dropped(child):
                continue
            if child.name == "li":
                marker = f"{number}. " if tag.name == "ol" else "- "
                lines += ([""] if lines and loose else []) + self.list_item(child, marker, width)
                number += 1
            elif child.name in ("ul", "ol"):  # invalid but common: a list right in a list
                nested = _join(self.itemised_list(child, width - len(NESTED_LIST_INDENT)))
                lines += _indent(nested, NESTED_LIST_INDENT)
        return [Block(lines, is_list=True)] if lines else []

    def list_item(self, item, marker, width):
        """The marker, then the item's blocks aligned under its text; a nested
        list follows the text directly, 2 spaces further in."""
        hanging = " " * len(marker)
        lines = []
        for block in self.blocks(item, width - len(marker)):
            if lines and not block.is_list:
                lines.append("")
            indent = NESTED_LIST_INDENT if lines and block.is_list else hanging
            lines += _indent(block.lines, indent)
        if not lines:
            return [marker]
        lines[0] = marker + lines[0].removeprefix(hanging)
        return lines

    def blockquote(self, tag, width):
        lines = _join(self.blocks(tag, width - len(QUOTE_PREFIX)))
        quoted = [QUOTE_PREFIX + line if line else QUOTE_PREFIX.strip() for line in lines]
        return [Block(quoted)] if quoted else []

    def preformatted(self, tag, width):
        """Code keeps its lines, unwrapped, indented as Markdown writes code blocks."""
        text = _raw_text(tag).removeprefix("\n")  # browsers ignore a newline right after <pre>
        if not text.strip():
            return []
        lines = text.rstrip().splitlines()
        while not lines[0].strip():
            lines.pop(0)
        return [Block(_indent(lines, CODE_INDENT))]

    def rule(self, tag, width):
        return [Block([RULE])]

    def table(self, tag, width):
        """One line per row; a layout table (role="presentation") is only a container."""
        if tag.get("role") == "presentation":
            return self.blocks(tag, width)
        lines = []
        caption = tag.find("caption", recursive=False)
        if caption:
            lines += _wrapped_lines(self.inline_children(caption), width)
        for row in tag.find_all("tr"):
            if row.find_parent("table") is tag and not _is_dropped(row):
                lines += self.table_row(row)
        return [Block(lines)] if lines else []

    def table_row(self, row):
        cells = row.find_all(["td", "th"], recursive=False)
        line = CELL_SEPARATOR.join(_single_line(self.inline(cell)) for cell in cells).strip()
        return [line] if line else []

    def figure(self, tag, width):
        """The image line, then its caption on the very next line."""
        lines = [line for block in self.blocks(tag, width) for line in block.lines]
        return [Block(lines)] if lines else []

    def inline(self, node):
        """The text of inline content: whitespace collapsed, markers for line breaks."""
        if isinstance(node, PreformattedString):  # comments, doctypes, CDATA
            return ""
        if isinstance(node, NavigableString):
            return COLLAPSIBLE_WHITESPACE.sub(" ", str(node))
        if _is_dropped(node):
            return ""
        if node.name == "br":
            return HARD_BREAK
        if node.name == "img":
            return _image(node)
        if node.name == "a":
            return self.link(node)
        text = self.inline_children(node)
        return SOFT_BREAK + text + SOFT_BREAK if node.name in BLOCK_TAGS else text

    def inline_children(self, tag):
        return "".join(self.inline(child) for child in tag.children)

    def link(self, tag):
        """Writes "text [n]"; a link that shows its own URL needs no reference."""
        text = self.inline_children(tag)
        url = _link_target(tag)
        if url is None:
            return text
        visible = _single_line(text)
        if not visible:
            return url.removeprefix("mailto:")
        if _shows_its_url(visible, url):
            return text
        core = text.rstrip(" " + SOFT_BREAK + HARD_BREAK)  # the reference stays on the text's line
        return f"{core} [{self.reference(url)}]{text[len(core):]}"

    def reference(self, url):
        return self.links.setdefault(url, len(self.links) + 1)


def _is_dropped(tag):
    """Elements a reader of the HTML email does not see, or that only make sense in HTML."""
    return (
        tag.name in DROPPED_TAGS
        or tag.has_attr("hidden")
        or str(tag.get("aria-hidden", "")).strip().lower() == "true"
        or DROPPED_CLASS in tag.get("class", [])
    )


def _is_block(node):
    """Block elements, and inline ones wrapping blocks (a <span> around a list):
    those are laid out as containers. Links stay inline to keep their reference."""
    if not isinstance(node, Tag) or _is_dropped(node):
        return False
    if node.name in BLOCK_TAGS:
        return True
    # A plain walk: bs4's find() builds a matcher per call, a third of the text part's time.
    return node.name != "a" and any(getattr(child, "name", None) in BLOCK_TAGS for child in node.descendants)


def _is_loose(list_tag):
    return any(item.find("p", recursive=False) for item in list_tag.find_all("li", recursive=False))


def _start_number(tag):
    try:
        return int(tag.get("start", 1))
    except ValueError:
        return 1


def _image(tag):
    alt = COLLAPSIBLE_WHITESPACE.sub(" ", tag.get("alt", "")).strip()
    return f"{SOFT_BREAK}[Image: {alt}]{SOFT_BREAK}" if alt else ""


def _link_target(tag):
    """The URL to list, or None for links that lead nowhere outside the email."""
    href = re.sub(r"[\t\n\r]", "", tag.get("href") or "").strip()  # as browsers clean it
    if not href or href.startswith("#"):
        return None
    return ENCODED_PLACEHOLDER.sub(r"[[\1]]", href)


def _shows_its_url(text, url):
    """Whether the link text already is the URL (or, for mailto:, the address)."""
    shown = {url.rstrip("/")}
    if url.lower().startswith("mailto:"):
        shown.add(url[len("mailto:"):].split("?")[0])
    return text.rstrip("/") in shown


def _raw_text(node):
    """Text as written, line breaks included, for <pre>."""
    if isinstance(node, PreformattedString):
        return ""
    if isinstance(node, NavigableString):
        return str(node)
    if _is_dropped(node):
        return ""
    if node.name == "br":
        return "\n"
    return "".join(_raw_text(child) for child in node.children)


def _single_line(text):
    """Inline text with its line breaks turned into spaces (table cells, link texts)."""
    return re.sub(f"[ {HARD_BREAK}{SOFT_BREAK}]+", " ", text).strip()


def _wrapped_lines(text, width):
    """Inline text as wrapped lines: line breaks honoured, soft ones merged so
    that an image never adds an empty line, blank lines at both ends removed."""
    text = re.sub(" +", " ", text)
    text = re.sub(f"[ {SOFT_BREAK}]*{SOFT_BREAK}[ {SOFT_BREAK}]*", SOFT_BREAK, text)
    text = re.sub(f"{SOFT_BREAK}*{HARD_BREAK}{SOFT_BREAK}*", HARD_BREAK, text)
    wrapper = _PlainTextWrapper(width=max(width, 1), break_long_words=False, break_on_hyphens=False)
    lines = []
    for line in text.replace(SOFT_BREAK, HARD_BREAK).split(HARD_BREAK):
        line = line.strip(" ")
        lines += wrapper.wrap(line) if line else [""]
    return _without_blank_ends(lines)


def _without_blank_ends(lines):
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _indent(lines, prefix):
    return [prefix + line if line else line for line in lines]


def _join(blocks):
    """Blocks one after the other, a blank line between each."""
    lines = []
    for block in blocks:
        if lines:
            lines.append("")
        lines += block.lines
    return lines


def _tidy(lines):
    """No trailing spaces, no two blank lines in a row, exactly one final newline
    (an empty string when there is no text at all)."""
    tidy = []
    for line in (line.rstrip() for line in lines):
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    tidy = _without_blank_ends(tidy)
    return "\n".join(tidy) + "\n" if tidy else ""
