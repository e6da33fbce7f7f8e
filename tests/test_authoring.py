"""The author's commands (publisher.authoring): new-post, translate and newsletter-new
write files that build without a warning, a translation is linked both ways, and
every refusal is one line naming the file in the way."""

import logging
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import ROOT
from placeholders import MARK
from publisher import authoring
from sitekit.content import SLUG_LENGTH
from small_project import SmallProject

# As tests/test_newsletter.py builds: no comment server to ask.
QUIET_COMMENTS = {"COMMENTS": {"isso": {"url": "http://127.0.0.1:9/"}, "default_state": "off"}}
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """SmallProject (article-a-commenter and its translation) with the site's real taxonomy, as the working folder."""
    project = SmallProject(tmp_path)
    shutil.copy(ROOT / "content/data/taxonomy.toml", tmp_path / "content/data/taxonomy.toml")
    monkeypatch.chdir(tmp_path)
    return project


def run(capsys, command, *args):
    """(exit status, stdout, stderr) of `python -m publisher.authoring COMMAND --settings conf.py ARGS`, in-process."""
    status = authoring.main([command, "--settings", "conf.py", *args])
    out, err = capsys.readouterr()
    return status, out, err


def build_cleanly(project, caplog):
    """Build; assert no warning or error was logged (by the plugins, Pelican or anything else)."""
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        report = project.build(**QUIET_COMMENTS)
    logged = [(r.name, r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == []
    assert report.warnings == 0
    return report


def header(project, relative):
    """The metadata lines of a file, as a dict, and its text."""
    text = (project.folder / relative).read_text(encoding="utf-8")
    head = text.split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in head.splitlines()), text


def publish(project, relative):
    path = project.folder / relative
    path.write_text(path.read_text(encoding="utf-8").replace("Status: draft\n", "Status: published\n"), encoding="utf-8")


def write_own_words(project, relative, words=None):
    """What the author does with the lines the command marked: each becomes their own words
    ("Summary: ", "## " kept), or, without words, goes (the translator's note)."""
    path = project.folder / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    if words is None:
        lines = [line for line in lines if MARK not in line]
    else:
        lines = [line.split(MARK, 1)[0] + words if MARK in line else line for line in lines]
    path.write_text("\n".join(lines), encoding="utf-8")


def hreflangs(soup):
    return {link["hreflang"]: link["href"] for link in soup.select('link[rel="alternate"][hreflang]')}


def content_files(project):
    return sorted(p.relative_to(project.folder).as_posix() for p in (project.folder / "content").rglob("*.md"))


# --- new-post ----------------------------------------------------------------------------------


def test_new_post_writes_a_draft_that_builds_without_warnings(project, capsys, caplog):
    status, out, err = run(capsys, "new-post", "L’été : œuvres & cœurs d’artistes", "--tags", "seo, rédaction, seo",
                           "--date", "2025-06-01 09:30")
    assert status == 0, err
    relative = "content/posts/fr/l-ete-oeuvres-coeurs-d-artistes.md"
    assert out == relative + "\n"
    fields, text = header(project, relative)
    assert fields == {
        "Title": "L’été : œuvres & cœurs d’artistes", "Date": "2025-06-01 09:30", "Lang": "fr",
        "Slug": "l-ete-oeuvres-coeurs-d-artistes", "Category": "Stratégie", "Tags": "SEO, Rédaction",
        "Author": "Élise Marchand", "Status": "draft",
        "Summary": f"{MARK} Une ou deux phrases qui donnent envie de lire la suite.",
    }
    assert "Category: Stratégie (the first of content/data/taxonomy.toml)" in err
    assert "drafts/l-ete-oeuvres-coeurs-d-artistes.html" in err

    build_cleanly(project, caplog)
    draft = project.page("drafts/l-ete-oeuvres-coeurs-d-artistes.html")
    assert draft.h1.get_text(strip=True) == f"L’été{NBSP}: œuvres & cœurs d’artistes"  # the build's typography
    body = draft.get_text()
    assert f"lecteur y gagne{NBSP}: une idée" in body and f"Un paragraphe par idée{NNBSP};" in body
    assert not (project.output / "l-ete-oeuvres-coeurs-d-artistes").exists(), "a draft is not published"
    assert "l-ete-oeuvres" not in (project.output / "index.html").read_text(encoding="utf-8")


def test_a_new_post_is_dated_now_in_the_site_time_zone(project, capsys):
    status, out, err = run(capsys, "new-post", "Maintenant")
    assert status == 0, err
    written = datetime.strptime(header(project, out.strip())[0]["Date"], "%Y-%m-%d %H:%M")
    now = datetime.now(ZoneInfo("Europe/Paris")).replace(tzinfo=None)
    assert timedelta(0) <= now - written < timedelta(minutes=2)


def test_a_published_new_post_in_english_builds_in_its_category(project, capsys, caplog):
    status, out, err = run(capsys, "new-post", "Plain words, short sentences", "--lang", "en",
                           "--category", "strategy", "--tags", "copywriting,Accessibility", "--date", "2025-06-02")
    assert status == 0, err
    assert out == "content/posts/en/plain-words-short-sentences.md\n"
    fields, text = header(project, out.strip())
    assert (fields["Lang"], fields["Category"], fields["Tags"], fields["Date"]) == (
        "en", "Strategy", "Copywriting, Accessibility", "2025-06-02")
    assert f"{MARK} Start with what the reader gains" in text
    write_own_words(project, out.strip(), "Short sentences read faster.")
    publish(project, out.strip())
    build_cleanly(project, caplog)
    page = project.page("en/plain-words-short-sentences/")
    assert page.find("html")["lang"] == "en"
    assert (project.output / "en/category/strategy/index.html").is_file()


def test_categories_and_tags_are_written_as_the_taxonomy_spells_them(project, capsys):
    status, _, err = run(capsys, "new-post", "Un titre", "--category", "Strategy")
    assert status == 1
    assert err == ("new-post: 'Strategy' is the English name of a category in content/data/taxonomy.toml; "
                   "in French write 'Stratégie'\n")
    status, out, err = run(capsys, "new-post", "Un titre", "--category", "Nouveautés", "--tags", "Outils")
    assert status == 0, err
    fields, _ = header(project, out.strip())
    assert (fields["Category"], fields["Tags"]) == ("Nouveautés", "Outils")
    assert "the category 'Nouveautés' is not in content/data/taxonomy.toml" in err
    assert "the tag 'Outils' is not in content/data/taxonomy.toml" in err


def test_a_slug_is_never_taken_twice(project, capsys):
    assert run(capsys, "new-post", "Mon article")[0] == 0
    before = content_files(project)

    status, out, err = run(capsys, "new-post", "Mon article !")
    assert (status, out) == (1, "")
    assert err == ("new-post: content/posts/fr/mon-article.md already exists; choose another slug with --slug, "
                   "e.g. --slug mon-article-2\n")

    project.write("content/posts/fr/autre-fichier.md", "Title: Autre\nDate: 2025-02-01\nSlug: deja-pris\n\nTexte.\n")
    before = content_files(project)
    status, _, err = run(capsys, "new-post", "Déjà pris")
    assert status == 1
    assert err == ("new-post: the slug 'deja-pris' is already used by content/posts/fr/autre-fichier.md (fr); "
                   "choose another with --slug, e.g. --slug deja-pris-2\n")

    # An English post with a French original's slug would become its translation.
    status, _, err = run(capsys, "new-post", "Article à commenter", "--lang", "en")
    assert status == 1
    assert err.startswith("new-post: the slug 'article-a-commenter' links content/posts/fr/article-a-commenter.md (fr) "
                          "to it as a translation; choose another with --slug, e.g. --slug article-a-commenter-2, "
                          "or start a translation with: translate content/posts/fr/article-a-commenter.md")

    status, _, err = run(capsys, "new-post", "Category")
    assert status == 1 and "the slug 'category' is the name of a folder of the site" in err
    status, _, err = run(capsys, "new-post", "« ! »")
    assert status == 1 and "no slug can be made from the title '« ! »'; give one with --slug" in err
    status, _, err = run(capsys, "new-post", "Mon article", "--slug", "Mon Article")
    assert status == 1 and "'Mon Article' is not a slug" in err and "--slug mon-article" in err
    assert content_files(project) == before, "a refusal writes nothing"

    status, out, err = run(capsys, "new-post", "Mon article", "--slug", "mon-article-2")
    assert (status, out) == (0, "content/posts/fr/mon-article-2.md\n"), err


def test_unknown_language_and_unreadable_date_are_refused(project, capsys):
    status, _, err = run(capsys, "new-post", "Hallo", "--lang", "de")
    assert (status, err) == (1, "new-post: --lang 'de' is not a language of this site; use one of: fr, en\n")
    status, _, err = run(capsys, "new-post", "Demain", "--date", "demain")
    assert (status, err) == (1, "new-post: --date 'demain' is not a date; write it as 2025-01-31 or 2025-01-31 09:30\n")


# --- translate -------------------------------------------------------------------------------


def test_a_translation_is_linked_both_ways_once_published(project, capsys, caplog):
    from bilingual.checks import source_digest

    status, out, err = run(capsys, "new-post", "Relire avant de publier", "--tags", "Rédaction, SEO local",
                           "--date", "2025-06-03 08:00")
    assert status == 0, err
    original = out.strip()
    write_own_words(project, original, "Relire, puis relire encore.")
    publish(project, original)

    status, out, err = run(capsys, "translate", original, "--to", "en", "--title", "Proofread before publishing")
    assert status == 0, err
    translation = "content/posts/en/proofread-before-publishing.md"
    assert out == translation + "\n"
    fields, text = header(project, translation)
    assert fields == {
        "Title": "Proofread before publishing", "Date": "2025-06-03 08:00", "Lang": "en",
        "Slug": "proofread-before-publishing", "Category": "Strategy", "Tags": "Copywriting, Local SEO",
        "Author": "Élise Marchand", "Translation-Of": "relire-avant-de-publier",
        "Source-Hash": source_digest(project.folder / original), "Status": "draft",
        "Summary": f"{MARK} Relire, puis relire encore.",  # to translate, as the title would be without --title
    }
    note, body = text.split("\n\n", 1)[1].split("-->\n\n", 1)
    assert note.startswith(f"<!-- {MARK} Translation into English of content/posts/fr/relire-avant-de-publier.md")
    assert body == (project.folder / original).read_text(encoding="utf-8").split("\n\n", 1)[1]
    assert "Summary and text kept from the original" in err

    # A draft: built apart, the original not yet pointing at it.
    build_cleanly(project, caplog)
    assert (project.output / "en/drafts/proofread-before-publishing.html").is_file()
    assert "en" not in hreflangs(project.page("relire-avant-de-publier/"))

    write_own_words(project, translation)  # translated: the marked Summary and the note go
    publish(project, translation)
    build_cleanly(project, caplog)
    french, english = project.page("relire-avant-de-publier/"), project.page("en/proofread-before-publishing/")
    assert hreflangs(french)["en"].endswith("/en/proofread-before-publishing/")
    assert hreflangs(english)["fr"].endswith("/relire-avant-de-publier/")
    assert english.find("html")["lang"] == "en"

    # The recorded hash is the one the stale-translation check compares.
    path = project.folder / original
    path.write_text(path.read_text(encoding="utf-8") + "\nUn paragraphe de plus.\n", encoding="utf-8")
    caplog.clear()
    assert project.build(**QUIET_COMMENTS).warnings == 1
    assert any(r.getMessage().startswith(f"{translation}: Source-Hash: {original} changed after this translation")
               for r in caplog.records)


def test_a_translated_title_gives_the_slug_and_the_series_keeps_its_name(project, capsys, caplog):
    project.write("content/posts/fr/serie-1.md", "Title: Série (1)\nDate: 2025-02-01\nSlug: serie-1\nCategory: E-mailing\n"
                  "Series: Ma série\nSeries-Part: 1\n\nTexte.\n")
    project.write("content/posts/en/series-1.md", "Title: Series (1)\nDate: 2025-02-01\nLang: en\nSlug: series-1\n"
                  "Category: Email marketing\nSeries: My series\nSeries-Part: 1\nTranslation-Of: serie-1\n"
                  "Source-Hash: {digest}\n\nText.\n".replace("{digest}", _digest(project, "content/posts/fr/serie-1.md")))
    project.write("content/posts/fr/serie-2.md", "Title: Série (2)\nDate: 2025-03-01\nSlug: serie-2\nCategory: E-mailing\n"
                  "Series: Ma série\nSeries-Part: 2\nSeries-Parts: 3\nModified: 2025-03-05\n\nTexte.\n")
    status, out, err = run(capsys, "translate", "content/posts/fr/serie-2.md", "--title", "Series (2): the sequel")
    assert (status, out) == (0, "content/posts/en/series-2-the-sequel.md\n"), err
    fields, _ = header(project, out.strip())
    assert (fields["Title"], fields["Slug"], fields["Category"]) == ("Series (2): the sequel", "series-2-the-sequel",
                                                                     "Email marketing")
    assert (fields["Series"], fields["Series-Part"], fields["Series-Parts"]) == ("My series", "2", "3")
    assert "Modified" not in fields and "Tags" not in fields
    build_cleanly(project, caplog)


def _digest(project, relative):
    from bilingual.checks import source_digest

    return source_digest(project.folder / relative)


def test_translate_refuses_what_it_cannot_translate(project, capsys):
    before = content_files(project)
    cases = {
        ("content/posts/fr/article-a-commenter.md",):
            "content/posts/en/post-to-comment-on.md already translates content/posts/fr/article-a-commenter.md into "
            "English (en); edit it, and set its Source-Hash once it is up to date",
        ("content/posts/en/post-to-comment-on.md",):
            "content/posts/en/post-to-comment-on.md is a translation of 'article-a-commenter' "
            "(content/posts/fr/article-a-commenter.md), not an original; translate the original",
        ("content/posts/fr/article-a-commenter.md", "--to", "de"):
            "--to 'de' is not a language of this site; use one of: en",
        ("content/posts/fr/article-a-commenter.md", "--to", "fr"):
            "content/posts/fr/article-a-commenter.md is already in French (fr); choose --to among: en",
        ("content/posts/fr/absent.md",):
            "content/posts/fr/absent.md: no such file; name an original post, e.g. content/posts/fr/mon-article.md",
        ("conf.py",):
            "conf.py is not a post or a page of content/; name a Markdown file in content/posts/fr/",
    }
    for args, message in cases.items():
        status, out, err = run(capsys, "translate", *args)
        assert (status, out, err) == (1, "", f"translate: {message}\n")

    project.write("content/posts/en/only-english.md", "Title: Only English\nDate: 2025-02-01\nLang: en\n\nText.\n")
    status, _, err = run(capsys, "translate", "content/posts/en/only-english.md", "--to", "fr")
    assert status == 1 and "is in English (en); translations start from a French (fr) original" in err

    project.write("content/posts/fr/nouveau.md", "Title: Nouveau\nDate: 2025-02-01\nSlug: nouveau\n\nTexte.\n")
    project.write("content/posts/en/new.md", "Title: New\nDate: 2025-02-01\nLang: en\nSlug: new\n\nText.\n")
    status, _, err = run(capsys, "translate", "content/posts/fr/nouveau.md", "--title", "New")
    assert (status, err) == (1, "translate: content/posts/en/new.md already exists; choose another slug with --slug, "
                                "e.g. --slug new-2\n")
    assert content_files(project) == sorted(before + ["content/posts/en/only-english.md", "content/posts/fr/nouveau.md",
                                                      "content/posts/en/new.md"])


# --- newsletter-new --------------------------------------------------------------------------


def test_the_first_issues_build_without_warnings_with_or_without_a_digest(project, capsys, caplog):
    status, out, err = run(capsys, "newsletter-new", "--date", "2025-03-01 08:00")
    assert status == 0, err
    assert out == "content/newsletter/fr/numero-1.md\ncontent/newsletter/en/issue-1.md\n"
    fields, text = header(project, "content/newsletter/fr/numero-1.md")
    assert fields == {"Title": f"{MARK} Numéro 1 : le sujet du mois", "Date": "2025-03-01 08:00", "Issue": "1",
                      "Lang": "fr", "Author": "Élise Marchand",
                      "Preheader": f"{MARK} Ce que ce numéro vous apporte, en une phrase.",
                      "Digest": "oui", "Status": "draft"}
    assert "Bonjour," in text
    fields, text = header(project, "content/newsletter/en/issue-1.md")
    assert (fields["Title"], fields["Issue"], fields["Lang"], fields["Digest"]) == (
        f"{MARK} Issue 1: this month’s topic", "1", "en", "yes")
    build_cleanly(project, caplog)
    assert not (project.output / "newsletter/1").exists(), "a draft issue is neither archived nor sent"
    assert not (project.folder / "outbox").exists()
    write_own_words(project, "content/newsletter/fr/numero-1.md", "Numéro 1 : la relecture")
    write_own_words(project, "content/newsletter/en/issue-1.md", "Issue 1: proofreading")
    publish(project, "content/newsletter/fr/numero-1.md", "content/newsletter/en/issue-1.md")
    build_cleanly(project, caplog)
    issue = project.page("newsletter/1/")
    assert f"Numéro 1{NBSP}: la relecture" in issue.get_text()
    assert "article-a-commenter" in str(issue), "the digest lists the post"
    assert (project.output / "en/newsletter/1/index.html").is_file()

    # Nothing published since issue 1: no Digest line, which would stop the build.
    status, out, err = run(capsys, "newsletter-new", "--date", "2025-04-01")
    assert (status, out) == (0, "content/newsletter/fr/numero-2.md\ncontent/newsletter/en/issue-2.md\n"), err
    assert "Digest" not in header(project, "content/newsletter/fr/numero-2.md")[0]
    assert "fr: no Digest line: no post in French was published since issue 1" in err
    write_own_words(project, "content/newsletter/fr/numero-2.md", "Numéro 2 : la suite")
    write_own_words(project, "content/newsletter/en/issue-2.md", "Issue 2: what came next")
    publish(project, "content/newsletter/fr/numero-2.md", "content/newsletter/en/issue-2.md")
    build_cleanly(project, caplog)
    assert (project.output / "en/newsletter/2/index.html").is_file()


def publish(project, *paths):
    """What the editor does once an issue is written: Status: draft becomes published."""
    for relative in paths:
        path = project.folder / relative
        path.write_text(path.read_text(encoding="utf-8").replace("Status: draft", "Status: published"),
                        encoding="utf-8")


def test_the_next_issue_follows_the_numbers_and_names_in_place(project, capsys, caplog):
    project.write("content/newsletter/fr/lettre-4.md", "Title: Lettre 4\nDate: 2025-01-01\nIssue: 4\nLang: fr\n\nBonjour.\n")
    project.write("content/newsletter/en/letter-4.md", "Title: Letter 4\nDate: 2025-01-01\nIssue: 4\nLang: en\n\nHello.\n")
    project.write("content/newsletter/fr/numero-2.md", "Title: N 2\nDate: 2024-01-01\nIssue: 2\nLang: fr\n\nBonjour.\n")
    project.write("content/newsletter/en/news-2.md", "Title: N 2\nDate: 2024-01-01\nIssue: 2\nLang: en\n\nHello.\n")
    status, out, err = run(capsys, "newsletter-new")
    assert (status, out) == (0, "content/newsletter/fr/lettre-5.md\ncontent/newsletter/en/letter-5.md\n"), err
    fields, _ = header(project, "content/newsletter/en/letter-5.md")
    assert fields["Issue"] == "5" and fields["Digest"] == "yes"  # the post of 2025-01-31, after issue 4
    written = datetime.strptime(fields["Date"], "%Y-%m-%d %H:%M")
    assert datetime.now(ZoneInfo("Europe/Paris")).replace(tzinfo=None) - written < timedelta(minutes=2)
    build_cleanly(project, caplog)


def test_newsletter_new_refuses_to_overwrite(project, capsys):
    project.write("content/newsletter/fr/numero-1.md", "Title: N\nDate: 2025-01-01\nIssue: 1\nLang: fr\n\nBonjour.\n")
    project.write("content/newsletter/en/issue-2.md", "Title: N\nDate: 2025-01-01\nIssue: 1\nLang: en\n\nHello.\n")
    before = content_files(project)
    status, out, err = run(capsys, "newsletter-new")
    assert (status, out) == (1, "")
    assert err == ("newsletter-new: content/newsletter/en/issue-2.md already exists, without 'Issue: 2'; "
                   "give it its own Issue number, or rename it\n")
    assert content_files(project) == before


# --- The command line ------------------------------------------------------------------------


def test_the_module_runs_as_a_command(project):
    """As tasks.py runs it: from the project's folder, `python -m publisher.authoring`."""
    done = subprocess.run([sys.executable, "-m", "publisher.authoring", "new-post", "Depuis la ligne de commande",
                           "--settings", str(project.folder / "conf.py"), "--tags", "SEO"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    path = project.folder / "content/posts/fr/depuis-la-ligne-de-commande.md"
    assert done.stdout == f"{path}\n"
    assert re.search(r"^Tags: SEO$", path.read_text(encoding="utf-8"), re.M)
    done = subprocess.run([sys.executable, "-m", "publisher.authoring", "translate", "nowhere.md",
                           "--settings", str(project.folder / "conf.py")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.startswith("translate: nowhere.md: no such file")


def test_a_draft_can_be_translated_at_once_and_long_titles_give_short_slugs(project, capsys, caplog):
    title = "Un titre vraiment très long pour un article qui explique tout ce qu’il faut savoir sur les newsletters"
    status, out, err = run(capsys, "new-post", title, "--category", "e-mailing")
    assert status == 0, err
    slug = out.strip().rsplit("/", 1)[1][:-3]
    assert len(slug) <= SLUG_LENGTH and not slug.endswith("-")
    english = "A truly very long title for a post that explains everything there is to know about newsletters"
    status, out, err = run(capsys, "translate", out.strip(), "--title", english)
    assert status == 0, err
    translated = out.strip().rsplit("/", 1)[1][:-3]
    assert translated.startswith("a-truly-very-long-title")
    assert len(translated) <= SLUG_LENGTH and not translated.endswith("-")
    assert header(project, out.strip())[0]["Category"] == "Email marketing"
    build_cleanly(project, caplog)
    assert (project.output / f"drafts/{slug}.html").is_file()
    assert (project.output / f"en/drafts/{translated}.html").is_file()


def test_a_missing_settings_file_is_a_setting_error(tmp_path, monkeypatch, capsys):
    """Exit 2, as publish gives for a wrong setting; the line says where to run the command."""
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "new-post", "Un titre")
    assert (status, out) == (2, "")
    assert err == ("new-post: conf.py: no such settings file; run the command from the project's folder "
                   "or name the file with --settings\n")
