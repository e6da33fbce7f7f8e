"""The parsed HTML of an issue, as the text part and the email's blocks walk it (lxml).

lxml keeps an element's text in ``element.text`` and the text after each child
in ``child.tail``; ``children`` gives them back in reading order, with the
child elements and comments between them.
"""

from lxml import etree


def parse(html):
    """The root <html> element, or None when the input holds no element nor text.

    A parser per call: a feed parser keeps state between feed() and close().
    feed() rather than fromstring(): it accepts a str with an XML declaration."""
    parser = etree.HTMLParser()
    parser.feed(html)
    return parser.close()


def children(element):
    """An element's text, then each child node followed by the text after it (its
    tail). Comments come as nodes whose ``tag`` is not a str: see is_element."""
    if element.text:
        yield element.text
    for child in element:
        yield child
        if child.tail:
            yield child.tail


def is_element(node):
    """A real element: not text, not a comment (nor a processing instruction,
    which libxml2's HTML parser turns into a comment)."""
    return not isinstance(node, str) and isinstance(node.tag, str)
