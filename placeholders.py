"""The placeholders of the authoring commands, and how the build finds them.

`new-post`, `translate` and `newsletter-new` (publisher/authoring.py) write
files holding text the author must replace: a post's summary and first
paragraphs, the note to the translator, an issue's subject, preheader and
text. Each of those lines carries MARK, in every language, so the build
(plugins/bilingual for posts and pages, plugins/newsletter_issues for issues)
recognises exactly what the commands wrote and cannot drift from them.

A leaf module: it imports nothing of the project, so the commands and the
plugins can both import it.
"""

import re
from pathlib import Path

MARK = "✎"


def marked(text):
    """``text`` as a placeholder: MARK at the start of each line that has words."""
    return "\n".join(f"{MARK} {line}" if line.strip() else line for line in text.split("\n"))


# Where marked() puts MARK: first on its line, after at most a metadata key ("Title: "),
# a heading's hashes or an HTML comment's opening. A ✎ the author writes inside a
# sentence is text, not a placeholder.
MARKED_LINE = re.compile(rf"^\s*(?:[A-Za-z][\w-]*:\s*|#+\s*|<!--\s*)?{MARK} ")


def marked_lines(text):
    """[(line number from 1, line)] of the lines of ``text`` that start with MARK."""
    return [(number, line) for number, line in enumerate(text.splitlines(), 1) if MARKED_LINE.match(line)]


def left_in(source_path, *read):
    """(field, message) telling the author which lines of the file still hold a placeholder, or None.

    ``read``: what the build already read of the file (its HTML, its metadata
    values): the file is opened again, for its line numbers, only when one of
    them holds MARK, so a build of finished posts reads nothing twice.
    """
    if not any(isinstance(value, str) and MARK in value for value in read):
        return None
    found = marked_lines(Path(source_path).read_text(encoding="utf-8"))
    if not found:
        return None
    numbers = ", ".join(str(number) for number, _ in found)
    first = found[0][1].strip()
    excerpt = first if len(first) <= 60 else first[:59] + "…"
    return (f"line{'s' if len(found) > 1 else ''} {numbers}",
            f"template text left by the authoring command ({excerpt!r}); write your own in its place, "
            f"without the {MARK} mark, or keep 'Status: draft' until it is ready")
