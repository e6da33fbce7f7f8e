"""The text/plain part of an issue's email, written from the HTML of its content.

Some readers use plain-text mail clients, and spam filters distrust an email
whose text part is missing or empty, so the text part has to be readable on its
own: wrapped paragraphs, underlined headings, "- " lists, "> " quotes, and links
as numbered references listed at the end, the way people write plain-text mail.

The input is a fragment as produced by Python-Markdown (plus a few constructs of
our own templates), not arbitrary web pages: the renderer is deliberately small.
It is parsed with lxml (libxml2's HTML parser, as BeautifulSoup's "lxml" builder
used to do, so the tree is the same) and walked directly: in lxml a node's text
is ``element.text``, and the text after each child is ``child.tail``.
"""

import functools
import html as html_lib
import re
import textwrap
from dataclasses import dataclass

from .html_nodes import children, is_element, parse

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
SPACES = re.compile(" +")
SOFT_BREAKS = re.compile(f"[ {SOFT_BREAK}]*{SOFT_BREAK}[ {SOFT_BREAK}]*")
BREAKS_AROUND_HARD_BREAK = re.compile(f"{SOFT_BREAK}*{HARD_BREAK}{SOFT_BREAK}*")
LINE_BREAKS = re.compile(f"[ {HARD_BREAK}{SOFT_BREAK}]+")
TEXTWRAP_SPACES = re.compile("[\t\n\x0b\x0c\r]")  # textwrap turns each into a space
BLANK_WORD = re.compile(r"(?<![^ ])[^\S ]+(?![^ ])")  # between spaces, only other whitespace
URL_NOISE = re.compile(r"[\t\n\r]")  # what browsers take out of an href

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


def html_to_text(html: str, width: int = 72, links_heading: str = "Links:", typeset=None) -> str:
    """The plain-text version of an HTML fragment, wrapped at ``width`` columns.

    Links become "text [n]", with the numbered URLs listed after ``links_heading``
    at the end ("Liens :" for the French issue).

    ``typeset``: the typography of the issue's language, a function of an HTML
    fragment (the French no-break spaces of sitekit/typography.py,
    handed in by the caller: this package imports nothing of the project). It
    is applied before wrapping, so a no-break space never becomes a line break,
    to the whole fragment (the template's own words, "Voir en ligne:", as well
    as the issue's text) and to the labels written here."""
    typeset = typeset or _as_written
    renderer = _TextRenderer(lambda label: _typeset_text(typeset, label))
    root = parse(typeset(html))
    if root is None:  # nothing but whitespace, comments or a doctype
        return ""
    body = root.find("body")
    lines = _join(renderer.blocks(root if body is None else body, width))
    if renderer.links:
        lines += ["", renderer.typeset(links_heading)]
        lines += [f"[{number}] {url}" for url, number in renderer.links.items()]
    return _tidy(lines)


class _TextRenderer:
    """Walks the parsed HTML once, numbering links in order of first appearance."""

    def __init__(self, typeset):
        self.links = {}  # URL -> reference number; dicts keep insertion order
        self.typeset = typeset  # for the plain text this renderer adds (labels)

    def blocks(self, element, width):
        """The blocks of a container: its block children, and a paragraph for
        each run of inline content between them (as a browser lays them out)."""
        blocks, run = [], []
        for child in children(element):
            if _is_block(child):
                blocks += self.paragraph(run, width)
                blocks += self.block(child, width)
                run = []
            else:
                run.append(child)
        return blocks + self.paragraph(run, width)

    # The renderer of each block element (by method name); others are plain containers.
    RENDERERS = {
        "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading",
        "ul": "itemised_list", "ol": "itemised_list", "blockquote": "blockquote", "pre": "preformatted",
        "hr": "rule", "table": "table", "figure": "figure",
    }

    def block(self, tag, width):
        return getattr(self, self.RENDERERS.get(tag.tag, "blocks"))(tag, width)

    def paragraph(self, nodes, width):
        lines = _wrapped_lines("".join(self.inline(node) for node in nodes), width)
        return [Block(lines)] if lines else []

    def heading(self, tag, width):
        """h1 and h2 are underlined, as Setext headings are in Markdown."""
        lines = _wrapped_lines(self.inline_children(tag), width)
        if not lines:
            return []
        if tag.tag in UNDERLINES:
            lines.append(UNDERLINES[tag.tag] * max(len(line) for line in lines))
        return [Block(lines)]

    def itemised_list(self, tag, width):
        """Items numbered from ``start`` in an ol; a blank line between them only
        when the list is loose (Markdown then puts each item's text in a <p>)."""
        lines, number = [], _start_number(tag)
        loose = _is_loose(tag)
        for child in tag:  # elements only: text right inside a list is not shown
            if not is_element(child) or _is_dropped(child):
                continue
            if child.tag == "li":
                marker = f"{number}. " if tag.tag == "ol" else "- "
                lines += ([""] if lines and loose else []) + self.list_item(child, marker, width)
                number += 1
            elif child.tag in ("ul", "ol"):  # invalid but common: a list right in a list
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
        caption = tag.find("caption")  # a child, not any descendant
        if caption is not None:
            lines += _wrapped_lines(self.inline_children(caption), width)
        for row in tag.iter("tr"):
            # Rows of a nested table belong to that table's cell, not to this table.
            if next(row.iterancestors("table")) is tag and not _is_dropped(row):
                lines += self.table_row(row)
        return [Block(lines)] if lines else []

    def table_row(self, row):
        cells = [cell for cell in row if cell.tag in ("td", "th")]
        line = CELL_SEPARATOR.join(_single_line(self.inline(cell)) for cell in cells).strip()
        return [line] if line else []

    def figure(self, tag, width):
        """The image line, then its caption on the very next line."""
        lines = [line for block in self.blocks(tag, width) for line in block.lines]
        return [Block(lines)] if lines else []

    def inline(self, node):
        """The text of inline content: whitespace collapsed, markers for line breaks."""
        if isinstance(node, str):
            return COLLAPSIBLE_WHITESPACE.sub(" ", node)
        if not isinstance(node.tag, str) or _is_dropped(node):  # comments have no text to show
            return ""
        name = node.tag
        if name == "br":
            return HARD_BREAK
        if name == "img":
            return self.image(node)
        if name == "a":
            return self.link(node)
        text = self.inline_children(node)
        return SOFT_BREAK + text + SOFT_BREAK if name in BLOCK_TAGS else text

    def inline_children(self, tag):
        return "".join([self.inline(child) for child in children(tag)])

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

    def image(self, tag):
        alt = COLLAPSIBLE_WHITESPACE.sub(" ", tag.get("alt", "")).strip()
        return f"{SOFT_BREAK}{self.typeset(f'[Image: {alt}]')}{SOFT_BREAK}" if alt else ""


def _is_dropped(tag):
    """Elements a reader of the HTML email does not see, or that only make sense in HTML."""
    return (
        tag.tag in DROPPED_TAGS
        or tag.get("hidden") is not None
        or tag.get("aria-hidden", "").strip().lower() == "true"
        or DROPPED_CLASS in tag.get("class", "").split()
    )


def _is_block(node):
    """Block elements, and inline ones wrapping blocks (a <span> around a list):
    those are laid out as containers. Links stay inline to keep their reference."""
    if not is_element(node) or _is_dropped(node):
        return False
    if node.tag in BLOCK_TAGS:
        return True
    # A loop rather than iterdescendants(*BLOCK_TAGS): lxml sets up a matcher of the 40 names
    # per call, which cost more than the text part's whole walk.
    return node.tag != "a" and any(child.tag in BLOCK_TAGS for child in node.iterdescendants())


def _is_loose(list_tag):
    """Whether an item of the list (not of a nested one) has a <p> child."""
    return any(item.tag == "li" and item.find("p") is not None for item in list_tag)


def _start_number(tag):
    try:
        return int(tag.get("start", 1))
    except ValueError:
        return 1


def _as_written(html):
    return html


def _typeset_text(typeset, text):
    """``typeset`` (made for HTML) applied to plain text: escaped first, so a "<" stays a character."""
    if typeset is _as_written:
        return text
    return html_lib.unescape(typeset(html_lib.escape(text, quote=False)))


def _link_target(tag):
    """The URL to list, or None for links that lead nowhere outside the email."""
    href = URL_NOISE.sub("", tag.get("href") or "").strip()  # as browsers clean it
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
    if isinstance(node, str):
        return node
    if not isinstance(node.tag, str) or _is_dropped(node):
        return ""
    if node.tag == "br":
        return "\n"
    return "".join([_raw_text(child) for child in children(node)])


def _single_line(text):
    """Inline text with its line breaks turned into spaces (table cells, link texts)."""
    return LINE_BREAKS.sub(" ", text).strip()


def _wrapped_lines(text, width):
    """Inline text as wrapped lines: line breaks honoured, soft ones merged so
    that an image never adds an empty line, blank lines at both ends removed."""
    if not text.strip(" " + HARD_BREAK + SOFT_BREAK):  # the whitespace between blocks, mostly
        return []
    # Each substitution only when it has something to do: this runs for every paragraph.
    if "  " in text:
        text = SPACES.sub(" ", text)
    if SOFT_BREAK in text:
        text = SOFT_BREAKS.sub(SOFT_BREAK, text)
        text = BREAKS_AROUND_HARD_BREAK.sub(HARD_BREAK, text)
    width = max(width, 1)
    lines = []
    for line in text.replace(SOFT_BREAK, HARD_BREAK).split(HARD_BREAK):
        line = line.strip(" ")
        lines += _wrap(line, width) if line else [""]
    return _without_blank_ends(lines)


def _wrap(line, width):
    """What _PlainTextWrapper makes of one line (single spaces, none at the ends).

    Its greedy filling is done here with str.rfind, a fraction of its time; the
    lines it would treat differently go to it: whitespace it would turn into
    spaces, or a word of whitespace only (a lone no-break space), which it drops
    at the start and end of lines."""
    if TEXTWRAP_SPACES.search(line) or BLANK_WORD.search(line):
        return _wrapper(width).wrap(line)
    lines, start = [], 0
    while len(line) - start > width:
        end = line.rfind(" ", start, start + width + 1)  # the last space that keeps the line within the width
        if end < 0:  # a word longer than the width: alone on its line, never broken
            end = line.find(" ", start)
            if end < 0:
                break
        lines.append(line[start:end])
        start = end + 1
    lines.append(line[start:])
    return lines


@functools.lru_cache(maxsize=None)
def _wrapper(width):
    """Wrappers keep no state between calls: one per width will do."""
    return _PlainTextWrapper(width=width, break_long_words=False, break_on_hyphens=False)


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
