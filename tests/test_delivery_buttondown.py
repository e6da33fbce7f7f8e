"""The Buttondown backend against a loopback Buttondown that checks every request against the API description.

The shared contract runs first; then faults (429 with Retry-After, 500s, a
timeout, a connection reset after the email was made), each ending with exactly
one email per language at the fake; then reconciliation, which must recognise
our email by its own marker; then errors, secrets and settings.
"""

import logging
import re

import pytest
import requests

from delivery_contract import BackendContract, in_a_week, make_campaign
from fake_providers.buttondown import FakeButtondown
from newsletter.delivery import config
from newsletter.delivery.backends.buttondown import ButtondownBackend
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.errors import (AuthenticationError, ConfigurationError, InvalidRequest, OutcomeUnknown,
                                        ProviderUnavailable, ReconciliationNeeded)
from newsletter.delivery.ledger import Ledger
from newsletter.delivery.retry import RetryPolicy

API_KEY = "bd-9f3c-test-secret-key"
AUDIENCES = {"fr": {"tag": "fr"}, "en": {"tag": "en"}}
EMAILS = r"/v1/emails"
ONE_EMAIL = r"/v1/emails/[^/]+"


class ButtondownWorld:
    """The contract's view of the provider: what the fake Buttondown holds."""

    name = "buttondown"

    def __init__(self, fake):
        self.fake = fake
        self.tag_ids = {"fr": fake.add_tag("fr"), "en": fake.add_tag("en")}
        self.waits = []          # every wait the retry policy asked for, never spent

    def settings(self, api_key=API_KEY, **given):
        environ = {"BUTTONDOWN_API_KEY": api_key, "BUTTONDOWN_BASE_URL": f"{self.fake.url}/v1"}
        return config.backend_settings(ButtondownBackend, {"audiences": AUDIENCES, **given}, environ)

    def backend(self, timeout=5.0, attempts=5, **given):
        retry = RetryPolicy(attempts=attempts, sleep=self.waits.append, random=lambda: 0.5)
        return ButtondownBackend(self.settings(**given), retry=retry, timeout=timeout)

    def campaigns(self, lang):
        """Emails targeted at the language's tag, as Buttondown holds them."""
        held = []
        for email in self.fake.emails.values():
            tags = [rule["value"] for rule in email["filters"]["filters"] if rule["field"] == "subscriber.tags"]
            if self.tag_ids[lang] in tags and email["status"] != "deleted":
                held.append({"key": email["metadata"].get("issue_key"), "subject": email["subject"],
                             "html": email["body"]})
        return held

    def sent(self, key):
        return sum(self.fake.sends[email["id"]] for email in self.fake.ours(key))

    def tests_received(self, key):
        ids = {email["id"] for email in self.fake.ours(key)}
        return [address for email_id, addresses in self.fake.test_sends if email_id in ids for address in addresses]


@pytest.fixture
def fake():
    with FakeButtondown(api_key=API_KEY, page_size=3) as server:
        yield server


@pytest.fixture
def world(fake):
    return ButtondownWorld(fake)


class TestButtondownContract(BackendContract):
    @pytest.fixture
    def world(self, fake):
        return ButtondownWorld(fake)




def deliver(backend, ledger, campaigns, action=Action()):
    with backend:
        dispatcher = Dispatcher(backend, ledger)
        return [dispatcher.deliver(campaign, action) for campaign in campaigns]


def one_per_language(world):
    assert [held["key"] for held in world.campaigns("fr")] == ["issue-5-fr"]
    assert [held["key"] for held in world.campaigns("en")] == ["issue-5-en"]


def entry(ledger, key="issue-5-fr"):
    return Ledger(ledger.path).entry(key, "buttondown")


# What goes to Buttondown.

def test_the_create_request_is_a_draft_with_our_marker_audience_and_key(world, fake, ledger, campaigns):
    deliver(world.backend(), ledger, campaigns[:1])
    [post] = fake.calls("POST", EMAILS)
    assert post.body["status"] == "draft"
    assert post.headers["x-idempotency-key"] == entry(ledger)["idempotency_key"]
    assert post.headers["authorization"] == f"Token {API_KEY}"
    assert post.body["metadata"]["issue_key"] == "issue-5-fr"
    assert post.body["filters"] == {"filters": [{"field": "subscriber.tags", "operator": "contains",
                                                 "value": world.tag_ids["fr"]}], "groups": [], "predicate": "and"}
    assert post.body["subject"] == campaigns[0].subject
    html = post.body["body"]
    assert html.startswith("<!-- buttondown-editor-mode: fancy -->\n<!doctype html>")
    assert 'href="{{ unsubscribe_url }}"' in html and "[[UNSUBSCRIBE_URL]]" not in html
    assert post.answered == 201 and entry(ledger)["remote_id"] in fake.emails
    assert sum(fake.sends.values()) == 0


def test_the_fake_sends_an_email_created_without_status_at_once(fake):
    """Why "status": "draft" matters: without it Buttondown sends on creation."""
    answer = requests.post(f"{fake.url}/v1/emails", json={"subject": "Oops", "body": "<p>hi</p>"},
                           headers={"Authorization": f"Token {API_KEY}"}, timeout=5)
    assert answer.status_code == 201 and fake.sends[answer.json()["id"]] == 1


def test_updates_and_sends_never_carry_more_than_asked(world, fake, ledger, campaigns, tmp_path):
    deliver(world.backend(), ledger, campaigns[:1])
    changed = make_campaign(tmp_path / "outbox2", lang="fr", body="Une phrase corrigée.")
    deliver(world.backend(), ledger, [changed], Action("send"))
    update, send = [call.body for call in fake.calls("PATCH", ONE_EMAIL)]
    assert "status" not in update and "Une phrase corrigée." in update["body"]
    assert send == {"status": "about_to_send"}
    assert world.sent("issue-5-fr") == 1


def test_a_test_goes_through_send_draft_with_a_key(world, fake, ledger, campaigns):
    deliver(world.backend(), ledger, campaigns[:1], Action("test", test_to=("editor@example.org",)))
    [call] = fake.calls("POST", r"/v1/emails/[^/]+/send-draft")
    assert call.body == {"recipients": ["editor@example.org"]} and call.headers["x-idempotency-key"]


def test_scheduling_sets_status_and_publish_date(world, fake, ledger, campaigns):
    when = in_a_week()
    outcomes = deliver(world.backend(), ledger, campaigns, Action("schedule", when=when))
    assert [outcome.state for outcome in outcomes] == ["scheduled", "scheduled"]
    [email] = fake.ours("issue-5-fr")
    assert email["status"] == "scheduled" and email["publish_date"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")
    again = deliver(world.backend(), ledger, campaigns, Action("schedule", when=when))
    assert [outcome.done for outcome in again] == [[], []]
    assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 0
    one_per_language(world)


def test_a_sent_email_reported_as_sent_is_recorded_sent(world, fake, ledger, campaigns):
    deliver(world.backend(), ledger, campaigns[:1])
    ledger.record("issue-5-fr", "buttondown", state="sending")      # the run died after the send call
    [email] = fake.ours("issue-5-fr")
    email["status"] = "sent"
    [outcome] = deliver(world.backend(), ledger, campaigns[:1], Action("send"))
    assert outcome.state == "sent" and not fake.calls("PATCH", ONE_EMAIL)


# Faults: each ends with exactly one email per language.

def test_429_waits_for_retry_after(world, fake, ledger, campaigns):
    fake.fail("POST", EMAILS, status=429, headers={"Retry-After": "7"})
    deliver(world.backend(), ledger, campaigns)
    assert world.waits == [7.0]
    one_per_language(world)


def test_500_twice_then_success(world, fake, ledger, campaigns):
    fake.fail("POST", EMAILS, status=500, times=2)
    outcomes = deliver(world.backend(), ledger, campaigns)
    assert [outcome.state for outcome in outcomes] == ["draft", "draft"]
    assert len(world.waits) == 2 and len(fake.calls("POST", EMAILS)) == 4
    one_per_language(world)


def test_a_timeout_then_success(world, fake, ledger, campaigns):
    fake.fail("POST", EMAILS, kind="hang")
    deliver(world.backend(timeout=0.3), ledger, campaigns)
    assert len(world.waits) == 1
    one_per_language(world)


def test_a_reset_after_creation_is_retried_with_the_same_key(world, fake, ledger, campaigns):
    fake.fail("POST", EMAILS, kind="reset_after")
    deliver(world.backend(), ledger, campaigns)
    first, second, _en = fake.calls("POST", EMAILS)
    assert first.answered is None and second.answered == 201
    assert first.headers["x-idempotency-key"] == second.headers["x-idempotency-key"]
    assert entry(ledger)["remote_id"] == fake.ours("issue-5-fr")[0]["id"]
    one_per_language(world)


def test_resets_until_the_run_gives_up_then_the_rerun_finds_it(world, fake, ledger, campaigns):
    fake.fail("POST", EMAILS, kind="reset_after", times=5)
    with pytest.raises(OutcomeUnknown):
        deliver(world.backend(), ledger, campaigns)
    assert entry(ledger)["state"] == "creating" and len(fake.ours("issue-5-fr")) == 1
    posts = len(fake.calls("POST", EMAILS))
    outcomes = deliver(world.backend(), ledger, campaigns)
    assert outcomes[0].done == ["found the draft an interrupted run had created"]
    assert len(fake.calls("POST", EMAILS)) == posts + 1          # only the English one, never created before
    assert entry(ledger)["remote_id"] == fake.ours("issue-5-fr")[0]["id"]
    one_per_language(world)


def test_a_reset_after_the_send_is_not_sent_again(world, fake, ledger, campaigns):
    deliver(world.backend(), ledger, campaigns)
    fake.fail("PATCH", ONE_EMAIL, kind="reset_after")
    outcomes = deliver(world.backend(), ledger, campaigns, Action("send"))
    assert [outcome.state for outcome in outcomes] == ["sent", "sent"]
    assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 1
    assert len(fake.calls("PATCH", ONE_EMAIL)) == 2                # one per language, none repeated
    one_per_language(world)


def test_a_500_on_the_send_is_checked_then_tried_again(world, fake, ledger, campaigns):
    deliver(world.backend(), ledger, campaigns)
    fake.fail("PATCH", ONE_EMAIL, status=500)
    deliver(world.backend(), ledger, campaigns, Action("send"))
    assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 1
    methods = [call.method for call in fake.requests if re.fullmatch(ONE_EMAIL, call.path)]
    assert methods == ["GET", "PATCH", "GET", "PATCH", "GET", "PATCH"]  # read back as a draft before the retry
    one_per_language(world)


# Reconciliation: ours is the email whose own metadata names it.

def test_the_rerun_finds_ours_among_lookalikes_on_a_later_page(world, fake, ledger, campaigns):
    for _ in range(4):
        fake.add_email(subject=campaigns[0].subject)                        # same subject, no marker
    fake.add_email(metadata={"issue_key": "issue-4-fr"})
    fake.add_email(metadata={"issue_key": "issue-5-fr"}, status="deleted")  # deleted: not ours any more
    deliver(world.backend(), ledger, campaigns[:1])
    mine = entry(ledger)["remote_id"]
    fake.add_email(metadata={"issue_key": "issue-5-en"})
    ledger.record("issue-5-fr", "buttondown", state="creating", remote_id=None)
    [outcome] = deliver(world.backend(), ledger, campaigns[:1])
    assert outcome.done == ["found the draft an interrupted run had created"] and outcome.remote_id == mine
    pages = [call.query["page"] for call in fake.calls("GET", EMAILS)]
    assert pages == [["1"], ["2"], ["3"]]
    assert len(fake.calls("POST", EMAILS)) == 1


def test_lookalikes_are_not_taken_for_ours(world, fake, ledger, campaigns):
    fake.add_email(subject=campaigns[0].subject)
    fake.add_email(subject=campaigns[0].subject, metadata={"issue_key": "issue-5-en"})
    fake.add_email(metadata={"issue_key": "issue-15-fr"})
    ledger.record("issue-5-fr", "buttondown", state="creating", remote_id=None, idempotency_key="k-1")
    [outcome] = deliver(world.backend(), ledger, campaigns[:1])
    assert outcome.done == ["created the draft"]
    assert len(fake.ours("issue-5-fr")) == 1 and [held["key"] for held in world.campaigns("fr")] == ["issue-5-fr"]


def test_a_list_that_cannot_be_read_stops_the_run(world, fake, ledger, campaigns):
    ledger.record("issue-5-fr", "buttondown", state="creating", remote_id=None, idempotency_key="k-2")
    fake.fail("GET", EMAILS, status=503, times=10)
    with pytest.raises(ReconciliationNeeded) as raised:
        deliver(world.backend(), ledger, campaigns[:1])
    assert "issue-5-fr" in str(raised.value) and "issue_key" in str(raised.value)
    assert not fake.calls("POST", EMAILS) and entry(ledger)["state"] == "creating"


def test_two_emails_with_our_marker_stop_the_run(world, fake, ledger, campaigns):
    first = fake.add_email(metadata={"issue_key": "issue-5-fr"})
    second = fake.add_email(metadata={"issue_key": "issue-5-fr"})
    ledger.record("issue-5-fr", "buttondown", state="creating", remote_id=None)
    with pytest.raises(ReconciliationNeeded) as raised:
        deliver(world.backend(), ledger, campaigns[:1])
    assert first in str(raised.value) and second in str(raised.value)
    assert not fake.calls("POST", EMAILS)


def test_an_email_in_error_at_buttondown_stops_the_run(world, fake, ledger, campaigns):
    deliver(world.backend(), ledger, campaigns[:1])
    fake.ours("issue-5-fr")[0]["status"] = "errored"
    with pytest.raises(ReconciliationNeeded, match="'errored'"):
        deliver(world.backend(), ledger, campaigns[:1], Action("send"))
    assert world.sent("issue-5-fr") == 0


def test_an_email_gone_from_buttondown_stops_the_run(world, fake, ledger, campaigns):
    deliver(world.backend(), ledger, campaigns[:1])
    del fake.emails[entry(ledger)["remote_id"]]
    with pytest.raises(ReconciliationNeeded, match="not at Buttondown any more"):
        deliver(world.backend(), ledger, campaigns[:1], Action("send"))


# Errors and secrets.

def test_a_400_stops_at_once_with_buttondowns_message(world, fake, ledger, campaigns):
    unknown = "sub_tag_0" + "0" * 25
    backend = world.backend(audiences={"fr": {"tag": unknown}, "en": {"tag": "en"}})
    with pytest.raises(InvalidRequest) as raised:
        deliver(backend, ledger, campaigns[:1])
    message = str(raised.value)
    assert message.startswith("buttondown HTTP 400: ") and f"Tag filter value '{unknown}'" in message
    assert len(fake.calls("POST", EMAILS)) == 1 and world.waits == []


def test_the_api_key_never_appears_in_errors_logs_or_the_ledger(world, fake, ledger, campaigns, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "bd-wrong-key-5150"
    messages = []
    with pytest.raises(AuthenticationError) as refused:
        deliver(world.backend(api_key=wrong), ledger, campaigns[:1])
    messages.append(str(refused.value))
    assert "credentials refused" in messages[0] and "****" in messages[0]   # the fake repeated it; blanked
    fake.fail("POST", EMAILS, status=500, times=5)
    with pytest.raises(ProviderUnavailable) as unavailable:
        deliver(world.backend(), ledger, campaigns[1:])
    messages.append(str(unavailable.value))
    fake.fail("GET", EMAILS, kind="hang", times=2)
    with pytest.raises(ReconciliationNeeded) as unknown:
        deliver(world.backend(timeout=0.2, attempts=2), ledger, campaigns[1:])
    messages.append(str(unknown.value))
    shown = "\n".join(messages) + caplog.text + ledger.path.read_text(encoding="utf-8")
    assert "buttondown" in caplog.text
    for secret in (wrong, API_KEY):
        assert secret not in shown


# Settings.

def test_environment_variables_give_the_key_and_base_url(world, fake):
    settings = world.settings()
    assert settings["api_key"] == API_KEY and settings["base_url"] == f"{fake.url}/v1"
    loaded = config.load({"backend": "buttondown", "buttondown": {"audiences": AUDIENCES}},
                         environ={"BUTTONDOWN_API_KEY": API_KEY})
    assert loaded["buttondown"]["base_url"] == "https://api.buttondown.com/v1"


def test_no_api_key_says_which_variable_to_set(world):
    with pytest.raises(ConfigurationError, match="BUTTONDOWN_API_KEY"):
        ButtondownBackend(config.backend_settings(ButtondownBackend, {"audiences": AUDIENCES}, {})).open()


@pytest.mark.parametrize("audience", ["fr", {}, {"tag": ""}, {"list": 3}, {"tag": "fr", "filters": {}},
                                      {"filters": {"filters": []}},
                                      {"filters": {"filters": [{"field": "x"}], "groups": [], "predicate": "and"}}])
def test_an_audience_of_the_wrong_shape_is_named(audience):
    with pytest.raises(ConfigurationError, match=re.escape("['audiences']['fr']")):
        config.backend_settings(ButtondownBackend, {"audiences": {"fr": audience}}, {})


def test_a_template_buttondown_does_not_have_is_named():
    with pytest.raises(ConfigurationError, match=re.escape("['template']")):
        config.backend_settings(ButtondownBackend, {"template": "fancy"}, {})


def test_the_confirmation_names_each_languages_audience(world):
    assert world.backend().describe_audience("fr") == "the Buttondown subscribers tagged 'fr'"


def test_an_unknown_tag_name_is_named_before_anything_is_created(world, fake, ledger, campaigns):
    backend = world.backend(audiences={"fr": {"tag": "francais"}})
    with pytest.raises(ConfigurationError, match="no tag named 'francais'"):
        deliver(backend, ledger, campaigns[:1])
    assert not fake.calls("POST", EMAILS)


def test_a_filter_group_audience_goes_as_given(world, fake, ledger, campaigns):
    group = {"filters": [{"field": "subscriber.metadata.lang", "operator": "equals", "value": "fr"}],
             "groups": [], "predicate": "and"}
    deliver(world.backend(audiences={"fr": {"filters": group}}, template="naked"), ledger, campaigns[:1])
    [post] = fake.calls("POST", EMAILS)
    assert post.body["filters"] == group and post.body["template"] == "naked"
    assert not fake.calls("GET", r"/v1/tags")


# The fake itself refuses what Buttondown refuses.

@pytest.mark.parametrize("body, status, detail", [
    ({"subject": "s", "status": "draft", "html": "<p>"}, 422, "undocumented field(s) html"),
    ({"body": "<p>", "status": "draft"}, 422, "missing subject"),
    ({"subject": "s", "status": "published"}, 422, "'published' is not one of"),
    ({"subject": "s", "status": "sent"}, 400, "Cannot create an email with status 'sent'"),
    ({"subject": "s", "status": "draft", "filters": {"filters": [
        {"field": "subscriber.tags", "operator": "contains", "value": "fr"}], "groups": [], "predicate": "and"}},
     400, "filters take ids, not names"),
])
def test_the_fake_refuses_what_buttondown_refuses(fake, body, status, detail):
    answer = requests.post(f"{fake.url}/v1/emails", json=body, headers={"Authorization": f"Token {API_KEY}"},
                           timeout=5)
    assert answer.status_code == status and detail in answer.text
    assert not fake.emails


def test_the_fake_wants_the_token_and_documented_list_filters(fake):
    assert requests.get(f"{fake.url}/v1/emails", timeout=5).status_code == 401
    headers = {"Authorization": f"Token {API_KEY}"}
    assert requests.get(f"{fake.url}/v1/emails?tags=fr", headers=headers, timeout=5).status_code == 422
    assert requests.get(f"{fake.url}/v1/emails?subject=x", headers=headers, timeout=5).status_code == 400
    assert requests.get(f"{fake.url}/v1/emails?page=1", headers=headers, timeout=5).json()["count"] == 0
