"""The Movable Type / TypePad reader: hand-written exports in tests/fixtures/imports/typepad/ read into an Export."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import ROOT
from importers.model import FormatError, ReadOptions
from importers.sources import movabletype

FIXTURES = ROOT / "tests" / "fixtures" / "imports" / "typepad"


@pytest.fixture(scope="module")
def export():
    return movabletype.read(FIXTURES / "export.txt", ReadOptions(lang="fr", site_timezone="Europe/Paris"))


@pytest.fixture(scope="module")
def items(export):
    return {item.slug: item for item in export.items}


def test_names_itself_typepad_and_movabletype():
    assert movabletype.FORMAT == "typepad"
    assert "movabletype" in movabletype.ALIASES


def test_each_entry_but_spam_becomes_a_post(export):
    assert [(item.slug, item.status, item.kind, item.lang) for item in export.items] == [
        ("cinq-idees-lettre", "published", "post", "fr"),
        ("le-contenu-qui-convertit", "published", "post", "fr"),
        ("ecrire-en-markdown", "published", "post", "fr"),
        ("calendrier-editorial-2010", "draft", "post", "fr"),
    ]
    assert export.items[0].title == "Cinq idées pour votre lettre d'information"
    assert export.items[0].source_id == "typepad:2008/03/cinq_idees_lettre"


def test_dates_are_read_in_the_site_timezone_with_am_pm_and_24_hours(items):
    assert items["cinq-idees-lettre"].date.isoformat() == "2008-03-05T21:15:00+01:00"
    assert items["le-contenu-qui-convertit"].date.isoformat() == "2009-11-12T14:30:00+01:00"
    assert items["ecrire-en-markdown"].date.isoformat() == "2010-02-01T10:00:00+01:00"


def test_another_timezone_gives_another_offset():
    export = movabletype.read(FIXTURES / "export.txt", ReadOptions(site_timezone="America/Montreal"))
    assert export.items[0].date.isoformat() == "2008-03-05T21:15:00-05:00"


@pytest.mark.parametrize("text, expected", [
    ("03/05/2008 09:15:00 PM", datetime(2008, 3, 5, 21, 15)),
    ("03/05/2008 12:10:00 AM", datetime(2008, 3, 5, 0, 10)),
    ("03/05/2008 12:10:00 PM", datetime(2008, 3, 5, 12, 10)),
    ("12/31/99 23:59:59", datetime(1999, 12, 31, 23, 59, 59)),
    ("1/2/03 8:05", datetime(1903, 1, 2, 8, 5)),
    ("07/14/2006", datetime(2006, 7, 14)),
])
def test_date_shapes(text, expected):
    zone = ZoneInfo("Europe/Paris")
    assert movabletype.parse_date(Path("x.txt"), text, "entry", zone) == expected.replace(tzinfo=zone)


def test_body_and_extended_body_are_joined_and_html_becomes_markdown(items):
    body = items["cinq-idees-lettre"].body
    assert body.startswith("Une lettre d'information n'est pas une brochure : c'est **une conversation**")
    assert "## 1\\. Un sujet par numéro" in body
    assert "* Un titre qui promet\n* Un appel à l'action" in body
    assert "<p>" not in body


def test_typepad_pictures_point_at_their_copies_without_the_popup_link(items):
    item = items["cinq-idees-lettre"]
    assert "![Un carnet ouvert sur un bureau]({static}/images/typepad/6a00d83451b36c69e2010534a1b2c3970c.jpg)" \
        in item.body
    assert "-pi" not in item.body and "typepad.com" not in item.body
    assert [(media.url, media.target, media.kind) for media in item.media] == [
        ("http://elise.typepad.com/.a/6a00d83451b36c69e2010534a1b2c3970c-800wi",
         "images/typepad/6a00d83451b36c69e2010534a1b2c3970c.jpg", "image")]


def test_convert_breaks_1_makes_paragraphs_and_line_breaks(items):
    assert items["le-contenu-qui-convertit"].body == (
        "Un article utile répond à une question précise.  \n"
        "Il le fait dès le premier paragraphe.\n"
        "\n"
        "Ensuite seulement viennent les *détails*, les exemples et le lien vers l'offre.\n")


def test_markdown_is_kept_with_its_rule_line_and_its_picture_copied(items):
    item = items["ecrire-en-markdown"]
    assert item.body == (
        "Le **Markdown** garde vos textes lisibles, même sans mise en page.\n\n"
        "![Le plan de l'article]({static}/images/typepad/plan.png)\n\n"
        "-----\n\n"
        "Une ligne de tirets sépare deux parties, comme ci-dessus.\n")
    assert [(media.url, media.target) for media in item.media] == [
        ("http://elise.typepad.com/photos/uncategorized/plan.png", "images/typepad/plan.png")]


def test_excerpt_is_the_summary(items):
    assert items["cinq-idees-lettre"].summary == "Cinq pistes simples pour écrire une lettre qu'on attend."
    assert items["le-contenu-qui-convertit"].summary is None


def test_categories_tags_and_keywords(export, items):
    assert export.categories == {
        "lettre-d-information": {"fr": "Lettre d'information"},
        "marketing": {"fr": "Marketing"},
        "outils": {"fr": "Outils"},
        "organisation": {"fr": "Organisation"},
    }
    letter = items["cinq-idees-lettre"]
    assert letter.category == "lettre-d-information"  # PRIMARY CATEGORY, though listed second
    assert letter.tags == ["marketing", "marketing-de-contenu", "emailing", "fidelisation"]
    assert items["le-contenu-qui-convertit"].category == "marketing"  # the first CATEGORY
    assert items["le-contenu-qui-convertit"].tags == ["seo", "redaction-web", "conversion"]
    assert export.tags["marketing-de-contenu"] == {"fr": "marketing de contenu"}  # the quoted name, whole
    assert export.tags["redaction-web"] == {"fr": "rédaction web"}


def test_author(export, items):
    assert export.authors == {"elise-marchand": {"name": "Élise Marchand"}}
    assert {item.author for item in export.items} == {"elise-marchand"}


def test_comments_with_their_dates_and_no_ip(export, items):
    comments = items["cinq-idees-lettre"].comments
    assert [(c.id, c.parent, c.author, c.date.isoformat(), c.email, c.website, c.status) for c in comments] == [
        ("mt:2008/03/cinq_idees_lettre:1", None, "Paul Girard", "2008-03-06T08:02:11+01:00",
         "paul@exemple.fr", "http://paul.exemple.fr/", "approved"),
        ("mt:2008/03/cinq_idees_lettre:2", None, "Claire", "2008-03-07T12:30:00+01:00", None, None, "approved"),
    ]
    assert comments[1].text == "Et pour la fréquence, vous conseillez quoi ?\nUne fois par mois ?"
    assert [c.author for c in items["le-contenu-qui-convertit"].comments] == ["Marc Lefèvre"]
    assert items["ecrire-en-markdown"].comments == []
    assert "192.0.2.10" not in repr(export) and "203.0.113.5" not in repr(export)


def test_old_addresses_rebuilt_from_basename_and_date(items):
    assert items["cinq-idees-lettre"].old_urls == ["/2008/03/cinq_idees_lettre.html",
                                                   "/2008/03/cinq-idees-lettre.html"]
    assert items["le-contenu-qui-convertit"].old_urls == ["/2009/11/le-contenu-qui-convertit.html",
                                                          "/2009/11/le_contenu_qui_convertit.html"]


def test_skipped_pings_filters_and_spam(export):
    assert [(s.source_id, s.what) for s in export.skipped] == [
        ("http://carnet-marketing.exemple.net/2008/03/rythme.html", "ping"),
        ("typepad:2010/01/calendrier_editorial_2010", "filter"),
        ("typepad:2010/05/abonnes_gratuits", "post"),
    ]
    assert "textile_2" in export.skipped[1].reason
    assert "spam" in export.skipped[2].reason
    assert all("abonnes" not in item.slug for item in export.items)


def test_windows_1252_export_is_read():
    export = movabletype.read(FIXTURES / "export-cp1252.txt", ReadOptions())
    [item] = export.items
    assert item.title == "L’œuvre d’un été à 5 €"
    assert item.body == "Une campagne d’été, un budget de 5 € par jour : le récit complet.\n"
    assert item.date.isoformat() == "2006-07-14T18:45:00+02:00"
    assert item.category == "etudes-de-cas" and export.categories["etudes-de-cas"] == {"fr": "Études de cas"}


def test_entry_without_basename_takes_its_slug_from_the_title(tmp_path):
    source = tmp_path / "export.txt"
    source.write_text("TITLE: Pourquoi bloguer en 2007 ?\nDATE: 04/02/2007 10:00:00 AM\n-----\n"
                      "BODY:\n<p>Parce que.</p>\n-----\n--------\n", "utf-8")
    [item] = movabletype.read(source, ReadOptions()).items
    assert (item.slug, item.old_urls, item.status) == (
        "pourquoi-bloguer-en-2007", ["/2007/04/pourquoi-bloguer-en-2007.html",
                                     "/2007/04/pourquoi_bloguer_en_2007.html"], "published")


def test_last_entry_without_its_closing_line_is_read_when_its_body_is_there(tmp_path):
    source = tmp_path / "export.txt"
    source.write_text("TITLE: Un\nDATE: 04/02/2007 10:00:00 AM\n-----\nBODY:\n<p>Un.</p>\n-----\n--------\n"
                      "TITLE: Deux\nDATE: 04/03/2007 10:00:00 AM\n-----\nBODY:\n<p>Deux.</p>\n", "utf-8")
    assert [item.body for item in movabletype.read(source, ReadOptions()).items] == ["Un.\n", "Deux.\n"]


@pytest.mark.parametrize("name, problem", [
    ("not-mt.txt", "not a Movable Type / TypePad export: the entry at line 1 has no TITLE, DATE or other "
                   "header line"),
    ("cut-short.txt", "cut short: the entry at line 12 ('Deuxième billet') ends before its BODY section"),
    ("bad-encoding.txt", "unknown encoding: line 1 is neither UTF-8 nor Windows-1252 (byte 0x81)"),
    ("bad-date.txt", "the entry at line 1 has a DATE not shaped MM/DD/YYYY hh:mm:ss: 'le 3 mars 2008'"),
    ("missing.txt", "no such file (expected a Movable Type / TypePad export, a .txt file)"),
])
def test_bad_input_is_one_line_naming_the_file(name, problem):
    with pytest.raises(FormatError) as raised:
        movabletype.read(FIXTURES / name, ReadOptions())
    assert str(raised.value) == f"{FIXTURES / name}: {problem}"
    assert "\n" not in str(raised.value)


def test_header_lines_without_any_body_are_not_an_export(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("TITLE: Liste de courses\nAUTHOR: moi\n", "utf-8")
    with pytest.raises(FormatError, match="no entry has a BODY section"):
        movabletype.read(source, ReadOptions())


def test_empty_file(tmp_path):
    source = tmp_path / "export.txt"
    source.write_bytes(b"\n\n")
    with pytest.raises(FormatError, match="empty file"):
        movabletype.read(source, ReadOptions())


def test_drafts_had_no_public_address(items):
    assert items["calendrier-editorial-2010"].old_urls == []


def test_utf8_and_windows_1252_lines_in_one_file_are_both_read(tmp_path):
    source = tmp_path / "export.txt"
    source.write_bytes("TITLE: Été\nDATE: 04/02/2007 10:00:00 AM\n-----\nBODY:\n".encode("utf-8")
                       + "<p>Déjà l’été.</p>\n".encode("cp1252") + b"-----\n--------\n")
    [item] = movabletype.read(source, ReadOptions()).items
    assert (item.title, item.body) == ("Été", "Déjà l’été.\n")


def test_allow_comments_0_or_2_closes_or_turns_off_the_thread(items):
    assert items["ecrire-en-markdown"].metadata == {"Comments": "off"}  # ALLOW COMMENTS: 0, no comment
    assert items["cinq-idees-lettre"].metadata == {}  # ALLOW COMMENTS: 1


def test_two_entries_with_one_basename_get_two_slugs_and_ids(tmp_path):
    source = tmp_path / "export.txt"
    entry = ("TITLE: Bilan\nBASENAME: bilan_de_l_ann\nDATE: {}/02/2007 10:00:00 AM\n-----\nBODY:\n<p>Texte.</p>\n"
             "-----\n--------\n")
    source.write_text(entry.format("01") + entry.format("01"), "utf-8")
    items = movabletype.read(source, ReadOptions()).items
    assert [(item.slug, item.source_id) for item in items] == [
        ("bilan-de-l-ann", "typepad:2007/01/bilan_de_l_ann"), ("bilan-de-l-ann-2", "typepad:2007/01/bilan_de_l_ann-2")]
    assert items[1].old_urls == []  # the address was the first one's
