"""The listmonk backend against a loopback listmonk: the shared contract, then its faults and traps.

Every test observes the fake's own state (its campaigns, the sends it
started, the tests it mailed, the requests it received); no test sleeps:
retries record their waits instead of spending them.
"""

import logging
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from delivery_contract import BackendContract, in_a_week, make_campaign
from fake_providers.listmonk import ListmonkFake
from newsletter.delivery import config
from newsletter.delivery.backends.listmonk import ListmonkBackend
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.errors import (AuthenticationError, ConfigurationError, InvalidRequest,
                                        ReconciliationNeeded)
from newsletter.delivery.ledger import Ledger
from newsletter.delivery.retry import RetryPolicy

TOKEN = "lm-tok-5b1e9c0a7d3f4e21"
AUDIENCES = {"fr": {"lists": [3]}, "en": {"lists": [4]}}
LISTS = {3: "Lettre (fr)", 4: "Newsletter (en)", 9: "Relecture"}
SUBSCRIBERS = {"lea@exemple.fr": [3], "marc@exemple.fr": [3], "ann@example.com": [4], "editor@example.org": [9]}
CAMPAIGNS = r"/api/campaigns"
STATUS = r"/api/campaigns/\d+/status"


class ListmonkWorld:
    name = "listmonk"

    def __init__(self, fake):
        self.fake = fake
        self.waits = []        # what the retry policy would have slept
        self.timeout = 5.0

    def settings(self, **changes):
        given = {"url": self.fake.url, "username": "publisher", "token": TOKEN, "audiences": AUDIENCES, **changes}
        return config.backend_settings(ListmonkBackend, given, environ={})

    def backend(self, **changes):
        return ListmonkBackend(self.settings(**changes), retry=RetryPolicy(sleep=self.waits.append),
                               timeout=self.timeout)

    def campaigns(self, lang):
        lists = set(AUDIENCES[lang]["lists"])
        return [{"key": c["name"], "subject": c["subject"], "html": c["body"]}
                for _, c in sorted(self.fake.campaigns.items()) if lists & {entry["id"] for entry in c["lists"]}]

    def sent(self, key):
        return sum(1 for cid in self.fake.sends if self.fake.campaigns[cid]["name"] == key)

    def tests_received(self, key):
        return [address for cid, addresses in self.fake.tests if self.fake.campaigns[cid]["name"] == key
                for address in addresses]


@pytest.fixture
def fake():
    with ListmonkFake(users={"publisher": TOKEN}, lists=LISTS, subscribers=SUBSCRIBERS) as server:
        yield server


@pytest.fixture
def world(fake):
    return ListmonkWorld(fake)


def replace_route(fake, handler, replacement):
    """Change one route of a running fake (the server's behaviour under test)."""
    fake._routes = [(method, pattern, replacement if route == handler else route)
                    for method, pattern, route in fake._routes]


class TestListmonkContract(BackendContract):
    @pytest.fixture
    def world(self, fake):
        return ListmonkWorld(fake)


class Helpers:
    """The contract's fixtures and delivery, without running its tests again."""

    deliver = BackendContract.deliver

    def one_per_language(self, world):
        assert [c["key"] for c in world.campaigns("fr")] == ["issue-5-fr"]
        assert [c["key"] for c in world.campaigns("en")] == ["issue-5-en"]


class TestFaults(Helpers):
    def test_429_waits_for_retry_after(self, world, fake, ledger, campaigns):
        fake.fail("POST", CAMPAIGNS, status=429, headers={"Retry-After": "7"})
        outcomes = self.deliver(world, ledger, campaigns)
        assert [o.state for o in outcomes] == ["draft", "draft"]
        self.one_per_language(world)
        assert world.waits == [7.0]
        assert [r.answered for r in fake.calls("POST", CAMPAIGNS)] == [429, 200, 200]

    def test_500_twice_then_success(self, world, fake, ledger, campaigns):
        fake.fail("POST", CAMPAIGNS, status=500, times=2)
        outcomes = self.deliver(world, ledger, campaigns)
        assert [o.state for o in outcomes] == ["draft", "draft"]
        self.one_per_language(world)
        assert [r.answered for r in fake.calls("POST", CAMPAIGNS)] == [500, 500, 200, 200]
        assert len(world.waits) == 2 and all(0 <= wait <= 30 for wait in world.waits)
        # each 500 was followed by a look-up by tag before creating again
        assert len(fake.calls("GET", CAMPAIGNS)) >= 2

    def test_a_timeout_is_looked_up_then_created_once(self, world, fake, ledger, campaigns):
        world.timeout = 0.3
        fake.fail("POST", CAMPAIGNS, kind="hang")
        started = time.monotonic()
        outcomes = self.deliver(world, ledger, campaigns)
        assert time.monotonic() - started < 5
        assert [o.state for o in outcomes] == ["draft", "draft"]
        self.one_per_language(world)
        assert [r.answered for r in fake.calls("POST", CAMPAIGNS)] == [None, 200, 200]

    def test_a_reset_after_creation_finds_the_campaign(self, world, fake, ledger, campaigns):
        fake.fail("POST", CAMPAIGNS, kind="reset_after")
        outcomes = self.deliver(world, ledger, campaigns)
        self.one_per_language(world)
        assert len(fake.calls("POST", CAMPAIGNS)) == 2       # found, never posted again
        [fr] = [c for c in fake.campaigns.values() if c["name"] == "issue-5-fr"]
        assert outcomes[0].remote_id == str(fr["id"]) and outcomes[0].state == "draft"
        entry = Ledger(ledger.path).entry("issue-5-fr", "listmonk")
        assert entry["state"] == "draft" and entry["remote_id"] == str(fr["id"])

    def test_a_reset_after_the_start_is_not_started_twice(self, world, fake, ledger, campaigns):
        fake.fail("PUT", STATUS, kind="reset_after")
        outcomes = self.deliver(world, ledger, campaigns, Action("send"))
        assert [o.state for o in outcomes] == ["sent", "sent"]
        assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 1
        assert len(fake.calls("PUT", STATUS)) == 2
        self.one_per_language(world)

    def test_a_500_on_the_start_is_asked_again(self, world, fake, ledger, campaigns):
        fake.fail("PUT", STATUS, status=500)
        outcomes = self.deliver(world, ledger, campaigns[:1], Action("send"))
        assert outcomes[0].state == "sent" and world.sent("issue-5-fr") == 1
        assert [r.answered for r in fake.calls("PUT", STATUS)] == [500, 200]

    def test_a_400_stops_with_listmonks_message(self, world, fake, ledger, campaigns):
        yesterday = datetime.now(timezone.utc) - timedelta(days=1)
        self.deliver(world, ledger, campaigns[:1])
        with pytest.raises(InvalidRequest) as caught:
            self.deliver(world, ledger, campaigns[:1], Action("schedule", when=yesterday))
        error = caught.value
        assert (error.provider, error.status) == ("listmonk", 400)
        assert str(error).startswith("listmonk HTTP 400: ")
        assert "`send_at` date should be in the future." in str(error)
        assert len(fake.calls("PUT", r"/api/campaigns/\d+")) == 1   # not retried
        assert fake.calls("PUT", STATUS) == []
        [campaign] = fake.campaigns.values()
        assert campaign["status"] == "draft" and world.sent("issue-5-fr") == 0

    def test_a_400_on_creation_is_not_retried(self, world, fake, ledger, campaigns):
        with pytest.raises(InvalidRequest, match="Unknown messenger sms") as caught:
            with world.backend(messenger="sms") as backend:
                Dispatcher(backend, ledger).deliver(campaigns[0])
        assert caught.value.status == 400
        assert len(fake.calls("POST", CAMPAIGNS)) == 1 and fake.campaigns == {}

    def test_the_token_never_shows(self, world, fake, ledger, campaigns, caplog):
        caplog.set_level(logging.DEBUG)
        fake.fail("POST", CAMPAIGNS, kind="reset_after")
        fake.fail("POST", CAMPAIGNS, status=500)
        fake.fail("PUT", STATUS, status=503)
        self.deliver(world, ledger, campaigns, Action("send"))
        with pytest.raises(AuthenticationError) as caught:
            with world.backend(token="wrong-" + TOKEN) as backend:
                backend.get("1")
        assert caught.value.status == 403 and "invalid API credentials" in str(caught.value)
        assert caplog.text, "the faults above log their retries"
        for text in (caplog.text, str(caught.value), ledger.path.read_text()):
            assert TOKEN not in text

    def test_basic_auth(self, world, fake, ledger, campaigns):
        with world.backend(auth="basic") as backend:
            Dispatcher(backend, ledger).deliver(campaigns[0])
        assert fake.calls("POST", CAMPAIGNS)[0].headers["authorization"].startswith("Basic ")
        assert [c["key"] for c in world.campaigns("fr")] == ["issue-5-fr"]


class TestFindingOurs(Helpers):
    def test_a_first_try_that_lands_late_is_deleted(self, world, fake, ledger, campaigns):
        """A timed-out POST may still complete at the server after we looked: never two in silence."""
        world.timeout = 0.3
        fake.fail("POST", CAMPAIGNS, kind="hang")

        def late_then_create(request, match, create=fake.create):
            create(request, match)    # the first try, landing just before the second
            return create(request, match)
        replace_route(fake, fake.create, late_then_create)
        [outcome] = self.deliver(world, ledger, campaigns[:1])
        [kept] = fake.campaigns.values()
        [stray] = fake.deleted
        assert outcome.remote_id == str(kept["id"]) and stray["status"] == "draft"
        assert outcome.done == ["created the draft",
                                f"deleted the duplicate draft {stray['id']} made by a late creation"]
        entry = Ledger(ledger.path).entry("issue-5-fr", "listmonk")
        assert entry["state"] == "draft" and entry["twin_possible"] is True   # the next run looks again

    def test_the_tags_trap_is_avoided(self, world, fake, ledger, campaigns):
        """The spec's ``tags=`` is ignored by the server, which then answers with every campaign."""
        foreign = fake.add(name="Soldes d'été", subject="-50 %", lists=[3], tags=["promo"])
        answer = requests.get(f"{fake.url}/api/campaigns", params={"tags": "issue-5-fr"},
                              headers={"Authorization": f"token publisher:{TOKEN}"}, timeout=5).json()
        assert [c["name"] for c in answer["data"]["results"]] == ["Soldes d'été"]   # "found something"
        ledger.record("issue-5-fr", "listmonk", state="creating", remote_id=None)
        [outcome] = self.deliver(world, ledger, campaigns[:1])
        [lookup] = fake.calls("GET", CAMPAIGNS)[1:]     # after the test's own request
        assert lookup.query["tag"] == ["issue-5-fr"] and "tags" not in lookup.query
        assert [c["key"] for c in world.campaigns("fr")] == ["Soldes d'été", "issue-5-fr"]
        assert outcome.remote_id != str(foreign["id"])
        assert fake.calls("PUT", rf"/api/campaigns/{foreign['id']}(/.*)?") == []

    def test_a_server_that_ignores_the_filter_still_finds_only_ours(self, world, fake, ledger, campaigns):
        self.deliver(world, ledger, campaigns)
        fake.add(name="Soldes d'été", subject="-50 %", lists=[3], tags=["promo"])
        ledger.record("issue-5-en", "listmonk", state="creating", remote_id=None)

        def ignoring_tag(request, match, list_campaigns=fake.list_campaigns):
            request.query.pop("tag", None)
            return list_campaigns(request, match)
        replace_route(fake, fake.list_campaigns, ignoring_tag)
        [outcome] = self.deliver(world, ledger, campaigns[1:])
        [en] = [c for c in fake.campaigns.values() if c["name"] == "issue-5-en"]
        assert outcome.remote_id == str(en["id"]) and outcome.done == ["found the draft an interrupted run had created"]

    def test_a_lookalike_stops_the_run(self, world, fake, ledger, campaigns):
        copy = fake.add(name="Copy of issue-5-fr", subject="x", lists=[3], tags=["issue-5-fr"])
        ledger.record("issue-5-fr", "listmonk", state="creating", remote_id=None)
        with pytest.raises(ReconciliationNeeded) as caught:
            self.deliver(world, ledger, campaigns[:1])
        assert f"id {copy['id']} 'Copy of issue-5-fr'" in str(caught.value)
        assert "/admin/campaigns" in str(caught.value)
        assert fake.calls("POST", CAMPAIGNS) == []

    def test_paused_and_cancelled_need_the_editor(self, world, fake, ledger, campaigns):
        self.deliver(world, ledger, campaigns)
        fr, en = sorted(fake.campaigns.values(), key=lambda c: c["name"] != "issue-5-fr")
        fr.update(status="paused", sent=1, to_send=2)
        en.update(status="cancelled", sent=0, to_send=1)
        with pytest.raises(ReconciliationNeeded, match=r"paused at listmonk after reaching 1 of 2 readers.*resume"):
            self.deliver(world, ledger, campaigns[:1], Action("send"))
        with pytest.raises(ReconciliationNeeded, match=r"cancelled.*cannot be resumed.*'sent' in the ledger"):
            self.deliver(world, ledger, campaigns[1:], Action("send"))
        assert fake.sends == []

    def test_a_campaign_deleted_at_listmonk(self, world, fake, ledger, campaigns):
        self.deliver(world, ledger, campaigns[:1])
        fake.campaigns.clear()
        with pytest.raises(ReconciliationNeeded, match="remove its entry from the ledger"):
            self.deliver(world, ledger, campaigns[:1])


class TestCampaignContent(Helpers):
    def test_fields_sent_to_listmonk(self, world, fake, ledger, campaigns):
        self.deliver(world, ledger, campaigns[:1])
        [request] = fake.calls("POST", CAMPAIGNS)
        body = request.body
        assert body["name"] == "issue-5-fr" and body["tags"] == ["issue-5-fr"] and body["lists"] == [3]
        assert (body["type"], body["content_type"], body["messenger"]) == ("regular", "html", "email")
        assert "send_at" not in body and body["from_email"] == campaigns[0].sender
        assert body["headers"] == [{"Reply-To": campaigns[0].reply_to}]
        assert "[[UNSUBSCRIBE_URL]]" not in body["body"] + body["altbody"]
        assert "{{ UnsubscribeURL }}" in body["body"] and "{{ UnsubscribeURL }}" in body["altbody"]
        assert "Bonjour à toutes et à tous." in body["altbody"] and "template_id" not in body
        assert fake.render(body["altbody"]).count(f"{fake.url}/subscription/") == 1

    def test_braces_in_the_issue_stay_literal(self, world, fake, ledger, tmp_path):
        campaign = make_campaign(tmp_path / "outbox", lang="fr", body="Écrivez {{ prénom }} dans le modèle.")
        self.deliver(world, ledger, [campaign])
        [held] = fake.campaigns.values()
        assert "Écrivez {{ prénom }} dans le modèle." in fake.render(held["body"])
        assert "Écrivez {{ prénom }} dans le modèle." in fake.render(held["altbody"])

    def test_schedule(self, world, fake, ledger, campaigns):
        when = in_a_week()
        outcomes = self.deliver(world, ledger, campaigns, Action("schedule", when=when))
        assert [o.state for o in outcomes] == ["scheduled", "scheduled"]
        for campaign in fake.campaigns.values():
            assert campaign["status"] == "scheduled" and campaign["send_at"] == when.isoformat()
        assert fake.sends == []
        assert [o.done for o in self.deliver(world, ledger, campaigns, Action("send"))] == [[], []]
        assert fake.sends == []

    def test_a_test_needs_a_listmonk_subscriber(self, world, fake, ledger, campaigns):
        with pytest.raises(InvalidRequest, match="No known subscribers to test"):
            self.deliver(world, ledger, campaigns[:1], Action("test", test_to=("stranger@example.net",)))
        self.deliver(world, ledger, campaigns[:1], Action("test", test_to=("Editor@example.org", "x@example.net")))
        assert world.tests_received("issue-5-fr") == ["editor@example.org"]
        [request] = [r for r in fake.calls("POST", r"/api/campaigns/\d+/test") if r.answered == 200]
        assert request.body["subscribers"] == ["Editor@example.org", "x@example.net"]
        assert request.body["name"] == "issue-5-fr" and request.body["lists"] == [3]

    def test_template_and_sender_from_settings(self, world, fake, ledger, campaigns):
        with world.backend(template_id=5, from_email="Lettre <lettre@exemple.fr>") as backend:
            Dispatcher(backend, ledger).deliver(campaigns[0])
        body = fake.calls("POST", CAMPAIGNS)[0].body
        assert body["template_id"] == 5 and body["from_email"] == "Lettre <lettre@exemple.fr>"


class TestSettings:
    def test_credentials_are_asked_for_when_delivering(self):
        settings = config.backend_settings(ListmonkBackend, {"audiences": AUDIENCES}, environ={})
        with pytest.raises(ConfigurationError, match="LISTMONK_URL"):
            ListmonkBackend(settings).open()
        settings = config.backend_settings(ListmonkBackend, {"url": "https://lists.example.org",
                                                             "username": "publisher"}, environ={})
        with pytest.raises(ConfigurationError, match="LISTMONK_TOKEN"):
            ListmonkBackend(settings).open()

    def test_the_environment_overrides(self):
        settings = config.load({"backend": "listmonk", "listmonk": {"url": "https://old.example.org"}},
                               environ={"LISTMONK_URL": "https://lists.example.org/api/", "LISTMONK_TOKEN": "t",
                                        "LISTMONK_USERNAME": "u"})
        backend = config.open_backend(settings)
        assert backend.base_url == "https://lists.example.org"
        assert backend.secrets == ["u", "t"]   # the user name is half of the credentials

    @pytest.mark.parametrize("given, key", [
        ({"url": "lists.example.org"}, "['url']"),
        ({"auth": "bearer"}, "['auth']"),
        ({"template_id": "5"}, "['template_id']"),
        ({"audiences": {"fr": {"lists": ["3"]}}}, "['audiences']['fr']"),
        ({"audiences": {"fr": {"tag": "fr"}}}, "['audiences']['fr']"),
        ({"audiences": {"fr": {"lists": []}}}, "['audiences']['fr']"),
    ])
    def test_bad_settings_name_their_key(self, given, key):
        with pytest.raises(ConfigurationError) as caught:
            config.backend_settings(ListmonkBackend, given, environ={})
        assert f"NEWSLETTER['delivery']['listmonk']{key}" in str(caught.value)

    def test_a_language_without_audience(self, tmp_path):
        settings = config.backend_settings(ListmonkBackend, {"audiences": {"fr": {"lists": [3]}}}, environ={})
        campaign = make_campaign(tmp_path, lang="en")
        with pytest.raises(ConfigurationError, match=r"\['audiences'\]\['en'\]"):
            ListmonkBackend(settings)._payload(campaign)


class TestTheFake:
    """The fake refuses what the real server refuses."""

    def call(self, fake, method, path, body=None, **params):
        return requests.request(method, fake.url + path, json=body, params=params, timeout=5,
                                headers={"Authorization": f"token publisher:{TOKEN}"})

    def test_name_subject_and_lists_are_required(self, fake):
        base = {"name": "n", "subject": "s", "lists": [3]}
        for missing, message in (("name", "`name`"), ("subject", "`subject`"), ("lists", "list IDs")):
            answer = self.call(fake, "POST", "/api/campaigns", {k: v for k, v in base.items() if k != missing})
            assert answer.status_code == 400 and message in answer.json()["message"]
        assert self.call(fake, "POST", "/api/campaigns", base).status_code == 200

    def test_send_at_is_a_string_never_null_and_fields_are_documented(self, fake):
        base = {"name": "n", "subject": "s", "lists": [3]}
        assert self.call(fake, "POST", "/api/campaigns", {**base, "send_at": {"headers": []}}).status_code == 400
        assert self.call(fake, "POST", "/api/campaigns", {**base, "send_at": None}).status_code == 400
        later = in_a_week().isoformat()
        assert self.call(fake, "POST", "/api/campaigns", {**base, "send_at": later}).status_code == 200
        answer = self.call(fake, "POST", "/api/campaigns", {**base, "send_at": "2020-01-01T08:00:00+00:00"})
        assert answer.status_code == 400 and answer.json()["message"] == "`send_at` date should be in the future."
        answer = self.call(fake, "POST", "/api/campaigns", {**base, "html": "<p>"})
        assert answer.status_code == 400 and "undocumented" in answer.json()["message"]
        assert self.call(fake, "POST", "/api/campaigns", {**base, "content_type": "mjml"}).status_code == 400
        assert self.call(fake, "GET", "/api/campaigns", tagz="x").status_code == 400

    def test_authentication(self, fake):
        assert requests.get(fake.url + "/api/campaigns", timeout=5).status_code == 403
        answer = requests.get(fake.url + "/api/campaigns", headers={"Authorization": "token publisher:nope"},
                              timeout=5)
        assert answer.status_code == 403 and answer.json() == {"message": "invalid API credentials"}
        assert requests.get(fake.url + "/api/campaigns", auth=("publisher", TOKEN), timeout=5).status_code == 200

    def test_status_transitions(self, fake):
        created = self.call(fake, "POST", "/api/campaigns", {"name": "n", "subject": "s", "lists": [3]}).json()
        path = f"/api/campaigns/{created['data']['id']}/status"
        answer = self.call(fake, "PUT", path, {"status": "scheduled"})
        assert answer.status_code == 400 and "send_at" in answer.json()["message"]
        assert self.call(fake, "PUT", path, {"status": "running"}).status_code == 200
        answer = self.call(fake, "PUT", path, {"status": "running"})
        assert answer.status_code == 400
        assert answer.json()["message"] == "Only paused campaigns and drafts can be started."
        assert self.call(fake, "GET", path.rsplit("/", 1)[0]).json()["data"]["status"] == "finished"
        assert fake.sends == [created["data"]["id"]]
