"""Code blocks a keyboard can reach.

A <pre> wider than the column scrolls sideways, and a region that scrolls must
take the focus so that the arrow keys can move it (WCAG 2.1.1; axe-core's
``scrollable-region-focusable``). Whether a block scrolls depends on the
reader's screen, so every block is made focusable and given a name that
screen readers announce on arriving. Done in the templates (``focusable_code``
filter) rather than in the Markdown conversion: the name is in the page's
language, and the cached conversions stay the same in every language run.

Tables get the same treatment: a table wider than the column scrolls sideways
inside a wrapper that takes the focus and carries a name (``table_label``).
"""

import re

from markupsafe import Markup, escape

PRE = re.compile(r"<pre\b([^>]*)>", re.IGNORECASE)
TABINDEX = re.compile(r"\btabindex\s*=", re.IGNORECASE)
LABELLED = re.compile(r"\baria-label(?:ledby)?\s*=", re.IGNORECASE)
# A table and the wrapper it may have already (the filter may run twice on the same text).
TABLE = re.compile(r"""(<div class="table-scroll"[^>]*>\s*)?(<table\b.*?</table>)""", re.IGNORECASE | re.DOTALL)


def focusable(html, label, table_label=None):
    """``html`` with tabindex="0" and aria-label=``label`` on each <pre> lacking them; with
    ``table_label``, each <table> inside a focusable region named so, which scrolls sideways.

    A block the author gave its own tabindex or name keeps it. Code inside a
    block is escaped (&lt;pre&gt;), so only real elements match.
    """
    def opening(match):
        attributes = match.group(1)
        if not TABINDEX.search(attributes):
            attributes += ' tabindex="0"'
        if not LABELLED.search(attributes):
            attributes += f' aria-label="{escape(label)}"'
        return f"<pre{attributes}>"

    def wrapped(match):
        if match.group(1):
            return match.group()
        return (f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escape(table_label)}">'
                f"{match.group(2)}</div>")

    html = PRE.sub(opening, str(html or ""))
    if table_label:
        html = TABLE.sub(wrapped, html)
    return Markup(html)
