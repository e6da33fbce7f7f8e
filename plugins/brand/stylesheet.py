"""The site's stylesheets: the theme's css/*.css parts, in the order of their names, in one file
(site.css, which every page loads); each subfolder's parts in a file of its own, named after the
folder (css/search/*.css: search.css), which only the pages that need it load.

One file keeps most pages to one render-blocking request; parts keep each area of the theme
(tokens, header, cards, post, comments...) in a file of its own; the subfolders keep what few
pages show out of every page's budget.
"""

import re
from pathlib import Path

from sitekit.file_aside import write_aside

FOLDER = "css"            # in the theme, beside templates/ and static/
STYLESHEET = "site.css"   # in css/ of the theme's static folder of the output (THEME_STATIC_DIR)


def bundles(theme):
    """{file name: its parts}: site.css from css/, then one file per subfolder of css/."""
    folder = Path(theme) / FOLDER
    found = {STYLESHEET: sorted(folder.glob("*.css"))}
    for sub in sorted(path for path in folder.iterdir() if path.is_dir()):
        found[f"{sub.name}.css"] = sorted(sub.glob("*.css"))
    return found


def assembled(parts, preamble=""):
    """The text of a stylesheet: ``preamble`` (generated rules), then every part, each under a
    comment naming it, without the parts' own comments and spaces (a page's budget counts them)."""
    texts = [f"/* BRAND (generated) */\n{compact(preamble)}\n"] if preamble else []
    texts += [f"/* {path.name} */\n{compact(path.read_text(encoding='utf-8'))}\n" for path in parts]
    return "\n".join(texts)


COMMENT = re.compile(r"/\*.*?\*/", re.S)
STRING = re.compile(r"""("[^"]*"|'[^']*')""")


def compact(css):
    """``css`` without comments, runs of spaces, or spaces around { } ; , > and after a colon
    (strings kept as they are; "+" and "-" keep their spaces, which calc() needs)."""
    pieces = STRING.split(COMMENT.sub("", css))
    for i in range(0, len(pieces), 2):   # the even pieces are outside strings
        text = re.sub(r"\s+", " ", pieces[i])
        text = re.sub(r"\s*([{};,>])\s*", r"\1", text)
        text = re.sub(r":\s+", ":", text)
        pieces[i] = text.replace(";}", "}")
    return "".join(pieces).strip()


def write(theme, output, static_dir, preamble=""):
    """Write every stylesheet into ``output``; the generated ``preamble`` opens site.css."""
    folder = Path(output) / static_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for name, parts in bundles(theme).items():
        text = assembled(parts, preamble if name == STYLESHEET else "")
        write_aside(folder / name, text.encode("utf-8"), permissions=0o644)
    return folder / STYLESHEET
