"""The newsletter readers (Substack, Revue, Buttondown) on small exports written by hand
(tests/fixtures/imports/<format>/), and an imported issue (Sent-By) in a real build:
archived on the site, never in the outbox."""

import csv
import json
import logging
import shutil
import zipfile
from urllib.parse import urlsplit

import markdown
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from conftest import ROOT
from importers.model import FormatError, ReadOptions
from importers.sources import buttondown, revue, substack
from project_copy import build_copy, copy_project
from publisher.deliver import archive_only_line
from publisher.deliver import main as deliver_main
from sitekit.build_context import RenderedEmails, build_of, state_of

FIXTURES = ROOT / "tests" / "fixtures" / "imports"
OPTIONS = ReadOptions(lang="fr")


def by_source(export):
    return {item.source_id.split(":", 1)[1]: item for item in export.items}


def rendered(item):
    """The item's Markdown as the site's Markdown settings turn it into HTML."""
    return BeautifulSoup(markdown.markdown(item.body, extensions=["extra"]), "html.parser")


def copy_fixture(tmp_path, name):
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


# --- Substack ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def substack_export():
    return substack.read(FIXTURES / "substack", OPTIONS)


def test_substack_newsletters_are_numbered_in_the_order_they_were_sent(substack_export):
    items = by_source(substack_export)
    numbers = {key: item.metadata["Issue"] for key, item in items.items() if item.kind == "issue"}
    assert numbers == {"99.bienvenue": "1", "101.la-page-d-accueil-qui-convertit": "2",
                       "102.mesurer-sans-cookies": "3", "103.le-calendrier-editorial": "4"}
    first = items["101.la-page-d-accueil-qui-convertit"]
    assert first.title == "La page d’accueil qui convertit" and first.slug == "la-page-d-accueil-qui-convertit"
    assert first.date.isoformat() == "2023-01-05T07:30:00+00:00" and first.lang == "fr"
    assert first.metadata["Preheader"] == "Trois blocs, une promesse & un appel à l'action"
    assert first.metadata["Sent-By"] == "substack 2023-01-05"
    assert first.old_urls == ["/p/la-page-d-accueil-qui-convertit"]


def test_substack_drafts_pages_and_podcasts(substack_export):
    items = by_source(substack_export)
    draft = items["103.le-calendrier-editorial"]
    assert draft.status == "draft" and "Sent-By" not in draft.metadata and draft.old_urls == []
    page = items["50.a-propos"]
    assert (page.kind, page.status, page.title) == ("page", "published", "À propos") and "Issue" not in page.metadata
    assert "104.episode-1-l-audit" not in items
    skipped = {(s.source_id, s.what) for s in substack_export.skipped}
    assert ("substack:104.episode-1-l-audit", "podcast") in skipped


def test_substack_html_is_cleaned_before_it_becomes_markdown(substack_export):
    item = by_source(substack_export)["101.la-page-d-accueil-qui-convertit"]
    assert "substackcdn" not in item.body and "%%" not in item.body and "<form" not in item.body
    assert [(m.url, m.target) for m in item.media] == [
        ("https://media.example.com/carnet/plan-accueil.png", "images/substack/plan-accueil.png")]
    html = rendered(item)
    figure = html.find("figure")
    assert figure.img["src"] == "{static}/images/substack/plan-accueil.png"
    assert figure.img["alt"] == "Le plan en trois blocs"
    assert figure.figcaption.get_text() == "Promesse, preuve, appel à l’action : dans cet ordre."
    assert not html.find("svg") and not html.find("picture") and not html.find("source")
    link = html.find("a", string="Télécharger le modèle")
    assert link["href"] == "https://www.example.com/modele-accueil" and not link.get("class")
    assert not html.find(string=lambda text: "S’abonner" in text)  # its button pointed at Substack
    note = html.select_one("div.footnote li")  # Python-Markdown's footnotes (extra)
    assert "douze sites clients" in note.get_text()
    assert html.find("sup").a["href"].startswith("#fn")
    assert ("substack:101.la-page-d-accueil-qui-convertit", "button") in {
        (s.source_id, s.what) for s in substack_export.skipped}


def test_a_plain_substack_image_is_unwrapped_too(substack_export):
    item = by_source(substack_export)["102.mesurer-sans-cookies"]
    assert "![Un tableau de bord sobre]({static}/images/substack/tableau-de-bord.jpg)" in item.body
    assert item.media[0].url == "https://media.example.com/carnet/tableau-de-bord.jpg"


def test_substack_readers_keep_only_what_consent_needs(substack_export):
    readers = {r.email: r for r in substack_export.subscribers}
    assert len(readers) == 4
    assert readers["nadia.benali@example.org"].status == "unsubscribed"
    assert {r.status for e, r in readers.items() if e != "nadia.benali@example.org"} == {"subscribed"}
    claire = readers["claire.dupont@example.org"]
    assert claire.consent_date.isoformat() == "2022-12-01T08:15:00+00:00"
    assert (claire.lang, claire.source) == ("fr", "substack")
    assert set(vars(claire)) == {"email", "lang", "consent_date", "source", "status"}


def test_the_substack_zip_reads_as_the_folder(tmp_path, substack_export):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((FIXTURES / "substack").rglob("*")):
            if path.is_file():
                zipped.write(path, f"carnet-export/{path.relative_to(FIXTURES / 'substack')}")
    from_zip = substack.read(archive, OPTIONS)
    assert [(i.source_id, i.body, i.metadata) for i in from_zip.items] == [
        (i.source_id, i.body, i.metadata) for i in substack_export.items]
    assert len(from_zip.subscribers) == 4


def test_a_substack_post_without_its_html_is_listed_not_fatal(tmp_path):
    folder = copy_fixture(tmp_path, "substack")
    (folder / "posts" / "102.mesurer-sans-cookies.html").unlink()
    export = substack.read(folder, OPTIONS)
    items = by_source(export)
    assert "102.mesurer-sans-cookies" not in items and len(items) == 4
    assert items["103.le-calendrier-editorial"].metadata["Issue"] == "4"  # the numbers keep the history
    [missing] = [s for s in export.skipped if s.source_id == "substack:102.mesurer-sans-cookies"]
    assert "posts/102.mesurer-sans-cookies.html" in missing.reason


# --- Revue ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def revue_export():
    return revue.read(FIXTURES / "revue", OPTIONS)


def test_revue_issues_numbered_with_their_blocks_in_order(revue_export):
    first, second, draft = revue_export.items
    assert [i.metadata["Issue"] for i in revue_export.items] == ["1", "2", "3"]
    assert first.title == "Revue de presse n°1 : le retour du courriel"
    assert first.slug == "revue-de-presse-n1-le-retour-du-courriel"
    assert first.date.isoformat() == "2021-09-14T06:30:00+00:00"
    assert first.metadata["Sent-By"] == "revue 2021-09-14"
    assert first.metadata["Preheader"] == "Bonjour ! Cette semaine, trois lectures sur l’e-mail qui revient en force."
    assert first.old_urls == []  # Revue had no domain of its own
    html = rendered(first)
    order = [tag.name for tag in html.find_all(["p", "h2", "figure"], recursive=False)]
    assert order == ["p", "h2", "p", "p", "figure", "p"]
    assert html.h2.get_text() == "À lire"
    assert html.find("a", href="https://www.example.com/lettre-revient").get_text() == \
        "Pourquoi la lettre d’information revient"
    assert html.figure.img["src"] == "{static}/images/revue/taux-ouverture.png"
    assert html.figure.figcaption.get_text() == "Le taux d’ouverture moyen par secteur, source : étude 2021."
    assert [m.target for m in first.media] == ["images/revue/taux-ouverture.png"]
    lone = [p.a["href"] for p in rendered(second).find_all("p") if p.a and p.get_text() == p.a.get_text()]
    assert lone == ["https://www.youtube.com/watch?v=aBcDeFgHiJk",
                    "https://twitter.com/exemple/status/1440000000000000000"]
    assert draft.status == "draft" and "Sent-By" not in draft.metadata


def test_revue_subscribers_are_all_subscribed(revue_export):
    assert [(r.email, r.status, r.consent_date.isoformat()) for r in revue_export.subscribers] == [
        ("lea.girard@example.org", "subscribed", "2021-08-30T12:00:00+00:00"),
        ("tom.weber@example.com", "subscribed", "2021-09-20T18:45:10+00:00"),
        ("sophie.roux@example.org", "subscribed", "2021-10-01T07:00:00+00:00")]


# --- Buttondown -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def buttondown_export():
    return buttondown.read(FIXTURES / "buttondown", OPTIONS)


def test_buttondown_emails_become_issues(buttondown_export):
    fancy, plain, draft = buttondown_export.items
    assert [(i.metadata["Issue"], i.status) for i in buttondown_export.items] == [
        ("1", "published"), ("2", "published"), ("3", "draft")]
    assert fancy.metadata["Preheader"] == "Liste d’attente, teaser, bêta fermée : laquelle choisir ?"
    assert "Preheader" not in plain.metadata
    assert plain.metadata["Sent-By"] == "buttondown 2024-04-02" and "Sent-By" not in draft.metadata
    assert fancy.old_urls == ["/archive/trois-idees-lancement/"] and draft.old_urls == []
    html = rendered(fancy)
    assert [li.get_text() for li in html.ol.find_all("li")][0] == "Ouvrez une liste d’attente."
    assert html.img["src"] == "{static}/images/buttondown/calendrier-lancement.png"
    assert "buttondown-editor-mode" not in fancy.body + plain.body
    assert plain.body.startswith("Bonjour,\n\nMardi matin ou jeudi soir ?")
    assert "![Les ouvertures par jour]({static}/images/buttondown/ouvertures-par-jour.png)" in plain.body
    assert [m.url for m in plain.media] == ["https://assets.buttondown.example.com/images/ouvertures-par-jour.png"]


def test_buttondown_subscriber_types(buttondown_export):
    readers = {r.email: r for r in buttondown_export.subscribers}
    assert {email: r.status for email, r in readers.items()} == {
        "anne.petit@example.org": "subscribed", "john.smith@example.com": "subscribed",
        "hugo.morel@example.org": "unconfirmed", "ines.faure@example.org": "unsubscribed",
        "bob.jones@example.com": "unsubscribed", "chloe.blanc@example.org": "subscribed"}
    assert readers["anne.petit@example.org"].consent_date.isoformat() == "2024-01-10T09:05:00+00:00"
    assert readers["chloe.blanc@example.org"].consent_date.isoformat() == "2024-02-14T12:00:00+00:00"
    assert readers["john.smith@example.com"].lang == "en"  # signed up from an /en/ page


def test_no_reader_logs_an_address(caplog):
    caplog.set_level(logging.DEBUG)
    for module, name in ((substack, "substack"), (revue, "revue"), (buttondown, "buttondown")):
        module.read(FIXTURES / name, OPTIONS)
    assert caplog.records and "@" not in caplog.text
    assert "3 subscribed" in caplog.text  # counts instead


# --- Bad input: one line naming the file ------------------------------------------------------

def test_a_folder_without_posts_csv_is_not_a_substack_export(tmp_path):
    folder = copy_fixture(tmp_path, "substack")
    (folder / "posts.csv").unlink()
    with pytest.raises(FormatError) as error:
        substack.read(folder, OPTIONS)
    assert error.value.path == folder and "posts.csv" in str(error.value)


@pytest.mark.parametrize("module, name, listing", [
    (substack, "substack", "posts.csv"), (revue, "revue", "issues_1.csv"), (buttondown, "buttondown", "emails.csv")])
def test_a_csv_of_other_columns_is_refused(tmp_path, module, name, listing):
    folder = copy_fixture(tmp_path, name)
    (folder / listing).write_text("date,amount,customer\n2023-01-01,12.50,ACME\n")
    with pytest.raises(FormatError) as error:
        module.read(folder, OPTIONS)
    assert error.value.path == folder / listing and "column" in error.value.problem


@pytest.mark.parametrize("module, name, listing", [
    (substack, "substack", "posts.csv"), (revue, "revue", "issues_1.csv"),
    (buttondown, "buttondown", "subscribers.csv")])
def test_a_cut_short_csv_is_refused(tmp_path, module, name, listing):
    folder = copy_fixture(tmp_path, name)
    text = (folder / listing).read_text()
    (folder / listing).write_text(text[:text.index("\n", 200) - 25])
    with pytest.raises(FormatError) as error:
        module.read(folder, OPTIONS)
    assert error.value.path == folder / listing and "cut short" in error.value.problem


def test_a_cut_short_items_json_is_refused(tmp_path):
    folder = copy_fixture(tmp_path, "revue")
    text = (folder / "items_1.json").read_text()
    (folder / "items_1.json").write_text(text[:len(text) // 2])
    with pytest.raises(FormatError) as error:
        revue.read(folder, OPTIONS)
    assert error.value.path == folder / "items_1.json" and "cut short" in error.value.problem


def test_an_unknown_encoding_is_refused(tmp_path):
    folder = copy_fixture(tmp_path, "substack")
    email_list = folder / "email_list.carnet-du-marketing.csv"
    email_list.write_bytes(email_list.read_text().replace("claire", "clémence").encode("utf-16"))
    with pytest.raises(FormatError) as error:
        substack.read(folder, OPTIONS)
    assert error.value.path == email_list and "UTF-8" in error.value.problem


def test_a_broken_zip_is_refused(tmp_path):
    archive = tmp_path / "substack.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FormatError) as error:
        substack.read(archive, OPTIONS)
    assert error.value.path == archive and "zip" in error.value.problem


def test_a_bad_date_names_the_post(tmp_path):
    folder = copy_fixture(tmp_path, "buttondown")
    listing = folder / "emails.csv"
    listing.write_text(listing.read_text().replace("2024-03-05T08:00:00Z", "mardi dernier"))
    with pytest.raises(FormatError) as error:
        buttondown.read(folder, OPTIONS)
    assert "'mardi dernier' is not a date" in error.value.problem


# --- An imported issue in a real build: archived, never sent again --------------------------

def issue_file(item, number):
    """The issue as a content file, header lines from the reader's item (the number made free
    in the sample site, which has issues 1 and 2)."""
    fields = {"Title": item.title, "Date": item.date.isoformat(), "Lang": item.lang, "Slug": item.slug,
              "Status": item.status, **item.metadata, "Issue": str(number)}
    return "".join(f"{key}: {value}\n" for key, value in fields.items()) + "\n" + item.body


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory, substack_export):
    project = copy_project(tmp_path_factory.mktemp("imported"))
    item = by_source(substack_export)["101.la-page-d-accueil-qui-convertit"]
    (project / "content" / "newsletter" / "fr" / "substack-101.md").write_text(issue_file(item, 3))
    picture = project / "content" / item.media[0].target
    picture.parent.mkdir(parents=True)
    Image.new("RGB", (1200, 675), "#2a6f97").save(picture)
    report = build_copy(project, "output")
    return project, report


def test_the_imported_issue_is_archived_like_any_issue(imported_site):
    project, report = imported_site
    page = BeautifulSoup((report.output / "newsletter" / "3" / "index.html").read_text(), "html.parser")
    assert "La page d’accueil qui convertit" in page.find("h1").get_text()
    image = page.select_one("figure img")
    assert urlsplit(image["src"]).path == "/images/substack/plan-accueil.png"
    assert (report.output / "images" / "substack" / "plan-accueil.png").is_file()
    assert page.select_one("figure figcaption em").get_text() == "dans cet ordre"
    assert "douze sites clients" in page.select_one("div.footnote").get_text()
    archive = BeautifulSoup((report.output / "newsletter" / "index.html").read_text(), "html.parser")
    assert any(a["href"].endswith("/newsletter/3/") for a in archive.select(".newsletter-issues a"))
    problems = build_of(report.settings).problems
    assert not [p for p in problems.warnings if "substack-101" in str(p)]  # no "no en version" warning


def test_the_imported_issue_never_reaches_the_outbox(imported_site):
    project, report = imported_site
    state = state_of(report.settings, RenderedEmails)
    outbox = sorted(p.name for p in state.outbox(report.output).iterdir())
    assert "issue-2-fr.eml" in outbox and not [name for name in outbox if name.startswith("issue-3-")]
    assert list(state.archive_only.items()) == [("issue-3-fr", "substack 2023-01-05")]
    assert archive_only_line(state) == "1 imported issue archive-only (Sent-By): on the site, never delivered"


def test_deliver_says_so_and_sends_the_newest_issue_of_its_own(imported_site, monkeypatch, capsys):
    """`invoke newsletter-send --send`: issue 3 is the newest number, but Substack sent it; the
    newest issue to send is 2, and the imported one is named in one line."""
    project, _ = imported_site
    monkeypatch.chdir(project)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    assert deliver_main(["--settings", "conf.py", "--send", "--yes"]) == 0
    said = capsys.readouterr()
    assert "1 imported issue archive-only (Sent-By): on the site, never delivered" in said.err
    ledger = json.loads((project / "content" / "newsletter" / "ledger.json").read_text())["entries"]
    assert sorted(ledger) == ["issue-2-en", "issue-2-fr"]  # --send takes the newest issue only
    sent = sorted(p.name for p in (project / "delivered" / "sent").glob("*.eml"))
    assert sent == ["issue-2-en.eml", "issue-2-fr.eml"]


def test_buttondown_emails_json_reads_as_the_csv(tmp_path, buttondown_export):
    folder = copy_fixture(tmp_path, "buttondown")
    rows = [dict(row) for row in csv.DictReader((folder / "emails.csv").open(encoding="utf-8"))]
    (folder / "emails.csv").unlink()
    (folder / "emails.json").write_text(json.dumps(rows, ensure_ascii=False))
    from_json = buttondown.read(folder, OPTIONS)
    assert [(i.metadata, i.body, i.status) for i in from_json.items] == [
        (i.metadata, i.body, i.status) for i in buttondown_export.items]
