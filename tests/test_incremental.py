"""`invoke serve`'s fast path (publisher/incremental.py): after an edit below a post's header, only
the pages showing it are rendered again, only the files whose bytes change are written, and the
site is then byte for byte the one a full build of the edited content writes."""

import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from publisher.build import BuildReport, build_site
from publisher.preview.builder import Preview
from publisher.preview.incremental import Refresh

SETTINGS = f"""\
import sys
sys.path.insert(0, {str(ROOT)!r})
from pelicanconf import *
THEME = {str(ROOT / "theme")!r}
PLUGIN_PATHS = [{str(ROOT / "plugins")!r}]
COMMENTS = {{**COMMENTS, "fetch": False}}
"""
ADDED = "\n\nUne phrase ajoutée à l’instant : elle doit se lire partout où le texte se lit.\n"


class Project:
    """A copy of the sample content, previewed as `invoke serve` does (pelicanconf.py, no comment server)."""

    def __init__(self, folder, settings=""):
        self.folder = Path(folder)
        shutil.copytree(ROOT / "content", self.folder / "content")
        (self.folder / "conf.py").write_text(SETTINGS + settings)
        self.output = self.folder / "output"
        self.preview = Preview(self.folder / "conf.py", self.output, "http://127.0.0.1:8000")

    def append(self, relative, text):
        path = self.folder / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
        return path

    def replace(self, relative, old, new):
        path = self.folder / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        return path

    def rebuild(self, path):
        report = self.preview.rebuild([path])
        if getattr(report, "follow_up", None):
            report.follow_up()  # the search index, which `invoke serve` refreshes after the reload
        return report

    def full_build(self):
        """What publisher.build writes from the same content, in a folder of its own."""
        reference = self.folder / "reference"
        shutil.rmtree(reference, ignore_errors=True)
        build_site(self.folder / "conf.py", reference, self.preview.overrides())
        return tree(reference)


def tree(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(Path(folder).rglob("*"))
            if path.is_file()}


def stamps(folder):
    return {path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in Path(folder).rglob("*") if path.is_file()}


def assert_same_trees(found, expected):
    assert sorted(found) == sorted(expected)
    differing = [path for path in expected if found[path] != expected[path]]
    assert differing == []


@pytest.fixture
def project(tmp_path, monkeypatch):
    project = Project(tmp_path)
    monkeypatch.chdir(project.folder)  # the settings name their paths from the project, as the command runs
    project.preview.build()
    return project


@pytest.mark.parametrize("source, page, alone", [
    # A French post with an English translation: its page, the lists and the feeds that carry it
    # (the lists show its Summary line, unchanged; the feed carries the whole text).
    ("content/posts/fr/linkedin-sans-s-epuiser.md", "linkedin-sans-s-epuiser/index.html", False),
    # An English post with no French version.
    ("content/posts/en/writing-for-non-native-readers.md", "en/writing-for-non-native-readers/index.html", False),
    # A page: listed nowhere, so only its own file.
    ("content/pages/fr/a-propos.md", "pages/a-propos/index.html", True),
])
def test_an_edited_text_renders_only_the_pages_showing_it_and_matches_a_full_build(project, source, page, alone):
    before = stamps(project.output)
    old_page = (project.output / page).read_bytes()
    path = project.append(source, ADDED)

    report = project.rebuild(path)

    assert isinstance(report, Refresh), report
    assert page in report.written and (project.output / page).read_bytes() != old_page
    assert "Une phrase ajoutée à l’instant" in (project.output / page).read_text(encoding="utf-8")
    assert report.rendered < 20  # of the 76 pages and the feeds
    after = stamps(project.output)
    # The files not rewritten are the very same files (same inode, same time): nothing else was touched.
    untouched = {name: stamp for name, stamp in before.items()
                 if name not in report.written and not name.startswith("pagefind/")}
    assert {name: after[name] for name in untouched} == untouched
    if alone:
        assert report.written == [page]
    else:
        assert any(name.endswith("feeds/atom.xml") for name in report.written)
    assert_same_trees(tree(project.output), project.full_build())


def test_a_second_edit_of_the_same_post_is_still_fast_and_exact(project):
    source = "content/posts/fr/linkedin-sans-s-epuiser.md"
    assert isinstance(project.rebuild(project.append(source, ADDED)), Refresh)
    report = project.rebuild(project.replace(source, "Une phrase ajoutée", "Une phrase retouchée"))
    assert isinstance(report, Refresh)
    assert_same_trees(tree(project.output), project.full_build())


@pytest.mark.parametrize("source, old, new", [
    # A header line: the title shows in lists, menus, the other language's links...
    ("content/posts/fr/linkedin-sans-s-epuiser.md", "Title: ", "Title: Nouveau : "),
    # A post issue 2's digest quotes (its summary goes into the email and the archive).
    ("content/posts/fr/audit-seo-inventaire.md", "## Pourquoi un inventaire ?", "## Pourquoi faire un inventaire ?"),
    # A newsletter issue.
    ("content/newsletter/fr/numero-2.md", "\n\n", "\n\nUne ligne de plus.\n\n"),
])
def test_more_than_new_text_builds_everything(project, source, old, new):
    report = project.rebuild(project.replace(source, old, new))
    assert isinstance(report, BuildReport)
    assert_same_trees(tree(project.output), project.full_build())


def test_a_new_post_builds_everything(project):
    path = project.folder / "content/posts/fr/tout-neuf.md"
    path.write_text("Title: Tout neuf\nDate: 2025-06-01 10:00\nCategory: Stratégie\n\nUn texte.\n", encoding="utf-8")
    assert isinstance(project.rebuild(path), BuildReport)
    assert (project.output / "tout-neuf/index.html").is_file()


def test_a_broken_link_in_the_new_text_leaves_the_site_as_it_was(project):
    before = tree(project.output)
    path = project.append("content/posts/fr/linkedin-sans-s-epuiser.md", "\n\nVoir [ailleurs](/nulle-part/).\n")
    with pytest.raises(Exception) as failure:
        project.rebuild(path)
    assert getattr(failure.value, "exitcode", None) == 1  # content errors, as a full build reports them
    assert tree(project.output) == before
    # Once fixed, the next edit is rebuilt.
    project.replace("content/posts/fr/linkedin-sans-s-epuiser.md", "/nulle-part/", "/pages/a-propos/")
    project.rebuild(path)
    assert_same_trees(tree(project.output), project.full_build())


# linkedin-sans-s-epuiser is among the related posts of these two: their pages show its small card.
LISTING_LINKEDIN_AS_RELATED = ("strategie-editoriale-en-5-etapes/index.html", "newsletter-qui-se-fait-lire/index.html")
# About 200 words a minute: this many more words add minutes to the post's reading time.
SIX_HUNDRED_WORDS = "\n\n" + " ".join(["Une phrase de dix mots pour allonger un peu ce texte."] * 60) + "\n"


def test_an_edit_that_keeps_the_reading_time_leaves_the_posts_showing_its_card_alone(project):
    source = "content/posts/fr/linkedin-sans-s-epuiser.md"
    text = (project.folder / source).read_text(encoding="utf-8")
    sentence = next(line for line in text.split("\n\n")[1:] if line and line[0].isalpha())
    report = project.rebuild(project.replace(source, sentence, sentence + " Une retouche."))

    assert isinstance(report, Refresh), report
    assert "linkedin-sans-s-epuiser/index.html" in report.written
    assert not set(LISTING_LINKEDIN_AS_RELATED) & set(report.pages)
    assert_same_trees(tree(project.output), project.full_build())


def test_an_edit_that_changes_the_reading_time_renders_the_posts_showing_its_card(project):
    report = project.rebuild(project.append("content/posts/fr/linkedin-sans-s-epuiser.md", SIX_HUNDRED_WORDS))

    assert isinstance(report, Refresh), report
    assert set(LISTING_LINKEDIN_AS_RELATED) <= set(report.written) & set(report.pages)
    assert_same_trees(tree(project.output), project.full_build())


@pytest.mark.parametrize("per_page, orphans, source, pages, index_page", [
    # One post a page: the fifth newest post is on the fifth page.
    (1, 0, "content/posts/fr/linkedin-sans-s-epuiser.md", 7, "index5.html"),
    # Two a page and one orphan: the oldest (seventh) post would open a fourth page by its place
    # alone, but the last page takes the orphan.
    (2, 1, "content/posts/fr/strategie-editoriale-en-5-etapes.md", 3, "index3.html"),
])
def test_a_post_quoted_by_a_paginated_list_renders_only_the_page_holding_it(
        tmp_path, monkeypatch, per_page, orphans, source, pages, index_page):
    project = Project(tmp_path, f"DEFAULT_PAGINATION = {per_page}\nDEFAULT_ORPHANS = {orphans}\n")
    # Without its Summary line, the lists quote the start of the post's text.
    project.replace(source, "\nSummary: ", "\nX-Old-Summary: ")
    monkeypatch.chdir(project.folder)
    project.preview.build()
    assert len(list(project.output.glob("index*.html"))) == pages

    path = project.folder / source
    header, body = path.read_text(encoding="utf-8").split("\n\n", 1)
    path.write_text(f"{header}\n\nUne phrase ajoutée en tête de liste.\n\n{body}", encoding="utf-8")
    report = project.rebuild(path)

    assert isinstance(report, Refresh), report
    written_index_pages = [name for name in report.written if name.startswith("index")]
    assert written_index_pages == [index_page]
    # Its category's, author's and tags' lists quote it too.
    assert {name.split("/")[0] for name in report.written} >= {"category", "author", "tag"}
    assert "Une phrase ajoutée en tête" in (project.output / index_page).read_text(encoding="utf-8")
    assert_same_trees(tree(project.output), project.full_build())


def templates_showing_the_text(templates):
    """{template name: whether the edit loop renders it again after an edit of a post's text}."""
    from jinja2 import DictLoader, Environment

    from publisher.preview.incremental import _reads_text

    environment, known = Environment(loader=DictLoader(templates)), {}
    return {name: _reads_text(environment, name, known) for name in environment.list_templates()}


def test_a_list_is_rendered_again_only_when_its_templates_show_the_text_of_posts():
    shows = templates_showing_the_text({
        "base.html": '<meta name="twitter:card" content="summary">{% block body %}{% endblock %}',
        "_summary.html": "<p>{{ article.summary }}</p>",
        "index.html": '{% extends "base.html" %}{% block body %}{% include "_summary.html" %}{% endblock %}',
        "tag.html": '{% extends "index.html" %}',
        "archives.html": '{% extends "base.html" %}{% block body %}{{ article.title }}{% endblock %}',
        "chosen.html": "{% include article.template_name %}",
        "by_key.html": "{{ article['content'] }}",
    })
    assert shows == {"base.html": False, "_summary.html": True, "index.html": True, "tag.html": True,
                     "archives.html": False, "chosen.html": True, "by_key.html": True}


def test_a_value_made_from_the_text_counts_as_the_text():
    """Reading time (and a cover taken from the text's first image) change with the text: a list that
    shows only them is rendered again too."""
    shows = templates_showing_the_text({
        "reading.html": "<li>{{ article.title }} · {{ article.reading_minutes }} min</li>",
        "cover.html": '<img src="{{ article.cover.url }}">',
        "by_key.html": "{{ article['reading_minutes'] }}",
        "title_only.html": "{{ article.title }} {{ article.date }}",
    })
    assert shows == {"reading.html": True, "cover.html": True, "by_key.html": True, "title_only.html": False}
