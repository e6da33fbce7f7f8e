"""Readers imported exactly once: into the SMTP backend's CSV, or to a provider (loopback fakes).

Every test reads real files (the CSV through the SMTP backend's own reader)
or the requests a fake provider recorded. The kill test runs the import in a
child process that the fake itself kills right after a creation, before its
answer: the moment is exact and nothing sleeps.
"""

import json
import os
import signal
import stat
import subprocess
import sys
from collections import Counter
from urllib.parse import unquote
from datetime import datetime, timezone

import pytest

from conftest import ROOT
from fake_providers.brevo import FakeBrevo
from fake_providers.buttondown import FakeButtondown
from fake_providers.listmonk import ListmonkFake
from importers.model import Subscriber
from importers.subscribers import (CsvList, SubscriberImportError, destination_from, import_subscribers)
from newsletter.delivery.subscribers import read_subscribers

KEY = "bd-import-test-key"
CREATE = r"/v1/subscribers"
SIGNED_UP = datetime(2024, 3, 14, 9, 30, tzinfo=timezone.utc)


def reader(email, lang="fr", status="subscribed", consent=SIGNED_UP, source="substack"):
    return Subscriber(email=email, lang=lang, consent_date=consent, source=source, status=status)


READERS = [
    reader("claire.martin@exemple.fr"),
    reader("hugo.lefevre@exemple.fr"),
    reader("tom.baker@example.com", "en"),
    reader("priya.shah@example.com", "en"),
    reader("claire.martin@exemple.fr", "en"),          # a reader of both letters
    reader("nadia.roux@exemple.fr", status="unsubscribed"),
    reader("sam.ortiz@example.com", "en", status="unconfirmed"),
    reader("leo.dupuis@exemple.fr", consent=None),
    reader("pas une adresse"),
]
SUBSCRIBED = {("claire.martin@exemple.fr", "fr"), ("hugo.lefevre@exemple.fr", "fr"), ("tom.baker@example.com", "en"),
              ("priya.shah@example.com", "en"), ("claire.martin@exemple.fr", "en")}
EVERY_ADDRESS = {r.email for r in READERS if "@" in r.email}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder as the command runs in it: content/, cache/imports/, a private folder outside."""
    folder = tmp_path / "project"
    (folder / "content").mkdir(parents=True)
    monkeypatch.chdir(folder)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    return folder


def state(project):
    return project / "cache" / "imports"


# The CSV the SMTP backend reads.

def test_csv_created_private_and_readable_by_the_smtp_backend(project, tmp_path):
    target = tmp_path / "private" / "lists" / "subscribers.csv"
    counts = import_subscribers(READERS, destination_from(f"csv:{target}", {}), state(project), dry_run=False)
    assert (counts.added, counts.already_there, counts.suppressed, counts.unconfirmed, counts.no_consent,
            counts.invalid, counts.failed) == (5, 0, 1, 1, 1, 1, 0)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    listed = read_subscribers(target)
    assert {(r.email, r.lang) for r in listed} == SUBSCRIBED
    assert {r.consent_date.isoformat() for r in listed} == {"2024-03-14"}
    assert target.read_text().splitlines()[0] == "email,lang,consent_date,source"


def test_csv_merged_into_the_existing_list_and_the_same_bytes_when_run_twice(project, tmp_path):
    target = tmp_path / "subscribers.csv"
    existing = ("\ufeffemail;lang;consent_date;note\n"
                "Claire.Martin@exemple.fr;fr;2023-01-05;venue au salon\n"
                "ines@exemple.fr;fr;2022-06-01;\n")
    target.write_text(existing, encoding="utf-8")
    counts = import_subscribers(READERS, CsvList(target), state(project), dry_run=False)
    assert (counts.added, counts.already_there) == (4, 1)
    merged = target.read_text(encoding="utf-8")
    assert merged.startswith(existing)            # the existing rows are untouched, byte for byte
    listed = {(r.email.lower(), r.lang): r.consent_date.isoformat() for r in read_subscribers(target)}
    assert listed[("claire.martin@exemple.fr", "fr")] == "2023-01-05"   # kept, not replaced by the import's
    assert set(listed) == SUBSCRIBED | {("ines@exemple.fr", "fr")}
    before = target.read_bytes()
    again = import_subscribers(READERS, CsvList(target), state(project), dry_run=False)
    assert (again.added, again.already_there) == (0, 5)
    assert target.read_bytes() == before


def test_dry_run_writes_nothing(project, tmp_path):
    target = tmp_path / "subscribers.csv"
    counts = import_subscribers(READERS, CsvList(target), state(project), dry_run=True)
    assert counts.added == 5 and counts.dry_run
    assert "would be added" in counts.summary()
    assert not target.exists() and not state(project).exists()


def test_unsubscribed_never_imported_even_when_a_later_export_lists_them(project, tmp_path):
    target = tmp_path / "subscribers.csv"
    import_subscribers(READERS, CsvList(target), state(project), dry_run=False)
    later = [reader("nadia.roux@exemple.fr", "en"), reader("NADIA.ROUX@exemple.fr"), reader("zoe@exemple.fr")]
    counts = import_subscribers(later, CsvList(target), state(project), dry_run=False)
    assert (counts.added, counts.suppressed) == (1, 2)
    assert "nadia.roux@exemple.fr" not in target.read_text().lower()
    # The list beside the CSV holds the suppression too: another state folder still refuses them.
    other = import_subscribers(later, CsvList(target), tmp_path / "elsewhere", dry_run=False)
    assert other.suppressed == 2


def test_with_the_sending_secret_the_unsubscribed_join_the_list_every_send_honours(project, tmp_path, monkeypatch):
    """The export's unsubscribed readers land on the SMTP sends' own suppression list (keyed with
    NEWSLETTER_SECRET), so a send skips them even if someone adds them to the CSV by hand."""
    from newsletter.delivery.suppression import SuppressionList, default_path

    secret = "a-secret-of-the-site-long-enough"
    monkeypatch.setenv("NEWSLETTER_SECRET", secret)
    target = tmp_path / "private" / "subscribers.csv"
    counts = import_subscribers(READERS, CsvList(target), state(project), dry_run=False)
    assert counts.suppressed == 1
    listed = SuppressionList(default_path(target), secret.encode())
    assert "Nadia.Roux@exemple.fr" in listed and "zoe@exemple.fr" not in listed
    assert listed.counts() == {"unsubscribe": 1}
    assert "nadia" not in default_path(target).read_text().lower()  # hashes only
    # A later export listing her as subscribed still cannot bring her back.
    again = import_subscribers([reader("nadia.roux@exemple.fr")], CsvList(target), tmp_path / "other", dry_run=False)
    assert (again.added, again.suppressed) == (0, 1)


def test_a_path_in_content_is_refused(project):
    with pytest.raises(SubscriberImportError) as refused:
        destination_from("csv:content/private/subscribers.csv", {})
    assert "content folder" in str(refused.value) and "\n" not in str(refused.value)
    with pytest.raises(SubscriberImportError):
        destination_from(f"csv:{project / 'site-content' / 'readers.csv'}", {"PATH": str(project / "site-content")})


def test_the_configured_list_inside_the_work_tree_is_refused_unless_named(project):
    (project / ".git").mkdir()
    settings = {"NEWSLETTER": {"delivery": {"backend": "smtp", "smtp": {"subscribers": "private/subscribers.csv"}}}}
    with pytest.raises(SubscriberImportError, match="git work tree"):
        destination_from("provider", settings)
    assert isinstance(destination_from("csv:private/subscribers.csv", settings), CsvList)


# Buttondown.

@pytest.fixture
def buttondown(monkeypatch):
    monkeypatch.setenv("BUTTONDOWN_API_KEY", KEY)
    with FakeButtondown(api_key=KEY) as server:
        yield server


def buttondown_settings(fake):
    return {"NEWSLETTER": {"delivery": {
        "backend": "buttondown", "retry": {"base": 0.01},
        "buttondown": {"base_url": f"{fake.url}/v1", "audiences": {"fr": {"tag": "lettre"}, "en": {"tag": "letter"}}},
    }}}


def created(fake):
    """Addresses the fake created, once per successful creation."""
    return Counter(r.body["email_address"] for r in fake.calls("POST", CREATE) if r.answered == 201)


def test_buttondown_gets_each_reader_once_tagged_by_language(project, buttondown):
    counts = import_subscribers(READERS, destination_from("provider", buttondown_settings(buttondown)),
                                state(project), dry_run=False)
    assert (counts.added, counts.already_there, counts.failed) == (5, 0, 0)
    assert created(buttondown) == Counter({"claire.martin@exemple.fr": 1, "hugo.lefevre@exemple.fr": 1,
                                           "tom.baker@example.com": 1, "priya.shah@example.com": 1})
    tags = {s["email_address"]: s["tags"] for s in buttondown.subscribers.values()}
    assert tags["hugo.lefevre@exemple.fr"] == ["lettre"] and tags["tom.baker@example.com"] == ["letter"]
    assert tags["claire.martin@exemple.fr"] == ["lettre", "letter"]    # a reader of both: tagged for both
    first = buttondown.calls("POST", CREATE)[0]
    assert first.headers["x-buttondown-collision-behavior"] == "no_op"
    assert first.body["type"] == "regular" and first.body["metadata"]["consent_date"] == SIGNED_UP.isoformat()
    assert buttondown.confirmations == [] and not buttondown.emails   # nobody is sent anything
    requests = len(buttondown.requests)
    again = import_subscribers(READERS, destination_from("provider", buttondown_settings(buttondown)),
                               state(project), dry_run=False)
    assert (again.added, again.already_there) == (0, 5)
    assert len(buttondown.requests) == requests    # the journal answers: no request at all


def test_rate_limit_waits_as_long_as_buttondown_asks(project, buttondown):
    buttondown.fail("POST", CREATE, status=429, headers={"Retry-After": "7"})
    destination = destination_from("provider", buttondown_settings(buttondown))
    waits = []
    destination.retry.sleep = waits.append
    counts = import_subscribers(READERS[:2], destination, state(project), dry_run=False)
    assert waits == [7.0]
    assert counts.added == 2 and created(buttondown) == Counter(r.email for r in READERS[:2])


def test_a_failure_stops_the_import_and_the_next_run_resumes(project, buttondown, caplog):
    settings = buttondown_settings(buttondown)
    settings["NEWSLETTER"]["delivery"]["retry"] = {"attempts": 2, "base": 0.0}
    buttondown.fail("POST", CREATE, kind="call_after", action=lambda request: None)    # the first one passes
    buttondown.fail("POST", CREATE, status=503, times=2)
    counts = import_subscribers(READERS, destination_from("provider", settings), state(project), dry_run=False)
    assert (counts.added, counts.failed, counts.not_reached) == (1, 1, 3) and counts.stopped
    assert counts.errors == ["buttondown HTTP 503: server error (injected 503)"]
    resumed = import_subscribers(READERS, destination_from("provider", settings), state(project), dry_run=False)
    assert (resumed.added, resumed.already_there) == (4, 1)
    assert set(created(buttondown).values()) == {1} and len(created(buttondown)) == 4
    assert not any(address in caplog.text for address in EVERY_ADDRESS)


def test_a_refused_address_is_counted_without_being_named(project, buttondown):
    odd = [reader("marie#promo@exemple.fr"), reader("jules@exemple.fr")]   # valid, but not to Buttondown
    counts = import_subscribers(odd, destination_from("provider", buttondown_settings(buttondown)),
                                state(project), dry_run=False)
    assert (counts.added, counts.failed, counts.not_reached) == (1, 1, 0)
    assert counts.errors and "marie" not in " ".join(counts.errors)


RUNNER = """
import json, sys
from pathlib import Path
from importers.model import Subscriber
from importers.subscribers import destination_from, import_subscribers
from datetime import datetime
readers = [Subscriber(**{**r, "consent_date": datetime.fromisoformat(r["consent_date"])})
           for r in json.loads(Path(sys.argv[1]).read_text())]
settings = json.loads(Path(sys.argv[2]).read_text())
counts = import_subscribers(readers, destination_from("provider", settings), Path("cache/imports"), dry_run=False)
print(counts.summary())
"""


def test_killed_mid_import_then_run_again_creates_each_reader_once(project, tmp_path, buttondown):
    many = [reader(f"lectrice{n}@exemple.fr") for n in range(8)] + [reader(f"reader{n}@example.com", "en")
                                                                    for n in range(4)]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "readers.json").write_text(json.dumps(
        [{**vars(r), "consent_date": r.consent_date.isoformat()} for r in many]))
    (inputs / "settings.json").write_text(json.dumps(buttondown_settings(buttondown)))
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "BUTTONDOWN_API_KEY": KEY}
    child = {}

    def run():
        child["process"] = subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(inputs / "readers.json"), str(inputs / "settings.json")],
            cwd=project, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = child["process"].communicate(timeout=60)
        return child["process"].returncode, out + err

    seen = []

    def kill_at_the_fifth(request):
        seen.append(request)
        if len(seen) == 5:      # the fifth reader is created; its answer never reaches the child
            child["process"].send_signal(signal.SIGKILL)
            child["process"].wait()

    buttondown.fail("POST", CREATE, kind="call_after", times=5, action=kill_at_the_fifth)
    code, output = run()
    assert code == -signal.SIGKILL, output
    assert sum(created(buttondown).values()) == 5
    code, output = run()
    assert code == 0, output
    assert "7 added, 5 already there" in output   # four from the journal, the fifth answered "already exists"
    assert created(buttondown) == Counter(r.email for r in many)   # each exactly once
    code, output = run()
    assert code == 0 and "0 added, 12 already there" in output
    assert created(buttondown) == Counter(r.email for r in many)
    journal = next(state(project).glob("subscribers-buttondown-*.jsonl")).read_text()
    assert len(journal.splitlines()) == 12


# listmonk and Brevo.

def test_listmonk_puts_each_reader_in_the_language_list_confirmed(project, monkeypatch):
    monkeypatch.setenv("LISTMONK_TOKEN", "lm-token")
    with ListmonkFake(users={"publisher": "lm-token"}, lists={3: "fr", 4: "en"},
                      subscribers={"tom.baker@example.com": [4]}) as fake:
        settings = {"NEWSLETTER": {"delivery": {"backend": "listmonk", "listmonk": {
            "url": fake.url, "username": "publisher", "audiences": {"fr": {"lists": [3]}, "en": {"lists": [4]}}}}}}
        counts = import_subscribers(READERS, destination_from("provider", settings), state(project), dry_run=False)
        assert (counts.added, counts.already_there, counts.failed) == (4, 1, 0)   # tom was there already
        assert fake.subscribers["hugo.lefevre@exemple.fr"] == [3]
        assert fake.subscribers["claire.martin@exemple.fr"] == [3, 4]   # a reader of both letters
        assert fake.subscribers["priya.shah@example.com"] == [4]
        assert fake.optins == [] and not fake.campaigns
        detail = fake.subscriber_details["hugo.lefevre@exemple.fr"]
        assert detail["attribs"] == {"lang": "fr", "consent_date": SIGNED_UP.isoformat(), "imported_from": "substack"}


def test_brevo_puts_each_contact_in_the_language_list(project, monkeypatch):
    monkeypatch.setenv("BREVO_API_KEY", "xkeysib-import")
    with FakeBrevo(api_key="xkeysib-import") as fake:
        settings = {"NEWSLETTER": {"delivery": {"backend": "brevo", "brevo": {
            "base_url": fake.url, "audiences": {"fr": {"list_ids": [2]}, "en": {"list_ids": [5]}}}}}}
        counts = import_subscribers(READERS, destination_from("provider", settings), state(project), dry_run=False)
        assert (counts.added, counts.already_there, counts.failed) == (4, 1, 0)
        assert fake.contacts["claire.martin@exemple.fr"]["listIds"] == [2, 5]   # both letters
        assert fake.contacts["tom.baker@example.com"]["listIds"] == [5]
        assert "nadia.roux@exemple.fr" not in fake.contacts and not fake.campaigns


# Privacy.

def test_no_address_anywhere_but_the_destination(project, tmp_path, buttondown, caplog):
    caplog.set_level("DEBUG")
    target = tmp_path / "private" / "subscribers.csv"
    import_subscribers(READERS, CsvList(target), state(project), dry_run=False)
    import_subscribers(READERS, destination_from("provider", buttondown_settings(buttondown)), state(project),
                       dry_run=False)
    written = [path for path in tmp_path.rglob("*") if path.is_file() and path != target]
    assert any(path.suffix == ".jsonl" for path in written)
    assert any(path.parent == target.parent for path in written)     # the suppression list beside the CSV
    for path in written:
        text = path.read_text(errors="replace").lower()
        assert not any(address.lower() in text for address in EVERY_ADDRESS), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert buttondown.calls("GET", CREATE)      # claire's English looked her up, by her address
    logged = unquote(caplog.text)                # urllib3 would log that URL, quoted
    assert not any(address in logged for address in EVERY_ADDRESS)


def test_unsubscribed_never_created_at_the_provider_and_a_dry_run_asks_nothing(project, buttondown):
    settings = buttondown_settings(buttondown)
    preview = import_subscribers(READERS, destination_from("provider", settings), state(project), dry_run=True)
    assert (preview.added, preview.suppressed) == (5, 1) and buttondown.requests == []
    import_subscribers(READERS, destination_from("provider", settings), state(project), dry_run=False)
    later = [reader("nadia.roux@exemple.fr"), reader("nadia.roux@exemple.fr", "en")]
    counts = import_subscribers(later, destination_from("provider", settings), state(project), dry_run=False)
    assert (counts.added, counts.suppressed) == (0, 2)
    assert "nadia.roux@exemple.fr" not in buttondown.subscribers


def test_missing_credentials_are_one_line_before_any_request(project, buttondown, monkeypatch):
    monkeypatch.delenv("BUTTONDOWN_API_KEY")
    with pytest.raises(SubscriberImportError, match="BUTTONDOWN_API_KEY") as refused:
        import_subscribers(READERS, destination_from("provider", buttondown_settings(buttondown)), state(project),
                           dry_run=False)
    assert "\n" not in str(refused.value) and buttondown.requests == []


def test_a_tag_given_by_id_is_applied_by_its_name(project, buttondown):
    tag_id = buttondown.add_tag("lettre-fr")
    settings = buttondown_settings(buttondown)
    settings["NEWSLETTER"]["delivery"]["buttondown"]["audiences"]["fr"] = {"tag": tag_id}
    import_subscribers(READERS[:1], destination_from("provider", settings), state(project), dry_run=False)
    assert buttondown.subscribers["claire.martin@exemple.fr"]["tags"] == ["lettre-fr"]
