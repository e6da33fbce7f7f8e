"""`publisher.deliver --schedule WHEN` at the loopback listmonk: like --send, the newest issue only
(or --issue N), after a typed yes (--yes in scripts), and the summary says what goes out when."""

import pytest

from delivery_contract import make_campaign
from fake_providers.listmonk import ListmonkFake
from publisher.deliver import main

TOKEN = "lm-schedule-test-token"
WHEN = "2099-02-07T08:00+01:00"


@pytest.fixture
def listmonk(tmp_path, monkeypatch):
    monkeypatch.setenv("LISTMONK_TOKEN", TOKEN)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    with ListmonkFake(users={"publisher": TOKEN}, lists={3: "fr", 4: "en"}) as fake:
        for number in (1, 2):
            for lang in ("fr", "en"):
                make_campaign(tmp_path / "outbox", number=number, lang=lang)
        delivery = {"backend": "listmonk", "ledger": "ledger.json", "retry": {"base": 0.01},
                    "listmonk": {"url": fake.url, "username": "publisher",
                                 "audiences": {"fr": {"lists": [3]}, "en": {"lists": [4]}}}}
        (tmp_path / "conf.py").write_text(f"NEWSLETTER = {{'delivery': {delivery!r}}}\n")
        monkeypatch.chdir(tmp_path)
        yield fake


def run(*options):
    return main(["--settings", "conf.py", "--outbox", "outbox", *options])


def scheduled(fake):
    """Campaign name -> the time listmonk will send it (UTC), for the scheduled ones."""
    return {c["name"]: c["send_at"] for c in fake.campaigns.values() if c["status"] == "scheduled"}


def test_schedule_takes_the_newest_issue_only_and_says_when(listmonk, capsys):
    assert run("--schedule", WHEN, "--yes") == 0
    assert scheduled(listmonk) == {"issue-2-fr": "2099-02-07T07:00:00+00:00", "issue-2-en": "2099-02-07T07:00:00+00:00"}
    assert sorted(c["name"] for c in listmonk.campaigns.values()) == ["issue-2-en", "issue-2-fr"]
    out = capsys.readouterr().out
    assert "issue-2-fr is scheduled at listmonk for 2099-02-07T08:00:00+01:00" in out
    assert "issue-2-en is scheduled at listmonk for 2099-02-07T08:00:00+01:00" in out


def test_schedule_takes_the_issue_named(listmonk):
    assert run("--schedule", WHEN, "--issue", "1", "--yes") == 0
    assert set(scheduled(listmonk)) == {"issue-1-fr", "issue-1-en"}
    assert len(listmonk.campaigns) == 2


def test_schedule_asks_first_and_names_the_time(listmonk, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["no", "schedule"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert run("--schedule", WHEN) == 2
    err = capsys.readouterr().err
    assert "About to SCHEDULE with listmonk for 2099-02-07T08:00:00+01:00" in err and "issue-2-fr" in err
    assert "issue-1-fr" not in err
    assert "not confirmed; nothing was scheduled" in err
    assert [r for r in listmonk.requests if r.method != "GET"] == []
    assert run("--schedule", WHEN) == 0
    assert set(scheduled(listmonk)) == {"issue-2-fr", "issue-2-en"}


def test_schedule_without_a_terminal_needs_yes(listmonk, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert run("--schedule", WHEN) == 2
    assert "--schedule without a terminal needs --yes as well" in capsys.readouterr().err
    assert listmonk.requests == []


def test_a_second_schedule_keeps_the_first_time_and_says_so(listmonk, capsys):
    assert run("--schedule", WHEN, "--yes") == 0
    capsys.readouterr()
    assert run("--schedule", "2099-03-01T08:00+01:00", "--yes") == 0
    out = capsys.readouterr().out
    assert "issue-2-fr is scheduled at listmonk for 2099-02-07T08:00:00+01:00" in out
    assert set(scheduled(listmonk).values()) == {"2099-02-07T07:00:00+00:00"}


@pytest.mark.parametrize("value, problem", [
    ("soon", "--schedule 'soon' is not a date and time; write it as 2026-02-07T08:00+01:00"),
    ("2099-02-07T08:00", "--schedule needs a time zone, e.g. 2026-02-07T08:00+01:00"),
    ("2001-02-07T08:00+01:00", "--schedule 2001-02-07T08:00+01:00 is in the past"),
])
def test_a_schedule_time_that_cannot_be_used_is_named(listmonk, capsys, value, problem):
    assert run("--schedule", value, "--yes") == 2
    assert problem in capsys.readouterr().err
    assert listmonk.requests == []


def test_a_provider_that_cannot_schedule_says_so_before_asking(listmonk, monkeypatch, capsys):
    monkeypatch.setenv("NEWSLETTER_BACKEND", "outbox")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked although it cannot schedule"))
    assert run("--schedule", WHEN) == 2
    assert "outbox cannot send later; use --send at the time" in capsys.readouterr().err
