"""Checks of an MJML document before it is compiled.

mjml-python compiles whatever it is given: an unknown tag or a column put
where none may go is dropped without a word, and the email silently loses a
part. So the rendered template is checked first, like the official mjml
validator does: well-formed, known elements only, each where MJML allows it.
Problems carry the line of the rendered MJML.
"""

import re
from dataclasses import dataclass

from lxml import etree

# Elements whose content is HTML or text, not MJML: not checked here.
ENDING_TAGS = ("mj-text", "mj-button", "mj-raw", "mj-table", "mj-style", "mj-title", "mj-preview",
               "mj-navbar-link", "mj-accordion-text", "mj-accordion-title", "mj-social-element")
# An opening tag of one of them (not a self-closing one), and the closing tag of each.
_OPENING = re.compile(r"<(%s)\b[^>]*?(?<!/)>" % "|".join(ENDING_TAGS))
_CLOSING = {name: re.compile(r"</%s\s*>" % name) for name in ENDING_TAGS}

CONTENT = {"mj-text", "mj-image", "mj-button", "mj-divider", "mj-spacer", "mj-table", "mj-social",
           "mj-navbar", "mj-accordion", "mj-carousel", "mj-raw"}
CHILDREN = {
    "mjml": {"mj-head", "mj-body", "mj-include"},
    "mj-head": {"mj-attributes", "mj-breakpoint", "mj-font", "mj-html-attributes", "mj-preview", "mj-style",
                "mj-title", "mj-raw", "mj-include"},
    "mj-body": {"mj-section", "mj-wrapper", "mj-hero", "mj-raw", "mj-include"},
    "mj-wrapper": {"mj-section", "mj-hero", "mj-raw", "mj-include"},
    "mj-section": {"mj-column", "mj-group", "mj-raw", "mj-include"},
    "mj-group": {"mj-column", "mj-raw"},
    "mj-column": CONTENT | {"mj-include"},
    "mj-hero": CONTENT,
    "mj-social": {"mj-social-element", "mj-raw"},
    "mj-navbar": {"mj-navbar-link", "mj-raw"},
    "mj-carousel": {"mj-carousel-image"},
    "mj-accordion": {"mj-accordion-element", "mj-raw"},
    "mj-accordion-element": {"mj-accordion-title", "mj-accordion-text", "mj-raw"},
    "mj-html-attributes": {"mj-selector"},
    "mj-selector": {"mj-html-attribute"},
}
EMPTY = {"mj-image", "mj-divider", "mj-spacer", "mj-breakpoint", "mj-font", "mj-include", "mj-carousel-image",
         "mj-all", "mj-class", "mj-html-attribute"}
KNOWN = set(CHILDREN) | set(ENDING_TAGS) | EMPTY | CONTENT | {"mj-attributes"}


@dataclass(frozen=True)
class MjmlProblem:
    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}"


def check_mjml(source):
    """Problems of an MJML document, [] when it is sound."""
    skeleton = _skeleton(source)
    try:
        root = etree.fromstring(skeleton.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as error:
        return [MjmlProblem(error.lineno or 0, f"not well-formed: {error.msg}")]
    if root.tag != "mjml":
        return [MjmlProblem(root.sourceline, f"the document must start with <mjml>, not <{root.tag}>")]
    return _walk(root)


def _skeleton(source):
    """The source without the content of ENDING_TAGS elements, but with its line
    breaks, so that problems keep their lines.

    Each element's closing tag is looked for with str-level searches: one regex
    matching the element whole tried to match the closing tag at every character
    of the content, and took most of the check's time."""
    parts, done, start = [], 0, 0
    while (opening := _OPENING.search(source, start)) is not None:
        closing = _CLOSING[opening.group(1)].search(source, opening.end())
        if closing is None:  # never closed: not taken out; look from the next character on
            start = opening.start() + 1
            continue
        parts += [source[done:opening.end()], "\n" * source.count("\n", opening.end(), closing.start()),
                  closing.group()]
        done = start = closing.end()
    parts.append(source[done:])
    return "".join(parts)


def _walk(element, problems=None):
    """The problems of the element's descendants. lxml makes a new str at each
    read of .tag, so each is read once."""
    problems = [] if problems is None else problems
    parent = element.tag
    allowed = CHILDREN.get(parent)
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # an XML comment
        if tag not in KNOWN:
            problems.append(MjmlProblem(child.sourceline, f"unknown element <{tag}>"))
        elif parent == "mj-attributes":
            continue  # any element name sets that element's defaults
        elif allowed is not None and tag not in allowed:
            problems.append(MjmlProblem(child.sourceline, f"<{tag}> cannot be inside <{parent}>"))
        else:
            _walk(child, problems)
    return problems
