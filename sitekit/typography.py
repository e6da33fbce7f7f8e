"""French typography: no-break spaces before ; ! ? : and inside « ».

Two entry points, both pure functions without dependencies:

- ``french_text(text)`` for plain text (a title);
- ``french_html(html)`` for an HTML fragment (a post body, a summary). Only
  text nodes change; every tag, attribute and comment is kept byte-for-byte,
  and nothing inside code, pre, kbd, samp, var, tt, script, style or textarea
  is touched.

Rules applied to text:

- before ``;`` ``!`` ``?`` one narrow no-break space (NNBSP); before ``:``
  and inside ``« »`` one no-break space (NBSP). A run of spaces there is
  replaced by that one space; with no space, one is inserted. A run that is
  already a single no-break space (character or entity) is left as it is,
  which makes both functions idempotent.
- ``; ! ?`` only count as punctuation when followed by a space, the end of
  the text, another mark or closing punctuation, and ``:`` only when followed
  by a space or the end: "10:30", "mailto:x", "page?a=1;b" are not prose.
- URLs (``scheme://...``, ``www....``) are left whole, up to the next space.
- Entities (``&amp;``, ``&#8217;``) are never split; ``&nbsp;`` and friends
  count as spaces.
- Nothing is inserted at the start of a text, since what precedes is unknown.
  In HTML, a text node that follows an inline element (``<em>x</em>?``) is
  given the last character of the preceding inline text as context, so it is
  typeset as if the tags were not there; a block-level tag resets it.
"""

import re

NNBSP = "\u202f"  # narrow no-break space: before ; ! ?
NBSP = "\u00a0"  # no-break space: before :, after «, before »

# --- Text rules --------------------------------------------------------------

_ENTITY = r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);"
# Entities that render as a space, so they count as the space before a mark.
_SPACE_ENTITY = (r"&(?:nbsp|thinsp|ensp|emsp|#0*(?:160|8239|8201)"
                 r"|#[xX]0*(?:[aA]0|202[fF]|2009));")
# Horizontal spaces only: a mark at the start of a line is left alone.
_SP = r"(?:[ \t\u00a0\u202f\u2009]|" + _SPACE_ENTITY + ")"
# A run that is already one no-break space is the author's choice: keep it.
_NOBREAK = re.compile(r"[\u00a0\u202f]|&(?:nbsp|#0*(?:160|8239)"
                      r"|#[xX]0*(?:[aA]0|202[fF]));")

# What may follow ; ! ? for them to be sentence punctuation (not "?a=1").
_AFTER_MARK = (r"(?=[\s;!?:»)\]}.,…”’\"'—–]|" + _SPACE_ENTITY + r"|\Z)")
# ":" must be followed by a space or the end ("10:30", "https:" stay as is).
_AFTER_COLON = r"(?=\s|" + _SPACE_ENTITY + r"|\Z)"

# One left-to-right scan; the first alternative that matches at a position
# wins, so a URL or an entity is consumed whole before its ";" or "?" is seen.
_RULES = re.compile("|".join([
    r"(?P<url>(?:\b[A-Za-z][A-Za-z0-9+.-]{0,30}://|\bwww\.)"
    r"(?:(?!" + _SPACE_ENTITY + r")[^\s«»])+)",
    r"(?P<open>«)(?P<after>" + _SP + "*)",
    # A run of spaces is tried from its first space only (the look-behind), and
    # possessively: if no mark follows the whole run, fail at once. Both keep
    # the scan linear without a match per space, each of which costs a call.
    r"(?<![ \t\u00a0\u202f\u2009])(?P<before>" + _SP + r"*+)(?:(?P<close>»)"
    r"|(?P<strong>[;!?]+)" + _AFTER_MARK +
    r"|(?P<colon>:)" + _AFTER_COLON + ")",
    # Skip other entities in one step: their ";" is not a mark.
    r"(?P<keep>" + _ENTITY + ")",
]))
_TRIGGER = re.compile(r"[;!?:«»]")
_ENTITY_AT_END = re.compile(_ENTITY + r"\Z")


def _prev_char(text: str, i: int) -> str:
    """The character before index i, an entity counting as one character.

    Returns "" at the start, " " for a space entity, "x" for another entity.
    """
    if i == 0:
        return ""
    if text[i - 1] == ";":
        entity = _ENTITY_AT_END.search(text, max(0, i - 40), i)
        if entity:
            return " " if re.fullmatch(_SPACE_ENTITY, entity.group()) else "x"
    return text[i - 1]


def _word_before(m: re.Match, reject: str) -> bool:
    """Whether a space may be inserted before the match: something visible,
    and not an opening bracket or mark ("(?)", "?!" get no inner space)."""
    prev = _prev_char(m.string, m.start())
    return prev != "" and not prev.isspace() and prev not in reject


def _space(run: str, target: str, insert: bool) -> str:
    """The space to put where `run` was: kept, normalised, inserted or none."""
    if run:
        return run if _NOBREAK.fullmatch(run) else target
    return target if insert else ""


def _apply(m: re.Match) -> str:
    if m.group("url") or m.group("keep"):
        return m.group()
    if m.group("open"):
        following = m.string[m.end():m.end() + 1]
        insert = following != "" and not following.isspace()
        return "«" + _space(m.group("after"), NBSP, insert)
    if m.group("close"):
        return _space(m.group("before"), NBSP, _word_before(m, "«([{")) + "»"
    mark = m.group("strong") or m.group("colon")
    target = NNBSP if m.group("strong") else NBSP
    insert = _word_before(m, "«([{;!?:")
    return _space(m.group("before"), target, insert) + mark


def french_text(text: str) -> str:
    """Apply French punctuation spacing to plain text (no markup)."""
    if not _TRIGGER.search(text):  # most text nodes: nothing to do
        return text
    return _RULES.sub(_apply, text)


# --- HTML walking --------------------------------------------------------------

# A quoted ">" stays inside the tag; an unquoted "<" ends the attempt early,
# so stray "<" in text cannot make the scan quadratic.
_ATTRS = r"""(?:[^<>"']|"[^"]*"|'[^']*')*"""
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"
    # Raw-text elements are taken whole (their content may hold "<" or tags);
    # an unclosed one runs to the end, so it stays protected.
    r"|<(script|style|textarea)\b" + _ATTRS + r">.*?(?:</\1\s*>|\Z)"
    r"|</?[A-Za-z][^\s/<>]*" + _ATTRS + ">"
    r"|<[!?][^<>]*>",  # doctype, CDATA, processing instruction
    re.IGNORECASE | re.DOTALL)
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")

# Elements whose text is code, not prose (script & co. are handled whole).
_PROTECTED = frozenset("code pre kbd samp var tt".split())
# Elements inside a line of text: the text around them reads as one.
_INLINE = frozenset("""a abbr b bdi bdo cite code data del dfn em i ins kbd
    mark q s samp small span strong sub sup time tt u var""".split())


def _with_context(prev: str, text: str) -> str:
    """Typeset a text node as if `prev` (the last visible character before
    it) were still in front of it, so "<em>x</em>?" gets its space."""
    if not prev or prev.isspace():
        return french_text(text)
    out = french_text(prev + text)
    # The rules never alter the leading character; fall back if they did.
    return out[1:] if out.startswith(prev) else french_text(text)


class _Walker:
    """Tracks, across tokens, whether we are in code and what came before."""

    def __init__(self) -> None:
        self.prev = ""  # last character of the running inline text
        self.depth = 0  # number of open protected elements

    def text(self, chunk: str) -> str:
        if chunk and self.depth == 0:
            chunk = _with_context(self.prev, chunk)
        if chunk:
            self.prev = _prev_char(chunk, len(chunk))
        return chunk

    def markup(self, chunk: str) -> None:
        tag = _TAG_NAME.match(chunk)
        if not tag:  # comment or declaration: invisible, context unchanged
            return
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name in _PROTECTED and not chunk.endswith("/>"):
            # A stray closing tag must not make the depth negative.
            self.depth = max(0, self.depth + (-1 if closing else 1))
        if name not in _INLINE:  # block boundary, <br>, <img>, <script>...
            self.prev = ""


def french_html(html: str) -> str:
    """Apply French punctuation spacing to the text nodes of an HTML fragment."""
    if not _TRIGGER.search(html):
        return html
    walker, out, pos = _Walker(), [], 0
    for m in _MARKUP.finditer(html):
        out.append(walker.text(html[pos:m.start()]))
        walker.markup(m.group())
        out.append(m.group())
        pos = m.end()
    out.append(walker.text(html[pos:]))
    return "".join(out)
