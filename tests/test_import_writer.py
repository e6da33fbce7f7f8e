"""importers/writer.py on hand-made Exports: the files and their headers, the taxonomy and authors
merged, media copied or linked to where they were, twice is once, edited files kept, --force,
and a run killed before or during its moves (a real subprocess stopped at a set point).

Run as a script (``python tests/test_import_writer.py PROJECT MEDIA``), the module imports the
sample export into PROJECT: the kill tests run it that way.
"""

import fcntl
import http.server
import os
import subprocess
import sys
import threading
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from project_copy import copy_project  # first: it puts the project's root on sys.path for a script run

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from importers.media import MediaFolder, link_to_original  # noqa: E402
from importers.model import Export, ImporterError, Item, Media, Skipped  # noqa: E402
from importers.moving_in import EXIT_HOOK, JOURNAL  # noqa: E402
from importers.writer import Site, WriteOptions, import_export  # noqa: E402
from sitekit.content import digest_of  # noqa: E402

OLD_SITE = "https://ancien-blog.example.org"
PARIS = timezone(timedelta(hours=1))


def sample_export(folder):
    """A small export: a French post and its English translation, a draft page, an issue numbered 1."""
    plan = Media(f"{OLD_SITE}/wp-content/uploads/2021/02/plan-atelier.png", "images/wordpress/2021/02/plan-atelier.png")
    gone = Media(f"{OLD_SITE}/wp-content/uploads/2021/02/affiche-perdue.png",
                 "images/wordpress/2021/02/affiche-perdue.png")
    cover = Media(f"{OLD_SITE}/wp-content/uploads/2021/01/couverture.png", "images/wordpress/2021/01/couverture.png")
    export = Export("wordpress", Path(folder) / "ancien-blog.xml")
    export.authors = {"camille": {"name": "Camille Roux", "email": "camille@example.org",
                                  "bio": {"fr": "Camille anime des ateliers\nd'écriture.",
                                          "en": "Camille runs writing workshops."}},
                      "elise": {"name": "Élise Marchand"}}
    export.categories = {"strategie": {"fr": "Stratégie", "en": "Strategy"},
                         "evenements": {"fr": "Événements", "en": "Events",
                                        "description": {"fr": "Nos rendez-vous."}}}
    export.tags = {"seo": {"fr": "SEO", "en": "SEO"}, "atelier": {"fr": "Atelier"}, "idees": {"fr": "Idées, conseils"}}
    original = Item(
        kind="post", source_id="wordpress:12", title="Notre atelier d'écriture de printemps",
        date=datetime(2021, 2, 7, 8, 30, tzinfo=timezone.utc), lang="fr", slug="atelier-ecriture-printemps",
        body=("Le printemps revient, et avec lui **l'atelier**.\r\n\r\n"
              f'![Le plan de la salle]({{static}}/{plan.target} "Le plan")\n\n'
              f"![L'affiche]({{static}}/{gone.target})\n"),
        summary="Un atelier pour écrire\nmieux, ensemble.", category="evenements", tags=["seo", "atelier", "idees"],
        author="camille", cover=cover, media=[plan, gone], translation_group="pll_7",
        old_urls=["/2021/02/07/atelier-ecriture-printemps/", "?p=12"],
        metadata={"Comments": "closed", "bad key": "dropped"},
        modified=datetime(2021, 3, 1, 10, 0, tzinfo=timezone.utc))
    translation = Item(
        kind="post", source_id="wordpress:13", title="Our spring writing workshop",
        date=datetime(2021, 2, 8, 8, 30, tzinfo=timezone.utc), lang="en", slug="spring-writing-workshop",
        body="Spring is back, and so is **the workshop**.\n", category="evenements", tags=["seo", "atelier"],
        author="camille", translation_group="pll_7", old_urls=["/en/2021/02/08/spring-writing-workshop/"])
    clash = Item(kind="post", source_id="wordpress:14", title="Inventaire", lang="fr", slug="audit-seo-inventaire",
                 date=datetime(2020, 5, 4, 12, 0, tzinfo=PARIS), body="Un autre inventaire.\n", status="draft",
                 category="strategie", author="elise")
    page = Item(kind="page", source_id="wordpress:2", title="Nos tarifs", lang="fr", slug="tarifs",
                date=datetime(2019, 1, 1, 9, 0, tzinfo=timezone.utc), body="Sur devis.\n")
    issue = Item(kind="issue", source_id="wordpress:issue-1", title="Lettre n°1 : le printemps", lang="fr",
                 slug="lettre-1", date=datetime(2021, 3, 3, 7, 0, tzinfo=timezone.utc), body="Bonjour !\n",
                 metadata={"Issue": "1", "Preheader": "Ce qui change\nce mois-ci."})
    export.items = [translation, original, clash, page, issue]
    export.skipped = [Skipped("wordpress:99", "post", "password-protected; not imported")]
    return export


def make_media(folder):
    """The editor's uploads folder: two of the three pictures (one is missing on purpose)."""
    for relative, colour in (("2021/02/plan-atelier.png", "teal"), ("2021/01/couverture.png", "orange")):
        path = Path(folder) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (24, 16), colour).save(path)
    return Path(folder)


def write(project, media, **options):
    site = Site.from_settings(project / "conf.py")
    return import_export(sample_export(project.parent), site, WriteOptions(media=media, dry_run=False, **options))


def tree(folder):
    """Each file under ``folder``: (bytes, inode), so a file replaced by the same bytes shows."""
    return {path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_ino)
            for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def header(path):
    lines = Path(path).read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines()
    return dict(line.split(": ", 1) for line in lines)


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path)


@pytest.fixture
def media(tmp_path):
    return make_media(tmp_path / "uploads")


@pytest.fixture(autouse=True)
def no_kill_hook(monkeypatch):
    monkeypatch.delenv(EXIT_HOOK, raising=False)


# --- Files and headers ----------------------------------------------------------------------------

def test_files_land_where_the_project_keeps_them_with_its_header_lines(project, media):
    report = write(project, media)
    content = project / "content"
    original = header(content / "posts/fr/atelier-ecriture-printemps.md")
    assert original == {
        "Title": "Notre atelier d'écriture de printemps", "Date": "2021-02-07 09:30", "Modified": "2021-03-01 11:00",
        "Lang": "fr", "Slug": "atelier-ecriture-printemps", "Category": "Événements",
        "Tags": "SEO, Atelier, Idées conseils", "Author": "Camille Roux",
        "Summary": "Un atelier pour écrire mieux, ensemble.",
        "Image": "{static}/images/wordpress/2021/01/couverture.png", "Comments": "closed"}
    translation = header(content / "posts/en/spring-writing-workshop.md")
    assert translation["Translation-Of"] == "atelier-ecriture-printemps"
    assert translation["Source-Hash"] == digest_of((content / "posts/fr/atelier-ecriture-printemps.md").read_bytes())
    assert (translation["Category"], translation["Tags"]) == ("Events", "SEO, Atelier")
    assert header(content / "pages/fr/tarifs.md")["Slug"] == "tarifs"
    # The site's own issues are numbered 1 and 2: the imported one follows them.
    issue = header(content / "newsletter/fr/lettre-1.md")
    assert (issue["Issue"], issue["Preheader"]) == ("3", "Ce qui change ce mois-ci.")
    assert "renumbered" in " ".join(report.notes)
    body = (content / "posts/fr/atelier-ecriture-printemps.md").read_text(encoding="utf-8")
    missing = f"[L'affiche]({OLD_SITE}/wp-content/uploads/2021/02/affiche-perdue.png)\n"
    assert "\r" not in body and body.endswith("**l'atelier**.\n\n![Le plan de la salle]"
                                              "({static}/images/wordpress/2021/02/plan-atelier.png \"Le plan\")\n\n"
                                              + missing)


def test_a_slug_the_site_uses_gets_a_suffix_and_is_listed(project, media):
    report = write(project, media)
    draft = header(project / "content/posts/fr/audit-seo-inventaire-2.md")
    assert (draft["Slug"], draft["Status"], draft["Date"]) == ("audit-seo-inventaire-2", "draft", "2020-05-04 13:00")
    assert (project / "content/posts/fr/audit-seo-inventaire.md").read_text(encoding="utf-8").startswith(
        "Title: Audit SEO pas à pas (1)")
    listed = {(item.id, item.what): item.reason for item in report.not_converted}
    assert listed[("wordpress:14", "post")] == ("slug 'audit-seo-inventaire' is taken (on the site, or by another "
                                                "item); written as 'audit-seo-inventaire-2'")
    assert listed[("wordpress:99", "post")] == "password-protected; not imported"
    assert report.as_json()["counts"]["drafts"] == {"create": 1}


def test_an_item_in_a_language_the_site_lacks_is_listed_not_written(project, media):
    export = sample_export(project.parent)
    export.items.append(Item(kind="post", source_id="wordpress:50", title="Unser Workshop", lang="de", slug="workshop",
                             date=datetime(2021, 4, 1, 9, 0, tzinfo=timezone.utc), body="Hallo.\n"))
    site = Site.from_settings(project / "conf.py")
    report = import_export(export, site, WriteOptions(media=media, dry_run=False))
    assert not (project / "content/posts/de").exists()
    listed = {item.id: item.reason for item in report.not_converted}
    assert listed["wordpress:50"] == "its language 'de' is not one of the site's (fr, en); not written"


def test_taxonomy_and_authors_are_appended_never_changed(project, media):
    taxonomy_before = (project / "content/data/taxonomy.toml").read_text(encoding="utf-8")
    authors_before = (project / "content/data/authors.toml").read_text(encoding="utf-8")
    write(project, media)
    taxonomy_text = (project / "content/data/taxonomy.toml").read_text(encoding="utf-8")
    assert taxonomy_text.startswith(taxonomy_before)
    added = taxonomy_text[len(taxonomy_before):]
    assert "# --- Added by `invoke import wordpress` (ancien-blog.xml) ---" in added
    taxonomy = tomllib.loads(taxonomy_text)
    assert taxonomy["categories"]["evenements"] == {"fr": "Événements", "en": "Events",
                                                    "description": {"fr": "Nos rendez-vous."}}
    assert taxonomy["tags"]["atelier"] == {"fr": "Atelier", "en": "Atelier"}  # named in every language
    assert "[categories.strategie]" not in added and "[tags.seo]" not in added  # the site's own entries
    authors_text = (project / "content/data/authors.toml").read_text(encoding="utf-8")
    assert authors_text.startswith(authors_before)
    authors = tomllib.loads(authors_text)
    assert authors["camille-roux"] == {"name": "Camille Roux", "bio": {"fr": "Camille anime des ateliers d'écriture.",
                                                                      "en": "Camille runs writing workshops."}}
    assert "example.org" not in authors_text  # no address goes into a committed file
    assert authors_text.count("[elise-marchand]") == 1


def test_media_are_copied_and_a_missing_one_is_linked_where_it_was(project, media):
    report = write(project, media)
    copied = project / "content/images/wordpress/2021/02/plan-atelier.png"
    assert copied.read_bytes() == (media / "2021/02/plan-atelier.png").read_bytes()
    assert not (project / "content/images/wordpress/2021/02/affiche-perdue.png").exists()
    missing = [item for item in report.not_converted if item.what == "image"]
    assert [item.id for item in missing] == [f"{OLD_SITE}/wp-content/uploads/2021/02/affiche-perdue.png"]
    assert "links to the original address" in missing[0].reason
    assert report.counts["images"] == {"create": 2, "missing": 1}
    lines = report.lines()
    last = lines[lines.index("Not converted (3):") + 1:]
    assert len(last) == 3 and any(line.startswith(f"  {OLD_SITE}/wp-content/uploads/2021/02/affiche-perdue.png "
                                                  "(image): ") for line in last)


def test_media_are_found_by_file_name_and_under_an_uploads_folder(project, tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.new("RGB", (8, 8), "teal").save(flat / "plan-atelier.png")
    nested = tmp_path / "export" / "wp-content" / "uploads" / "2021" / "01"
    nested.mkdir(parents=True)
    Image.new("RGB", (8, 8), "orange").save(nested / "couverture.png")
    site = Site.from_settings(project / "conf.py")
    for folder in (flat, tmp_path / "export"):
        import_export(sample_export(tmp_path), site, WriteOptions(media=folder, dry_run=False))
    assert (project / "content/images/wordpress/2021/02/plan-atelier.png").exists()
    assert (project / "content/images/wordpress/2021/01/couverture.png").exists()


def test_a_missing_file_in_raw_html_or_a_link_becomes_a_link_to_where_it_was():
    target, url = "images/wordpress/2021/02/a.png", f"{OLD_SITE}/wp-content/uploads/2021/02/a.png"
    body = (f'<figure><img src="{{static}}/{target}" alt="Deux vues"><img src="{{static}}/{target}">'
            f'<figcaption>Avant, après</figcaption></figure>\n\n[Le fichier]({{static}}/{target})\n')
    assert link_to_original(body, target, url) == (
        f'<figure><a href="{url}">Deux vues</a><a href="{url}">{url}</a><figcaption>Avant, après</figcaption>'
        f"</figure>\n\n[Le fichier]({url})\n")
    # A path inside an export that was not found: nothing to link to, the alt text stays.
    assert link_to_original(f"![Le plan]({{static}}/{target})", target, "Articles/plan.png") == "Le plan"


def test_a_url_is_found_by_its_path_tail_and_never_outside_the_folder(tmp_path):
    (tmp_path / "media" / "uploads" / "2021" / "02").mkdir(parents=True)
    (tmp_path / "media" / "uploads" / "2021" / "02" / "a.png").write_bytes(b"png")
    (tmp_path / "secret.png").write_bytes(b"no")
    folder = MediaFolder(tmp_path / "media")
    assert folder.find(f"{OLD_SITE}/wp-content/uploads/2021/02/a.png") == tmp_path / "media/uploads/2021/02/a.png"
    assert folder.find(f"{OLD_SITE}/files/a.png?w=300") == tmp_path / "media/uploads/2021/02/a.png"  # by name
    assert folder.find(f"{OLD_SITE}/../secret.png") is None
    assert folder.find(f"{OLD_SITE}/%2e%2e/secret.png") is None


class Uploads(http.server.SimpleHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 - http.server's name
        Uploads.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def old_site(media):
    """The old site, still online on loopback, serving the uploads folder at /wp-content/uploads/."""
    root = media.parent / "old-site"
    (root / "wp-content").mkdir(parents=True)
    (root / "wp-content" / "uploads").symlink_to(media)
    Uploads.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             lambda *a, **k: Uploads(*a, directory=str(root), **k))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_media_are_downloaded_only_with_fetch_media(project, old_site, tmp_path):
    export = sample_export(tmp_path / "elsewhere")
    for item in export.items:
        for each in item.media + ([item.cover] if item.cover else []):
            each.url = each.url.replace(OLD_SITE, old_site)
    site = Site.from_settings(project / "conf.py")
    report = import_export(export, site, WriteOptions(dry_run=False))
    assert Uploads.requests == []
    assert report.counts["images"] == {"missing": 3}
    export = sample_export(tmp_path / "elsewhere")
    for item in export.items:
        for each in item.media + ([item.cover] if item.cover else []):
            each.url = each.url.replace(OLD_SITE, old_site)
    report = import_export(export, site, WriteOptions(dry_run=False, fetch_media=True, force=True))
    assert sorted(Uploads.requests) == ["/wp-content/uploads/2021/01/couverture.png",
                                        "/wp-content/uploads/2021/02/affiche-perdue.png",
                                        "/wp-content/uploads/2021/02/plan-atelier.png"]
    assert (project / "content/images/wordpress/2021/01/couverture.png").read_bytes()[:4] == b"\x89PNG"
    missing = [item for item in report.not_converted if item.what == "image"]
    assert len(missing) == 1 and "the server answered 404" in missing[0].reason


# --- Dry run, twice, edits --------------------------------------------------------------------------

def test_a_dry_run_writes_nothing_and_says_what_it_would(project, media):
    before = tree(project)
    site = Site.from_settings(project / "conf.py")
    report = import_export(sample_export(project.parent), site, WriteOptions(media=media, dry_run=True))
    assert tree(project) == before
    plan = report.plan_lines()
    assert "create  content/posts/fr/atelier-ecriture-printemps.md  (wordpress:12)" in plan
    assert "replace content/data/taxonomy.toml" in plan
    assert report.lines()[0].startswith("Dry run: nothing was written")


def test_twice_is_once(project, media):
    write(project, media)
    first = tree(project / "content")
    report = write(project, media)
    assert tree(project / "content") == first  # same bytes, same inodes: nothing replaced
    assert {kind: dict(counter) for kind, counter in report.counts.items() if kind != "redirects"} == {
        "posts": {"unchanged": 2}, "drafts": {"unchanged": 1}, "pages": {"unchanged": 1},
        "issues": {"unchanged": 1}, "images": {"unchanged": 2, "missing": 1}}
    manifest = tomllib.loads((project / "content/data/imports.toml").read_text(encoding="utf-8"))
    assert manifest["items"]["wordpress:12"]["path"] == "posts/fr/atelier-ecriture-printemps.md"
    assert not list((project / "cache/imports").glob(".staging*"))


def test_an_edited_file_is_kept_until_force(project, media):
    write(project, media)
    edited = project / "content/posts/fr/atelier-ecriture-printemps.md"
    imported = edited.read_bytes()
    edited.write_text(edited.read_text(encoding="utf-8") + "\nUn ajout de l'autrice.\n", encoding="utf-8")
    kept = edited.read_bytes()
    report = write(project, media)
    assert edited.read_bytes() == kept
    listed = {item.id: item.reason for item in report.not_converted}
    assert listed["posts/fr/atelier-ecriture-printemps.md"] == "edited since the import; use --force to replace it"
    assert report.counts["posts"] == {"kept": 1, "unchanged": 1}
    # The translation still records the original it translates (the build says it changed since).
    assert header(project / "content/posts/en/spring-writing-workshop.md")["Source-Hash"] == digest_of(imported)
    write(project, media, force=True)
    assert b"Un ajout" not in edited.read_bytes()


def test_an_export_changed_since_replaces_what_the_author_left_alone(project, media):
    write(project, media)
    export = sample_export(project.parent)
    export.items[0].body = "Spring is back, and so is **the workshop**, in May.\n"
    site = Site.from_settings(project / "conf.py")
    report = import_export(export, site, WriteOptions(media=media, dry_run=False))
    assert report.counts["posts"] == {"update": 1, "unchanged": 1}
    assert "in May" in (project / "content/posts/en/spring-writing-workshop.md").read_text(encoding="utf-8")


def test_one_import_at_a_time(project, media):
    (project / "cache/imports").mkdir(parents=True)
    with open(project / "cache/imports/.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        before = tree(project / "content")
        with pytest.raises(ImporterError, match="another import is running in this project"):
            write(project, media)
        assert tree(project / "content") == before


# --- Killed runs -----------------------------------------------------------------------------------

def run_killed(project, media, point):
    environment = {**os.environ, EXIT_HOOK: point}
    done = subprocess.run([sys.executable, __file__, str(project), str(media)], env=environment,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 3, done.stderr


@pytest.fixture
def whole(tmp_path, media):
    """The content of a project after one import that nothing stopped."""
    reference = copy_project(tmp_path / "reference")
    write(reference, media)
    return tree(reference / "content")


def contents(folder):
    return {path: data for path, (data, _) in tree(folder).items()}


def test_killed_before_the_moves_content_is_untouched_and_a_rerun_finishes(project, media, whole):
    before = contents(project / "content")
    run_killed(project, media, "staged")
    assert contents(project / "content") == before
    assert list((project / "cache/imports").glob(".staging.import-*"))  # left by the killed run
    write(project, media)
    assert contents(project / "content") == {path: data for path, (data, _) in whole.items()}
    assert not list((project / "cache/imports").glob(".staging.import-*"))


@pytest.mark.parametrize("moves", [0, 3])
def test_killed_during_the_moves_the_next_run_finishes_them(project, media, whole, moves):
    run_killed(project, media, f"move:{moves}")
    assert (project / "cache/imports" / JOURNAL).exists()
    report = write(project, media)
    assert contents(project / "content") == {path: data for path, (data, _) in whole.items()}
    assert not (project / "cache/imports" / JOURNAL).exists()
    assert not list((project / "cache/imports").glob(".staging.import-*"))
    assert report.counts["posts"] == {"unchanged": 2}  # the replayed moves put everything in place


def main(argv):
    project, media = Path(argv[0]), Path(argv[1])
    write(project, media)


if __name__ == "__main__":
    main(sys.argv[1:])
