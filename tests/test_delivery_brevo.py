"""The Brevo backend against a loopback Brevo (tests/fake_providers/brevo.py): contract, faults, secrets."""

import logging
from datetime import datetime, timedelta, timezone

import pytest

from delivery_contract import BackendContract, in_a_week, make_campaign
from fake_providers.brevo import FakeBrevo
from newsletter.delivery import config
from newsletter.delivery.backends.brevo import BrevoBackend
from newsletter.delivery.base import DRAFT, SCHEDULED, SENDING, SENT
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.errors import (AuthenticationError, ConfigurationError, DeliveryError, InvalidRequest,
                                        ProviderUnavailable, ReconciliationNeeded)
from newsletter.delivery.ledger import Ledger
from newsletter.delivery.retry import RetryPolicy

API_KEY = "xkeysib-5ecret0f0r7e575-0nly"
AUDIENCES = {"fr": {"list_ids": [2]}, "en": {"list_ids": [3]}}
CREATE = r"/emailCampaigns"
SEND_NOW = r"/emailCampaigns/\d+/sendNow"


class Waits(list):
    """RetryPolicy.sleep: records each wait instead of spending it."""

    def __call__(self, seconds):
        self.append(seconds)


class BrevoWorld:
    name = "brevo"

    def __init__(self, fake, timeout=5.0):
        self.fake = fake
        self.timeout = timeout
        self.waits = Waits()
        self.retry = RetryPolicy(attempts=5, sleep=self.waits, random=lambda: 0.5)

    def settings(self, **given):
        environ = {"BREVO_API_KEY": API_KEY, "BREVO_BASE_URL": self.fake.url}
        return config.backend_settings(BrevoBackend, {"audiences": AUDIENCES, **given}, environ)

    def backend(self, **given):
        return BrevoBackend(self.settings(**given), retry=self.retry, timeout=self.timeout)

    def campaigns(self, lang):
        lists = AUDIENCES[lang]["list_ids"]
        return [{"key": c["name"], "subject": c.get("subject"), "html": c.get("htmlContent")}
                for c in self.fake.campaigns.values() if c["recipients"].get("listIds") == lists]

    def sent(self, key):
        return sum(1 for send in self.fake.sends if send["name"] == key)

    def tests_received(self, key):
        return [address for test in self.fake.tests if test["name"] == key for address in test["emailTo"]]


@pytest.fixture
def fake():
    with FakeBrevo(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def world(fake):
    return BrevoWorld(fake)


class TestBrevoContract(BackendContract):
    @pytest.fixture
    def world(self, fake):
        return BrevoWorld(fake)




def deliver(world, ledger, campaigns, action=Action(), **settings):
    with world.backend(**settings) as backend:
        dispatcher = Dispatcher(backend, ledger)
        return [dispatcher.deliver(campaign, action) for campaign in campaigns]


def one_per_language(world):
    assert [c["key"] for c in world.campaigns("fr")] == ["issue-5-fr"]
    assert [c["key"] for c in world.campaigns("en")] == ["issue-5-en"]


# What reaches Brevo.

def test_the_campaign_brevo_receives(world, ledger, campaigns, fake):
    deliver(world, ledger, campaigns)
    [post_fr, post_en] = [r for r in fake.calls("POST", CREATE)]
    assert post_fr.headers["api-key"] == API_KEY
    body = post_fr.body
    assert set(body) == {"name", "tag", "subject", "htmlContent", "sender", "replyTo", "recipients"}
    assert body["name"] == body["tag"] == "issue-5-fr"
    assert body["subject"] == "Numéro 5 · l’été arrive ☀️"
    assert body["sender"] == {"name": "Élise Marchand", "email": "lettre@elise-marchand.example"}
    assert body["replyTo"] == "elise@elise-marchand.example"
    assert body["recipients"] == {"listIds": [2]} and post_en.body["recipients"] == {"listIds": [3]}
    assert 'href="{{ unsubscribe }}"' in body["htmlContent"] and "[[UNSUBSCRIBE_URL]]" not in body["htmlContent"]
    assert "textContent" not in body   # Brevo campaigns take no text part


def test_schedule_sets_scheduled_at_and_nothing_is_sent(world, ledger, campaigns, fake):
    when = in_a_week()
    outcomes = deliver(world, ledger, campaigns, Action("schedule", when=when))
    assert [o.state for o in outcomes] == ["scheduled", "scheduled"]
    [held] = fake.named("issue-5-fr")
    assert held["status"] == "queued"
    assert datetime.fromisoformat(held["scheduledAt"].replace("Z", "+00:00")) == when
    assert world.sent("issue-5-fr") == 0
    again = deliver(world, ledger, campaigns, Action("schedule", when=when))
    assert [o.done for o in again] == [[], []]
    assert len(fake.calls("PUT")) == 2


def test_a_test_send_after_a_lost_answer_is_simply_repeated(world, ledger, campaigns, fake):
    fake.fail("POST", r"/emailCampaigns/\d+/sendTest", kind="reset_after")
    deliver(world, ledger, campaigns[:1], Action("test", test_to=("editor@example.org",)))
    # Only the editor gets a second copy; readers get nothing.
    assert world.tests_received("issue-5-fr") == ["editor@example.org", "editor@example.org"]
    assert world.sent("issue-5-fr") == 0


# Faults while creating: each ends with exactly one campaign per language.

def test_429_waits_for_retry_after(world, ledger, campaigns, fake):
    fake.fail("POST", CREATE, status=429, headers={"Retry-After": "7"})
    deliver(world, ledger, campaigns)
    one_per_language(world)
    assert world.waits == [7.0]
    assert len(fake.calls("POST", CREATE)) == 3


def test_500_twice_then_success(world, ledger, campaigns, fake):
    fake.fail("POST", CREATE, status=500, times=2)
    outcomes = deliver(world, ledger, campaigns)
    one_per_language(world)
    assert [o.state for o in outcomes] == ["draft", "draft"]
    assert len(fake.calls("POST", CREATE)) == 4            # fr: 500, 500, 201; en: 201
    assert len(fake.calls("GET", CREATE)) >= 2             # looked up before each new create
    assert world.waits == [0.25, 0.5]                      # capped exponential backoff, jitter fixed at 0.5


def test_a_timeout_is_looked_up_then_created_once(fake, ledger, campaigns):
    world = BrevoWorld(fake, timeout=0.3)
    fake.fail("POST", CREATE, kind="hang")
    deliver(world, ledger, campaigns)
    one_per_language(world)


def test_a_reset_after_brevo_created_it_finds_it(world, ledger, campaigns, fake):
    fake.fail("POST", CREATE, kind="reset_after")
    outcomes = deliver(world, ledger, campaigns)
    one_per_language(world)
    assert len(fake.calls("POST", CREATE)) == 2            # never repeated: found by its name
    [held] = fake.named("issue-5-fr")
    entry = Ledger(ledger.path).entry("issue-5-fr", "brevo")
    assert entry["state"] == "draft" and entry["remote_id"] == str(held["id"]) == outcomes[0].remote_id


def test_creation_gives_up_when_brevo_never_answers(world, ledger, campaigns, fake):
    fake.fail("POST", CREATE, status=503, times=5)
    with pytest.raises(ProviderUnavailable, match="nothing was created"):
        deliver(world, ledger, campaigns[:1])
    assert fake.named("issue-5-fr") == []
    assert Ledger(ledger.path).entry("issue-5-fr", "brevo")["state"] == "creating"
    deliver(world, ledger, campaigns)          # the next run reconciles, then creates once
    one_per_language(world)


def test_a_late_duplicate_is_reported_not_kept_quiet(world, ledger, campaigns, fake):
    """The create whose answer was lost lands only after the lookup said 'absent'."""
    def land(request):
        fake.add_campaign("issue-5-fr", status="draft", tag="issue-5-fr", list_ids=[2])
    fake.fail("POST", CREATE, status=500)
    fake.fail("GET", CREATE, kind="call_after", action=land)
    with pytest.raises(ReconciliationNeeded, match=r"2 campaigns named 'issue-5-fr' \(ids 1, 2\)"):
        deliver(world, ledger, campaigns[:1])
    assert Ledger(ledger.path).entry("issue-5-fr", "brevo")["state"] == "creating"


# Finding ours.

def test_find_pages_through_and_matches_the_name_exactly(world, ledger, campaigns, fake):
    fake.add_campaign("issue-5-fr", status="draft", tag="issue-5-fr", list_ids=[2])
    for number in range(250):
        fake.add_campaign(f"issue-5-fr-{number}" if number % 2 else f"issue-{number}-fr")
    with world.backend() as backend:
        found = backend.find(campaigns[0])
        assert found.id == "1" and found.state == DRAFT
        assert backend.find(campaigns[1]) is None
    offsets = [r.query["offset"] for r in fake.calls("GET", CREATE)]
    assert offsets[:3] == [["0"], ["100"], ["200"]]


def test_an_empty_account_is_surely_absent(world, campaigns):
    with world.backend() as backend:
        assert backend.find(campaigns[0]) is None


def test_two_of_a_name_stop_the_run(world, ledger, campaigns, fake):
    fake.add_campaign("issue-5-fr", status="draft", tag="issue-5-fr", list_ids=[2])
    fake.add_campaign("issue-5-fr", status="draft", tag="issue-5-fr", list_ids=[2])
    ledger.record("issue-5-fr", "brevo", state="creating", remote_id=None)
    with pytest.raises(ReconciliationNeeded, match=r"2 campaigns named 'issue-5-fr' \(ids 1, 2\)"):
        deliver(world, ledger, campaigns[:1])


def test_same_name_other_tag_is_not_taken_for_ours(world, campaigns, fake):
    fake.add_campaign("issue-5-fr", status="draft", tag="spring-sale")
    with world.backend() as backend, pytest.raises(ReconciliationNeeded, match="tagged 'spring-sale'"):
        backend.find(campaigns[0])


# Sending.

def test_send_now_after_a_reset_is_not_repeated(world, ledger, campaigns, fake):
    fake.fail("POST", SEND_NOW, kind="reset_after")
    outcomes = deliver(world, ledger, campaigns, Action("send"))
    assert [o.state for o in outcomes] == ["sent", "sent"]
    assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 1
    assert len(fake.calls("POST", SEND_NOW)) == 2
    one_per_language(world)


def test_send_now_after_a_500_that_did_nothing_is_asked_again(world, ledger, campaigns, fake):
    fake.fail("POST", SEND_NOW, status=500)
    deliver(world, ledger, campaigns[:1], Action("send"))
    assert world.sent("issue-5-fr") == 1
    assert len(fake.calls("POST", SEND_NOW)) == 2


def test_send_now_after_a_timeout(fake, ledger, campaigns):
    world = BrevoWorld(fake, timeout=0.3)
    fake.fail("POST", SEND_NOW, kind="hang")
    outcomes = deliver(world, ledger, campaigns, Action("send"))
    assert [o.state for o in outcomes] == ["sent", "sent"]
    assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 1
    one_per_language(world)


def test_an_interrupted_send_is_read_back_not_resent(world, ledger, campaigns, fake):
    """The run died after sendNow: the ledger says 'sending'; Brevo says sent."""
    deliver(world, ledger, campaigns[:1], Action("send"))
    ledger.record("issue-5-fr", "brevo", state="sending")
    [outcome] = deliver(world, ledger, campaigns[:1], Action("send"))
    assert outcome.state == "sent" and world.sent("issue-5-fr") == 1


@pytest.mark.parametrize("status, extra, expected", [
    ("draft", {}, DRAFT),
    ("queued", {"scheduledAt": "2999-01-01T08:00:00.000Z"}, SCHEDULED),
    ("queued", {"scheduledAt": "2020-01-01T08:00:00.000Z"}, SENDING),
    ("in_process", {}, SENDING),
    ("in_review", {}, SENDING),
    ("sent", {}, SENT),
    ("archive", {"sentDate": "2026-02-07T08:00:00.000Z"}, SENT),
])
def test_statuses(world, fake, status, extra, expected):
    campaign = fake.add_campaign("issue-5-fr", status="draft")
    campaign.update({"status": status, "sentDate": None, **extra})
    with world.backend() as backend:
        assert backend.get(str(campaign["id"])).state == expected


@pytest.mark.parametrize("status, words", [
    ("suspended", "how many readers received it"),
    ("cancelled", "never resent"),
    ("archive", "shows no sending date"),
    ("queuedForTrigger", "does not know"),
])
def test_statuses_the_editor_must_check(world, ledger, campaigns, fake, status, words):
    deliver(world, ledger, campaigns[:1])
    [held] = fake.named("issue-5-fr")
    held["status"] = status
    with pytest.raises(ReconciliationNeeded, match=words):
        deliver(world, ledger, campaigns[:1], Action("send"))
    assert world.sent("issue-5-fr") == 0


# Refusals and secrets.

def test_a_400_stops_at_once_with_brevos_message(ledger, campaigns):
    with FakeBrevo(api_key=API_KEY, senders={"news@elsewhere.example"}) as fake:
        world = BrevoWorld(fake)
        with pytest.raises(InvalidRequest) as caught:
            deliver(world, ledger, campaigns[:1])
        error = caught.value
        assert (error.provider, error.status) == ("brevo", 400)
        assert str(error) == ("brevo HTTP 400: request refused: sender lettre@elise-marchand.example is not a "
                              "verified sender of this account")
        assert len(fake.calls()) == 1 and world.waits == []    # neither retried nor looked up
        assert fake.campaigns == {}


def test_undocumented_fields_are_refused_by_the_fake(fake):
    import requests

    answer = requests.post(f"{fake.url}/emailCampaigns", headers={"api-key": API_KEY}, json={
        "name": "x", "sender": {"email": "a@b.example"}, "subject": "s", "htmlContent": "<p>x</p>",
        "textContent": "x"})
    assert answer.status_code == 400
    assert answer.json() == {"code": "invalid_parameter", "message": "unknown parameter(s): textContent"}


def test_the_api_key_never_shows(fake, ledger, campaigns, caplog):
    caplog.set_level(logging.DEBUG)
    world = BrevoWorld(fake)
    fake.fail("POST", CREATE, status=500)
    fake.fail("POST", SEND_NOW, kind="reset_after")
    deliver(world, ledger, campaigns, Action("send"))
    fake.echo_key_in_errors = True
    fake.api_key = "a-rotated-key"
    with pytest.raises(AuthenticationError) as caught:
        deliver(world, ledger, [make_campaign(ledger.path.parent / "six", number=6)])
    assert "Key not found: ****" in str(caught.value)
    assert API_KEY not in str(caught.value) and API_KEY not in caplog.text
    assert API_KEY not in ledger.path.read_text()


# Settings.

def test_settings_come_from_the_environment(fake):
    settings = config.backend_settings(BrevoBackend, {"audiences": AUDIENCES},
                                       {"BREVO_API_KEY": API_KEY, "BREVO_BASE_URL": fake.url})
    assert settings["api_key"] == API_KEY and settings["base_url"] == fake.url
    assert config.backend_settings(BrevoBackend, {}, {})["base_url"] == "https://api.brevo.com/v3"


@pytest.mark.parametrize("audiences, words", [
    ({"fr": {"list_ids": []}}, r"\['audiences'\]\['fr'\]\['list_ids'\]"),
    ({"fr": {"list_ids": ["2"]}}, r"\['audiences'\]\['fr'\]\['list_ids'\]"),
    ({"fr": {"list_ids": [2], "tag": "fr"}}, r"takes only 'list_ids', not 'tag'"),
    ([2, 3], r"\['audiences'\] must map"),
])
def test_bad_audiences_are_named(audiences, words):
    with pytest.raises(ConfigurationError, match=words):
        config.backend_settings(BrevoBackend, {"audiences": audiences}, {})


def test_no_api_key_names_the_variable():
    settings = config.backend_settings(BrevoBackend, {"audiences": AUDIENCES}, {})
    with pytest.raises(ConfigurationError, match="BREVO_API_KEY"):
        with BrevoBackend(settings):
            pass


def test_the_audience_in_words(world):
    backend = world.backend(audiences={"fr": {"list_ids": [2]}, "en": {"list_ids": [3, 7]}})
    assert backend.describe_audience("fr") == "Brevo contact list 2"
    assert backend.describe_audience("en") == "Brevo contact lists 3, 7"


def test_a_language_without_audience_is_named(world, ledger, tmp_path):
    german = make_campaign(tmp_path / "de", lang="de")
    with pytest.raises(ConfigurationError, match=r"\['audiences'\]\['de'\]"):
        deliver(world, ledger, [german])


def test_the_whole_run_is_fast_and_sleeps_nothing(world, ledger, campaigns, fake):
    started = datetime.now(timezone.utc)
    fake.fail("POST", CREATE, status=429, headers={"Retry-After": "120"})
    deliver(world, ledger, campaigns, Action("send"))
    assert world.waits == [120.0]
    assert datetime.now(timezone.utc) - started < timedelta(seconds=5)


def test_a_retry_after_beyond_the_bound_stops(world, ledger, campaigns, fake):
    fake.fail("POST", CREATE, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(DeliveryError, match="too many requests"):
        deliver(world, ledger, campaigns[:1])
    assert world.waits == []
