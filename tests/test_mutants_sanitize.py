"""The comment sanitiser pinned down where `invoke mutate` found changes no test noticed (issue 28, part 3).

Each expectation is the sanitiser's real output for a small input: the cut keeps whole words and
entities, closes what it left open and never exceeds its byte budget; links, handlers and direction
controls are handled as the page needs.
"""

import pytest

from comments.sanitize import TAGS, clean_html, cut_html, plain_text, safe_link, without_bidi_controls

CUTS = [
    ("<p>Un deux trois quatre cinq</p>", 20, "<p>Un deux trois</p>"),   # exactly the budget
    ("<p>Un deux trois quatre cinq</p>", 24, "<p>Un deux trois</p>"),   # never half a word
    ("<p>été été été été</p>", 15, "<p>été</p>"),                        # bytes, not characters
    ("<p>a &amp; b &amp; c &amp; d</p>", 16, "<p>a &amp; b</p>"),        # entities whole
    ("<p>a &#233; b &#233; c</p>", 16, "<p>a é</p>"),
    ('<p>mot <a href="https://example.org/">un lien assez long</a></p>', 40, "<p>mot</p>"),  # no empty link
    ("<p>ligne<br>deux trois quatre</p>", 20, "<p>ligne<br>deux</p>"),   # a void tag needs no end tag
    ("<p>x<br/>y z w v u</p>", 14, "<p>x<br>y</p>"),
    ("<p>abcdefghijklmnopqrstuvwxyz</p>", 15, "<p>abcdefgh</p>"),        # one long word: its characters
    ("<p><em>un deux</em> trois</em> quatre cinq six</p>", 30, "<p><em>un deux</em> trois</p>"),  # stray end tag
    ("<p>un</p><p>deux trois quatre</p>", 19, "<p>un</p><p>deu</p>"),
    ("<p>un\tdeux\ntrois quatre</p>", 18, "<p>un\tdeux</p>"),            # tabs and newlines end words too
    ("<p>un deux\ttrois quatre</p>", 17, "<p>un deux</p>"),
    ("<p><em>un</em> deuxtroisquatre</p>", 26, "<p><em>un</em></p>"),   # the text's only space first
    ("<p>un <em> <b>deuxtroisquatre</b></em></p>", 22, "<p>un</p>"),    # spaces, then an empty element
    ("<p>ab</p><br>xyz", 13, "<p>ab</p><br>"),                           # a tag that fits exactly
    ("<p>ab</p><br>xyz", 12, "<p>ab</p>"),
]


@pytest.mark.parametrize(("html", "limit", "expected"), CUTS)
def test_the_cut_keeps_whole_words_and_entities_within_the_budget(html, limit, expected):
    cut = cut_html(html, limit)
    assert cut == expected
    assert len(cut.encode()) <= limit


def test_text_that_fits_exactly_is_returned_as_it_is():
    html = "<p>Un deux</p>"
    assert cut_html(html, len(html.encode())) is html
    assert cut_html(html, len(html.encode()) - 1) == "<p>Un</p>"


def test_a_long_comment_is_cut_at_the_start_even_past_the_first_slice():
    words = " ".join(["mot"] * 5000)          # 20 kB: read in several slices
    cut = cut_html(f"<p>{words}</p>", 9000)
    assert cut.startswith("<p>mot mot") and cut.endswith("mot</p>") and 8990 <= len(cut.encode()) <= 9000


def test_handlers_styles_scripts_and_comments_never_reach_the_page():
    html = ('<p onclick="x" style="y">a<!-- c --></p><script>x</script><div>d</div>'
            '<a href="javascript:alert(1)">j</a><a href="mailto:a@example.org" title="t">m</a>'
            '<a href="ftp://example.org/">f</a><a href="https://example.org/" title="s">h</a>')
    assert clean_html(html) == (
        '<p>a</p>d<a rel="nofollow ugc noopener">j</a>'
        '<a href="mailto:a@example.org" title="t" rel="nofollow ugc noopener">m</a>'
        '<a rel="nofollow ugc noopener">f</a>'
        '<a href="https://example.org/" title="s" rel="nofollow ugc noopener">h</a>')


@pytest.mark.parametrize("tag", sorted(TAGS - {"br", "a"}))
def test_every_formatting_tag_is_kept(tag):
    assert clean_html(f"<{tag}>x</{tag}>") == f"<{tag}>x</{tag}>"


def test_clean_html_takes_anything_that_prints_as_html():
    class Markup:
        def __str__(self):
            return "<b>x</b>"
    assert clean_html(Markup()) == "<b>x</b>" and plain_text(Markup()) == "x"


def test_plain_text_drops_tags_and_comments_and_decodes_entities():
    assert plain_text("  <p>a &amp; <b>b</b><!-- c --></p>  ") == "a & b"


@pytest.mark.parametrize(("url", "expected"), [
    (" https://example.org/a ", "https://example.org/a"),
    ("HTTP://example.org/", "HTTP://example.org/"),
    ("https:/example.org", None),        # no host
    ("javascript:alert(1)", None),
    ("ftp://example.org/", None),
    ("", None),
    (42, None),
    (None, None),
])
def test_only_http_addresses_with_a_host_are_links(url, expected):
    assert safe_link(url) == expected


def test_every_direction_control_is_removed_and_only_those():
    controls = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
    for code in controls:
        assert without_bidi_controls(f"a{chr(code)}b") == "ab", hex(code)
    for neighbour in (0x2029, 0x202F, 0x2065, 0x206A, 0x200D, 0x2010, 0x061B, 0x061D):
        assert without_bidi_controls(f"a{chr(neighbour)}b") == f"a{chr(neighbour)}b", hex(neighbour)
    assert without_bidi_controls(" \u202eMallory ") == "Mallory"


def test_a_link_keeps_only_its_address_and_title():
    html = '<a href="https://example.org/" hreflang="fr" type="text/html" title="t">b</a>'
    assert clean_html(html) == '<a href="https://example.org/" title="t" rel="nofollow ugc noopener">b</a>'
