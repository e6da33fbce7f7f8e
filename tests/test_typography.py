"""Tests for sitekit/typography.py (French punctuation spacing).

The module is loaded from its file, not as part of a package,
so these tests do not need Pelican.
"""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "french_typography", ROOT / "sitekit" / "typography.py")
typography = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(typography)

french_html = typography.french_html
french_text = typography.french_text
NNBSP = typography.NNBSP
NBSP = typography.NBSP


def test_constants():
    assert NNBSP == "\u202f"
    assert NBSP == "\u00a0"


# (input, expected) for plain text; every input is also checked through
# french_html (no markup: same result) and for idempotence.
TEXT_CASES = [
    # ; ! ? with a space, without, with several spaces or a tab
    ("Bonjour !", f"Bonjour{NNBSP}!"),
    ("Bonjour!", f"Bonjour{NNBSP}!"),
    ("Bonjour   !", f"Bonjour{NNBSP}!"),
    ("Bonjour\t!", f"Bonjour{NNBSP}!"),
    ("Quoi ? Oui.", f"Quoi{NNBSP}? Oui."),
    ("Quoi?", f"Quoi{NNBSP}?"),
    ("a ; b", f"a{NNBSP}; b"),
    ("a; b", f"a{NNBSP}; b"),
    # several marks: one space before the first only
    ("Vraiment ?!", f"Vraiment{NNBSP}?!"),
    ("Vraiment?!", f"Vraiment{NNBSP}?!"),
    ("Non!!!", f"Non{NNBSP}!!!"),
    # after a closing parenthesis or guillemet, before closing punctuation
    ("(vraiment)!", f"(vraiment){NNBSP}!"),
    ("Quoi?)", f"Quoi{NNBSP}?)"),
    ("Quoi?.", f"Quoi{NNBSP}?."),
    # colon: no-break space
    ("Note : la suite", f"Note{NBSP}: la suite"),
    ("Note: la suite", f"Note{NBSP}: la suite"),
    ("Note:", f"Note{NBSP}:"),
    # guillemets, both forms, and marks next to them
    ("« Bonjour »", f"«{NBSP}Bonjour{NBSP}»"),
    ("«Bonjour»", f"«{NBSP}Bonjour{NBSP}»"),
    ("«   Bonjour   »", f"«{NBSP}Bonjour{NBSP}»"),
    ("«Oui»!", f"«{NBSP}Oui{NBSP}»{NNBSP}!"),
    ("« Quoi ? »", f"«{NBSP}Quoi{NNBSP}?{NBSP}»"),
    ("«Quoi?»", f"«{NBSP}Quoi{NNBSP}?{NBSP}»"),
    # existing no-break spaces are kept as they are
    (f"Bonjour{NNBSP}!", f"Bonjour{NNBSP}!"),
    (f"Bonjour{NBSP}!", f"Bonjour{NBSP}!"),
    (f"Note{NBSP}:", f"Note{NBSP}:"),
    (f"Bonjour {NNBSP}!", f"Bonjour{NNBSP}!"),
    # nothing to insert at the start, after an opening bracket, at a line start
    ("! Bonjour", "! Bonjour"),
    ("? oui", "? oui"),
    ("(?)", "(?)"),
    ("[!]", "[!]"),
    ("Bonjour\n!", "Bonjour\n!"),
]

UNCHANGED_TEXT = [
    "Rendez-vous à 10:30.",
    "12:30:45",
    "mailto:moi@exemple.fr",
    "https://exemple.fr",
    "page?utm_source=x&a=1;b",
    "?x",
    "a;b",
    "C++::std",
    # URLs are left whole, trailing punctuation included
    "Voir https://exemple.fr/page?a=1!",
    "Voir http://exemple.fr/?a=1;b=2&c=3:",
    "Voir www.exemple.fr/?q=1;2",
    # entities are never split
    "Tom &amp; Jerry",
    "l&#8217;été",
    "emoji &#x1F600; ok",
    "&eacute;t&eacute;",
    "Bonjour&nbsp;!",
    "Bonjour&#160;!",
    "Bonjour&#x202F;!",
    "",
    "Rien à faire ici.",
]


@pytest.mark.parametrize("text, expected", TEXT_CASES)
def test_french_text(text, expected):
    assert french_text(text) == expected


@pytest.mark.parametrize("text", UNCHANGED_TEXT)
def test_french_text_unchanged(text):
    assert french_text(text) == text


@pytest.mark.parametrize("text, expected", [
    ("R&amp;D !", f"R&amp;D{NNBSP}!"),
    ("R&amp;D!", f"R&amp;D{NNBSP}!"),
    ("Tom &amp; Jerry ; fin", f"Tom &amp; Jerry{NNBSP}; fin"),
    ("l&#8217;été?", f"l&#8217;été{NNBSP}?"),
    # a space entity plus a space is one run: normalised
    ("Bonjour &nbsp;!", f"Bonjour{NNBSP}!"),
    ("Voir https://exemple.fr !", f"Voir https://exemple.fr{NNBSP}!"),
    ("Écrire à moi@exemple.fr !", f"Écrire à moi@exemple.fr{NNBSP}!"),
])
def test_french_text_entities_and_urls(text, expected):
    assert french_text(text) == expected


ALL_TEXTS = [t for t, _ in TEXT_CASES] + UNCHANGED_TEXT


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_idempotent_text(text):
    once = french_text(text)
    assert french_text(once) == once


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_html_without_markup_is_text(text):
    assert french_html(text) == french_text(text)


# --- HTML --------------------------------------------------------------------

@pytest.mark.parametrize("html, expected", [
    ("<p>Bonjour !</p>", f"<p>Bonjour{NNBSP}!</p>"),
    ("<P>Bonjour!</P>", f"<P>Bonjour{NNBSP}!</P>"),
    ('<p class="x">Note: oui</p>', f'<p class="x">Note{NBSP}: oui</p>'),
    ("<p>« Bonjour »</p>", f"<p>«{NBSP}Bonjour{NBSP}»</p>"),
    ("<p>Tom &amp; Jerry&nbsp;!</p>", "<p>Tom &amp; Jerry&nbsp;!</p>"),
    ("<p>Tom &amp; Jerry ;</p>", f"<p>Tom &amp; Jerry{NNBSP};</p>"),
    # colon at the end of a text node (before a closing tag)
    ("<p><strong>Note:</strong> texte</p>",
     f"<p><strong>Note{NBSP}:</strong> texte</p>"),
    ("<p><strong>Note</strong> : texte</p>",
     f"<p><strong>Note</strong>{NBSP}: texte</p>"),
    ("<p>Quoi ?<br>\nOui.</p>", f"<p>Quoi{NNBSP}?<br>\nOui.</p>"),
])
def test_french_html(html, expected):
    assert french_html(html) == expected


@pytest.mark.parametrize("html, expected", [
    # after an inline element, its text counts as what precedes
    ("<p><em>Vraiment</em>?</p>", f"<p><em>Vraiment</em>{NNBSP}?</p>"),
    ("<p><STRONG>Non</STRONG>!</p>", f"<p><STRONG>Non</STRONG>{NNBSP}!</p>"),
    ('<p><a href="/x">lien</a>: suite</p>',
     f'<p><a href="/x">lien</a>{NBSP}: suite</p>'),
    ("<p>Lancez <code>make</code>!</p>",
     f"<p>Lancez <code>make</code>{NNBSP}!</p>"),
    ("<p>«<em>Bonjour</em>»</p>", f"<p>«<em>{NBSP}Bonjour</em>{NBSP}»</p>"),
    ("<p>« <em>Bonjour</em> »</p>", f"<p>«{NBSP}<em>Bonjour</em>{NBSP}»</p>"),
    ("<p><em>Quoi?</em>!</p>", f"<p><em>Quoi{NNBSP}?</em>!</p>"),
    # an existing space inside the element: nothing added after it
    ("<p><em>Vraiment </em>?</p>", "<p><em>Vraiment </em>?</p>"),
    # a space run at the start of a node is still normalised
    ("<p><em>Vraiment</em> ?</p>", f"<p><em>Vraiment</em>{NNBSP}?</p>"),
    # after a block boundary, <br> or <img>: unknown, nothing inserted
    ("<p>Bonjour</p>\n<p>!</p>", "<p>Bonjour</p>\n<p>!</p>"),
    ("<p>?</p>", "<p>?</p>"),
    ("<p>Oui<br>!</p>", "<p>Oui<br>!</p>"),
    ('<p><img src="a.png">?</p>', '<p><img src="a.png">?</p>'),
    # comments are invisible: the context goes through them
    ("<p><em>Oui</em><!-- x -->!</p>", f"<p><em>Oui</em><!-- x -->{NNBSP}!</p>"),
])
def test_html_context_across_tags(html, expected):
    assert french_html(html) == expected


@pytest.mark.parametrize("html", [
    "<code>a ? b : c; d!</code>",
    "<pre>x ? y : z;</pre>",
    "<pre><code>x ? y : z;\nif a: pass</code></pre>",
    "<pre><code>a ? b</code> encore ? <em>ici !</em></pre>",
    '<pre class="hl"><code class="language-py">a ? b</code></pre>',
    "<PRE><CODE>a ? b</CODE></PRE>",
    "<kbd>Ctrl ;</kbd>",
    "<samp>Erreur : non</samp>",
    "<var>x?</var>",
    "<tt>a : b</tt>",
    "<script>if (a<b) { x = y ? 1 : 2; }</script>",
    '<script type="text/javascript">var s = "</p>oui !";</script>',
    "<SCRIPT>alert('Oui !');</SCRIPT>",
    "<style>a:hover { color: red; }</style>",
    "<textarea>Quoi ?</textarea>",
    "<!-- Attention : commentaire ! -->",
    '<a title="Question ?" href="page?y=1;z=2">x</a>',
    "<img alt='Quoi ?' src=\"a.png?v=1\" />",
    '<abbr title="Hyper : texte">HT</abbr>',
    # unclosed protected elements protect the rest
    "<pre>a ? b",
    "<script>a ? b",
])
def test_protected_html_unchanged(html):
    assert french_html(html) == html


def test_protected_then_prose():
    html = "<pre><code>a ? b</code></pre>\n<p>Et ensuite ?</p>"
    assert french_html(html) == (
        f"<pre><code>a ? b</code></pre>\n<p>Et ensuite{NNBSP}?</p>")
    html = "<p>Tapez <kbd>Ctrl ;</kbd> puis : fin !</p>"
    assert french_html(html) == (
        f"<p>Tapez <kbd>Ctrl ;</kbd> puis{NBSP}: fin{NNBSP}!</p>")


def test_stray_closing_tag_does_not_protect_or_crash():
    html = "<p>a</code> Oui ! <code>x ?</code> Non !</p>"
    assert french_html(html) == (
        f"<p>a</code> Oui{NNBSP}! <code>x ?</code> Non{NNBSP}!</p>")


def test_self_closing_protected_tag_opens_nothing():
    html = "<p><code/> Oui !</p>"
    assert french_html(html) == f"<p><code/> Oui{NNBSP}!</p>"


def test_quoted_greater_than_in_attribute():
    html = '<p><a title="a > b ?" href="#">Oui</a> !</p>'
    assert french_html(html) == f'<p><a title="a > b ?" href="#">Oui</a>{NNBSP}!</p>'


SAMPLE = """\
<!-- en-tête : ne pas toucher ! -->
<h2 id="intro">Introduction : pourquoi ?</h2>
<p>Bonjour ! Voici <a href="https://exemple.fr/page?utm_source=x&amp;a=1;b"
title="Un lien ?">un lien</a> ; et «citation» ou « autre ». R&amp;D à 10:30.</p>
<p><em>Vraiment</em>? <STRONG class='x'>Oui</STRONG>! Voir https://exemple.fr/?q=1!</p>
<ul>
<li>Premier point :</li>
<li>Second point ; fin</li>
</ul>
<pre><code class="language-python">def f(x): return x if x else None; # ok ?
</code></pre>
<p>Du code <code>a ? b : c</code> puis <kbd>Ctrl</kbd>+<kbd>;</kbd>.<br/>
<img src="a.png?v=2" alt="Légende : ici !"> Fin&nbsp;!</p>
<script>var a = b ? c : d;</script>
<STYLE>p:first-child { margin: 0; }</STYLE>
"""


def _markup(html):
    return re.findall(r"<[^>]*>", html)


def test_sample_markup_preserved_byte_for_byte():
    out = french_html(SAMPLE)
    assert out != SAMPLE
    assert _markup(out) == _markup(SAMPLE)
    # Removing what was added/normalised gives back the input's characters.
    strip = lambda s: re.sub(f"[ {NBSP}{NNBSP}]", "", s)  # noqa: E731
    assert strip(out) == strip(SAMPLE)


def test_sample_expected_changes():
    out = french_html(SAMPLE)
    assert f"Introduction{NBSP}: pourquoi{NNBSP}?</h2>" in out
    assert f"<p>Bonjour{NNBSP}! Voici" in out
    assert f"</a>{NNBSP}; et «{NBSP}citation{NBSP}» ou «{NBSP}autre{NBSP}»." in out
    assert "R&amp;D à 10:30." in out
    assert f"<em>Vraiment</em>{NNBSP}? <STRONG class='x'>Oui</STRONG>{NNBSP}!" in out
    assert "Voir https://exemple.fr/?q=1!</p>" in out
    assert f"<li>Premier point{NBSP}:</li>" in out
    assert f"<li>Second point{NNBSP}; fin</li>" in out
    assert "return x if x else None; # ok ?\n</code>" in out
    assert "<code>a ? b : c</code>" in out
    assert "<kbd>;</kbd>." in out
    assert "Fin&nbsp;!</p>" in out
    assert "<script>var a = b ? c : d;</script>" in out
    assert "<STYLE>p:first-child { margin: 0; }</STYLE>" in out


def test_idempotent_html():
    once = french_html(SAMPLE)
    assert french_html(once) == once


def test_large_input_is_fast():
    # Guards against accidental quadratic behaviour (stray "<", long runs).
    import time
    nasty = "<a " * 20000 + "a." * 20000 + " " * 20000 + "!"
    start = time.perf_counter()
    french_html(nasty + SAMPLE * 200)
    assert time.perf_counter() - start < 5
