"""Delivery pinned down where `invoke mutate` found changes no test noticed (issue 28, part 3).

The retry policy, the ledger and the dispatcher are driven directly, with real errors from
newsletter.delivery.errors and the waits recorded instead of slept; each assertion is on what the code
returned, raised, logged or wrote.
"""

import json
import logging
import os
import stat

import pytest

from delivery_contract import make_campaign
from newsletter.delivery.backends.outbox import OutboxBackend
from newsletter.delivery.base import Remote
from newsletter.delivery.dispatch import Action, Dispatcher, Outcome, _ledger_state
from newsletter.delivery.errors import (ConfigurationError, InvalidRequest, ProviderUnavailable, RateLimited,
                                        ReconciliationNeeded)
from newsletter.delivery.ledger import Journal, Ledger, LedgerError, atomic_write
from newsletter.delivery.retry import RetryPolicy


class Failing:
    """A call that raises each of ERRORS in turn, then returns "done"; it counts its calls."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def policy(**changes):
    waits = []
    settings = {"sleep": waits.append, "random": lambda: 1.0, **changes}
    return RetryPolicy(**settings), waits


def unavailable():
    return ProviderUnavailable("down", provider="fake")


def test_each_retry_is_logged_with_what_failed_the_wait_and_the_try_number(caplog):
    caplog.set_level(logging.WARNING, logger="newsletter.delivery.retry")
    retry, waits = policy()
    assert retry.run(Failing(unavailable(), unavailable()), "fake GET /x") == "done"
    assert waits == [0.5, 1.0]
    assert [record.getMessage() for record in caplog.records] == [
        "fake GET /x: fake: down; trying again in 0.5 s (2/5)",
        "fake GET /x: fake: down; trying again in 1.0 s (3/5)"]


def test_an_error_the_caller_does_not_retry_is_raised_at_once():
    retry, waits = policy()
    call = Failing(unavailable())
    with pytest.raises(ProviderUnavailable):
        retry.run(call, "fake POST /x", retry_on=lambda error: False)
    assert (call.calls, waits) == (1, [])


def test_an_error_that_is_not_retryable_is_raised_at_once_even_if_the_caller_would_retry():
    retry, waits = policy()
    call = Failing(InvalidRequest("refused", provider="fake"))
    with pytest.raises(InvalidRequest):
        retry.run(call, "fake GET /x", retry_on=lambda error: True)
    assert (call.calls, waits) == (1, [])


def test_an_error_of_another_kind_goes_through_untouched():
    retry, waits = policy()
    call = Failing(ValueError("a bug of ours"))
    with pytest.raises(ValueError, match="a bug of ours"):
        retry.run(call, "fake GET /x", retry_on=lambda error: True)
    assert (call.calls, waits) == (1, [])
    with pytest.raises(ValueError, match="a bug of ours"):
        retry.run(Failing(ValueError("a bug of ours")), "fake GET /x")


def test_the_last_attempt_raises_after_as_many_calls_as_attempts():
    retry, waits = policy(attempts=3)
    call = Failing(*[unavailable() for _ in range(5)])
    with pytest.raises(ProviderUnavailable):
        retry.run(call, "fake GET /x")
    assert (call.calls, len(waits)) == (3, 2)


def test_a_wait_asked_for_of_exactly_the_limit_is_waited():
    retry, waits = policy()
    assert retry.run(Failing(RateLimited("slow down", retry_after=120.0)), "fake GET /x") == "done"
    assert waits == [120.0]


def test_a_rate_limit_without_a_wait_is_retried_even_under_a_small_limit():
    retry, waits = policy(max_retry_after=0.5)
    assert retry.run(Failing(RateLimited("slow down")), "fake GET /x") == "done"
    assert waits == [0.5]


# ----------------------------------------------------------------------------------------------- the ledger


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_missing_ledger_reads_as_empty_and_the_first_record_writes_it_sorted_and_readable(tmp_path):
    ledger = Ledger(tmp_path / "news" / "ledger.json")
    assert ledger.data == {"version": 1, "entries": {}} and list(ledger.entries()) == []
    with ledger.locked():
        ledger.record("2026-12-fr", "listmonk", state="draft", title="Numéro d’hiver")
        ledger.record("2026-11-fr", "outbox", state="sent")
    text = ledger.path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "Numéro d’hiver" in text and '\n  "entries": {\n' in text
    assert text.index('"entries"') < text.index('"version"')            # keys sorted
    assert mode(ledger.path) == 0o644
    assert [(key, provider) for key, provider, _ in Ledger(ledger.path).entries()] == [
        ("2026-11-fr", "outbox"), ("2026-12-fr", "listmonk")]


def test_each_record_stamps_the_entry_and_a_send_is_dated_once(tmp_path):
    ledger = Ledger(tmp_path / "ledger.json")
    first = dict(ledger.record("k", "p", state="draft"))
    assert set(first) == {"state", "created_at", "updated_at"} and first["created_at"] == first["updated_at"]
    sent = ledger.record("k", "p", state="sent")
    sent_at = sent["sent_at"]
    assert sent["created_at"] == first["created_at"] and sent_at == sent["updated_at"]
    again = ledger.record("k", "p", state="sent", note="again")
    assert again["sent_at"] == sent_at and ledger.entry("k", "p")["note"] == "again"
    assert ledger.entry("k", "other") is None and ledger.entry("nothing", "p") is None
    on_disk = json.loads(ledger.path.read_text(encoding="utf-8"))
    assert on_disk["entries"]["k"]["p"] == ledger.entry("k", "p")


def test_a_second_run_is_refused_while_the_first_holds_the_ledger(tmp_path):
    first, second = Ledger(tmp_path / "ledger.json"), Ledger(tmp_path / "ledger.json")
    with first.locked():
        assert (tmp_path / "ledger.json.lock").exists()
        with pytest.raises(LedgerError, match=r"ledger.json is in use by another publishing run"):
            with second.locked():
                pass
    with second.locked() as held:          # released: the next run goes ahead
        assert held is second


def test_the_lock_reads_the_ledger_again_when_taken(tmp_path):
    ledger = Ledger(tmp_path / "ledger.json")
    assert ledger.data["entries"] == {}
    Ledger(ledger.path).record("k", "p", state="draft")     # another run, in between
    with ledger.locked():
        assert ledger.entry("k", "p")["state"] == "draft"


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "cannot be read"),
    ("[]", "is not a ledger"),
    ('{"version": 1}', "is not a ledger"),
    ('{"entries": []}', "is not a ledger"),
])
def test_a_damaged_ledger_is_refused_with_what_to_do(tmp_path, text, message):
    path = tmp_path / "ledger.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LedgerError, match=message) as refused:
        Ledger(path).data
    assert str(refused.value).startswith(str(path)) and "restore it from git" in str(refused.value)


def test_the_journal_lives_beside_the_ledger_until_moved(tmp_path):
    ledger = Ledger(tmp_path / "ledger.json")
    assert ledger.journal("2026-12-fr", "smtp").path == tmp_path / "ledger.d" / "2026-12-fr.smtp.jsonl"


def test_the_journal_counts_who_has_it_whatever_the_case_and_skips_a_torn_line(tmp_path):
    journal = Journal(tmp_path / "j" / "k.smtp.jsonl")
    assert journal.counts() == {"sent": 0, "interrupted": 0}
    journal.sending("Reader@Example.org")
    journal.sent("reader@example.org")
    journal.sending("other@example.org")
    assert journal.is_sent("READER@example.org") and not journal.is_sent("other@example.org")
    assert journal.counts() == {"sent": 1, "interrupted": 1}
    assert mode(journal.path) == 0o600
    with open(journal.path, "a", encoding="utf-8") as handle:
        handle.write('{"to": "third@example.org", "sta')
    again = Journal(journal.path)
    assert again.counts() == {"sent": 1, "interrupted": 1} and again.is_sent("reader@example.org")
    lines = [json.loads(line) for line in journal.path.read_text(encoding="utf-8").splitlines()[:3]]
    assert [(line["to"], line["state"]) for line in lines] == [
        ("reader@example.org", "sending"), ("reader@example.org", "sent"), ("other@example.org", "sending")]


def test_a_journal_moved_out_of_the_repository_keeps_every_line_and_leaves_nothing_behind(tmp_path, caplog):
    old = Ledger(tmp_path / "repo" / "ledger.json").journal("k", "smtp")
    old.sent("a@example.org")
    with open(old.path, "a", encoding="utf-8") as handle:
        handle.write('{"to": "torn')                       # a crash mid-line
    private = tmp_path / "private"
    private.mkdir()
    Journal(private / old.path.name).sent("b@example.org")  # already some lines there
    moved = Journal(old.path).moved_to(private)
    assert moved.path == private / "k.smtp.jsonl" and not old.path.exists() and not old.path.parent.exists()
    assert moved.is_sent("a@example.org") and moved.is_sent("b@example.org")
    assert moved.path.read_text(encoding="utf-8").splitlines()[1] == '{"to": "torn'
    assert mode(moved.path) == 0o600
    assert "moved the journal" in caplog.text
    assert moved.moved_to(private).path == moved.path


def test_a_journal_moved_beside_other_files_leaves_their_folder(tmp_path):
    old = Ledger(tmp_path / "ledger.json").journal("k", "smtp")
    old.sent("a@example.org")
    (old.path.parent / "other.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "private").mkdir()
    Journal(old.path).moved_to(tmp_path / "private")
    assert (old.path.parent / "other.jsonl").exists() and not old.path.exists()


def test_an_atomic_write_leaves_no_temporary_file_even_when_it_fails(tmp_path):
    target = tmp_path / "deep" / "file.json"
    atomic_write(target, b"one", mode=0o600)
    assert target.read_bytes() == b"one" and mode(target) == 0o600
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")
    assert target.read_bytes() == b"one" and sorted(path.name for path in target.parent.iterdir()) == ["file.json"]


def moved_journal(tmp_path, old_bytes, new_bytes=None):
    """The bytes of a journal moved from beside the ledger to private/, which held NEW_BYTES (or nothing)."""
    old = Ledger(tmp_path / "repo" / "ledger.json").journal("k", "smtp").path
    old.parent.mkdir(parents=True)
    old.write_bytes(old_bytes)
    private = tmp_path / "private"
    private.mkdir()
    if new_bytes is not None:
        (private / old.name).write_bytes(new_bytes)
    return Journal(old).moved_to(private).path.read_bytes()


LINE_A = b'{"to": "a@example.org", "state": "sent", "at": "2026-12-01T08:00:00+00:00"}\n'
LINE_B = b'{"to": "b@example.org", "state": "sent", "at": "2026-12-01T08:00:01+00:00"}\n'


def test_a_moved_journal_is_the_old_lines_then_the_new_ones_byte_for_byte(tmp_path):
    assert moved_journal(tmp_path / "1", LINE_A) == LINE_A
    assert moved_journal(tmp_path / "2", LINE_A, LINE_B) == LINE_A + LINE_B
    assert moved_journal(tmp_path / "3", b"", LINE_B) == LINE_B
    assert moved_journal(tmp_path / "4", LINE_A[:20], LINE_B) == LINE_A[:20] + b"\n" + LINE_B


def test_moving_a_journal_tells_the_editor_where_it_went(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="newsletter.delivery.ledger")
    moved_journal(tmp_path, LINE_A)
    old = tmp_path / "repo" / "ledger.d" / "k.smtp.jsonl"
    assert [record.getMessage() for record in caplog.records] == [
        f"moved the journal {old} to {tmp_path / 'private' / 'k.smtp.jsonl'}: readers' addresses are kept beside "
        f"the subscribers file, out of the repository"]


def test_each_journal_line_says_who_what_and_when(tmp_path):
    from datetime import datetime

    journal = Journal(tmp_path / "k.smtp.jsonl")
    journal.sent("Élodie@Example.org")
    [line] = [json.loads(text) for text in journal.path.read_text(encoding="utf-8").splitlines()]
    assert set(line) == {"to", "state", "at"} and line["to"] == "élodie@example.org" and line["state"] == "sent"
    assert datetime.fromisoformat(line["at"]).utcoffset().total_seconds() == 0
    assert "." not in line["at"]                  # whole seconds: the ledger is read by people


def test_an_atomic_write_makes_its_temporary_file_beside_the_target(tmp_path, monkeypatch):
    """Beside it, so the rename stays on one file system whatever TMPDIR says (here: a folder that is gone)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    atomic_write(tmp_path / "ledger.json", b"{}")
    assert (tmp_path / "ledger.json").read_bytes() == b"{}"


# ----------------------------------------------------------------------------------------------- the dispatcher


def test_an_outcome_sums_up_what_the_run_did():
    assert Outcome("2026-12-fr", "outbox", "draft", None).summary() == "2026-12-fr at outbox: nothing to do; now draft"
    done = Outcome("2026-12-fr", "listmonk", "sent", "42", ["created the draft", "sent"])
    assert done.summary() == "2026-12-fr at listmonk (id 42): created the draft; sent; now sent"


def test_a_sent_issue_edited_afterwards_is_left_alone_and_the_editor_told_when_it_went(tmp_path, ledger, caplog):
    caplog.set_level(logging.WARNING, logger="newsletter.delivery.dispatch")
    backend = OutboxBackend({"folder": str(tmp_path / "delivered")})
    dispatcher = Dispatcher(backend, ledger)
    campaign = make_campaign(tmp_path / "outbox")
    assert dispatcher.deliver(campaign, Action("send")).state == "sent"
    sent_at = ledger.entry(campaign.key, "outbox")["sent_at"]
    edited = make_campaign(tmp_path / "outbox-edited", body="Une correction.")
    again = dispatcher.deliver(edited, Action("send"))
    assert (again.state, again.done) == ("sent", ["already sent, left alone"])
    expected = (f"{campaign.key} was sent by outbox on {{}}; it has changed since, but a sent issue is never changed "
                f"or sent again (publish the correction as a new issue)")
    assert [record.getMessage() for record in caplog.records] == [expected.format(sent_at)]
    caplog.clear()
    del ledger.data["entries"][campaign.key]["outbox"]["sent_at"]     # a ledger from before sent_at
    dispatcher.deliver(edited, Action("send"))
    assert [record.getMessage() for record in caplog.records] == [expected.format("an earlier run")]


class ProviderWithPages(OutboxBackend):
    """The outbox as a provider with a page per draft that can lose a creation: what the outbox lacks to
    show the dispatcher's handling of URLs and interrupted creations. The dispatcher itself is the real one."""

    name = "pages"

    def __init__(self, folder, loses_creation=False):
        super().__init__({"folder": str(folder)})
        self.loses_creation = loses_creation
        self.creations = []        # the idempotency keys create_draft was given

    def create_draft(self, campaign, idempotency_key):
        self.creations.append(idempotency_key)
        if self.loses_creation:
            raise ProviderUnavailable("the answer was lost", provider=self.name)
        return Remote(campaign.key, "draft", url=f"https://example.org/drafts/{campaign.key}")

    def find(self, campaign):
        return None                # the interrupted creation never reached it



def test_an_unknown_action_is_refused_with_the_known_ones():
    with pytest.raises(ValueError) as refused:
        Action("mail")
    assert str(refused.value) == "unknown action 'mail'; one of draft, test, schedule, send"


def test_an_unknown_state_at_the_provider_stops_the_run():
    with pytest.raises(ReconciliationNeeded) as stopped:
        _ledger_state("exploded")
    assert str(stopped.value) == "the provider reports an unknown state 'exploded'"


def test_a_created_draft_s_page_is_in_the_ledger(tmp_path, ledger):
    campaign = make_campaign(tmp_path / "outbox")
    Dispatcher(ProviderWithPages(tmp_path / "delivered"), ledger).deliver(campaign)
    entry = ledger.entry(campaign.key, "pages")
    assert (entry["state"], entry["remote_id"], entry["url"]) == (
        "draft", campaign.key, f"https://example.org/drafts/{campaign.key}")


def test_an_interrupted_creation_is_tried_again_with_the_same_key_and_said(tmp_path, ledger, caplog):
    caplog.set_level(logging.INFO, logger="newsletter.delivery.dispatch")
    campaign = make_campaign(tmp_path / "outbox")
    losing = ProviderWithPages(tmp_path / "delivered", loses_creation=True)
    with pytest.raises(ProviderUnavailable):
        Dispatcher(losing, ledger).deliver(campaign)
    entry = ledger.entry(campaign.key, "pages")
    assert entry["state"] == "creating" and "remote_id" in entry and entry["remote_id"] is None
    first_key = entry["idempotency_key"]
    assert losing.creations == [first_key] and len(first_key) == 32

    again = ProviderWithPages(tmp_path / "delivered")
    outcome = Dispatcher(again, ledger).deliver(campaign)
    assert again.creations == [first_key]          # the provider can recognise the lost request
    assert outcome.done == ["created the draft"] and ledger.entry(campaign.key, "pages")["url"].endswith(campaign.key)
    assert [record.getMessage() for record in caplog.records] == [
        f"{campaign.key}: the interrupted creation did not reach pages; creating it now"]


def test_an_interrupted_creation_without_a_key_gets_a_new_one(tmp_path, ledger):
    campaign = make_campaign(tmp_path / "outbox")
    ledger.record(campaign.key, "pages", state="creating", remote_id=None)     # an older run's intent
    again = ProviderWithPages(tmp_path / "delivered")
    Dispatcher(again, ledger).deliver(campaign)
    [key] = again.creations
    assert isinstance(key, str) and len(key) == 32


class ProviderWithTwins(ProviderWithPages):
    """A provider where a creation had to be sent again: the lost first request made TWINS drafts."""

    name = "twins"

    def __init__(self, folder, twins):
        super().__init__(folder)
        self.twins = list(twins)
        self.settled = []          # the remote ids settle_twins was asked about

    def create_draft(self, campaign, idempotency_key):
        return Remote(campaign.key, "draft", url="https://example.org/d", twin_possible=True)

    def settle_twins(self, campaign, remote_id):
        self.settled.append((campaign.key, remote_id))
        deleted, self.twins = self.twins, []
        return Remote(remote_id, "draft"), deleted


@pytest.mark.parametrize(("twins", "said"), [
    (["t1"], "deleted the duplicate draft t1 made by a late creation"),
    (["t1", "t2"], "deleted the duplicate drafts t1, t2 made by a late creation"),
])
def test_twins_of_a_retried_creation_are_deleted_and_said_then_looked_for_once_more(tmp_path, ledger, twins, said):
    campaign = make_campaign(tmp_path / "outbox")
    provider = ProviderWithTwins(tmp_path / "delivered", twins)
    outcome = Dispatcher(provider, ledger).deliver(campaign)
    assert outcome.done == ["created the draft", said] and provider.settled == [(campaign.key, campaign.key)]
    assert ledger.entry(campaign.key, "twins")["twin_possible"] is True      # a late one may still land
    provider.twins = ["t9"]                                               # landed after the run
    later = Dispatcher(provider, ledger).deliver(campaign)
    assert later.done == ["deleted the duplicate draft t9 made by a late creation"]
    assert provider.settled == [(campaign.key, campaign.key)] * 2
    assert (later.key, later.provider, later.state, later.remote_id) == (campaign.key, "twins", "draft", campaign.key)
    assert ledger.entry(campaign.key, "twins")["twin_possible"] is False


def test_scheduling_with_a_backend_that_cannot_is_refused_before_anything_is_done(tmp_path, ledger):
    from datetime import datetime, timezone

    campaign = make_campaign(tmp_path / "outbox")
    when = datetime(2026, 12, 24, 8, tzinfo=timezone.utc)
    with pytest.raises(ConfigurationError) as refused:
        Dispatcher(OutboxBackend({"folder": str(tmp_path / "delivered")}), ledger).deliver(
            campaign, Action("schedule", when=when))
    assert str(refused.value) == "outbox: outbox cannot send later; use --send at the time"
    assert refused.value.provider == "outbox" and ledger.entry(campaign.key, "outbox") is None


class ProviderHoldingItScheduled(OutboxBackend):
    """The outbox as a provider where the campaign is already scheduled."""

    name = "scheduled"

    def get(self, remote_id):
        return Remote(remote_id, "scheduled")


def test_a_scheduled_campaign_still_takes_tests_but_is_not_sent_again(tmp_path, ledger):
    campaign = make_campaign(tmp_path / "outbox")
    ledger.record(campaign.key, "scheduled", state="scheduled", remote_id=campaign.key,
                  content_hash=campaign.content_hash)
    dispatcher = Dispatcher(ProviderHoldingItScheduled({"folder": str(tmp_path / "delivered")}), ledger)
    tested = dispatcher.deliver(campaign, Action("test", test_to=("editor@example.org",)))
    assert tested.done == ["test sent to editor@example.org"] and tested.state == "scheduled"
    assert (tmp_path / "delivered" / "tests" / f"{campaign.key}.eml").exists()
    assert ledger.entry(campaign.key, "scheduled")["tests"] == [{"recipients": 1}]
    second = dispatcher.deliver(campaign, Action("test", test_to=("editor@example.org", "proof@example.org")))
    assert second.done == ["test sent to editor@example.org, proof@example.org"]
    assert ledger.entry(campaign.key, "scheduled")["tests"] == [{"recipients": 1}, {"recipients": 2}]
    sent = dispatcher.deliver(campaign, Action("send"))
    assert sent.done == [] and not (tmp_path / "delivered" / "sent").exists()


class ProviderDyingWhileScheduling(OutboxBackend):
    """A provider that can send later, and whose answer to the scheduling call never comes."""

    name = "later"
    can_schedule = True

    def schedule(self, remote_id, campaign, when):
        raise ProviderUnavailable("no answer", provider=self.name)


def test_the_scheduling_intent_and_its_date_are_written_before_the_provider_is_asked(tmp_path, ledger):
    from datetime import datetime, timezone

    campaign = make_campaign(tmp_path / "outbox")
    when = datetime(2026, 12, 24, 8, tzinfo=timezone.utc)
    dispatcher = Dispatcher(ProviderDyingWhileScheduling({"folder": str(tmp_path / "delivered")}), ledger)
    with pytest.raises(ProviderUnavailable):
        dispatcher.deliver(campaign, Action("schedule", when=when))
    entry = ledger.entry(campaign.key, "later")
    assert (entry["state"], entry["scheduled_for"]) == ("scheduling", "2026-12-24T08:00:00+00:00")


class ProviderRecordingSends(OutboxBackend):
    """The outbox as a provider that can send later and keeps the journal each send was given."""

    name = "recording"
    can_schedule = True

    def __init__(self, folder, dies_sending=False):
        super().__init__({"folder": str(folder)})
        self.dies_sending = dies_sending
        self.journals = []

    def schedule(self, remote_id, campaign, when):
        pass

    def send_now(self, remote_id, campaign, journal):
        self.journals.append(journal.path)
        if self.dies_sending:
            raise ProviderUnavailable("no answer", provider=self.name)
        super().send_now(remote_id, campaign, journal)


def test_a_schedule_and_a_send_say_what_they_did(tmp_path, ledger):
    from datetime import datetime, timezone

    scheduled = make_campaign(tmp_path / "outbox", number=5)
    provider = ProviderRecordingSends(tmp_path / "delivered")
    outcome = Dispatcher(provider, ledger).deliver(
        scheduled, Action("schedule", when=datetime(2026, 12, 24, 8, tzinfo=timezone.utc)))
    assert outcome.done == ["created the draft", "scheduled for 2026-12-24T08:00:00+00:00"]
    assert outcome.state == "scheduled"
    sent = make_campaign(tmp_path / "outbox", number=6)
    outcome = Dispatcher(provider, ledger).deliver(sent, Action("send"))
    assert (outcome.done, outcome.state) == (["created the draft", "sent"], "sent")
    assert provider.journals == [ledger.journal(sent.key, "recording").path]


def test_the_sending_intent_is_written_before_the_provider_is_asked(tmp_path, ledger):
    campaign = make_campaign(tmp_path / "outbox")
    with pytest.raises(ProviderUnavailable):
        Dispatcher(ProviderRecordingSends(tmp_path / "delivered", dies_sending=True), ledger).deliver(
            campaign, Action("send"))
    assert ledger.entry(campaign.key, "recording")["state"] == "sending"


class ProviderKeepingDrafts(OutboxBackend):
    """The outbox as a provider that holds drafts itself (a send that did not happen leaves a draft there)."""

    name = "drafts"
    remote_drafts = True


@pytest.mark.parametrize(("backend", "left", "found", "now"), [
    (OutboxBackend, "sending", False, "sending"),         # a half-sent list: its journal says who has it
    (OutboxBackend, "scheduling", False, "draft"),        # the scheduling call did not happen
    (ProviderKeepingDrafts, "sending", False, "draft"),   # the send did not happen
    (OutboxBackend, "sending", True, "sent"),
    (OutboxBackend, "draft", True, "sent"),               # sent from the provider's own pages
])
def test_a_run_finds_out_what_an_interrupted_one_did(tmp_path, ledger, backend, left, found, now):
    campaign = make_campaign(tmp_path / "outbox")
    provider = backend({"folder": str(tmp_path / "delivered")})
    ledger.record(campaign.key, provider.name, state=left, remote_id=campaign.key,
                  content_hash=campaign.content_hash)
    if found:      # the outbox's campaign is sent when its file is in sent/
        (tmp_path / "delivered" / "sent").mkdir(parents=True)
        (tmp_path / "delivered" / "sent" / f"{campaign.key}.eml").write_bytes(campaign.message.as_bytes())
    outcome = Dispatcher(provider, ledger).deliver(campaign)
    assert ledger.entry(campaign.key, provider.name)["state"] == now == outcome.state
    said = ["found it sent at the provider after an interrupted run"] if found and left != "draft" else []
    assert outcome.done == said


def test_an_issue_edited_while_half_sent_stops_the_run_with_what_to_do(tmp_path, ledger):
    campaign = make_campaign(tmp_path / "outbox")
    ledger.record(campaign.key, "outbox", state="sending", remote_id=campaign.key, content_hash="earlier")
    with pytest.raises(ReconciliationNeeded) as stopped:
        Dispatcher(OutboxBackend({"folder": str(tmp_path / "delivered")}), ledger).deliver(campaign, Action("send"))
    assert stopped.value.provider == "outbox"
    assert str(stopped.value) == (
        f"outbox: {campaign.key} changed while it was half sent: some readers have the earlier version. Restore "
        f"the earlier text to finish sending it, or mark the entry 'sent' in {ledger.path} and send the "
        f"correction as a new issue")


def test_an_edited_draft_is_updated_at_the_provider_and_its_new_hash_kept(tmp_path, ledger):
    campaign = make_campaign(tmp_path / "outbox")
    ledger.record(campaign.key, "drafts", state="draft", remote_id=campaign.key, content_hash="earlier")
    outcome = Dispatcher(ProviderKeepingDrafts({"folder": str(tmp_path / "delivered")}), ledger).deliver(campaign)
    assert outcome.done == ["updated the draft"]
    assert ledger.entry(campaign.key, "drafts")["content_hash"] == campaign.content_hash
    assert Dispatcher(ProviderKeepingDrafts({"folder": str(tmp_path / "delivered")}), ledger).deliver(
        campaign).done == []


def test_a_scheduled_issue_edited_afterwards_is_not_changed_and_the_editor_told(tmp_path, ledger, caplog):
    caplog.set_level(logging.WARNING, logger="newsletter.delivery.dispatch")
    campaign = make_campaign(tmp_path / "outbox")
    ledger.record(campaign.key, "scheduled", state="scheduled", remote_id=campaign.key, content_hash="earlier")
    outcome = Dispatcher(ProviderHoldingItScheduled({"folder": str(tmp_path / "delivered")}), ledger).deliver(campaign)
    assert outcome.done == [] and ledger.entry(campaign.key, "scheduled")["content_hash"] == "earlier"
    assert [record.getMessage() for record in caplog.records] == [
        f"{campaign.key}: changed since it was scheduled at scheduled; the change is not sent. Unschedule it "
        f"there to send the new version."]


class ProviderFindingTheDraft(ProviderWithPages):
    """A provider that did get the interrupted run's creation."""

    name = "found"

    def find(self, campaign):
        return Remote(campaign.key, "draft", url=f"https://example.org/drafts/{campaign.key}")


def test_a_draft_an_interrupted_run_created_is_found_with_its_page_not_made_again(tmp_path, ledger):
    campaign = make_campaign(tmp_path / "outbox")
    ledger.record(campaign.key, "found", state="creating", remote_id=None, idempotency_key="k" * 32,
                  content_hash=campaign.content_hash)
    provider = ProviderFindingTheDraft(tmp_path / "delivered")
    outcome = Dispatcher(provider, ledger).deliver(campaign)
    assert outcome.done == ["found the draft an interrupted run had created"] and provider.creations == []
    entry = ledger.entry(campaign.key, "found")
    assert (entry["state"], entry["remote_id"], entry["url"]) == (
        "draft", campaign.key, f"https://example.org/drafts/{campaign.key}")


def test_the_ledger_is_read_as_utf8_whatever_the_locale(tmp_path):
    """A run under LANG=C still reads a ledger holding French titles (written as UTF-8, not escaped)."""
    import locale

    path = tmp_path / "ledger.json"
    Ledger(path).record("2026-12-fr", "listmonk", state="draft", title="Numéro d’hiver")
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")   # files opened without an encoding would now be read as ASCII
    try:
        assert Ledger(path).entry("2026-12-fr", "listmonk")["title"] == "Numéro d’hiver"
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
