"""The template text of the authoring commands never reaches readers: a file that says
"Status: published" while it still holds a line marked placeholders.MARK stops the build
(so `invoke check`, publish and `invoke newsletter-check`), naming the file and the lines;
a draft may hold them. A translation's slug is the translator's own choice."""

import logging
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from placeholders import MARK
from publisher.build import ContentErrors
from publisher.newsletter_review import main as newsletter_review
from test_authoring import (QUIET_COMMENTS, build_cleanly, content_files, header, project, publish,  # noqa: F401
                            run, write_own_words)

NO_COMMENT_SERVER = "http://127.0.0.1:9/"


def errors_of_build(project, caplog):
    """The error lines of a build that must fail."""
    caplog.clear()
    with pytest.raises(ContentErrors):
        project.build(**QUIET_COMMENTS)
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def without_comments(project):
    with open(project.folder / "conf.py", "a", encoding="utf-8") as conf:
        conf.write(f"COMMENTS = {{'isso': {{'url': {NO_COMMENT_SERVER!r}}}, 'default_state': 'off'}}\n")


def test_a_published_post_holding_the_template_text_stops_the_build_and_invoke_check(project, capsys, caplog):
    status, out, err = run(capsys, "new-post", "Écrire pour être lu", "--date", "2025-06-01 09:30")
    assert status == 0, err
    relative = out.strip()
    assert f"lines marked {MARK}" in err
    build_cleanly(project, caplog)  # a draft may hold template text

    publish(project, relative)
    assert errors_of_build(project, caplog) == [
        f"{relative}: lines 8, 10, 12, 14: template text left by the authoring command ('Summary: {MARK} Une ou "
        "deux phrases qui donnent envie de lire la…'); write your own in its place, without the "
        f"{MARK} mark, or keep 'Status: draft' until it is ready"]

    # `invoke check`: publish's build and checks with the same settings; exit 1, the line on stderr.
    without_comments(project)
    done = subprocess.run([sys.executable, "-m", "publisher.publish", "--settings", "conf.py", "--check-only"],
                          cwd=project.folder, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{relative}: lines 8, 10, 12, 14: template text left by the authoring command" in done.stderr

    write_own_words(project, relative, "Mes propres mots.")
    build_cleanly(project, caplog)
    assert project.page("ecrire-pour-etre-lu/").find("h2").get_text(strip=True) == "Mes propres mots."


def test_translate_wants_the_translation_s_own_slug_and_its_note_blocks_publishing(project, capsys, caplog):
    original = "content/posts/fr/article-a-commenter.md"
    (project.folder / "content/posts/en/post-to-comment-on.md").unlink()
    before = content_files(project)
    status, out, err = run(capsys, "translate", original)
    assert (status, out) == (1, "")
    assert err == ("translate: name the English version: --title \"...\" (its title, the slug is made from it) "
                   "or --slug ...; the original's slug is not reused\n")
    assert content_files(project) == before, "a refusal writes nothing"

    status, out, err = run(capsys, "translate", original, "--slug", "a-post-to-comment-on")
    assert (status, out) == (0, "content/posts/en/a-post-to-comment-on.md\n"), err
    relative = out.strip()
    fields, text = header(project, relative)
    assert (fields["Slug"], fields["Title"]) == ("a-post-to-comment-on", f"{MARK} Un article à commenter")
    lines = text.splitlines()
    note = [number for number, line in enumerate(lines, 1) if line.startswith(f"<!-- {MARK} Translation into English")]
    assert note and all(MARK in line for line in lines[note[0] - 1:note[0] + 2])
    build_cleanly(project, caplog)

    publish(project, relative)
    marked = ", ".join(map(str, [1, note[0], note[0] + 1, note[0] + 2]))
    assert errors_of_build(project, caplog) == [
        f"{relative}: lines {marked}: template text left by the authoring command ('Title: {MARK} Un article à "
        f"commenter'); write your own in its place, without the {MARK} mark, or keep 'Status: draft' until it is ready"]

    path = project.folder / relative
    path.write_text(path.read_text(encoding="utf-8").replace(f"Title: {MARK} Un article à commenter",
                                                             "Title: A post to comment on"), encoding="utf-8")
    write_own_words(project, relative)  # the translator's note goes
    build_cleanly(project, caplog)
    assert (project.output / "en/a-post-to-comment-on/index.html").is_file()


def test_a_new_issue_published_as_written_is_refused_by_newsletter_check(project, capsys, caplog):
    """The incident: the placeholder body of newsletter-new passed newsletter-check and was sent."""
    status, out, err = run(capsys, "newsletter-new", "--date", "2025-03-01 08:00")
    assert status == 0, err
    issues = out.split()
    assert issues == ["content/newsletter/fr/numero-1.md", "content/newsletter/en/issue-1.md"]
    without_comments(project)
    assert newsletter_review(["--settings", "conf.py", "check"]) == 0  # drafts: nothing to check yet
    publish(project, *issues)

    caplog.clear()
    assert newsletter_review(["--settings", "conf.py", "check"]) == 1
    assert "nothing was published" in capsys.readouterr().err
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert sorted(errors) == [
        f"content/newsletter/en/issue-1.md: lines 1, 6, 12, 14, 16: template text left by the authoring command "
        f"('Title: {MARK} Issue 1: this month’s topic'); write your own in its place, without the {MARK} mark, "
        "or keep 'Status: draft' until it is ready",
        f"content/newsletter/fr/numero-1.md: lines 1, 6, 12, 14, 16: template text left by the authoring command "
        f"('Title: {MARK} Numéro 1 : le sujet du mois'); write your own in its place, without the {MARK} mark, "
        "or keep 'Status: draft' until it is ready"]
    assert not (project.folder / "outbox").exists() and not (project.folder / "output").exists()

    for relative in issues:
        write_own_words(project, relative, "Nos propres mots")
    assert newsletter_review(["--settings", "conf.py", "check"]) == 0
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == ["issue-1-fr", "issue-1-en"]


def test_a_pencil_written_in_a_sentence_is_text(project, capsys, caplog):
    """Only the lines the commands wrote start with the mark; an author's own ✎ inside a sentence builds."""
    status, out, err = run(capsys, "new-post", "Un crayon", "--date", "2025-06-01 09:30")
    assert status == 0, err
    relative = out.strip()
    publish(project, relative)
    write_own_words(project, relative, f"Je note tout au crayon {MARK} avant de l’écrire.")
    build_cleanly(project, caplog)
    assert MARK in project.page("un-crayon/").select_one("article").get_text()
