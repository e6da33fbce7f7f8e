"""`invoke import FORMAT SOURCE` end to end, in a copy of the project: the dry run writes nothing
and prints its plan; --write, with the readers and their fixtures, then a real build of the copy
with the imported posts, pages and issues at their new addresses and the old addresses leading
there; comments in Isso's database and readers in their CSV, once however often it runs; the
JSON report; bad input as one line and exit status 2, nothing written."""

import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from project_copy import build_copy, copy_project

FIXTURES = ROOT / "tests" / "fixtures" / "imports"
ISSO_CONFIG = "[general]\ndbpath = cache/isso/comments.db\nhost = http://127.0.0.1:8000\n"
# Each format, its fixture and the options of its import.
IMPORTS = {
    "typepad": (FIXTURES / "typepad" / "export.txt", []),
    "linkedin": (FIXTURES / "linkedin" / "export", ["--category", "strategie"]),
    "substack": (FIXTURES / "substack", ["--subscribers", "csv:{private}/subscribers.csv"]),
    "revue": (FIXTURES / "revue", []),
    "buttondown": (FIXTURES / "buttondown", []),
}
WORDPRESS = sorted((FIXTURES / "wordpress").glob("site*.xml")) if (FIXTURES / "wordpress").is_dir() else []
if WORDPRESS:
    IMPORTS["wordpress"] = (WORDPRESS[0], ["--media", str(FIXTURES / "wordpress" / "uploads")]
                            if (FIXTURES / "wordpress" / "uploads").is_dir() else [])


def importing(project, *arguments):
    """`python -m publisher.importing ARGUMENTS --settings conf.py`, from the project's folder."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("IMPORT_TEST_EXIT_AT", None)
    return subprocess.run([sys.executable, "-m", "publisher.importing", *map(str, arguments), "--settings", "conf.py"],
                          cwd=project, env=env, capture_output=True, text=True)


def arguments_of(name, private):
    source, options = IMPORTS[name]
    return [name, source, *(option.format(private=private) for option in options)]


def tree(folder):
    return {path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_ino)
            for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def page(output, path):
    return BeautifulSoup((output / path / "index.html").read_text(encoding="utf-8"), "html.parser")


class Imported:
    """The copy after the dry run, every import with --write, a second round, and one build."""

    def __init__(self, folder):
        self.project = copy_project(folder)
        self.private = folder / "private"
        (self.project / "comments").mkdir()
        (self.project / "comments" / "isso.cfg").write_text(ISSO_CONFIG, encoding="utf-8")
        before = tree(self.project)
        self.dry_run = importing(self.project, *arguments_of("typepad", self.private))
        self.dry_run_wrote = tree(self.project) != before
        self.report_file = folder / "report.json"
        self.first = {name: importing(self.project, *arguments_of(name, self.private), "--write",
                                      *(["--report", self.report_file] if name == "typepad" else []))
                      for name in IMPORTS}
        self.content = tree(self.project / "content")
        self.comments = self.comment_rows()
        self.readers = (self.private / "subscribers.csv").read_bytes()
        self.second = {name: importing(self.project, *arguments_of(name, self.private), "--write") for name in IMPORTS}
        self.output = self.project / "output"
        self.build = build_copy(self.project, "output")

    def comment_rows(self):
        with sqlite3.connect(self.project / "cache" / "isso" / "comments.db") as db:
            return sorted(db.execute("SELECT threads.uri, comments.author, comments.created, comments.text "
                                     "FROM comments JOIN threads ON threads.id = comments.tid"))


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    return Imported(tmp_path_factory.mktemp("import-command"))


def test_the_dry_run_prints_its_plan_and_writes_nothing(imported):
    done = imported.dry_run
    assert done.returncode == 0, done.stderr
    assert not imported.dry_run_wrote
    lines = done.stdout.splitlines()
    assert "create  content/posts/fr/cinq-idees-lettre.md  (typepad:2008/03/cinq_idees_lettre)" in lines
    assert any(line.startswith("Dry run: nothing was written") for line in lines)
    assert "  posts:       3 to create" in lines and "  redirects:   6 to add" in lines
    # The things not converted come last, each with its id or address and why.
    start = lines.index("Not converted (5):")
    assert lines[start + 1:] and all(line.startswith("  ") and "): " in line for line in lines[start + 1:])
    assert "  typepad:2010/05/abonnes_gratuits (post): marked as spam in the export" in lines[start + 1:]


@pytest.mark.parametrize("name", IMPORTS)
def test_each_import_writes_then_a_second_run_changes_nothing(imported, name):
    first, second = imported.first[name], imported.second[name]
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"Imported. {name} export ")
    assert second.returncode == 0, second.stderr
    counts = [line for line in second.stdout.splitlines() if line.startswith("  ") and ":" in line[:16]]
    for line in counts:
        kind, outcome = line.split(":", 1)
        if kind.strip() in ("posts", "pages", "drafts", "issues", "images"):
            assert "created" not in outcome and "replaced" not in outcome, line


def test_the_second_round_left_every_file_as_it_was(imported):
    assert tree(imported.project / "content") == imported.content  # same bytes, not even renamed over
    assert imported.comment_rows() == imported.comments
    assert (imported.private / "subscribers.csv").read_bytes() == imported.readers


def test_imported_posts_pages_and_issues_are_at_their_new_addresses(imported):
    output = imported.output
    assert page(output, "cinq-idees-lettre").h1.get_text(strip=True) == "Cinq idées pour votre lettre d'information"
    assert page(output, "pages/a-propos-2").h1 is not None  # Substack's about page, beside the site's own
    issue = page(output, "newsletter/5")
    assert "Mesurer sans cookies" in issue.h1.get_text()
    archive = page(output, "newsletter").get_text()
    assert "Mesurer sans cookies" in archive and "Revue de presse n°1" in archive
    linkedin = tomllib.loads((imported.project / "content/data/imports.toml").read_text(encoding="utf-8"))
    posts = [entry["path"] for key, entry in linkedin["items"].items() if key.startswith("linkedin:")]
    for path in posts:
        text = (imported.project / "content" / path).read_text(encoding="utf-8")
        assert "\nCategory: Stratégie\n" in text  # --category: LinkedIn articles have none
        if "Status: draft" not in text:
            slug = Path(path).stem
            assert page(output, slug).h1 is not None


def test_old_addresses_lead_to_the_new_pages(imported):
    refresh = BeautifulSoup((imported.output / "2008/03/cinq_idees_lettre.html").read_text(encoding="utf-8"),
                            "html.parser").find("meta", attrs={"http-equiv": "refresh"})
    assert refresh["content"].endswith("/cinq-idees-lettre/")
    redirects = tomllib.loads((imported.project / "content/data/redirects.toml").read_text(encoding="utf-8"))
    assert redirects["/p/mesurer-sans-cookies"] == "newsletter/fr/mesurer-sans-cookies.md"


def test_taxonomy_holds_the_imported_names_and_the_build_accepts_them(imported):
    taxonomy = tomllib.loads((imported.project / "content/data/taxonomy.toml").read_text(encoding="utf-8"))
    header = (imported.project / "content/posts/fr/cinq-idees-lettre.md").read_text(encoding="utf-8")
    category = next(line.split(": ", 1)[1] for line in header.splitlines() if line.startswith("Category: "))
    assert category in {names.get("fr") for names in taxonomy["categories"].values()}
    assert page(imported.output, "cinq-idees-lettre").find("a", string=category) is not None


def test_comments_are_in_isso_once(imported):
    keys = [row[:3] for row in imported.comments]
    assert len(keys) == len(set(keys))
    typepad = sorted(author for uri, author, _, _ in imported.comments if uri != "planifier-ses-contenus")
    assert typepad == ["Claire", "Marc Lefèvre", "Paul Girard"]
    if "wordpress" in IMPORTS:  # approved ones only: the pending and the spam comment stay out
        assert len(keys) == 6


def test_readers_are_in_the_csv_once_and_never_in_the_output(imported):
    rows = (imported.private / "subscribers.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("email,lang,consent_date") and len(rows) == 4
    for done in list(imported.first.values()) + list(imported.second.values()):
        assert "@" not in done.stdout + done.stderr
    assert "@" not in imported.report_file.read_text(encoding="utf-8")


def test_the_json_report_says_what_the_lines_say(imported):
    report = json.loads(imported.report_file.read_text(encoding="utf-8"))
    assert report["format"] == "typepad" and report["dry_run"] is False
    assert report["counts"]["posts"] == {"create": 3} and report["counts"]["comments"]["imported"] == 3
    assert {"id": "typepad:2010/05/abonnes_gratuits", "what": "post",
            "reason": "marked as spam in the export"} in report["not_converted"]
    assert {"path": "posts/fr/cinq-idees-lettre.md", "action": "create", "kind": "posts",
            "source_id": "typepad:2008/03/cinq_idees_lettre"} in report["files"]


BAD_INPUT = {
    "not the format": (["typepad", FIXTURES / "typepad" / "not-mt.txt"], "not-mt.txt: "),
    "cut short": (["typepad", FIXTURES / "typepad" / "cut-short.txt"], "cut-short.txt: "),
    "missing media folder": (["typepad", FIXTURES / "typepad" / "export.txt", "--media", "no-such-folder"],
                             "no-such-folder: media folder not found"),
    "unknown format": (["blogger", FIXTURES / "typepad" / "export.txt"], "blogger: unknown format (known: "),
    "missing export": (["substack", "nowhere/export.zip"], "nowhere/export.zip: no such file or folder"),
    "readers into content/": (["substack", FIXTURES / "substack", "--subscribers", "csv:content/readers.csv"],
                              "content/readers.csv: inside the site's content folder"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, case):
    project = copy_project(tmp_path)
    before = tree(project)
    arguments, expected = BAD_INPUT[case]
    done = importing(project, *arguments, "--write")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and expected in done.stderr, done.stderr
    assert tree(project) == before


def test_invoke_import_runs_the_command(tmp_path):
    project = copy_project(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "invoke", "--search-root", str(ROOT), "import", "typepad",
                           str(FIXTURES / "typepad" / "export.txt"), "--settings", "conf.py"],
                          cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Dry run: nothing was written" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "invoke", "--search-root", str(ROOT), "import", "blogger", "x",
                          "--settings", "conf.py"], cwd=project, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "blogger: unknown format" in bad.stderr
