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
_CONTENT = re.compile(r"(<(%s)\b[^>]*?(?<!/)>)(.*?)(</\2\s*>)" % "|".join(ENDING_TAGS), re.S)

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
    skeleton = _CONTENT.sub(lambda m: m.group(1) + "\n" * m.group(3).count("\n") + m.group(4), source)
    try:
        root = etree.fromstring(skeleton.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as error:
        return [MjmlProblem(error.lineno or 0, f"not well-formed: {error.msg}")]
    if root.tag != "mjml":
        return [MjmlProblem(root.sourceline, f"the document must start with <mjml>, not <{root.tag}>")]
    return list(_walk(root))


def _walk(element):
    allowed = CHILDREN.get(element.tag)
    for child in element:
        if not isinstance(child.tag, str):
            continue  # an XML comment
        if child.tag not in KNOWN:
            yield MjmlProblem(child.sourceline, f"unknown element <{child.tag}>")
            continue
        if element.tag == "mj-attributes":
            continue  # any element name sets that element's defaults
        if allowed is not None and child.tag not in allowed:
            yield MjmlProblem(child.sourceline, f"<{child.tag}> cannot be inside <{element.tag}>")
            continue
        yield from _walk(child)
