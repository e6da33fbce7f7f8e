"""The LinkedIn articles reader: hand-written article files in tests/fixtures/imports/linkedin/ read into an Export."""

import shutil
import zipfile

import pytest

from conftest import ROOT
from importers.model import FormatError, ReadOptions
from importers.sources import linkedin

FIXTURES = ROOT / "tests" / "fixtures" / "imports" / "linkedin"
EXPORT = FIXTURES / "export"
ARTICLES = EXPORT / "Articles" / "Articles"
COVER = ("https://media.licdn.com/dms/image/D4E12AQHx1cOuVeRt9Q/article-cover_image-shrink_720_1280/0/"
         "1665677142871?e=1700000000&v=beta&t=abc123")


@pytest.fixture(scope="module")
def export():
    return linkedin.read(EXPORT, ReadOptions(lang="fr"))


@pytest.fixture(scope="module")
def items(export):
    return {item.slug: item for item in export.items}


def test_each_article_becomes_a_post_the_unpublished_one_a_draft(export):
    assert linkedin.FORMAT == "linkedin"
    assert [(item.slug, item.title, item.status, item.kind, item.lang) for item in export.items] == [
        ("cinq-erreurs-qui-tuent-une-newsletter", "Cinq erreurs qui tuent une newsletter", "published", "post", "fr"),
        ("le-storytelling-en-b2b", "Le storytelling en B2B", "published", "post", "fr"),
        ("idees-pour-la-rentree", "Idées pour la rentrée", "draft", "post", "fr"),
    ]
    assert export.skipped == []


def test_dates_published_else_created_in_utc(items):
    assert items["cinq-erreurs-qui-tuent-une-newsletter"].date.isoformat() == "2022-10-14T07:30:00+00:00"
    assert items["le-storytelling-en-b2b"].date.isoformat() == "2023-03-06T08:00:00+00:00"
    assert items["idees-pour-la-rentree"].date.isoformat() == "2023-06-20T18:40:00+00:00"


def test_linkedin_address_kept_as_metadata_not_as_a_redirect(items):
    assert items["cinq-erreurs-qui-tuent-une-newsletter"].metadata == {
        "LinkedIn": "https://www.linkedin.com/pulse/cinq-erreurs-qui-tuent-une-newsletter-elise-marchand"}
    # a relative link is made absolute
    assert items["le-storytelling-en-b2b"].metadata["LinkedIn"] == \
        "https://www.linkedin.com/pulse/le-storytelling-en-b2b-elise-marchand"
    assert items["idees-pour-la-rentree"].metadata == {}
    assert all(item.old_urls == [] for item in items.values())
    assert items["le-storytelling-en-b2b"].source_id == "linkedin:le-storytelling-en-b2b-elise-marchand"


def test_first_picture_is_the_cover_and_not_repeated_in_the_text(items):
    item = items["cinq-erreurs-qui-tuent-une-newsletter"]
    assert (item.cover.url, item.cover.target) == (COVER, "images/linkedin/cinq-erreurs-qui-tuent-une-newsletter-1.jpg")
    assert "-1.jpg" not in item.body and "media.licdn.com" not in item.body
    # the cover as the first thing of the text (here a .png) is taken out of the text too
    story = items["le-storytelling-en-b2b"]
    assert story.cover.target == "images/linkedin/le-storytelling-en-b2b-1.png"
    assert story.cover.url.startswith("https://media.licdn.com/dms/image/C4E12AQStory/")
    assert story.media == [] and "![" not in story.body
    assert items["idees-pour-la-rentree"].cover is None


def test_body_is_markdown_with_other_pictures_pointing_at_their_copies(items):
    item = items["cinq-erreurs-qui-tuent-une-newsletter"]
    assert item.body == (
        "Vos abonnés vous ont donné leur adresse. Voici comment **ne pas** la gâcher.\n\n"
        "## 1\\. Parler de vous avant de parler d'eux\n\n"
        "Un lecteur ouvre une lettre pour ce qu'elle lui apporte.\n\n"
        "* Une promesse claire dans l'objet\n"
        "* Un seul appel à l'action\n\n"
        "![Un graphique des taux d'ouverture]({static}/images/linkedin/cinq-erreurs-qui-tuent-une-newsletter-2.jpg)\n\n"
        "Pour aller plus loin, lisez [notre guide](https://exemple.fr/guide).\n")
    assert [(media.target, media.kind) for media in item.media] == [
        ("images/linkedin/cinq-erreurs-qui-tuent-une-newsletter-2.jpg", "image")]
    assert item.media[0].url.startswith("https://media.licdn.com/dms/image/D4E12AQFzK9sample/")
    assert items["le-storytelling-en-b2b"].body == (
        "Un client n'achète pas une fiche technique : il achète la fin d'une histoire qui le concerne.\n\n"
        "> Racontez le problème avant la solution.\n")


def test_no_tags_comments_or_category(items):
    assert all((item.tags, item.comments, item.category) == ([], [], None) for item in items.values())


def test_language_comes_from_the_options():
    assert {item.lang for item in linkedin.read(EXPORT, ReadOptions(lang="en")).items} == {"en"}


def zipped(folder, archive, prefix=""):
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            out.write(path, prefix + str(path.relative_to(folder)))
    return archive


@pytest.mark.parametrize("shape", ["export folder", "Articles folder", "articles files folder", "zip",
                                   "zip in a folder", "one file"])
def test_every_shape_of_source_gives_the_same_articles(shape, export, tmp_path):
    source = {
        "export folder": lambda: EXPORT,
        "Articles folder": lambda: EXPORT / "Articles",
        "articles files folder": lambda: ARTICLES,
        "zip": lambda: zipped(EXPORT, tmp_path / "Basic_LinkedInDataExport.zip"),
        "zip in a folder": lambda: zipped(EXPORT, tmp_path / "export.zip", prefix="Complete_LinkedInDataExport/"),
        "one file": lambda: next(ARTICLES.glob("2023-03-02*")),
    }[shape]()
    read = linkedin.read(source, ReadOptions())
    expected = export.items if shape != "one file" else export.items[1:2]
    assert [(item.slug, item.date, item.body, item.cover) for item in read.items] == \
        [(item.slug, item.date, item.body, item.cover) for item in expected]


def test_date_and_title_from_the_file_name_when_the_page_lacks_them(tmp_path):
    (tmp_path / "2021-05-04 11:22:33.0-Notes-de-salon.html").write_text(
        "<html><body><h1></h1><p class=\"created\">Created on</p><div><p>Brouillon.</p></div></body></html>",
        "utf-8")
    [item] = linkedin.read(tmp_path, ReadOptions()).items
    assert (item.title, item.slug, item.status, item.date.isoformat(), item.body) == (
        "Notes de salon", "notes-de-salon", "draft", "2021-05-04T11:22:33+00:00", "Brouillon.\n")


def test_same_title_twice_gets_two_slugs(tmp_path):
    for n in (1, 2):
        (tmp_path / f"2021-05-0{n} 10:00:00.0-Bilan.html").write_text(
            f"<h1>Bilan</h1><p class=\"published\">Published on 2021-05-0{n} 10:00</p><div>Texte {n}</div>",
            "utf-8")
    assert [item.slug for item in linkedin.read(tmp_path, ReadOptions()).items] == ["bilan", "bilan-2"]


def test_a_page_that_is_not_an_article_is_listed_as_skipped(tmp_path):
    shutil.copytree(ARTICLES, tmp_path / "Articles")
    shutil.copy(FIXTURES / "not-articles" / "Profile.html", tmp_path / "Articles" / "Profile.html")
    export = linkedin.read(tmp_path, ReadOptions())
    assert len(export.items) == 3
    assert [(s.source_id, s.what, s.reason) for s in export.skipped] == [
        ("Profile.html", "file", "not a LinkedIn article: no title heading or dates")]


def test_bad_input_is_one_line_naming_the_file(tmp_path):
    (tmp_path / "export.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    (tmp_path / "notes.txt").write_text("rien", "utf-8")
    (tmp_path / "empty").mkdir()
    cases = {
        FIXTURES / "not-articles": "no LinkedIn article in it (the export's Articles/Articles/*.html files)",
        tmp_path / "empty": "no LinkedIn article in it (the export's Articles/Articles/*.html files)",
        tmp_path / "missing": "no such file or folder (expected LinkedIn's data export, its zip or its "
                              "Articles/ folder)",
        tmp_path / "export.zip": "not a zip archive, or a damaged one",
        tmp_path / "notes.txt": "not a LinkedIn export: expected a zip, a folder or an article's .html file",
    }
    for source, problem in cases.items():
        with pytest.raises(FormatError) as raised:
            linkedin.read(source, ReadOptions())
        assert str(raised.value) == f"{source}: {problem}"


def test_a_date_written_in_words_is_read_too(tmp_path):
    (tmp_path / "article.html").write_text(
        "<h1>Bilan</h1><p class=\"created\">Created on Oct 3, 2022 4:05 PM</p>"
        "<p class=\"published\">Published on</p><div>Texte</div>", "utf-8")
    [item] = linkedin.read(tmp_path, ReadOptions()).items
    assert (item.date.isoformat(), item.status) == ("2022-10-03T16:05:00+00:00", "draft")


def test_an_article_without_any_date_is_skipped(tmp_path):
    shutil.copytree(ARTICLES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "sans-date.html").write_text("<h1>Sans date</h1><div><h1>Un intertitre</h1>Texte</div>", "utf-8")
    export = linkedin.read(tmp_path, ReadOptions())
    assert [(s.source_id, s.what, s.reason) for s in export.skipped] == [
        ("sans-date.html", "post", "no date in the page nor in the file name")]
    assert len(export.items) == 3


def test_headings_in_the_text_stay(tmp_path):
    (tmp_path / "2021-05-04 11:22:33.0-Plan.html").write_text(
        "<h1>Plan</h1><p class=\"created\">Created on 2021-05-04 11:22</p><div><h1>Partie un</h1><p>Texte</p></div>",
        "utf-8")
    [item] = linkedin.read(tmp_path, ReadOptions()).items
    assert (item.title, item.body) == ("Plan", "# Partie un\n\nTexte\n")
