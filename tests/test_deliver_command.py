"""publisher.deliver, the editor's command, with the default outbox backend (no network)."""

import json

import pytest

from delivery_contract import make_campaign
from publisher.deliver import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    for number in (1, 2):
        for lang in ("fr", "en"):
            make_campaign(tmp_path / "outbox", number=number, lang=lang)
    (tmp_path / "conf.py").write_text("NEWSLETTER = {'delivery': {'ledger': 'ledger.json'}}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    return tmp_path


def run(*options):
    return main(["--settings", "conf.py", "--outbox", "outbox", *options])


def ledger_states(project):
    entries = json.loads((project / "ledger.json").read_text())["entries"]
    return {key: providers["outbox"]["state"] for key, providers in entries.items()}


def sent_files(project):
    return sorted(path.name for path in (project / "delivered/sent").glob("*.eml"))


def test_drafts_by_default_and_nothing_twice(project, capsys):
    assert run() == 0
    assert ledger_states(project) == {f"issue-{n}-{lang}": "draft" for n in (1, 2) for lang in ("fr", "en")}
    assert capsys.readouterr().out.count("created the draft") == 4
    assert run() == 0
    assert "created" not in capsys.readouterr().out
    assert not (project / "delivered/sent").exists()


def test_send_needs_yes_without_a_terminal(project, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert run("--send") == 2
    assert "--send without a terminal needs --yes" in capsys.readouterr().err
    assert not (project / "delivered").exists() and not (project / "ledger.json").exists()


def test_send_takes_the_newest_issue_once(project, capsys):
    assert run("--send", "--yes") == 0
    assert sent_files(project) == ["issue-2-en.eml", "issue-2-fr.eml"]
    assert run("--send", "--yes") == 0
    assert capsys.readouterr().out.count("already sent, left alone") == 2
    assert ledger_states(project) == {"issue-2-fr": "sent", "issue-2-en": "sent"}


def test_the_editor_confirms_in_a_terminal(project, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert run("--send", "--issue", "1") == 2
    assert "not confirmed; nothing was sent" in capsys.readouterr().err
    assert not (project / "delivered/sent").exists()
    monkeypatch.setattr("builtins.input", lambda prompt: "send")
    assert run("--send", "--issue", "1", "--lang", "fr") == 0
    assert sent_files(project) == ["issue-1-fr.eml"]


def test_a_test_send_goes_to_the_given_address_only(project):
    assert run("--issue", "2", "--test-to", "editor@example.org") == 0
    assert sorted(p.name for p in (project / "delivered/tests").iterdir()) == ["issue-2-en.eml", "issue-2-fr.eml"]
    assert "To: editor@example.org" in (project / "delivered/tests/issue-2-fr.eml").read_text()
    assert set(ledger_states(project).values()) == {"draft"}


def test_an_unknown_backend_is_named(project, monkeypatch, capsys):
    monkeypatch.setenv("NEWSLETTER_BACKEND", "carrier-pigeon")
    assert run() == 2
    assert "'carrier-pigeon' is not a backend; choose one of outbox, smtp" in capsys.readouterr().err


def test_an_outbox_that_was_not_built(project, capsys):
    assert main(["--settings", "conf.py", "--outbox", "nowhere"]) == 2
    assert "nowhere/ does not exist: build first (make publish)" in capsys.readouterr().err
