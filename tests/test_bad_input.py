"""Bad content: one line per problem naming the file and field, a clear exit status,
no traceback, and the previous output/ left exactly as it was."""

import os
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT

GOOD_ORIGINAL = """\
Title: Un article correct
Date: 2025-01-31 09:30
Lang: fr
Slug: article-correct
Category: Stratégie

Un texte ; des mots !
"""


def english_translation(source_hash):
    return f"""\
Title: A correct post
Date: 2025-01-31 09:30
Lang: en
Slug: correct-post
Category: Strategy
Translation-Of: article-correct
Source-Hash: {source_hash}

Some words.
"""


@pytest.fixture
def project(tmp_path):
    """A small project using the real theme and plugin, with a previous build in output/."""
    (tmp_path / "content/posts/fr").mkdir(parents=True)
    (tmp_path / "content/posts/en").mkdir(parents=True)
    (tmp_path / "content/data").mkdir()
    (tmp_path / "content/images").mkdir()
    (tmp_path / "content/data/taxonomy.toml").write_text('[categories.strategie]\nfr = "Stratégie"\nen = "Strategy"\n')
    write(tmp_path, "content/posts/fr/article-correct.md", GOOD_ORIGINAL)
    from bilingual.checks import source_digest

    digest = source_digest(tmp_path / "content/posts/fr/article-correct.md")
    write(tmp_path, "content/posts/en/correct-post.md", english_translation(digest))
    (tmp_path / "conf.py").write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pelicanconf import *
        THEME = {str(ROOT / "theme")!r}
        PLUGIN_PATHS = [{str(ROOT / "plugins")!r}]
        # No comment server here: posts have none unless a test turns them on.
        COMMENTS = {{**COMMENTS, "default_state": "off"}}
        """))
    (tmp_path / "output").mkdir()
    (tmp_path / "output/index.html").write_text("previous build")
    return tmp_path


def write(project, relative, text):
    (project / relative).write_text(textwrap.dedent(text), encoding="utf-8")


def build(project):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "publisher.build", "--settings", "conf.py", "--output", "output"],
                          cwd=project, env=env, capture_output=True, text=True)


def assert_failed_cleanly(project, result, expected_line):
    assert result.returncode == 1, result.stderr
    assert expected_line in result.stderr.splitlines(), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert (project / "output/index.html").read_text() == "previous build"
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".output")) == []


def test_the_fixture_builds(project):
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "pages in fr" in result.stdout and "pages in en" in result.stdout
    assert (project / "output/en/correct-post/index.html").exists()


def _wait_for_processes_naming(path):
    """Wait, without polling, for every process whose command line names ``path`` to end."""
    needle = os.fsencode(str(path))
    waiting = []
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and needle in Path(entry.path, "cmdline").read_bytes():
                waiting.append(os.pidfd_open(int(entry.name)))
        except (FileNotFoundError, ProcessLookupError):
            pass  # it ended meanwhile
    for handle in waiting:
        select.select([handle], [], [])  # a pidfd is readable once its process has exited
        os.close(handle)


def test_a_rebuild_swaps_the_sites_and_deletes_the_old_ones_without_waiting(project):
    """The previous site, and one left by a deletion cut short, are deleted by a process of their own."""
    cut_short = project / ".output.old-0123abcd"
    (cut_short / "en").mkdir(parents=True)
    (cut_short / "en/index.html").write_text("a site whose deletion was cut short")
    assert build(project).returncode == 0
    assert "previous build" not in (project / "output/index.html").read_text()

    _wait_for_processes_naming(project)
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".output")) == []


def test_a_post_without_title(project):
    write(project, "content/posts/fr/sans-titre.md", "Date: 2025-02-01\nLang: fr\n\nTexte.\n")
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/fr/sans-titre.md: Title: missing; "
                          "add a line such as 'Title: Mon article' at the top of the file")


def test_a_post_without_date(project):
    write(project, "content/posts/fr/sans-date.md", "Title: Sans date\nLang: fr\n\nTexte.\n")
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/fr/sans-date.md: Date: missing; "
                          "add a line such as 'Date: 2025-01-31 09:30' at the top of the file")


def test_a_date_that_cannot_be_read(project):
    write(project, "content/posts/fr/date.md", "Title: Date illisible\nDate: le 3 mars\nLang: fr\n\nTexte.\n")
    result = build(project)
    assert_failed_cleanly(project, result,
                          "ERROR: content/posts/fr/date.md: Date: 'le 3 mars' is not a date; "
                          "write it as 2025-01-31 or 2025-01-31 09:30")
    assert sum("content/posts/fr/date.md" in line for line in result.stderr.splitlines()) == 1


def test_a_date_in_the_month_13_is_refused_too(project):
    # The common form is read without dateutil (plugins/bilingual); a date it cannot be still goes to Pelican.
    write(project, "content/posts/fr/date.md", "Title: Date\nDate: 2025-13-01 09:30\nLang: fr\n\nTexte.\n")
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/fr/date.md: Date: '2025-13-01 09:30' is not a date; "
                          "write it as 2025-01-31 or 2025-01-31 09:30")


@pytest.mark.parametrize("field", ["date", "modified"])
@pytest.mark.parametrize("value", ["2025-01-31", "2025-01-31 09:30", "2025-01-31T09:30", "2024-02-29 23:59:58",
                                   "2025-01-31_09:30", "2025-01-31 09:30+02:00", "31 janvier 2025", "2025-02-30"])
def test_dates_read_without_dateutil_are_the_dates_pelican_reads(field, value):
    from bilingual.reader import _date_checking
    from pelican.readers import METADATA_PROCESSORS, MarkdownReader
    from pelican.settings import DEFAULT_CONFIG

    reader = _date_checking(MarkdownReader)({**DEFAULT_CONFIG})
    reader._bad_values = {}
    try:
        expected = METADATA_PROCESSORS[field](value, DEFAULT_CONFIG)
    except ValueError:
        assert reader.process_metadata(field, value) is None and reader._bad_values == {field: value}
        return
    found = reader.process_metadata(field, value)
    assert (type(found), found, found.tzinfo) == (type(expected), expected, expected.tzinfo)


def test_an_unknown_language(project):
    write(project, "content/posts/fr/allemand.md", "Title: Deutsch\nDate: 2025-02-01\nLang: de\n\nText.\n")
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/fr/allemand.md: Lang: 'de' is not a language of this site; use one of: fr, en")


def test_two_posts_with_the_same_slug_and_language(project):
    write(project, "content/posts/fr/zz-doublon.md", GOOD_ORIGINAL.replace("Un article correct", "Un doublon"))
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/fr/zz-doublon.md: Slug: 'article-correct' is already used by "
                          "content/posts/fr/article-correct.md in the same language (fr); give one of them another Slug")


def test_a_translation_whose_original_does_not_exist(project):
    orphan = english_translation("0" * 12).replace("article-correct", "article-disparu").replace("correct-post", "orphan")
    write(project, "content/posts/en/orphan.md", orphan)
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/en/orphan.md: Translation-Of: no French post has the slug "
                          "'article-disparu'; write the original's Slug here, or remove the line if this is not a translation")


def test_a_broken_internal_link(project):
    write(project, "content/posts/fr/lien.md",
          "Title: Lien\nDate: 2025-02-01\nLang: fr\n\nVoir [ceci]({filename}/posts/fr/absent.md) et [cela](/nulle-part/).\n")
    result = build(project)
    assert_failed_cleanly(project, result,
                          "ERROR: content/posts/fr/lien.md: link: '{filename}/posts/fr/absent.md' leads to nothing in the "
                          "built site; fix the path (write {static}/images/... or {filename}/posts/...), or add the missing file")
    assert "'/nulle-part/' leads to nothing" in result.stderr


def test_a_broken_image(project):
    write(project, "content/posts/fr/image.md",
          "Title: Image\nDate: 2025-02-01\nLang: fr\n\n![Une image]({static}/images/absente.jpg)\n")
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/fr/image.md: image: '/images/absente.jpg' leads to nothing in the "
                          "built site; fix the path (write {static}/images/... or {filename}/posts/...), or add the missing file")


def test_several_problems_are_all_listed_at_once(project):
    write(project, "content/posts/fr/sans-titre.md", "Date: 2025-02-01\nLang: fr\n\nTexte.\n")
    write(project, "content/posts/fr/allemand.md", "Title: Deutsch\nDate: 2025-02-01\nLang: de\n\nText.\n")
    result = build(project)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 2, result.stderr


def test_a_stale_translation_warns_naming_both_files(project):
    original = project / "content/posts/fr/article-correct.md"
    original.write_text(GOOD_ORIGINAL + "\nUn paragraphe ajouté après la traduction.\n", encoding="utf-8")
    from bilingual.checks import source_digest

    result = build(project)
    assert result.returncode == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("WARNING: ")]
    assert warning.startswith("WARNING: content/posts/en/correct-post.md: Source-Hash: content/posts/fr/article-correct.md changed")
    assert f"set 'Source-Hash: {source_digest(original)}'" in warning
    assert (project / "output/en/correct-post/index.html").exists(), "a warning does not stop the build"


def test_a_settings_error_is_one_line_without_traceback(project):
    with open(project / "conf.py", "a") as conf:
        conf.write("BILINGUAL = {'languages': ['fr']}\n")
    result = build(project)
    assert result.returncode == 2
    assert "BILINGUAL['languages'] must list two or more distinct language codes" in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "output/index.html").read_text() == "previous build"


def test_two_english_posts_with_the_same_slug(project):
    write(project, "content/posts/en/zz-copy.md", english_translation("0" * 12).replace("article-correct", "autre"))
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/en/zz-copy.md: Slug: 'correct-post' is already used by "
                          "content/posts/en/correct-post.md in the same language (en); give one of them another Slug")


def test_two_translations_of_one_original_into_one_language(project):
    second = english_translation("0" * 12).replace("correct-post", "second-post")
    write(project, "content/posts/en/second-post.md", second)
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/en/second-post.md: Translation-Of: content/posts/en/correct-post.md already "
                          "translates 'article-correct' into this language (en); keep one translation, or point this one at another original")


def test_a_save_as_line_without_its_url_line(project):
    post = project / "content/posts/en/correct-post.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Slug:", "Save_as: my-own/index.html\nSlug:"),
                    encoding="utf-8")
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/en/correct-post.md: Save_as: 'my-own/index.html' is set without "
                          "a URL line, so the links to this post lead to nothing; add 'URL: my-own/'")
    # As told: the build passes, and the French original links to where the translation is.
    post.write_text(post.read_text(encoding="utf-8").replace("Slug:", "URL: my-own/\nSlug:"), encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert (project / "output/my-own/index.html").is_file()  # Save_as counts from the site's root
    assert 'href="/my-own/"' in (project / "output/article-correct/index.html").read_text(encoding="utf-8")


def test_a_slug_that_takes_a_folder_of_the_site(project):
    write(project, "content/posts/fr/en.md", "Title: En\nDate: 2025-02-01\nLang: fr\nSlug: en\n\nTexte.\n")
    result = build(project)
    assert result.returncode == 1
    assert "ERROR: content/posts/fr/en.md: Slug: 'en' is the name of a folder of the site" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_translation_of_itself(project):
    write(project, "content/posts/fr/moi.md", "Title: Moi\nDate: 2025-02-01\nLang: fr\nSlug: moi\nTranslation-Of: moi\n\nTexte.\n")
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/fr/moi.md: Translation-Of: 'moi' is this post's own slug; "
                          "an original needs no Translation-Of line: remove it")


def test_errors_pelican_reports_itself_also_stop_the_build(project):
    write(project, "content/posts/fr/statut.md", "Title: Statut\nDate: 2025-02-01\nLang: fr\nStatus: publie\n\nTexte.\n")
    result = build(project)
    assert result.returncode == 1
    assert "Unknown status 'publie'" in result.stderr
    assert (project / "output/index.html").read_text() == "previous build"


def test_language_comes_from_the_folder_when_lang_is_absent(project):
    write(project, "content/posts/en/no-lang.md", "Title: What? Yes: really!\nDate: 2025-02-01\nSlug: no-lang\n\nText.\n")
    result = build(project)
    assert result.returncode == 0, result.stderr
    page = (project / "output/en/no-lang/index.html").read_text()
    assert '<html lang="en">' in page and "What? Yes: really!" in page


def test_drafts_and_pagination_pages_stay_out_of_the_sitemaps(project):
    for number in range(3):
        write(project, f"content/posts/fr/extra-{number}.md", f"Title: Extra {number}\nDate: 2025-02-0{number + 1}\nLang: fr\n\nTexte.\n")
    write(project, "content/posts/fr/brouillon.md", "Title: Brouillon\nDate: 2025-02-01\nLang: fr\nStatus: draft\n\nTexte.\n")
    with open(project / "conf.py", "a") as conf:
        conf.write("DEFAULT_PAGINATION = 2\nSITEURL = 'https://example.org'\nFEED_DOMAIN = SITEURL\n")
    result = build(project)
    assert result.returncode == 0, result.stderr
    sitemap = (project / "output/sitemap-fr.xml").read_text()
    assert "brouillon" not in sitemap
    second_page = (project / "output/index2.html").read_text()
    assert '<link rel="alternate" hreflang="en"' not in second_page, "page 2 has no counterpart in English"
    assert oct((project / "output").stat().st_mode & 0o777) == "0o755"


def test_an_empty_post_warns(project):
    write(project, "content/posts/fr/vide.md", "Title: Vide\nDate: 2025-02-01\nLang: fr\n\n")
    result = build(project)
    assert result.returncode == 0
    assert ("WARNING: content/posts/fr/vide.md: body: empty; write the text below the metadata lines and a blank line"
            in result.stderr.splitlines())


def test_titles_and_fields_with_quotes_and_markup_are_escaped(project):
    title = 'Le "growth" <b>hacking</b> & vous'
    write(project, "content/posts/fr/echappe.md",
          f"Title: {title}\nDate: 2025-02-01\nLang: fr\nSlug: echappe\nGuest-Title: <script>alert(1)</script>\n\nTexte.\n")
    result = build(project)
    assert result.returncode == 0, result.stderr
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((project / "output/echappe/index.html").read_text(), "html.parser")
    assert soup.h1.get_text() == title
    og_title = soup.find("meta", property="og:title")["content"]
    assert og_title == 'Le "growth" hacking & vous'
    assert not soup.head.find("b") and not soup.select("body script:not([type])")
    assert "<script>alert(1)</script>" in soup.select_one(".guest-title").get_text()


def test_a_series_part_that_is_not_a_number(project):
    write(project, "content/posts/fr/serie.md",
          "Title: Série\nDate: 2025-02-01\nLang: fr\nSeries: Essai\nSeries-Part: deux\n\nTexte.\n")
    assert_failed_cleanly(project, build(project),
                          "ERROR: content/posts/fr/serie.md: Series-Part: 'deux' is not a whole number; write e.g. 2")


def test_an_image_line_naming_a_missing_file(project):
    write(project, "content/posts/fr/image-absente.md",
          "Title: Image\nDate: 2025-02-01\nLang: fr\nImage: {static}/images/absente.jpg\n\nTexte.\n")
    result = build(project)
    assert result.returncode == 1
    assert any(line.startswith("ERROR: content/posts/fr/image-absente.md: Image: '{static}/images/absente.jpg' is not an image")
               for line in result.stderr.splitlines()), result.stderr
    assert "Traceback" not in result.stderr


def test_editors_lock_swap_and_backup_files_are_not_content(tmp_path):
    from small_project import SmallProject

    project = SmallProject(tmp_path)
    clean = project.build()
    junk = "Title: not a post\nLang: xx\n\nhalf-saved"
    for name in (".#article-a-commenter.md", "article-a-commenter.md~", "#article-a-commenter.md#"):
        project.write(f"content/posts/fr/{name}", junk)
    report = project.build()
    assert (report.pages, report.warnings) == (clean.pages, clean.warnings)
    assert "half-saved" not in "".join(p.read_text() for p in project.output.rglob("*.html"))


@pytest.mark.parametrize("kind", ["BuiltFiles", "AskedFiles"])  # a listing (full builds), or a stat each (a few pages)
def test_the_link_check_knows_files_folders_and_the_way_out(tmp_path, kind):
    from bilingual import checks

    for path in ("index.html", "en/index.html", "images/a.jpg"):
        (tmp_path / "site" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "site" / path).write_text("x")
    (tmp_path / "site" / "empty").mkdir()
    (tmp_path / "secret.txt").write_text("outside")
    built = getattr(checks, kind)(tmp_path / "site")
    assert all(built.has(p) for p in ("", "/", "en/", "/en", "images/a.jpg", "en/../images/a.jpg", "./en/index.html"))
    assert not any(built.has(p) for p in ("images/b.jpg", "fr/", "../secret.txt", "images/../../secret.txt",
                                          "empty", "images", ".."))
