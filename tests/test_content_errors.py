"""Content the build cannot publish as it is: bytes that are not text, names outside the
taxonomy, a missing image, a translation without Source-Hash. One line each, naming the
file and what to do; exit 1 for errors, as for every other content problem."""

import hashlib
import os
import re
import subprocess

import pytest

from test_bad_input import GOOD_ORIGINAL, assert_failed_cleanly, build, english_translation, project, write  # noqa: F401

TAXONOMY = """\
[categories.strategie]
fr = "Stratégie"
en = "Strategy"

[categories.emailing]
fr = "E-mailing"
en = "Email marketing"

[tags.seo]
fr = "SEO"
en = "SEO"

[tags.redaction]
fr = "Rédaction"
en = "Copywriting"
"""


def lines_naming(result, relative):
    return [line for line in result.stderr.splitlines() if relative in line]


def write_bytes(project, relative, data):
    (project / relative).write_bytes(data)


# --- Bytes that are not text the site can carry ---------------------------------------------

def test_a_nul_byte_is_one_error_naming_the_file_and_its_line(project):
    write_bytes(project, "content/posts/fr/nul.md",
                b"Title: Nul\nDate: 2025-02-01\nLang: fr\n\nUne ligne.\nUn texte\x00 ici.\n")
    result = build(project)
    assert_failed_cleanly(project, result,
                          "ERROR: content/posts/fr/nul.md: line 6: holds the invisible control character U+0000, "
                          "which web feeds and sitemaps (XML) refuse; delete it (retype the line if your editor "
                          "does not show it)")
    assert len(lines_naming(result, "nul.md")) == 1, result.stderr


@pytest.mark.parametrize("character, line", [("\x0b", 1), ("\x1f", 4), ("\ufffe", 6)])
def test_every_character_xml_refuses_is_reported(project, character, line):
    text = "Title: Contrôle\nDate: 2025-02-01\nLang: fr\nSlug: controle\n\nUn texte.\n"
    lines = text.split("\n")
    lines[line - 1] += character
    write(project, "content/posts/fr/controle.md", "\n".join(lines))
    result = build(project)
    assert result.returncode == 1, result.stderr
    [error] = lines_naming(result, "controle.md")
    assert error.startswith(f"ERROR: content/posts/fr/controle.md: line {line}: holds the invisible control "
                            f"character U+{ord(character):04X},"), result.stderr


def test_tabs_and_windows_line_endings_are_text(project):
    write_bytes(project, "content/posts/fr/windows.md",
                b"Title: Windows\r\nDate: 2025-02-01\r\nLang: fr\r\n\r\nUn\ttexte.\r\n")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert (project / "output/windows/index.html").is_file()


def test_a_file_saved_as_latin_1_is_one_error_naming_the_file_and_its_line(project):
    write_bytes(project, "content/posts/fr/latin.md",
                "Title: Été\nDate: 2025-02-01\nLang: fr\n\nUn texte écrit.\n".encode("latin-1"))
    result = build(project)
    assert_failed_cleanly(project, result,
                          "ERROR: content/posts/fr/latin.md: line 1: byte 0xc9 is not UTF-8 (the file was saved "
                          "in another encoding, such as Latin-1 or Windows-1252); save it as UTF-8 in your editor")
    assert len(lines_naming(result, "latin.md")) == 1, result.stderr


def test_a_newsletter_issue_with_a_control_character_is_one_error_too(project):
    (project / "content/newsletter/fr").mkdir(parents=True)
    write_bytes(project, "content/newsletter/fr/numero-1.md",
                b"Title: Num\xc3\xa9ro 1\nDate: 2025-03-03 08:00\nIssue: 1\nLang: fr\n\nBonjour\x07 !\n")
    result = build(project)
    assert_failed_cleanly(project, result,
                          "ERROR: content/newsletter/fr/numero-1.md: line 6: holds the invisible control character "
                          "U+0007, which web feeds and sitemaps (XML) refuse; delete it (retype the line if your "
                          "editor does not show it)")


def test_bad_bytes_do_not_hide_the_other_problems(project):
    write_bytes(project, "content/posts/fr/latin.md", "Title: Été\nLang: fr\n\nTexte.\n".encode("latin-1"))
    write(project, "content/posts/fr/allemand.md", "Title: Deutsch\nDate: 2025-02-01\nLang: de\n\nText.\n")
    result = build(project)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert sorted(error.split(":")[1].strip() for error in errors) == ["content/posts/fr/allemand.md",
                                                                      "content/posts/fr/latin.md"], result.stderr


# --- A missing image ----------------------------------------------------------------------------

def test_a_missing_image_is_one_line(project):
    write(project, "content/posts/fr/image.md",
          "Title: Image\nDate: 2025-02-01\nLang: fr\n\n![Une image]({static}/images/absente.jpg)\n")
    result = build(project)
    assert_failed_cleanly(project, result,
                          "ERROR: content/posts/fr/image.md: image: '/images/absente.jpg' leads to nothing in the "
                          "built site; fix the path (write {static}/images/... or {filename}/posts/...), or add the missing file")
    problems = [line for line in result.stderr.splitlines() if not line.startswith("Build failed: ")]
    assert len(problems) == 1, result.stderr


# --- Categories and tags outside the taxonomy -------------------------------------------------

@pytest.fixture
def taxonomy(project):
    (project / "content/data/taxonomy.toml").write_text(TAXONOMY, encoding="utf-8")
    return project


def test_a_category_not_in_the_taxonomy_stops_the_build(taxonomy):
    write(taxonomy, "content/posts/fr/typo.md",
          "Title: Typo\nDate: 2025-02-01\nLang: fr\nCategory: Strategie\n\nTexte.\n")
    result = build(taxonomy)
    assert_failed_cleanly(taxonomy, result,
                          "ERROR: content/posts/fr/typo.md: Category: 'Strategie' is not a French category name of "
                          "content/data/taxonomy.toml (the closest: 'Stratégie'); write one of its names, or add "
                          "the new category to that file: [categories.strategie-2] fr = \"Strategie\" en = \"...\" "
                          "(each on its own line)")
    assert len(lines_naming(result, "typo.md")) == 1, result.stderr


def test_an_unknown_tag_names_the_closest_and_the_entry_to_add(taxonomy):
    write(taxonomy, "content/posts/en/labels.md",
          "Title: Labels\nDate: 2025-02-01\nLang: en\nCategory: Strategy\nTags: SEO, Copywritting, Podcasts\n\nText.\n")
    result = build(taxonomy)
    assert result.returncode == 1, result.stderr
    assert lines_naming(result, "labels.md") == [
        "ERROR: content/posts/en/labels.md: Tags: 'Copywritting' is not an English tag name of content/data/taxonomy.toml "
        "(the closest: 'Copywriting'); write one of its names, or add the new tag to that file: "
        "[tags.copywritting] fr = \"...\" en = \"Copywritting\" (each on its own line)",
        "ERROR: content/posts/en/labels.md: Tags: 'Podcasts' is not an English tag name of content/data/taxonomy.toml "
        "(the closest: 'Copywriting', 'SEO'); write one of its names, or add the new tag to that file: "
        "[tags.podcasts] fr = \"...\" en = \"Podcasts\" (each on its own line)",
    ], result.stderr


def test_a_name_of_the_other_language_says_which_to_write(taxonomy):
    write(taxonomy, "content/posts/fr/anglais.md",
          "Title: Anglais\nDate: 2025-02-01\nLang: fr\nCategory: Email marketing\n\nTexte.\n")
    result = build(taxonomy)
    assert result.returncode == 1, result.stderr
    assert lines_naming(result, "anglais.md") == [
        "ERROR: content/posts/fr/anglais.md: Category: 'Email marketing' is the English name of "
        "[categories.emailing] in content/data/taxonomy.toml; in a French post, write 'E-mailing'"], result.stderr


def test_a_name_spelled_otherwise_is_refused_too(taxonomy):
    # Pelican gives every post of one category the name it read first: a lower-case copy renames it everywhere.
    write(taxonomy, "content/posts/fr/casse.md",
          "Title: Casse\nDate: 2025-02-01\nLang: fr\nCategory: stratégie\n\nTexte.\n")
    result = build(taxonomy)
    assert result.returncode == 1, result.stderr
    assert lines_naming(result, "casse.md") == [
        "ERROR: content/posts/fr/casse.md: Category: 'stratégie' is spelled 'Stratégie' in "
        "content/data/taxonomy.toml; write it that way"], result.stderr


def test_names_from_the_taxonomy_build(taxonomy):
    write(taxonomy, "content/posts/fr/bon.md",
          "Title: Bon\nDate: 2025-02-01\nLang: fr\nCategory: E-mailing\nTags: SEO, Rédaction\n\nTexte.\n")
    result = build(taxonomy)
    assert result.returncode == 0, result.stderr
    assert (taxonomy / "output/category/e-mailing/index.html").is_file()


def test_without_a_taxonomy_file_any_name_builds(project):
    (project / "content/data/taxonomy.toml").unlink()
    write(project, "content/posts/fr/libre.md",
          "Title: Libre\nDate: 2025-02-01\nLang: fr\nCategory: Nouveautés\nTags: Outils\n\nTexte.\n")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "taxonomy file not found" in result.stderr


# --- A translation without Source-Hash ----------------------------------------------------------

def git(project, *args, date="2025-02-01T10:00:00+00:00"):
    env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


def digest_of(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def without_source_hash(project):
    path = project / "content/posts/en/correct-post.md"
    path.write_text(re.sub(r"Source-Hash: .*\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")


def source_hash_warning(result):
    [warning] = [line for line in result.stderr.splitlines() if "Source-Hash" in line]
    return warning


def test_a_missing_source_hash_offers_the_original_as_it_was_when_the_translation_was_made(project):
    without_source_hash(project)
    original = project / "content/posts/fr/article-correct.md"
    git(project, "init", "-q")
    git(project, "add", "content")
    git(project, "commit", "-q", "-m", "the original and its translation")
    translated = original.read_text(encoding="utf-8")
    original.write_text(translated + "\nUn paragraphe écrit après la traduction.\n", encoding="utf-8")
    git(project, "commit", "-q", "-am", "the original grows", date="2025-03-01T10:00:00+00:00")
    original.write_text(original.read_text(encoding="utf-8") + "\nEncore un, pas encore commité.\n", encoding="utf-8")

    result = build(project)
    assert result.returncode == 0, result.stderr
    assert source_hash_warning(result) == (
        "WARNING: content/posts/en/correct-post.md: Source-Hash: missing; compare the translation with "
        "content/posts/fr/article-correct.md first: when this translation was first committed (2025-02-01), "
        f"the original was 'Source-Hash: {digest_of(translated)}'; add that line, and the build will tell "
        "whether the original changed since")


def test_a_missing_source_hash_outside_git_offers_no_hash(project):
    without_source_hash(project)
    result = build(project)
    assert result.returncode == 0, result.stderr
    warning = source_hash_warning(result)
    assert warning.startswith("WARNING: content/posts/en/correct-post.md: Source-Hash: missing; compare the translation "
                              "with content/posts/fr/article-correct.md first: git cannot tell which version of it "
                              "this translates (not in a git repository)"), warning
    assert not re.search(r"\b[0-9a-f]{12}\b", warning), warning


def test_a_missing_source_hash_of_a_translation_not_yet_committed_offers_no_hash(project):
    without_source_hash(project)
    git(project, "init", "-q")
    git(project, "add", "content/posts/fr")
    git(project, "commit", "-q", "-m", "the original only")
    warning = source_hash_warning(build(project))
    assert "git cannot tell which version of it this translates (content/posts/en/correct-post.md is not " \
           "committed yet)" in warning, warning
    assert not re.search(r"\b[0-9a-f]{12}\b", warning), warning
