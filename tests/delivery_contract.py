"""The contract every delivery backend meets, run once per backend.

A backend's test module subclasses BackendContract and provides a ``world``
fixture: an object with
    backend()            a new, unopened backend talking to the test's server
    campaigns(lang)      the campaigns the provider holds for a language:
                         [{"key": "issue-5-fr", "subject": ..., "html": ...}]
    sent(key)            how many times the campaign went to its audience
    tests_received(key)  the addresses that received a test of it
Everything is observed at the provider (its recorded state), never in the
backend's own objects.
"""

from datetime import datetime, timedelta, timezone

import pytest

from newsletter.delivery.campaign import read_campaign
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.ledger import Ledger
from newsletter.message import build_message
from newsletter.model import Issue, RenderedIssue

SENDER = {"name": "Élise Marchand", "email": "lettre@elise-marchand.example"}
REPLY_TO = {"name": "Élise Marchand", "email": "elise@elise-marchand.example"}
PLACEHOLDER = "[[UNSUBSCRIBE_URL]]"
SUBJECTS = {"fr": "Numéro 5 · l’été arrive ☀️", "en": "Issue 5 · summer is coming ☀️"}
SITE = "https://elise-marchand.example"


def archive_url(lang):
    """The newsletter's archive page in ``lang``, as the build writes it into List-Archive."""
    return f"{SITE}/{'' if lang == 'fr' else lang + '/'}newsletter/"


def make_campaign(folder, number=5, lang="fr", subject=None, body="Bonjour à toutes et à tous."):
    """An issue's email as the build writes it to the outbox, read back as a Campaign."""
    subject = subject or SUBJECTS.get(lang, f"Issue {number}")
    issue = Issue(number=number, lang=lang, subject=subject, date=datetime(2026, 2, 7, 8, tzinfo=timezone.utc),
                  body_html=f"<p>{body}</p>", source_path=f"content/newsletter/{lang}/{number}.md")
    html = (f"<!doctype html><html lang=\"{lang}\"><body><p>{body}</p>"
            f"<p><a href=\"{PLACEHOLDER}\">unsubscribe</a></p></body></html>")
    text = f"{body}\n\nUnsubscribe: {PLACEHOLDER}\n"
    rendered = RenderedIssue(issue=issue, subject=subject, mjml="", html=html, text=text)
    path = folder / f"{issue.key}.eml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_message(rendered, SENDER, REPLY_TO, archive_url=archive_url(lang)).as_bytes())
    return read_campaign(path)


class BackendContract:
    """Subclass with a ``world`` fixture (see the module docstring); ``ledger`` and
    ``campaigns`` come from conftest.py."""

    def deliver(self, world, ledger, campaigns, action=Action()):
        with world.backend() as backend:
            dispatcher = Dispatcher(backend, ledger)
            return [dispatcher.deliver(campaign, action) for campaign in campaigns]

    def keys(self, world, lang):
        return [campaign["key"] for campaign in world.campaigns(lang)]

    def test_a_draft_per_language_and_nothing_sent(self, world, ledger, campaigns):
        outcomes = self.deliver(world, ledger, campaigns)
        assert [outcome.state for outcome in outcomes] == ["draft", "draft"]
        assert self.keys(world, "fr") == ["issue-5-fr"]
        assert self.keys(world, "en") == ["issue-5-en"]
        assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 0

    def test_a_second_run_creates_nothing(self, world, ledger, campaigns):
        self.deliver(world, ledger, campaigns)
        outcomes = self.deliver(world, ledger, campaigns)
        assert [outcome.done for outcome in outcomes] == [[], []]
        assert self.keys(world, "fr") == ["issue-5-fr"] and self.keys(world, "en") == ["issue-5-en"]

    def test_changed_content_updates_the_draft(self, world, ledger, campaigns, tmp_path):
        self.deliver(world, ledger, campaigns)
        changed = make_campaign(tmp_path / "outbox2", lang="fr", body="Une phrase corrigée.")
        [outcome] = self.deliver(world, ledger, [changed])
        assert outcome.done == ["updated the draft"]
        [held] = world.campaigns("fr")
        if held.get("html") is not None:
            assert "Une phrase corrigée." in held["html"]

    def test_send_goes_out_once(self, world, ledger, campaigns):
        self.deliver(world, ledger, campaigns, Action("send"))
        outcomes = self.deliver(world, ledger, campaigns, Action("send"))
        assert [outcome.state for outcome in outcomes] == ["sent", "sent"]
        assert all(outcome.done == ["already sent, left alone"] for outcome in outcomes)
        assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 1
        assert self.keys(world, "fr") == ["issue-5-fr"]

    def test_a_sent_issue_is_never_changed(self, world, ledger, campaigns, tmp_path, caplog):
        self.deliver(world, ledger, campaigns[:1], Action("send"))
        changed = make_campaign(tmp_path / "outbox2", lang="fr", body="Trop tard.")
        [outcome] = self.deliver(world, ledger, [changed], Action("send"))
        assert outcome.state == "sent" and world.sent("issue-5-fr") == 1
        assert "never changed or sent again" in caplog.text
        [held] = world.campaigns("fr")
        assert "Trop tard." not in (held.get("html") or "")

    def test_a_test_send_reaches_only_the_given_addresses(self, world, ledger, campaigns):
        [outcome] = self.deliver(world, ledger, campaigns[:1], Action("test", test_to=("editor@example.org",)))
        assert outcome.state == "draft"
        assert world.tests_received("issue-5-fr") == ["editor@example.org"]
        assert world.sent("issue-5-fr") == 0

    def test_an_interrupted_creation_is_found_not_repeated(self, world, ledger, campaigns):
        """The run died after the provider created the draft, before the ledger heard of it."""
        self.deliver(world, ledger, campaigns[:1])
        ledger.record("issue-5-fr", world.name, state="creating", remote_id=None)
        [outcome] = self.deliver(world, ledger, campaigns[:1])
        assert outcome.state == "draft" and outcome.remote_id
        assert self.keys(world, "fr") == ["issue-5-fr"]

    def test_an_interrupted_creation_that_never_arrived_is_made_once(self, world, ledger, campaigns):
        ledger.record("issue-5-fr", world.name, state="creating", remote_id=None, idempotency_key="k-123")
        [outcome] = self.deliver(world, ledger, campaigns[:1])
        assert outcome.state == "draft" and self.keys(world, "fr") == ["issue-5-fr"]

    def test_the_ledger_records_state_id_hash_and_times(self, world, ledger, campaigns):
        self.deliver(world, ledger, campaigns[:1], Action("send"))
        entry = Ledger(ledger.path).entry("issue-5-fr", world.name)
        assert entry["state"] == "sent" and entry["content_hash"] == campaigns[0].content_hash
        assert entry["remote_id"] and entry["created_at"] <= entry["sent_at"]
        assert (entry["issue"], entry["lang"]) == (5, "fr")


def in_a_week():
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
