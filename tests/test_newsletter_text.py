"""The text/plain part of the newsletter email: exact output for small HTML inputs."""

import email
import re
from email import policy

from sitekit.typography import french_html
from newsletter.blocks import email_blocks
from newsletter.links import LinkMaker
from newsletter.text import html_to_text
from test_newsletter import newsletter_project

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ; : ! ? in French


# Paragraphs, wrapping, whitespace

def test_paragraphs_are_separated_by_one_blank_line():
    assert html_to_text("<p>One.</p>\n\n\n<p>Two.</p>") == "One.\n\nTwo.\n"


def test_text_is_wrapped_at_the_given_width():
    assert html_to_text("<p>aaa bbb ccc ddd</p>", width=7) == "aaa bbb\nccc ddd\n"


def test_a_word_longer_than_the_width_stays_whole_on_its_own_line():
    html = "<p>a supercalifragilistic b</p>"
    assert html_to_text(html, width=5) == "a\nsupercalifragilistic\nb\n"


def test_a_url_is_never_broken_at_its_hyphens():
    html = "<p>See https://example.com/a-very-long-path-with-hyphens now</p>"
    assert html_to_text(html, width=20) == (
        "See\n"
        "https://example.com/a-very-long-path-with-hyphens\n"
        "now\n"
    )


def test_whitespace_collapses_and_br_breaks_the_line():
    html = "<p>  Hello \n\t  <em>world</em>  !<br>\n   Next line</p>"
    assert html_to_text(html) == "Hello world !\nNext line\n"


def test_output_is_tidy_one_final_newline_no_trailing_spaces_no_double_blank():
    html = "<p>a  </p><p><br><br><br></p><p>b<br><br><br>c</p><p>&nbsp;</p>"
    assert html_to_text(html) == "a\n\nb\n\nc\n"


def test_comments_are_ignored():
    assert html_to_text("<p>a<!-- note for editors --> b</p>") == "a b\n"


def test_no_text_at_all_gives_an_empty_string():
    assert html_to_text("  <!-- nothing --> <p> </p>") == ""


# Headings

def test_h1_is_underlined_with_equals_signs():
    assert html_to_text("<h1>Hello</h1><p>Text</p>") == "Hello\n=====\n\nText\n"


def test_h2_underline_counts_emoji_and_accents_as_one_character():
    html = "<p>Before</p><h2>Nouveautés 🎉</h2><p>After</p>"
    underline = "-" * len("Nouveautés 🎉")
    assert underline == "------------"
    assert html_to_text(html) == f"Before\n\nNouveautés 🎉\n{underline}\n\nAfter\n"


def test_h3_to_h6_stand_on_their_own_line_between_blank_lines():
    html = "<p>a</p><h3>Small</h3><p>b</p><h6>Tiny</h6>"
    assert html_to_text(html) == "a\n\nSmall\n\nb\n\nTiny\n"


# Lists

def test_unordered_items_start_with_a_dash_and_continue_under_the_text():
    html = "<ul><li>First item is long enough</li><li>Second</li></ul>"
    assert html_to_text(html, width=16) == "- First item is\n  long enough\n- Second\n"


def test_ordered_items_are_numbered_and_continue_under_the_text():
    html = "<ol><li>Un</li><li>Deux trois quatre</li></ol>"
    assert html_to_text(html, width=14) == "1. Un\n2. Deux trois\n   quatre\n"


def test_ordered_list_honours_start_and_aligns_under_two_digit_numbers():
    html = '<ol start="9"><li>nine</li><li>ten is here</li></ol>'
    assert html_to_text(html, width=12) == "9. nine\n10. ten is\n    here\n"


def test_nested_lists_are_indented_two_more_spaces_per_level():
    html = (
        "<ul>\n<li>Fruits\n<ul>\n<li>Pommes</li>\n<li>Poires\n"
        "<ol>\n<li>Williams</li>\n</ol>\n</li>\n</ul>\n</li>\n<li>Légumes</li>\n</ul>"
    )
    assert html_to_text(html) == (
        "- Fruits\n"
        "  - Pommes\n"
        "  - Poires\n"
        "    1. Williams\n"
        "- Légumes\n"
    )


def test_a_list_stands_apart_from_the_paragraphs_around_it():
    html = "<p>Intro</p><ul><li>a</li></ul><p>End</p>"
    assert html_to_text(html) == "Intro\n\n- a\n\nEnd\n"


def test_a_loose_list_keeps_blank_lines_between_items_and_paragraphs():
    html = "<ul>\n<li>\n<p>One</p>\n</li>\n<li>\n<p>Two</p>\n<p>More</p>\n</li>\n</ul>"
    assert html_to_text(html) == "- One\n\n- Two\n\n  More\n"


def test_post_list_of_the_template_with_link_and_summary():
    html = '<ul><li><a href="https://ex.com/p">Titre</a><br>Résumé</li></ul>'
    assert html_to_text(html) == "- Titre [1]\n  Résumé\n\nLinks:\n[1] https://ex.com/p\n"


# Blockquotes

def test_blockquote_lines_are_prefixed_and_wrapped_inside():
    html = "<blockquote><p>aaa bbb ccc</p></blockquote>"
    assert html_to_text(html, width=9) == "> aaa bbb\n> ccc\n"


def test_nested_blockquotes_are_prefixed_twice():
    html = "<blockquote><p>Outer</p><blockquote><p>Inner</p></blockquote></blockquote>"
    assert html_to_text(html) == "> Outer\n>\n> > Inner\n"


def test_blockquote_with_a_paragraph_and_a_list():
    html = (
        "<blockquote>\n<p>Comme disait Anne\u00a0:</p>\n"
        "<ul>\n<li>écrire court</li>\n<li>relire</li>\n</ul>\n</blockquote>"
    )
    assert html_to_text(html) == "> Comme disait Anne\u00a0:\n>\n> - écrire court\n> - relire\n"


# Links

def test_link_gets_a_reference_and_is_listed_at_the_end():
    html = '<p>Lire <a href="https://example.com/article">l’article</a>.</p>'
    assert html_to_text(html) == (
        "Lire l’article [1].\n"
        "\n"
        "Links:\n"
        "[1] https://example.com/article\n"
    )


def test_a_repeated_url_keeps_its_number_and_is_listed_once():
    html = (
        '<p><a href="https://b.example/">B</a>, <a href="https://a.example/">A</a>'
        ' et encore <a href="https://b.example/">B</a>.</p>'
    )
    assert html_to_text(html) == (
        "B [1], A [2] et encore B [1].\n\nLinks:\n[1] https://b.example/\n[2] https://a.example/\n"
    )


def test_the_links_heading_can_be_french():
    html = '<p><a href="https://example.fr/">Le site</a></p>'
    assert html_to_text(html, links_heading="Liens :") == (
        "Le site [1]\n\nLiens :\n[1] https://example.fr/\n"
    )


def test_a_link_showing_its_own_url_is_written_once_without_number():
    html = '<p>Voir <a href="https://example.com/">https://example.com/</a></p>'
    assert html_to_text(html) == "Voir https://example.com/\n"


def test_a_mailto_link_showing_its_address_is_not_numbered():
    html = (
        '<p>Écrire à <a href="mailto:anne@example.com">anne@example.com</a>'
        ' ou à <a href="mailto:anne@example.com">Anne</a></p>'
    )
    assert html_to_text(html) == (
        "Écrire à anne@example.com ou à Anne [1]\n\nLinks:\n[1] mailto:anne@example.com\n"
    )


def test_a_mailto_link_obfuscated_by_markdown_is_decoded():
    html = '<p><a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;a&#64;b.fr">a&#64;b.fr</a></p>'
    assert html_to_text(html) == "a@b.fr\n"


def test_a_link_to_an_anchor_is_plain_text():
    html = '<p><a href="#notes">Notes</a> en bas</p>'
    assert html_to_text(html) == "Notes en bas\n"


def test_a_placeholder_link_is_listed_verbatim():
    html = (
        '<p><a href="[[UNSUBSCRIBE_URL]]">Se désabonner</a> ·'
        ' <a href="https://example.com/u?id=%5B%5BSUBSCRIBER_ID%5D%5D">Préférences</a></p>'
    )
    assert html_to_text(html) == (
        "Se désabonner [1] · Préférences [2]\n"
        "\n"
        "Links:\n"
        "[1] [[UNSUBSCRIBE_URL]]\n"
        "[2] https://example.com/u?id=[[SUBSCRIBER_ID]]\n"
    )


# Images and figures

def test_an_image_with_alt_text_stands_on_its_own_line():
    html = '<p>Voici <img src="chat.png" alt="Mon  chat"> dormant</p>'
    assert html_to_text(html) == "Voici\n[Image: Mon chat]\ndormant\n"


def test_an_image_without_alt_text_leaves_nothing():
    html = '<p>Avant</p><p><img src="spacer.gif" alt=""></p><p>Texte <img src="d.png"> suite</p>'
    assert html_to_text(html) == "Avant\n\nTexte suite\n"


def test_a_figure_gives_the_image_line_then_its_caption():
    html = (
        '<figure><img src="c.png" alt="Un chat"><figcaption>Mon chat, en 2024</figcaption></figure>'
        '<figure><a href="https://ex.com/"><img src="l.png" alt="Logo"></a></figure>'
    )
    assert html_to_text(html) == (
        "[Image: Un chat]\nMon chat, en 2024\n\n[Image: Logo] [1]\n\nLinks:\n[1] https://ex.com/\n"
    )


# Code

def test_a_code_block_keeps_its_lines_unwrapped_and_indented():
    html = (
        "<p>Code :</p>\n"
        "<pre><code>def greet():\n"
        '    return "a  b" if x &lt; 2 else "a very long line"\n</code></pre>\n'
        "<p>Fin</p>"
    )
    assert html_to_text(html, width=10) == (
        "Code :\n"
        "\n"
        "    def greet():\n"
        '        return "a  b" if x < 2 else "a very long line"\n'
        "\n"
        "Fin\n"
    )


def test_inline_code_is_written_as_is():
    assert html_to_text("<p>Lancer <code>make html</code>.</p>") == "Lancer make html.\n"


# Rules, emphasis, tables

def test_a_horizontal_rule_is_twenty_dashes():
    assert html_to_text("<p>a</p><hr><p>b</p>") == "a\n\n--------------------\n\nb\n"


def test_strong_and_em_give_their_text_only():
    html = "<p><strong>Gras</strong>, <em>italique</em> et <b>b</b><i>i</i></p>"
    assert html_to_text(html) == "Gras, italique et bi\n"


def test_a_table_gives_one_line_per_row():
    html = (
        "<table><thead><tr><th>Offre</th><th>Prix</th></tr></thead>"
        "<tbody><tr><td>Base</td><td>10\u00a0€</td></tr></tbody></table>"
    )
    assert html_to_text(html) == "Offre | Prix\nBase | 10\u00a0€\n"


def test_a_layout_table_is_only_a_container():
    html = '<table role="presentation"><tr><td><p>Un</p></td><td><p>Deux</p></td></tr></table>'
    assert html_to_text(html) == "Un\n\nDeux\n"


# What is dropped

def test_invisible_and_html_only_elements_are_dropped():
    html = (
        "<head><title>T</title><style>p { color: red }</style></head>"
        "<p>Visible</p><script>track()</script>"
        '<p aria-hidden="true">A</p><p hidden>B</p><div class="cta email-only-html">C</div>'
        '<p>Aussi <span aria-hidden="true">✉</span>visible</p>'
    )
    assert html_to_text(html) == "Visible\n\nAussi visible\n"


# Entities and French typography

def test_entities_are_decoded_and_no_break_spaces_kept():
    html = "<p>Caf&eacute; &amp; th&eacute;&nbsp;! &laquo;&#8239;oui&#8239;&raquo;</p>"
    assert html_to_text(html) == f"Café & thé{NBSP}! «{NNBSP}oui{NNBSP}»\n"


def test_a_french_paragraph_wraps_without_breaking_at_no_break_spaces():
    html = (
        f"<p>«{NBSP}Bonjour{NBSP}», dit-elle{NNBSP}:"
        f" «{NBSP}Lisez la lettre{NBSP}!{NBSP}»</p>"
    )
    assert html_to_text(html, width=20) == (
        f"«{NBSP}Bonjour{NBSP}»,\n"
        f"dit-elle{NNBSP}: «{NBSP}Lisez\n"
        f"la lettre{NBSP}!{NBSP}»\n"
    )


def test_a_line_is_never_broken_at_a_no_break_space_even_when_tight():
    assert html_to_text(f"<p>abc def{NBSP}!</p>", width=8) == f"abc\ndef{NBSP}!\n"
    assert html_to_text(f"<p>abc def{NNBSP}?</p>", width=8) == f"abc\ndef{NNBSP}?\n"


# Inputs the lxml parser needs handled explicitly

def test_empty_or_blank_input_gives_an_empty_string():
    assert html_to_text("") == ""
    assert html_to_text(" \n\t ") == ""
    assert html_to_text("<!-- brouillon -->\n") == ""


def test_processing_instructions_and_cdata_are_ignored_like_comments():
    assert html_to_text("<p>un<?php echo 1 ?> deux<![CDATA[ trois ]]></p>") == "un deux\n"


def test_an_xml_declaration_does_not_stop_the_parse():
    assert html_to_text('<?xml version="1.0" encoding="utf-8"?><p>Bonjour</p>') == "Bonjour\n"


def test_the_rows_of_a_nested_table_stay_in_their_cell():
    html = (
        "<table><tr><td>Prix</td><td><table><tr><td>10</td><td>20</td></tr></table></td></tr>"
        "<tr><td>Total</td><td>30</td></tr></table>"
    )
    assert html_to_text(html) == "Prix | 10 20\nTotal | 30\n"


def test_a_lone_no_break_space_is_wrapped_as_textwrap_does():
    assert html_to_text(f"<p>aaa bbb {NBSP} ccc</p>", width=7) == f"aaa bbb\n{NBSP} ccc\n"


# The HTML of the text blocks (newsletter/blocks.py): written as BeautifulSoup wrote it

def text_block_html(html):
    maker = LinkMaker("https://elise-marchand.example", {"utm_source": "newsletter"})
    [block] = email_blocks(html, maker)
    assert block.kind == "text"
    return block.html


def test_text_block_attributes_are_sorted_quoted_and_escaped_and_br_is_self_closed():
    html = ('<p>Il a dit <a href="/x" title=\'« Oui » &amp; "non"\'>ça</a> &amp; '
            '<em title="l\'été &quot;chaud&quot;">plus</em><br>fin &lt;3</p>')
    assert text_block_html(html) == (
        '<p style="margin:0 0 14px;">Il a dit <a href="https://elise-marchand.example/x?utm_source=newsletter"'
        ' style="color:#a4361d;" title=\'« Oui » &amp; "non"\'>ça</a> &amp; '
        '<em title="l\'été &quot;chaud&quot;">plus</em><br/>fin &lt;3</p>'
    )


def test_text_block_keeps_comments_and_shrinks_blank_text_to_one_newline():
    html = '<ul>\n\n<li>Un</li>\n\n</ul>\n<p>a<!-- note -->b</p>'
    assert text_block_html(html) == (
        '<ul style="margin:0 0 14px;padding-left:22px;">\n<li style="margin:0 0 6px;">Un</li>\n</ul>'
        '<p style="margin:0 0 14px;">a<!-- note -->b</p>'
    )
    assert text_block_html("<!-- brouillon -->") == "<!-- brouillon -->"


def test_text_block_keeps_the_whitespace_of_code():
    assert text_block_html("<pre><code>a  &lt; b\n\n\n  c</code></pre>") == (
        '<pre style="white-space:pre-wrap;font-family:Menlo,Consolas,monospace;font-size:14px;">'
        '<code style="font-family:Menlo,Consolas,monospace;font-size:14px;">a  &lt; b\n\n\n  c</code></pre>'
    )


def test_text_block_writes_an_attribute_without_value_as_empty():
    html = '<p>Cochez <input type="checkbox" checked disabled></p>'
    assert text_block_html(html) == (
        '<p style="margin:0 0 14px;">Cochez <input checked="" disabled="" type="checkbox"/></p>'
    )


def test_a_figure_caption_leaves_comments_out():
    maker = LinkMaker("https://elise-marchand.example")
    html = '<figure><img src="/c.jpg" alt="Chat"><figcaption>Mon <b>chat</b><!-- privé --> en 2024</figcaption></figure>'
    [block] = email_blocks(html, maker)
    assert (block.kind, block.caption) == ("image", "Mon chat en 2024")


# French typography in the text part: the rules of the site (sitekit/typography.py),
# handed in by the plugin since newsletter/ imports nothing of the project

def test_a_french_text_part_gets_the_site_typography_and_its_own_labels_too():
    html = ('<p>Voir en ligne: https://example.org/a?b=1;c=2</p><p>Vous aimez? <code>a:b ?</code></p>'
            '<p><img src="/x.jpg" alt="Un chat: le mien"></p>')
    assert html_to_text(html, links_heading="Liens\u00a0:", typeset=french_html) == (
        f"Voir en ligne{NBSP}: https://example.org/a?b=1;c=2\n\n"
        f"Vous aimez{NNBSP}? a:b ?\n\n"
        f"[Image{NBSP}: Un chat{NBSP}: le mien]\n"
    )


def test_without_typesetting_the_text_is_left_as_written():
    html = '<p>View online: https://example.org/ Really?</p><p><img src="/x.jpg" alt="A cat: mine"></p>'
    assert html_to_text(html) == "View online: https://example.org/ Really?\n\n[Image: A cat: mine]\n"


def test_the_french_email_text_part_has_french_typography_and_the_english_one_keeps_its_own(tmp_path):
    project = newsletter_project(tmp_path, {
        "fr/a.md": {"number": 1, "lang": "fr", "body": "Bonjour! Une question: vous lisez?"},
        "en/a.md": {"number": 1, "lang": "en", "body": "Hello! A question: do you read?"}})
    project.build(COMMENTS={"isso": {"url": "http://127.0.0.1:9/"}, "default_state": "off"})

    def text_part(lang):
        data = (project.folder / f"outbox/issue-1-{lang}.eml").read_bytes()
        text = email.message_from_bytes(data, policy=policy.default).get_body(("plain",)).get_content()
        return text.replace("\r\n", "\n")

    french, english = text_part("fr"), text_part("en")
    assert re.search(f"Voir en ligne{NBSP}:\\s+http://", french), french
    assert f"Se désabonner{NBSP}: [[UNSUBSCRIBE_URL]]" in french
    assert f"Bonjour{NNBSP}! Une question{NBSP}: vous lisez{NNBSP}?" in french
    assert f"Liens{NBSP}:\n[1] http://" in french
    assert re.search("View online:\\s+http://", english) and "Unsubscribe: [[UNSUBSCRIBE_URL]]" in english
    assert "Hello! A question: do you read?" in english and NBSP not in english and NNBSP not in english
