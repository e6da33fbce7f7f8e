"""`invoke newsletter-check` and `invoke newsletter-preview N` (publisher/newsletter_review.py)."""

import email
import os
import re
import struct
from email import policy

import pytest

from conftest import ROOT
from publisher.newsletter_review import main, preview
from test_newsletter import newsletter_project

NO_COMMENT_SERVER = "http://127.0.0.1:9/"   # refused at once: the build warns, nothing leaves the machine


@pytest.fixture
def at_project_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COMMENTS_URL", NO_COMMENT_SERVER)


MEASURES = re.compile(r"(?P<key>issue-\d+-\w+): subject (?P<subject>\d+)/(?P<subject_limit>\d+) characters, "
                      r"HTML (?P<size>\d+\.\d)/(?P<limit>\d+) KB, links checked: (?P<links>\d+), "
                      r"images checked: (?P<images>\d+): ok")


def test_check_measures_every_email_of_the_sample_site(at_project_root, capsys):
    assert main(["check"]) == 0
    measured = [MEASURES.fullmatch(line) for line in capsys.readouterr().out.splitlines()]
    assert all(measured), measured
    assert [line["key"] for line in measured] == ["issue-1-fr", "issue-2-fr", "issue-1-en", "issue-2-en"]
    for line in measured:
        # The limits themselves: Gmail clips HTML from about 102 KB; inboxes show 78 characters of a subject.
        assert (int(line["limit"]), int(line["subject_limit"])) == (100, 78), line.group()
        assert 5 < float(line["size"]) < int(line["limit"]), line.group()   # a real email, under the limit
        assert 0 < int(line["subject"]) <= int(line["subject_limit"]), line.group()
        assert int(line["links"]) >= 3, line.group()


def test_check_fails_on_a_broken_issue_and_names_its_file(tmp_path, monkeypatch, capsys, caplog):
    project = newsletter_project(tmp_path, {
        "fr/a.md": {"number": 1, "lang": "fr", "body": "![Une photo]({static}/images/absente.jpg)"},
        "en/a.md": {"number": 1, "lang": "en"}})
    with open(project.folder / "conf.py", "a") as conf:
        conf.write(f"COMMENTS = {{'isso': {{'url': {NO_COMMENT_SERVER!r}}}, 'default_state': 'off'}}\n")
    monkeypatch.chdir(project.folder)
    assert main(["--settings", "conf.py", "check"]) == 1
    assert "nothing was published" in capsys.readouterr().err
    assert any(r.getMessage().startswith("content/newsletter/fr/a.md: ") and "absente.jpg" in r.getMessage()
               for r in caplog.records)
    assert not (project.folder / "output").exists() and not (project.folder / "outbox").exists()


def test_preview_of_an_unknown_issue_says_which_exist(at_project_root, tmp_path, capsys):
    assert main(["preview", "99", "--destination", str(tmp_path)]) == 2
    assert "no issue 99 in content/newsletter/ (issues: 1, 2)" in capsys.readouterr().err


def test_preview_writes_html_text_eml_and_screenshots_per_language(at_project_root, tmp_path, browser):
    written = preview(2, "publishconf.py", tmp_path / "preview", browser)
    names = sorted(path.name for path in written)
    assert names == sorted(f"issue-2-{lang}{suffix}" for lang in ("fr", "en") for suffix in (
        ".html", ".txt", ".eml", "-375.png", "-600.png", "-375-dark.png", "-600-dark.png"))
    for lang, greeting in (("fr", "Bonjour"), ("en", "Hello")):
        message = email.message_from_bytes((tmp_path / f"preview/issue-2-{lang}.eml").read_bytes(),
                                           policy=policy.default)
        assert message.get_content_type() == "multipart/alternative"
        assert greeting in message.get_body(("plain",)).get_content()
        assert (tmp_path / f"preview/issue-2-{lang}.txt").read_text().startswith(
            message.get_body(("plain",)).get_content()[:40])
        for width in (375, 600):
            assert png_width(tmp_path / f"preview/issue-2-{lang}-{width}.png") == width
    assert not os.path.exists(ROOT / "preview")


def png_width(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", header[16:20])[0]
