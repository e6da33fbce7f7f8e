"""The readers' import, where the first tests left room: a CSV's newline, the lists' own lines,
the messages, the counts, the journal's fields and the days judged in UTC whatever the local zone."""

import hashlib
import json
import os
import time
from datetime import datetime, timedelta, timezone
from datetime import time as clock

import pytest

from fake_providers.buttondown import FakeButtondown
from importers.model import Subscriber
from importers.subscribers import (CsvList, HashList, SendingSuppression, SubscriberImportError, _journal_name,
                                   destination_from, import_subscribers)
from newsletter.delivery.suppression import SuppressionList

CONSENT = datetime(2024, 3, 14, 9, 30, tzinfo=timezone.utc)
KEY = "bd-mutants-subscribers-key"


def subscriber(email, lang="fr", status="subscribed", consent=CONSENT, source="substack"):
    return Subscriber(email=email, lang=lang, consent_date=consent, source=source, status=status)


@pytest.fixture
def no_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSLETTER_SECRET", raising=False)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def local_zone():
    """Sets the process's local time zone (a POSIX TZ string); the previous one comes back after."""
    previous = os.environ.get("TZ")

    def set_zone(spec):
        os.environ["TZ"] = spec
        time.tzset()
    yield set_zone
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()


def a_zone_on_another_day(set_zone):
    """A local zone whose date now is not UTC's; returns (UTC date, local date)."""
    now = datetime.now(timezone.utc)
    set_zone("ABC-13" if now.hour >= 12 else "ABC+13")       # UTC+13 in the afternoon, UTC-13 in the morning
    return now.date(), datetime.now().date()


@pytest.fixture
def buttondown(monkeypatch, no_secret):
    monkeypatch.setenv("BUTTONDOWN_API_KEY", KEY)
    with FakeButtondown(api_key=KEY) as server:
        yield server


def to_buttondown(fake):
    return destination_from("provider", {"NEWSLETTER": {"delivery": {
        "backend": "buttondown", "retry": {"attempts": 1, "base": 0.0},
        "buttondown": {"base_url": f"{fake.url}/v1", "audiences": {"fr": {"tag": "lettre"}}}}}})


# The CSV.

def test_appending_to_a_csv_ending_with_its_newline_adds_no_blank_line(tmp_path, no_secret):
    target = tmp_path / "readers.csv"
    target.write_text("email,lang,consent_date,source\na@exemple.fr,fr,2020-01-01,x\n")
    import_subscribers([subscriber("b@exemple.fr")], target, tmp_path / "state", dry_run=False)
    assert target.read_text() == ("email,lang,consent_date,source\na@exemple.fr,fr,2020-01-01,x\n"
                                  "b@exemple.fr,fr,2024-03-14T09:30:00+00:00,substack\n")


def test_the_delimiter_is_the_first_lines_even_when_later_lines_hold_more_semicolons(tmp_path):
    target = tmp_path / "readers.csv"
    target.write_text("email,lang,consent_date,source\na@exemple.fr,fr,2020-01-01,a;b;c;d;e;f;g;h\n")
    raw, delimiter, names, present = CsvList(target).read()
    assert (delimiter, names, present) == (",", ["email", "lang", "consent_date", "source"],
                                           {("a@exemple.fr", "fr")})


def test_a_csv_path_may_hold_a_colon(tmp_path):
    assert destination_from(f"csv:{tmp_path}/a:b.csv", {}).path == tmp_path / "a:b.csv"


def test_a_dry_run_into_a_csv_writes_nothing_beside_it(tmp_path, no_secret):
    target = tmp_path / "lists" / "readers.csv"
    counts = import_subscribers([subscriber("a@exemple.fr"), subscriber("b@exemple.fr", status="unsubscribed")],
                                target, tmp_path / "state", dry_run=True)
    assert (counts.added, counts.suppressed) == (1, 1)
    assert not (tmp_path / "lists").exists() and not (tmp_path / "state").exists()


# The messages that tell the editor what to do.

def test_the_refusals_of_a_destination_say_what_to_do_instead(tmp_path, no_secret):
    content = tmp_path / "content"
    with pytest.raises(SubscriberImportError) as refused:
        destination_from(f"csv:{content / 'r.csv'}", {"PATH": str(content)})
    assert str(refused.value) == (f"{content / 'r.csv'}: inside the site's content folder; readers' addresses must "
                                  "never be published or committed: choose a path outside it, e.g. "
                                  "../private/subscribers.csv")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    inside = tmp_path / "repo" / "r.csv"
    with pytest.raises(SubscriberImportError) as refused:
        destination_from("provider", {"NEWSLETTER": {"delivery": {"backend": "smtp",
                                                                  "smtp": {"subscribers": str(inside)}}}})
    assert str(refused.value) == (f"{inside}: inside the git work tree {tmp_path / 'repo'}, where it could be "
                                  "committed; give csv:PATH to write there anyway, or a path outside it")
    with pytest.raises(SubscriberImportError) as refused:
        destination_from("provider", {"NEWSLETTER": {"delivery": {"backend": "smtp"}}})
    assert str(refused.value) == ("NEWSLETTER['delivery']['smtp']['subscribers'] names no CSV file; set it "
                                  "or give csv:PATH")
    with pytest.raises(SubscriberImportError) as refused:
        destination_from("provider", {"NEWSLETTER": {"delivery": {"backend": "outbox"}}})
    assert str(refused.value) == ("NEWSLETTER['delivery']['backend'] is 'outbox', which keeps no readers: "
                                  "configure a provider or give csv:PATH")


# The lists of hashes.

def test_a_complete_hash_list_gets_its_next_line_with_no_blank_line_before(tmp_path):
    path = tmp_path / "list.jsonl"
    HashList(path).add("fr a@exemple.fr")
    HashList(path).add("fr b@exemple.fr")
    lines = path.read_text().split("\n")
    assert len(lines) == 3 and lines[2] == "" and all(json.loads(line)["hash"] for line in lines[:2])


def test_a_hash_list_with_bytes_that_are_not_utf8_is_still_read(tmp_path):
    path = tmp_path / "list.jsonl"
    HashList(path).add("fr a@exemple.fr")
    with open(path, "ab") as stream:
        stream.write(b'{"hash": "\xff\xfe"}\n')
    again = HashList(path)
    assert "fr a@exemple.fr" in again and "fr b@exemple.fr" not in again


def test_the_sends_suppression_list_is_written_by_default_and_remembered_in_a_dry_run(tmp_path):
    listed = SuppressionList(tmp_path / "suppression.jsonl", "a secret for the test")
    SendingSuppression(listed).add("a@exemple.fr")
    assert "a@exemple.fr" in SuppressionList(tmp_path / "suppression.jsonl", "a secret for the test")
    dry = SendingSuppression(SuppressionList(tmp_path / "other.jsonl", "a secret for the test"), write=False)
    dry.add("b@exemple.fr")
    assert "b@exemple.fr" in dry and not (tmp_path / "other.jsonl").exists()


# The counts.

def test_each_unsubscribed_and_unconfirmed_reader_is_counted(tmp_path, no_secret):
    readers = [subscriber("a@exemple.fr", status="unsubscribed"), subscriber("b@exemple.fr", status="unsubscribed"),
               subscriber("c@exemple.fr", status="unconfirmed"), subscriber("d@exemple.fr", status="unconfirmed")]
    counts = import_subscribers(readers, tmp_path / "r.csv", tmp_path / "state", dry_run=True)
    assert (counts.suppressed, counts.unconfirmed, counts.added) == (2, 2, 0)


def test_four_refusals_in_a_row_do_not_stop_the_import(buttondown, tmp_path):
    buttondown.fail("POST", r"/v1/subscribers", status=400, times=4)
    readers = [subscriber(f"r{n}@exemple.fr") for n in range(5)]
    counts = import_subscribers(readers, to_buttondown(buttondown), tmp_path / "state", dry_run=False)
    assert (counts.added, counts.failed, counts.not_reached) == (1, 4, 0)


def test_readers_the_provider_holds_already_are_each_counted(buttondown, tmp_path):
    readers = [subscriber("a@exemple.fr"), subscriber("b@exemple.fr")]
    import_subscribers(readers, to_buttondown(buttondown), tmp_path / "state", dry_run=False)
    counts = import_subscribers(readers, to_buttondown(buttondown), tmp_path / "other-state", dry_run=False)
    assert (counts.added, counts.already_there) == (0, 2)


# The journal.

def test_the_journal_says_each_readers_outcome_and_the_utc_day(buttondown, tmp_path, local_zone):
    utc_day, local_day = a_zone_on_another_day(local_zone)
    assert local_day != utc_day
    destination = to_buttondown(buttondown)
    import_subscribers([subscriber("a@exemple.fr")], destination, tmp_path / "state", dry_run=False)
    [line] = (tmp_path / "state" / f"subscribers-{_journal_name(destination)}.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert (record["outcome"], record["at"]) == ("added", utc_day.isoformat())


def test_a_provider_known_by_its_url_alone_has_that_urls_journal(buttondown):
    destination = to_buttondown(buttondown)
    del destination.config["base_url"]
    destination.config["url"] = "https://lists.exemple.fr"
    short = hashlib.sha256(b"https://lists.exemple.fr").hexdigest()[:16]
    assert _journal_name(destination) == f"buttondown-{short}"
    del destination.config["url"]
    assert _journal_name(destination) == f"buttondown-{hashlib.sha256(b'').hexdigest()[:16]}"


# Consent dates: no later than tomorrow, in UTC.

def consented(moment, folder):
    counts = import_subscribers([subscriber("a@exemple.fr", consent=moment)], folder / "r.csv", folder / "state",
                                dry_run=True)
    return counts.added == 1


def test_a_consent_time_in_another_zone_is_judged_on_its_utc_day(tmp_path, no_secret):
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    east = timezone(timedelta(hours=14))
    assert consented(datetime.combine(tomorrow + timedelta(days=1), clock(1, 0), tzinfo=east), tmp_path)
    west = timezone(timedelta(hours=-5))
    assert not consented(datetime.combine(tomorrow, clock(23, 0), tzinfo=west), tmp_path)


def test_a_consent_time_without_a_zone_is_taken_as_it_is_whatever_the_local_zone(tmp_path, no_secret, local_zone):
    local_zone("ABC+10")                                              # UTC-10
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    assert consented(datetime.combine(tomorrow, clock(20, 0)), tmp_path)


def test_a_utc_consent_time_is_not_moved_into_the_local_zone(tmp_path, no_secret, local_zone):
    local_zone("ABC-12")                                              # UTC+12
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    assert consented(datetime.combine(tomorrow, clock(20, 0), tzinfo=timezone.utc), tmp_path)


def test_tomorrow_is_utcs_tomorrow_whatever_the_local_zone(tmp_path, no_secret, local_zone):
    utc_day, local_day = a_zone_on_another_day(local_zone)
    if local_day > utc_day:
        assert not consented(utc_day + timedelta(days=2), tmp_path)
    else:
        assert consented(utc_day + timedelta(days=1), tmp_path)
