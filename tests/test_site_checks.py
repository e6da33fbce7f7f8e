"""The checks publish runs on the built site: the real sample build passes; copies broken
the way a half-done build, a hand edit or a plugin bug would break them are caught."""

import logging
import re
import shutil

import pytest
from conftest import ROOT
from small_project import SmallProject

from publisher.site_checks import (
    EXIT_SITE_CHECKS, Problem, SiteCheckFailed, check_built_site, check_site, main, site_arguments)

FRENCH_POST = "strategie-editoriale-en-5-etapes/index.html"
ENGLISH_POST = "en/editorial-strategy-in-5-steps/index.html"


@pytest.fixture
def broken(site, tmp_path):
    """A copy of the built sample site to break, and the arguments check_site needs for it."""
    output = tmp_path / "output"
    shutil.copytree(site.output, output)
    return output, site_arguments(site.report.settings)


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert len(re.findall(old, text)) >= count, f"{old!r} not in {path}"
    path.write_text(re.sub(old, new, text, count=count), encoding="utf-8")


def found(problems, path, check, *words):
    """The problems of ``path`` and ``check`` whose message holds every word."""
    return [p for p in problems if p.path == path and p.check == check and all(w in p.message for w in words)]


# --- The real site -------------------------------------------------------------


def test_the_sample_site_has_no_problem(site):
    arguments = site_arguments(site.report.settings)
    assert (arguments.siteurl, arguments.languages, arguments.primary) == (
        site.siteurl, {"fr": "", "en": "en/"}, "fr")
    assert arguments.sources[ENGLISH_POST] == "content/posts/en/editorial-strategy-in-5-steps.md"
    assert check_site(site.output, *arguments) == []
    assert check_site(site.output, site.siteurl, ["fr", "en"], "fr") == []


def test_settings_read_without_building_give_the_same_arguments(site, monkeypatch):
    from pelican.settings import read_settings

    monkeypatch.delenv("SITEURL", raising=False)
    monkeypatch.chdir(ROOT)
    read = site_arguments(read_settings(str(ROOT / "publishconf.py")))
    built = site_arguments(site.report.settings)
    assert (read.siteurl, read.languages, read.primary, read.skip) == (
        built.siteurl, built.languages, built.primary, built.skip)


# --- Broken copies ---------------------------------------------------------------


def test_an_english_page_that_does_not_link_back_is_named(broken):
    output, arguments = broken
    edit(output / ENGLISH_POST, r'<link rel="alternate" hreflang="fr"[^>]*>', "")
    problems = check_site(output, *arguments)
    [problem] = found(problems, FRENCH_POST, "hreflang", "en/editorial-strategy-in-5-steps/",
                      "as its English version", "does not link back as its French version")
    # The editor is told which files to look at.
    assert "content/posts/fr/strategie-editoriale-en-5-etapes.md" in problem.message
    assert "content/posts/en/editorial-strategy-in-5-steps.md" in problem.message
    # The English page's x-default now names a page it does not list as a version.
    assert found(problems, ENGLISH_POST, "hreflang", "x-default", "none of its language versions")


def test_a_missing_english_home_is_named(broken):
    output, arguments = broken
    (output / "en/index.html").unlink()
    problems = check_site(output, *arguments)
    assert found(problems, "en/index.html", "language", "English home page was not built")
    assert found(problems, "index.html", "hreflang", "as its English version", "en/index.html is missing")


def test_a_language_never_built_is_named(broken):
    output, arguments = broken
    shutil.rmtree(output / "en")
    problems = check_site(output, *arguments)
    assert found(problems, "en/index.html", "language", "English home page was not built",
                 '0 page(s) declare <html lang="en">')


def test_an_alternate_leading_to_no_page_is_named(broken):
    output, arguments = broken
    edit(output / FRENCH_POST, r'hreflang="en" href="[^"]*"',
         f'hreflang="en" href="{arguments.siteurl}/en/no-such-post/"')
    problems = check_site(output, *arguments)
    assert found(problems, FRENCH_POST, "hreflang", "/en/no-such-post/ as its English version",
                 "no such page was built", "en/no-such-post/index.html is missing")


def test_an_alternate_in_the_wrong_language_is_named(broken):
    output, arguments = broken
    edit(output / ENGLISH_POST, r'<html lang="en">', '<html lang="fr">')
    problems = check_site(output, *arguments)
    assert found(problems, FRENCH_POST, "hreflang", "as its English version",
                 'that page declares <html lang="fr">')
    assert found(problems, ENGLISH_POST, "language", 'declares <html lang="fr">', "English site")


def test_versions_that_disagree_are_named(broken):
    """Both pages link each other, but the English one names another page as x-default."""
    output, arguments = broken
    edit(output / ENGLISH_POST, r'hreflang="x-default" href="[^"]*"',
         f'hreflang="x-default" href="{arguments.siteurl}/en/editorial-strategy-in-5-steps/"')
    problems = check_site(output, *arguments)
    assert found(problems, FRENCH_POST, "hreflang", "must name each other alike",
                 "x-default: en/editorial-strategy-in-5-steps/index.html")


def test_a_language_the_site_does_not_have_is_named(broken):
    output, arguments = broken
    edit(output / ENGLISH_POST, r'hreflang="en"', 'hreflang="de"')
    problems = check_site(output, *arguments)
    assert found(problems, ENGLISH_POST, "hreflang", "'de' is not a language of this site")
    assert found(problems, ENGLISH_POST, "hreflang", "not itself as the English version")


def test_an_address_outside_the_site_is_named(broken):
    output, arguments = broken
    edit(output / FRENCH_POST, r'hreflang="en" href="https://elise-marchand.example/',
         'hreflang="en" href="http://127.0.0.1:8000/')
    problems = check_site(output, *arguments)
    assert found(problems, FRENCH_POST, "hreflang", "not an address of this site", "check SITEURL")


def test_an_empty_title_is_named(broken):
    output, arguments = broken
    edit(output / ENGLISH_POST, r"<title>[^<]*</title>", "<title> </title>")
    problems = check_site(output, *arguments)
    assert problems == [Problem(ENGLISH_POST, "title", "the page has no <title> or an empty one; give "
                                "content/posts/en/editorial-strategy-in-5-steps.md a Title line")]


def test_a_broken_feed_is_named(broken):
    output, arguments = broken
    feed = output / "en/feeds/atom.xml"
    feed.write_bytes(feed.read_bytes()[:-40])  # cut short, as a full disk would leave it
    problems = check_site(output, *arguments)
    assert [(p.path, p.check) for p in problems] == [("en/feeds/atom.xml", "xml")]


def test_a_sitemap_naming_a_missing_page_is_named(broken):
    output, arguments = broken
    shutil.rmtree(output / "en/editorial-strategy-in-5-steps")
    problems = check_site(output, *arguments)
    assert found(problems, "sitemap-en.xml", "sitemap", "/en/editorial-strategy-in-5-steps/",
                 "no such page was built")
    assert found(problems, FRENCH_POST, "hreflang", "no such page was built")


def test_problems_stop_publishing_with_exit_status_3(broken, site, caplog):
    output, _ = broken
    (output / "en/index.html").unlink()
    with caplog.at_level(logging.ERROR, logger="publisher.site_checks"):
        with pytest.raises(SiteCheckFailed) as failure:
            check_built_site(output, site.report.settings)
    assert failure.value.exitcode == EXIT_SITE_CHECKS == 3
    assert [str(p) for p in failure.value.problems] == caplog.messages
    assert "en/index.html: language: the English home page was not built" in caplog.text


def test_the_command_checks_an_existing_output(broken, monkeypatch, caplog):
    output, _ = broken
    monkeypatch.delenv("SITEURL", raising=False)
    monkeypatch.chdir(ROOT)
    assert main(["--settings", "publishconf.py", "--output", str(output)]) == 0
    edit(output / ENGLISH_POST, r'<link rel="alternate" hreflang="fr"[^>]*>', "")
    with caplog.at_level(logging.ERROR, logger="publisher.site_checks"):
        assert main(["--settings", "publishconf.py", "--output", str(output)]) == EXIT_SITE_CHECKS
    assert "Site check failed: 2 problem(s) in the built site, listed above" in caplog.text
    # Without a build, messages cannot name the source files, but still say where to look.
    assert "Translation-Of lines of the posts or pages behind it" in caplog.text


# --- A small project: root-relative URLs, static HTML -------------------------------


def test_a_small_project_with_relative_addresses_and_an_attached_html_file(tmp_path):
    project = SmallProject(tmp_path)
    project.write("content/files/report.html", "<p>An exported report, no lang, no title.</p>")
    report = project.build()  # pelicanconf: SITEURL = "", hreflang links start with /
    arguments = site_arguments(report.settings)
    assert arguments.siteurl == "" and "files/" in arguments.skip
    assert check_site(report.output, *arguments) == []
    # The attached file is copied as it is: only the static folders' skip spares it.
    unskipped = check_site(report.output, "", ["fr", "en"], "fr")
    assert {(p.path, p.check) for p in unskipped} == {("files/report.html", "language"), ("files/report.html", "title")}
    edit(report.output / "en/post-to-comment-on/index.html", r'hreflang="fr" href="/article-a-commenter/"',
         'hreflang="fr" href="/en/post-to-comment-on/"')
    problems = check_site(report.output, *arguments)
    assert found(problems, "article-a-commenter/index.html", "hreflang", "does not link back")
