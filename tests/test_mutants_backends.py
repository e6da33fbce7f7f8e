"""The delivery backends pinned down where `invoke mutate` found changes no test noticed (issue 28).

The outbox is driven directly and read back from the files it writes; the HTTP backends talk to the
loopback fake providers of tests/fake_providers, and each assertion is on what the fake received or
holds, or on what the backend returned or raised.
"""

import base64
import dataclasses
import email
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from email import policy

import pytest

from delivery_contract import make_campaign
from fake_providers.brevo import BrevoError, FakeBrevo
from fake_providers.buttondown import FakeButtondown
from fake_providers.listmonk import ListmonkFake
from newsletter.delivery import config
from newsletter.delivery.backends.brevo import BrevoBackend
from newsletter.delivery.backends.buttondown import ButtondownBackend
from newsletter.delivery.backends.listmonk import ListmonkBackend
from newsletter.delivery.backends.outbox import OutboxBackend
from newsletter.delivery.base import ADDED, ALREADY_THERE
from newsletter.delivery.errors import (ConfigurationError, DeliveryError, InvalidRequest, OutcomeUnknown,
                                        ProviderUnavailable, ReconciliationNeeded)
from newsletter.delivery.retry import RetryPolicy


# The outbox.

def read_eml(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


@pytest.fixture
def outbox(tmp_path):
    return OutboxBackend({"folder": str(tmp_path / "delivered")})


def test_the_outbox_tells_the_editor_which_folder_gets_the_send(outbox, tmp_path):
    assert outbox.describe_audience("fr") == f"a file in {tmp_path / 'delivered' / 'sent'}/"


def test_a_sent_file_is_the_outbox_message_with_only_its_to_rewritten(outbox, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    assert outbox.get(campaign.key).state == "draft" and outbox.find(campaign).state == "draft"
    outbox.send_now(campaign.key, campaign, journal=None)
    written = read_eml(tmp_path / "delivered" / "sent" / "issue-5-fr.eml")
    original = read_eml(tmp_path / "outbox" / "issue-5-fr.eml")
    expected = [(name, str(value)) for name, value in original.items() if name != "To"]
    assert [(name, str(value)) for name, value in written.items()] == \
        expected + [("To", "undisclosed-recipients:;")]
    html = [message.get_body(("html",)).get_content().replace("\r\n", "\n") for message in (written, original)]
    assert html[0] == html[1]
    assert outbox.get(campaign.key).state == "sent" and outbox.find(campaign).state == "sent"


def test_a_test_file_is_addressed_to_every_given_address(outbox, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    outbox.send_test(campaign.key, campaign, ["editor@example.org", "proof@example.net"])
    written = read_eml(tmp_path / "delivered" / "tests" / "issue-5-fr.eml")
    assert str(written["To"]) == "editor@example.org, proof@example.net"
    assert str(written["Subject"]).startswith("[TEST]")
    assert not (tmp_path / "delivered" / "sent").exists() and outbox.get(campaign.key).state == "draft"


def test_the_outbox_refuses_to_schedule_and_says_what_to_do(outbox, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    with pytest.raises(NotImplementedError, match=r"^the outbox backend sends nothing later; use --send$"):
        outbox.schedule(campaign.key, campaign, None)


# Buttondown: readers imported from another platform, and the settings.

BD_KEY = "bd-mutants-secret-key"


@pytest.fixture
def buttondown():
    with FakeButtondown(api_key=BD_KEY, page_size=3) as server:
        server.tag_ids = {"fr": server.add_tag("fr"), "en": server.add_tag("en")}
        yield server


def buttondown_backend(fake, audiences=None, **given):
    settings = config.backend_settings(
        ButtondownBackend, {"audiences": audiences or {"fr": {"tag": "fr"}, "en": {"tag": "en"}}, **given},
        {"BUTTONDOWN_API_KEY": BD_KEY, "BUTTONDOWN_BASE_URL": f"{fake.url}/v1"})
    return ButtondownBackend(settings, retry=RetryPolicy(attempts=2, sleep=lambda wait: None))


SUBSCRIBERS = r"/v1/subscribers"


def test_a_new_reader_is_a_regular_subscriber_tagged_with_the_languages_tag(buttondown):
    with buttondown_backend(buttondown) as backend:
        assert backend.add_subscriber("lea@exemple.fr", "fr", consent_date=datetime(2025, 3, 1, 9, tzinfo=timezone.utc),
                                      source="substack") == ADDED
    [post] = buttondown.calls("POST", SUBSCRIBERS)
    assert post.body == {"email_address": "lea@exemple.fr", "tags": ["fr"], "type": "regular",
                         "metadata": {"lang": "fr", "consent_date": "2025-03-01T09:00:00+00:00",
                                      "imported_from": "substack"}}
    assert post.headers["x-buttondown-collision-behavior"] == "no_op"
    assert buttondown.subscribers["lea@exemple.fr"]["type"] == "regular" and buttondown.confirmations == []


def test_a_reader_without_consent_date_or_source_carries_only_the_language(buttondown):
    with buttondown_backend(buttondown) as backend:
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ADDED
    [post] = buttondown.calls("POST", SUBSCRIBERS)
    assert post.body["metadata"] == {"lang": "fr"}


def test_a_reader_of_the_other_language_gets_this_tag_too_by_id(buttondown):
    with buttondown_backend(buttondown) as backend:
        for lookalike in ("alea@exemple.fr", "lea@exemple.fr.example", "blea@exemple.fr", "clea@exemple.fr"):
            backend.add_subscriber(lookalike, "en")
        backend.add_subscriber("Lea@Exemple.fr", "en")
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ADDED
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE   # tagged now
    held = buttondown.subscribers["lea@exemple.fr"]
    assert held["tags"] == ["en", "fr"] and held["email_address"] == "Lea@Exemple.fr"
    [patch] = buttondown.calls("PATCH", r"/v1/subscribers/.+")
    assert patch.path == f"/v1/subscribers/{held['id']}" and patch.body == {"tags": ["en", "fr"]}
    assert all(s["tags"] == ["en"] for address, s in buttondown.subscribers.items() if address != "lea@exemple.fr")
    pages = [call.query["page"] for call in buttondown.calls("GET", SUBSCRIBERS)]
    assert pages == [["1"], ["2"], ["1"], ["2"]]   # five addresses contain hers: she is on the second page


@pytest.mark.parametrize("kind", ["unsubscribed", "blocked", "complained", "undeliverable", "removed"])
def test_a_reader_who_left_is_left_as_they_are(buttondown, kind):
    with buttondown_backend(buttondown) as backend:
        backend.add_subscriber("lea@exemple.fr", "en")
        buttondown.subscribers["lea@exemple.fr"]["type"] = kind
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE
    assert buttondown.subscribers["lea@exemple.fr"]["tags"] == ["en"] and not buttondown.calls("PATCH")


def test_a_409_is_already_there_too(buttondown):
    with buttondown_backend(buttondown) as backend:
        backend.add_subscriber("lea@exemple.fr", "en")
        buttondown.fail("POST", SUBSCRIBERS, status=409)
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ADDED
    assert buttondown.subscribers["lea@exemple.fr"]["tags"] == ["en", "fr"]


def test_a_reader_refused_as_held_but_not_listed_is_left_alone(buttondown, caplog):
    with buttondown_backend(buttondown) as backend:
        backend.add_subscriber("alea@exemple.fr", "en")         # listed for her address, but not her
        buttondown.fail("POST", SUBSCRIBERS, status=409)
        caplog.clear()
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE
    assert [call.query["page"] for call in buttondown.calls("GET", SUBSCRIBERS)] == [["1"]]
    assert [record.getMessage() for record in caplog.records] == [
        "Buttondown refused a reader as already there but does not list them; left as they are"]
    assert list(buttondown.subscribers) == ["alea@exemple.fr"] and not buttondown.calls("PATCH")


def test_a_reader_list_that_is_not_a_page_finds_nobody(buttondown):
    answer_with(buttondown, "GET", SUBSCRIBERS, lambda request, match: (200, ["lea@exemple.fr"]))
    with buttondown_backend(buttondown) as backend:
        buttondown.fail("POST", SUBSCRIBERS, status=409)
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE


def test_reader_requests_that_fail_once_are_made_again(buttondown, caplog):
    with buttondown_backend(buttondown) as backend:
        buttondown.fail("POST", SUBSCRIBERS, status=503)
        assert backend.add_subscriber("lea@exemple.fr", "en") == ADDED
        buttondown.fail("GET", SUBSCRIBERS, status=503)
        buttondown.fail("PATCH", r"/v1/subscribers/.+", status=503)
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ADDED
    assert buttondown.subscribers["lea@exemple.fr"]["tags"] == ["en", "fr"]
    assert "buttondown POST /subscribers: buttondown HTTP 503: server error (injected 503); trying again" \
        in caplog.text


def test_the_search_for_a_held_reader_stops_after_ten_pages(buttondown):
    with buttondown_backend(buttondown) as backend:
        for number in range(40):
            backend.add_subscriber(f"x{number:02d}lea@exemple.fr", "en")
        backend.add_subscriber("lea@exemple.fr", "en")     # the 41st: on page 14 of 3 a page
        buttondown.fail("POST", SUBSCRIBERS, status=409)
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE
    pages = [int(call.query["page"][0]) for call in buttondown.calls("GET", SUBSCRIBERS)]
    assert pages == list(range(1, 11))


def test_an_address_buttondown_refuses_for_another_reason_is_an_error(buttondown):
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(InvalidRequest, match="not valid"):
            backend.add_subscriber("marie#promo@exemple", "fr")
    assert not buttondown.subscribers


def test_a_tag_given_by_id_is_imported_by_its_name(buttondown):
    audiences = {"fr": {"tag": buttondown.tag_ids["fr"]}, "en": {"tag": "en"}}
    buttondown.fail("GET", r"/v1/tags", status=503)
    with buttondown_backend(buttondown, audiences) as backend:
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ADDED
    assert buttondown.subscribers["lea@exemple.fr"]["tags"] == ["fr"]
    lookup = buttondown.calls("GET", r"/v1/tags")[-1]
    assert lookup.query == {"ids": [buttondown.tag_ids["fr"]]}


def test_the_tag_of_the_id_asked_for_is_taken_from_the_answer(buttondown):
    wanted = buttondown.tag_ids["fr"]
    both = {"results": [{"id": buttondown.tag_ids["en"], "name": "en"}, {"id": wanted, "name": "fr"}]}
    answer_with(buttondown, "GET", r"/v1/tags", lambda request, match: (200, both))
    with buttondown_backend(buttondown, {"fr": {"tag": wanted}}) as backend:
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ADDED
    assert buttondown.subscribers["lea@exemple.fr"]["tags"] == ["fr"]
    buttondown._routes.pop(0)
    answer_with(buttondown, "GET", r"/v1/tags", lambda request, match: (200, [wanted]))
    with buttondown_backend(buttondown, {"fr": {"tag": wanted}}) as backend:
        with pytest.raises(ConfigurationError, match=f"^buttondown: no tag {wanted} at Buttondown for the 'fr' audience$"):
            backend.add_subscriber("marc@exemple.fr", "fr")


def test_an_unknown_tag_id_or_a_filter_audience_cannot_take_readers(buttondown):
    unknown = "sub_tag_0" + "0" * 25
    audiences = {"fr": {"tag": unknown},
                 "en": {"filters": {"filters": [], "groups": [], "predicate": "and"}}}
    with buttondown_backend(buttondown, audiences) as backend:
        with pytest.raises(ConfigurationError, match=f"^buttondown: no tag {unknown} at Buttondown for the 'fr'"):
            backend.add_subscriber("lea@exemple.fr", "fr")
        with pytest.raises(ConfigurationError) as filtered:
            backend.add_subscriber("lea@exemple.fr", "en")
    assert str(filtered.value) == (f"buttondown: the 'en' audience is a filter, not a tag: importing readers needs "
                                   f"{BD_WHERE}['audiences']['en'] = {{'tag': 'name'}}")
    assert not buttondown.calls("POST", SUBSCRIBERS)


# listmonk: readers imported from another platform.

LM_TOKEN = "lm-mutants-token-5b1e9c0a"
LM_SUBSCRIBERS = r"/api/subscribers"


@pytest.fixture
def listmonk():
    with ListmonkFake(users={"publisher": LM_TOKEN}, lists={3: "Lettre (fr)", 4: "Newsletter (en)", 9: "Relecture"},
                      subscribers={"ann@example.com": [4], "both@example.com": [3, 4]}) as server:
        yield server


def listmonk_backend(fake, **given):
    settings = config.backend_settings(ListmonkBackend, {
        "url": fake.url, "username": "publisher", "token": LM_TOKEN,
        "audiences": {"fr": {"lists": [3]}, "en": {"lists": [4]}}, **given}, environ={})
    return ListmonkBackend(settings, retry=RetryPolicy(attempts=2, sleep=lambda wait: None))


def test_a_new_listmonk_reader_is_confirmed_into_the_languages_lists(listmonk):
    with listmonk_backend(listmonk) as backend:
        assert backend.add_subscriber("lea@exemple.fr", "fr", consent_date=datetime(2025, 3, 1, tzinfo=timezone.utc),
                                      source="substack") == ADDED
        assert backend.add_subscriber("tom@example.com", "en") == ADDED
    first, second = [call.body for call in listmonk.calls("POST", LM_SUBSCRIBERS)]
    assert first == {"email": "lea@exemple.fr", "status": "enabled", "lists": [3], "preconfirm_subscriptions": True,
                     "attribs": {"lang": "fr", "consent_date": "2025-03-01T00:00:00+00:00",
                                 "imported_from": "substack"}}
    assert second["attribs"] == {"lang": "en"} and second["lists"] == [4]
    assert listmonk.subscribers["lea@exemple.fr"] == [3] and listmonk.optins == []


def test_a_listmonk_reader_of_the_other_language_joins_this_list_confirmed(listmonk):
    with listmonk_backend(listmonk) as backend:
        assert backend.add_subscriber("Ann@Example.com", "fr") == ADDED
        assert backend.add_subscriber("both@example.com", "fr") == ALREADY_THERE
    lookup = listmonk.calls("GET", LM_SUBSCRIBERS)[0]
    assert lookup.query == {"query": ["LOWER(subscribers.email) = 'ann@example.com'"], "per_page": ["1"]}
    [put] = listmonk.calls("PUT", r"/api/subscribers/lists")
    assert put.body == {"ids": [1000], "action": "add", "target_list_ids": [3], "status": "confirmed"}
    assert listmonk.subscribers["ann@example.com"] == [3, 4] and listmonk.optins == []


def test_a_quote_in_an_address_stays_inside_the_sql_string(listmonk):
    with listmonk_backend(listmonk) as backend:
        backend.add_subscriber("o'neil@example.com", "en")
        assert backend.add_subscriber("o'neil@example.com", "fr") == ADDED
    assert listmonk.subscribers["o'neil@example.com"] == [3, 4]


def test_a_blocklisted_listmonk_reader_is_left_as_they_are(listmonk):
    with listmonk_backend(listmonk) as backend:
        backend.add_subscriber("lea@exemple.fr", "en")
        listmonk.subscriber_details["lea@exemple.fr"]["status"] = "blocklisted"
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE
    assert listmonk.subscribers["lea@exemple.fr"] == [4] and not listmonk.calls("PUT")


def test_a_listmonk_reader_refused_as_held_but_not_listed_is_left_alone(listmonk, caplog):
    with listmonk_backend(listmonk) as backend:
        listmonk.fail("POST", LM_SUBSCRIBERS, status=409)
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE
    assert [record.getMessage() for record in caplog.records] == [
        "listmonk refused a reader as already there but does not list them; left as they are"]
    assert "lea@exemple.fr" not in listmonk.subscribers and not listmonk.calls("PUT")


def test_an_address_listmonk_refuses_for_another_reason_is_an_error(listmonk):
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(InvalidRequest, match="Invalid email"):
            backend.add_subscriber("not-an-address", "fr")
    assert not listmonk.calls("GET")


# Brevo: readers imported from another platform.

BREVO_KEY = "xkeysib-mutants-0123456789"
CONTACTS = r"/contacts"


@pytest.fixture
def brevo():
    with FakeBrevo(api_key=BREVO_KEY) as server:
        yield server


def brevo_backend(fake, **given):
    settings = config.backend_settings(BrevoBackend, {"audiences": {"fr": {"list_ids": [2]}, "en": {"list_ids": [3, 7]}},
                                                      **given}, {"BREVO_API_KEY": BREVO_KEY, "BREVO_BASE_URL": fake.url})
    return BrevoBackend(settings, retry=RetryPolicy(attempts=2, sleep=lambda wait: None))


def test_a_brevo_contact_is_added_to_the_languages_lists_then_already_there(brevo):
    with brevo_backend(brevo) as backend:
        assert backend.add_subscriber("lea@exemple.fr", "en") == ADDED
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE   # Brevo answers 204, no body
    first, second = [call.body for call in brevo.calls("POST", CONTACTS)]
    assert first == {"email": "lea@exemple.fr", "listIds": [3, 7], "updateEnabled": True}
    assert second["listIds"] == [2] and brevo.contacts["lea@exemple.fr"]["listIds"] == [2, 3, 7]


def test_a_contact_brevo_calls_a_duplicate_is_already_there_any_other_refusal_an_error(brevo):
    def duplicate(request, match):
        raise BrevoError("Contact already exist", code="duplicate_parameter")

    with brevo_backend(brevo) as backend:
        brevo.fail("POST", CONTACTS, status=400)          # {"code": null}: not a duplicate
        with pytest.raises(InvalidRequest):
            backend.add_subscriber("lea@exemple.fr", "fr")
        brevo._routes = [(method, pattern, brevo._brevo(duplicate) if pattern.pattern.startswith("/contacts")
                          else handler) for method, pattern, handler in brevo._routes]
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ALREADY_THERE
    assert not brevo.contacts


# listmonk: its settings, each refusal in the editor's words.

LM_WHERE = "NEWSLETTER['delivery']['listmonk']"
LM_AUDIENCE = (f"listmonk: {LM_WHERE}['audiences']['fr'] must be {{'lists': [<list id>, ...]}} with listmonk's list "
               "ids (Lists -> the list's ID)")


@pytest.mark.parametrize("given, message", [
    ({"url": "lists.example.org"},
     f"listmonk: {LM_WHERE}['url'] must start with https:// (the root of your listmonk), not 'lists.example.org'"),
    ({"auth": "bearer"}, f"listmonk: {LM_WHERE}['auth'] must be 'token' or 'basic'"),
    ({"template_id": True}, f"listmonk: {LM_WHERE}['template_id'] must be a template's id (a positive integer) or None"),
    ({"template_id": 0}, f"listmonk: {LM_WHERE}['template_id'] must be a template's id (a positive integer) or None"),
    ({"messenger": ""}, f"listmonk: {LM_WHERE}['messenger'] must name a messenger, e.g. 'email'"),
    ({"messenger": 3}, f"listmonk: {LM_WHERE}['messenger'] must name a messenger, e.g. 'email'"),
    ({"from_email": None}, f"listmonk: {LM_WHERE}['from_email'] must be a string such as 'Name <address>'"),
    ({"audiences": [3]},
     f"listmonk: {LM_WHERE}['audiences'] must map languages to lists, e.g. {{'fr': {{'lists': [3]}}}}"),
    ({"audiences": {"fr": [3]}}, LM_AUDIENCE),
    ({"audiences": {"fr": {"lists": [3], "tag": "fr"}}}, LM_AUDIENCE),
    ({"audiences": {"fr": {"lists": 3}}}, LM_AUDIENCE),
    ({"audiences": {"fr": {"lists": [True]}}}, LM_AUDIENCE),
    ({"audiences": {"fr": {"lists": [3, 0]}}}, LM_AUDIENCE),
])
def test_listmonk_settings_that_cannot_work_are_named_in_full(given, message):
    with pytest.raises(ConfigurationError) as refused:
        config.backend_settings(ListmonkBackend, given, environ={})
    assert str(refused.value) == message


@pytest.mark.parametrize("given", [
    {"url": "http://127.0.0.1:9000", "auth": "basic", "template_id": 1, "messenger": "postback",
     "from_email": "Lettre <lettre@exemple.fr>", "audiences": {"fr": {"lists": [1, 3]}}},
    {"url": "", "template_id": None},
])
def test_listmonk_settings_that_work_are_kept(given):
    assert config.backend_settings(ListmonkBackend, given, environ={})["audiences"] == given.get("audiences", {})


# Brevo: its settings, each refusal in the editor's words.

BREVO_WHERE = "NEWSLETTER['delivery']['brevo']"
BREVO_LIST_IDS = (f"brevo: {BREVO_WHERE}['audiences']['fr']['list_ids'] must be a list of Brevo list ids (whole numbers, "
                  "see Contacts > Lists), e.g. {'list_ids': [2]}")


@pytest.mark.parametrize("given, message", [
    ({"base_url": "api.brevo.com/v3"},
     f"brevo: {BREVO_WHERE}['base_url'] must be an http(s) URL, e.g. 'https://api.brevo.com/v3'"),
    ({"base_url": 3}, f"brevo: {BREVO_WHERE}['base_url'] must be an http(s) URL, e.g. 'https://api.brevo.com/v3'"),
    ({"audiences": [2]}, f"brevo: {BREVO_WHERE}['audiences'] must map each language to its lists, "
                         "e.g. {'fr': {'list_ids': [2]}, 'en': {'list_ids': [3]}}"),
    ({"audiences": {"fr": [2]}}, BREVO_LIST_IDS),
    ({"audiences": {"fr": {"list_ids": 2}}}, BREVO_LIST_IDS),
    ({"audiences": {"fr": {"list_ids": [True]}}}, BREVO_LIST_IDS),
    ({"audiences": {"fr": {"list_ids": [2, 0]}}}, BREVO_LIST_IDS),
    ({"audiences": {"fr": {"list_ids": [2], "tag": "fr", "lists": [2]}}},
     f"brevo: {BREVO_WHERE}['audiences']['fr'] takes only 'list_ids', not 'lists', 'tag'"),
])
def test_brevo_settings_that_cannot_work_are_named_in_full(given, message):
    with pytest.raises(ConfigurationError) as refused:
        config.backend_settings(BrevoBackend, given, {})
    assert str(refused.value) == message


def test_brevo_settings_that_work_are_kept():
    given = {"base_url": "http://127.0.0.1:8000/v3", "audiences": {"fr": {"list_ids": [1, 2]}}}
    assert config.backend_settings(BrevoBackend, given, {})["audiences"] == given["audiences"]


# Buttondown: its settings, each refusal in the editor's words.

BD_WHERE = "NEWSLETTER['delivery']['buttondown']"


@pytest.mark.parametrize("given, message", [
    ({"base_url": "api.buttondown.com/v1"},
     f"buttondown: {BD_WHERE}['base_url'] must be an http(s) URL such as 'https://api.buttondown.com/v1'"),
    ({"base_url": "https:///v1"},
     f"buttondown: {BD_WHERE}['base_url'] must be an http(s) URL such as 'https://api.buttondown.com/v1'"),
    ({"base_url": None},
     f"buttondown: {BD_WHERE}['base_url'] must be an http(s) URL such as 'https://api.buttondown.com/v1'"),
    ({"template": "fancy"},
     f"buttondown: {BD_WHERE}['template'] must be one of classic, custom, modern, plaintext, naked or None"),
    ({"audiences": [{"tag": "fr"}]}, f"buttondown: {BD_WHERE}['audiences'] must map each language to its audience, "
                                     "e.g. {'fr': {'tag': 'fr'}, 'en': {'tag': 'en'}}"),
])
def test_buttondown_settings_that_cannot_work_are_named_in_full(given, message):
    with pytest.raises(ConfigurationError) as refused:
        config.backend_settings(ButtondownBackend, given, {})
    assert str(refused.value) == message


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8000/v1", "https://api.buttondown.com/v1"])
def test_buttondown_settings_that_work_are_kept(base_url):
    given = {"base_url": base_url, "template": "naked", "audiences": {"fr": {"tag": "fr"}}}
    assert config.backend_settings(ButtondownBackend, given, {})["base_url"] == base_url


# Buttondown: finding ours after an interrupted run, and what each refusal says.

def answer_with(fake, method, pattern, handler):
    """Put a route before the fake's own: the provider answering as a test needs."""
    fake._routes.insert(0, (method, re.compile(pattern + r"\Z"), handler))


UNLISTED = ("buttondown: cannot tell whether the interrupted run created issue-5-fr ({}). Nothing was created or "
            "sent now. Run again later; if it keeps failing, look at Buttondown for an email whose metadata has "
            "issue_key=issue-5-fr and, if there is one, put its id as remote_id (state draft) in the ledger")


@pytest.mark.parametrize("page, reason", [
    ({"results": [], "next": None}, "the list of emails is not a page of results"),
    ({"results": None, "count": 0, "next": None}, "the list of emails is not a page of results"),
    ({"results": [{"metadata": {}}], "count": 1, "next": None},
     "an email in the list has no id or no metadata to match"),
    ({"results": [{"id": "em_1"}], "count": 1, "next": None},
     "an email in the list has no id or no metadata to match"),
    ({"results": [{"id": "em_1", "metadata": {}}, "not an email"], "count": 2, "next": None},
     "an email in the list has no id or no metadata to match"),
    ({"results": [], "count": 1, "next": "page 2"}, "the list does not end (page 1)"),
    ({"results": [{"id": "em_1", "metadata": {}}], "count": 3, "next": None},
     "read 1 emails of the 3 Buttondown counts (the list changed while it was read)"),
    (["em_1"], "the answer is not a page of emails"),
])
def test_a_list_of_emails_that_cannot_be_trusted_names_why(buttondown, tmp_path, page, reason):
    answer_with(buttondown, "GET", r"/v1/emails", lambda request, match: (200, page))
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(ReconciliationNeeded) as unlisted:
            backend.find(make_campaign(tmp_path / "outbox"))
    assert str(unlisted.value) == UNLISTED.format(reason)


def test_a_list_that_never_ends_is_given_up_at_the_thousandth_page(buttondown, tmp_path):
    def endless(request, match):
        page = int(request.query["page"][0])
        return 200, {"results": [{"id": f"em_{page}", "metadata": {}}], "count": 10 ** 6, "next": "more"}
    answer_with(buttondown, "GET", r"/v1/emails", endless)
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(ReconciliationNeeded) as unlisted:
            backend.find(make_campaign(tmp_path / "outbox"))
    assert str(unlisted.value) == UNLISTED.format("the list does not end (page 1000)")
    assert len(buttondown.calls("GET", r"/v1/emails")) == 1000


def test_a_list_that_fails_once_is_read_again_and_one_that_keeps_failing_is_named(buttondown, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    mine = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
    buttondown.fail("GET", r"/v1/emails", status=503)
    with buttondown_backend(buttondown) as backend:
        assert backend.find(campaign).id == mine
        buttondown.fail("GET", r"/v1/emails", status=503, times=2)
        with pytest.raises(ReconciliationNeeded) as unlisted:
            backend.find(campaign)
    assert str(unlisted.value) == UNLISTED.format("buttondown HTTP 503: server error (injected 503)")


def test_two_emails_carrying_our_key_are_named_with_what_to_do(buttondown, tmp_path):
    first = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
    second = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(ReconciliationNeeded) as twins:
            backend.find(make_campaign(tmp_path / "outbox"))
    assert str(twins.value) == (
        f"buttondown: 2 emails carry issue-5-fr ({first}, {second}): keep one, delete the others at Buttondown, "
        "then set the ledger's remote_id for issue-5-fr to the one kept")


def test_an_email_read_back_that_fails_once_is_read_again(buttondown):
    mine = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
    buttondown.fail("GET", r"/v1/emails/[^/]+", status=503)
    with buttondown_backend(buttondown) as backend:
        assert backend.get(mine).state == "draft"


def test_an_email_gone_or_without_id_or_in_error_says_what_to_do(buttondown):
    mine = buttondown.add_email(metadata={"issue_key": "issue-5-fr"}, status="paused")
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(ReconciliationNeeded) as gone:
            backend.get("em_gone")
        with pytest.raises(ReconciliationNeeded) as paused:
            backend.get(mine)
        answer_with(buttondown, "GET", r"/v1/emails/[^/]+", lambda request, match: (200, {"status": "draft"}))
        with pytest.raises(ReconciliationNeeded) as anonymous:
            backend.get(mine)
    assert str(gone.value) == ("buttondown: the email em_gone named in the ledger is not at Buttondown any more; if "
                               "it was deleted on purpose, remove its entry from the ledger")
    assert str(paused.value) == (f"buttondown: the email {mine} is 'paused' at Buttondown, neither a draft nor "
                                 "scheduled nor sent: look at it there (it may be paused or in error) before "
                                 "anything else is sent")
    assert str(anonymous.value) == ("buttondown: Buttondown answered without an email id; check the emails there "
                                    "before anything else is sent")


def test_a_draft_update_and_a_schedule_that_fail_once_are_tried_again(buttondown, tmp_path):
    campaign = make_campaign(tmp_path / "outbox", body="Une phrase corrigée.")
    mine = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
    with buttondown_backend(buttondown) as backend:
        buttondown.fail("PATCH", r"/v1/emails/[^/]+", status=503)
        backend.update_draft(mine, campaign)
        buttondown.fail("PATCH", r"/v1/emails/[^/]+", status=503)
        backend.schedule(mine, campaign, datetime(2031, 7, 1, 8, tzinfo=timezone.utc))
    assert "Une phrase corrigée." in buttondown.emails[mine]["body"]
    assert buttondown.emails[mine]["status"] == "scheduled"


def test_a_schedule_is_sent_in_utc_whatever_the_machines_zone(buttondown, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        mine = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
        paris = timezone(timedelta(hours=2))
        with buttondown_backend(buttondown) as backend:
            backend.schedule(mine, make_campaign(tmp_path / "outbox"), datetime(2031, 7, 1, 8, tzinfo=paris))
    finally:
        monkeypatch.undo()
        time.tzset()
    [patch] = buttondown.calls("PATCH", r"/v1/emails/[^/]+")
    assert patch.body == {"status": "scheduled", "publish_date": "2031-07-01T06:00:00Z"}


def test_a_naive_time_to_send_is_refused(buttondown, tmp_path):
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(ValueError, match=r"^the time to send must be an aware datetime$"):
            backend.schedule("em_1", make_campaign(tmp_path / "outbox"), datetime(2031, 7, 1, 8))
    assert not buttondown.calls("PATCH")


def test_a_test_needs_an_address_and_one_that_fails_once_is_sent_again(buttondown, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    mine = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(ConfigurationError) as nobody:
            backend.send_test(mine, campaign, [])
        buttondown.fail("POST", r"/v1/emails/[^/]+/send-draft", status=503)
        backend.send_test(mine, campaign, ("editor@example.org",))
    assert str(nobody.value) == "buttondown: a test needs at least one address"
    assert buttondown.test_sends == [(mine, ["editor@example.org"])]


def test_the_send_carries_a_key_and_a_lost_one_is_logged_with_the_campaign(buttondown, tmp_path, caplog):
    campaign = make_campaign(tmp_path / "outbox")
    mine = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
    buttondown.fail("PATCH", r"/v1/emails/[^/]+", status=500)
    with buttondown_backend(buttondown) as backend:
        backend.send_now(mine, campaign, journal=None)
    first, second = buttondown.calls("PATCH", r"/v1/emails/[^/]+")
    assert first.headers["x-idempotency-key"] and second.headers["x-idempotency-key"]
    assert buttondown.sends[mine] == 1
    assert f"issue-5-fr: send: buttondown HTTP 500: PATCH /emails/{mine}: server error (injected 500); not done at " \
           "buttondown, trying again" in caplog.text


def test_a_filter_audience_is_described_with_its_filters(buttondown):
    group = {"filters": [{"field": "subscriber.metadata.lang", "operator": "equals", "value": "fr"}],
             "groups": [], "predicate": "or"}
    with buttondown_backend(buttondown, {"fr": {"filters": group}}) as backend:
        assert backend.describe_audience("fr") == f"the Buttondown subscribers matching the filters {group}"


NESTED = {"filters": [], "predicate": "and",
          "groups": [{"filters": [{"field": "subscriber.tags", "operator": "contains", "value": "x"}],
                      "groups": [], "predicate": "or"}]}
BD_FR = f"{BD_WHERE}['audiences']['fr']['filters']"


@pytest.mark.parametrize("group, message", [
    ({"filters": [], "groups": []}, f"{BD_FR} must have exactly filters, groups and predicate"),
    ({"filters": [], "groups": [], "predicate": "xor"}, f"{BD_FR}['predicate'] must be 'and' or 'or'"),
    ({"filters": {}, "groups": [], "predicate": "and"}, f"{BD_FR}: filters and groups must be lists"),
    ({"filters": [], "groups": {}, "predicate": "and"}, f"{BD_FR}: filters and groups must be lists"),
    ({"filters": [{"field": "subscriber.tags", "operator": "contains", "value": 3}], "groups": [], "predicate": "and"},
     f"{BD_FR}['filters'][0] must be {{'field', 'operator', 'value'}} strings"),
    ({**NESTED, "groups": [{**NESTED["groups"][0], "predicate": "nor"}]},
     f"{BD_FR}['groups'][0]['predicate'] must be 'and' or 'or'"),
])
def test_a_filter_group_of_the_wrong_shape_is_named_in_full(group, message):
    with pytest.raises(ConfigurationError) as refused:
        config.backend_settings(ButtondownBackend, {"audiences": {"fr": {"filters": group}}}, {})
    assert str(refused.value) == f"buttondown: {message}"


def test_nested_filter_groups_and_or_are_accepted():
    settings = config.backend_settings(ButtondownBackend, {"audiences": {"fr": {"filters": NESTED}}}, {})
    assert settings["audiences"]["fr"]["filters"] == NESTED


# Buttondown: an audience's tag name looked up, over every page of tags.

def tagged(fake, name="lettre", before=0, after=0):
    """``before`` and ``after`` other tags around one named ``name``: its id."""
    for number in range(before):
        fake.add_tag(f"avant-{number}")
    tag_id = fake.add_tag(name)
    for number in range(after):
        fake.add_tag(f"apres-{number}")
    return tag_id


def filters_sent(fake):
    [post] = fake.calls("POST", r"/v1/emails")
    return [rule["value"] for rule in post.body["filters"]["filters"]]


def test_a_tag_on_the_first_page_is_found_and_every_page_read(buttondown, tmp_path):
    tag_id = tagged(buttondown, after=1000)        # 1,003 tags: two pages of 1,000
    buttondown.fail("GET", r"/v1/tags", status=503)
    with buttondown_backend(buttondown, {"fr": {"tag": "lettre"}}) as backend:
        backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert filters_sent(buttondown) == [tag_id]
    pages = [(call.query["page"], call.query["page_size"]) for call in buttondown.calls("GET", r"/v1/tags")]
    assert pages == [(["1"], ["1000"]), (["1"], ["1000"]), (["2"], ["1000"])]


def test_a_tag_on_the_second_page_is_found(buttondown, tmp_path):
    tag_id = tagged(buttondown, before=1000)
    with buttondown_backend(buttondown, {"fr": {"tag": "lettre"}}) as backend:
        backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert filters_sent(buttondown) == [tag_id]


def test_two_tags_of_one_name_on_two_pages_are_named(buttondown, tmp_path):
    tagged(buttondown, after=1000)
    buttondown.add_tag("lettre")
    with buttondown_backend(buttondown, {"fr": {"tag": "lettre"}}) as backend:
        with pytest.raises(ConfigurationError) as twice:
            backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert str(twice.value) == ("buttondown: 2 tags named 'lettre' at Buttondown for the 'fr' audience: create it there "
                                f"or give its id in {BD_WHERE}['audiences']['fr']['tag']")
    assert not buttondown.calls("POST", r"/v1/emails")


def test_a_tag_list_that_is_not_a_page_or_never_ends_is_an_error(buttondown, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    answer_with(buttondown, "GET", r"/v1/tags", lambda request, match: (200, ["fr"]))
    with buttondown_backend(buttondown, {"fr": {"tag": "lettre"}}) as backend:
        with pytest.raises(DeliveryError) as odd:
            backend.create_draft(campaign, "k-1")
    assert str(odd.value) == "buttondown: GET /tags: the answer is not a page of tags"
    buttondown._routes.pop(0)

    def endless(request, match):
        page = int(request.query["page"][0])
        return 200, {"results": [{"id": f"t{page}", "name": "autre"}], "next": "more"}
    answer_with(buttondown, "GET", r"/v1/tags", endless)
    with buttondown_backend(buttondown, {"fr": {"tag": "lettre"}}) as backend:
        with pytest.raises(ConfigurationError, match="^buttondown: no tag named 'lettre'"):
            backend.create_draft(campaign, "k-1")
    assert len(buttondown.calls("GET", r"/v1/tags")) == 1 + 1000
    buttondown._routes.pop(0)

    answer_with(buttondown, "GET", r"/v1/tags", lambda request, match: (200, {"results": [], "next": "more"}))
    with buttondown_backend(buttondown, {"fr": {"tag": "lettre"}}) as backend:
        with pytest.raises(ConfigurationError, match="^buttondown: no tag named 'lettre'"):
            backend.create_draft(campaign, "k-1")
    assert len(buttondown.calls("GET", r"/v1/tags")) == 1 + 1000 + 1


def test_an_email_is_read_with_its_page_at_buttondown_if_it_has_one(buttondown):
    mine = buttondown.add_email(metadata={"issue_key": "issue-5-fr"})
    with buttondown_backend(buttondown) as backend:
        assert backend.get(mine).url == f"https://buttondown.com/example/archive/{mine}/"
        buttondown.emails[mine]["absolute_url"] = None
        assert backend.get(mine).url == ""


def test_a_created_email_without_our_marker_stops_the_run(buttondown, tmp_path):
    def without_metadata(request, match):
        return 201, {"id": "em_other", "status": "draft", "metadata": None}
    answer_with(buttondown, "POST", r"/v1/emails", without_metadata)
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(ReconciliationNeeded) as other:
            backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert str(other.value) == ("buttondown: created email em_other for issue-5-fr but Buttondown answered with another "
                                "email (metadata None); check it at Buttondown")
    buttondown._routes.pop(0)
    answer_with(buttondown, "POST", r"/v1/emails",
                lambda request, match: (201, {"id": "em_4", "status": "draft", "metadata": {"issue_key": "issue-4-fr"}}))
    with buttondown_backend(buttondown) as backend:
        with pytest.raises(ReconciliationNeeded) as another:
            backend.create_draft(make_campaign(tmp_path / "outbox"), "k-2")
    assert str(another.value) == ("buttondown: created email em_4 for issue-5-fr but Buttondown answered with another "
                                  "email (metadata {'issue_key': 'issue-4-fr'}); check it at Buttondown")


def without_unsubscribe_link(folder, lang="fr"):
    """An issue whose HTML has no unsubscribe placeholder (a hand-made template that forgot it)."""
    campaign = make_campaign(folder, lang=lang)
    return dataclasses.replace(campaign, html=campaign.html.replace(campaign.placeholder, "#"))


def test_buttondown_logs_the_draft_it_created_and_warns_of_a_missing_unsubscribe_link(buttondown, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.buttondown")
    with buttondown_backend(buttondown) as backend:
        remote = backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
        assert [record.getMessage() for record in caplog.records] == [
            f"issue-5-fr: created the draft {remote.id} at Buttondown"]
        caplog.clear()
        backend.update_draft(remote.id, without_unsubscribe_link(tmp_path / "bare"))
    assert [record.getMessage() for record in caplog.records] == [
        "issue-5-fr: no [[UNSUBSCRIBE_URL]] in the HTML, so no unsubscribe link of ours (Buttondown's template may "
        "add its own)"]


def test_the_created_email_carries_the_issue_and_language_in_its_metadata(buttondown, tmp_path):
    with buttondown_backend(buttondown) as backend:
        backend.create_draft(make_campaign(tmp_path / "outbox", lang="en"), "k-1")
    [post] = buttondown.calls("POST", r"/v1/emails")
    assert post.body["metadata"] == {"issue_key": "issue-5-en", "issue": 5, "lang": "en"}


def test_an_audience_that_cannot_work_is_named_when_delivering_too(buttondown, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    unchecked = {**ButtondownBackend.DEFAULTS, "api_key": BD_KEY, "base_url": f"{buttondown.url}/v1",
                 "audiences": {"fr": {"tag": ""}}}
    with ButtondownBackend(unchecked) as backend:
        with pytest.raises(ConfigurationError) as empty:
            backend.create_draft(campaign, "k-1")
        with pytest.raises(ConfigurationError) as empty_too:
            backend.add_subscriber("lea@exemple.fr", "fr")
    assert str(empty_too.value) == str(empty.value)
    with buttondown_backend(buttondown, {"fr": {"tag": "francais"}}) as backend:
        with pytest.raises(ConfigurationError) as unknown:
            backend.create_draft(campaign, "k-1")
    assert str(empty.value) == f"buttondown: {BD_WHERE}['audiences']['fr']['tag'] must be a tag's name or id"
    assert str(unknown.value) == ("buttondown: no tag named 'francais' at Buttondown for the 'fr' audience: create it "
                                  f"there or give its id in {BD_WHERE}['audiences']['fr']['tag']")


def test_an_audience_of_neither_shape_is_named_in_full():
    with pytest.raises(ConfigurationError) as refused:
        config.backend_settings(ButtondownBackend, {"audiences": {"fr": {"list": 3}}}, {})
    assert str(refused.value) == (f"buttondown: {BD_WHERE}['audiences']['fr'] must be {{'tag': 'name or sub_tag_ id'}} "
                                  "or {'filters': {...}}")


def test_a_create_or_test_that_fails_once_is_logged_with_its_request(buttondown, tmp_path, caplog):
    campaign = make_campaign(tmp_path / "outbox")
    buttondown.fail("POST", r"/v1/emails", status=503)
    with buttondown_backend(buttondown) as backend:
        remote = backend.create_draft(campaign, "k-1")
        buttondown.fail("POST", r"/v1/emails/[^/]+/send-draft", status=503)
        backend.send_test(remote.id, campaign, ["editor@example.org"])
    assert "buttondown POST /emails: buttondown HTTP 503: server error (injected 503); trying again" in caplog.text
    assert (f"buttondown POST /emails/{remote.id}/send-draft: buttondown HTTP 503: server error (injected 503); "
            "trying again") in caplog.text


# listmonk: campaigns found, kept, refused; every message in full.

LM_CAMPAIGNS = r"/api/campaigns"
LM_STATUS = r"/api/campaigns/\d+/status"


def ours(fake, name="issue-5-fr", status="draft", tags=None):
    return fake.add(name=name, subject="s", lists=[3], tags=["issue-5-fr"] if tags is None else tags, status=status)


def test_lookalikes_by_name_or_by_tag_are_named_in_full(listmonk, tmp_path):
    mine = ours(listmonk)
    by_name = ours(listmonk, tags=["autre"])
    by_tag = ours(listmonk, name="Copie")
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.find(make_campaign(tmp_path / "outbox"))
    described = ", ".join(f"id {c['id']} {c['name']!r} (draft)" for c in (mine, by_tag))
    assert str(caught.value).startswith(f"listmonk: issue-5-fr: listmonk holds 2 campaigns that could be this issue "
                                        f"({described}); open {listmonk.url}/admin/campaigns, keep the one to use "
                                        "(named and tagged exactly 'issue-5-fr'), delete or rename the others, then "
                                        "run again")
    listmonk.campaigns.pop(by_tag["id"])

    def ignoring_tag(request, match, list_campaigns=listmonk.list_campaigns):
        request.query.pop("tag", None)              # a server that answers with every campaign
        return list_campaigns(request, match)
    answer_with(listmonk, "GET", LM_CAMPAIGNS, ignoring_tag)
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded, match=rf"holds 2 campaigns .*id {by_name['id']} 'issue-5-fr'"):
            backend.find(make_campaign(tmp_path / "outbox"))


def test_of_twin_drafts_the_oldest_is_kept_by_number_not_by_text(listmonk, tmp_path, caplog):
    listmonk._next_id = 9
    older, newer = ours(listmonk), ours(listmonk)          # ids 9 and 10: "10" < "9" as text
    with listmonk_backend(listmonk) as backend:
        remote = backend.find(make_campaign(tmp_path / "outbox"))
    assert remote.id == "9" and remote.url == f"{listmonk.url}/admin/campaigns/9"
    assert [c["id"] for c in listmonk.deleted] == [newer["id"]] and older["id"] in listmonk.campaigns
    assert (f"issue-5-fr: deleted the duplicate draft id 10 at listmonk (a creation whose answer came too late); "
            "kept id 9") in caplog.text


def test_of_twins_the_one_that_left_the_draft_state_is_kept(listmonk, tmp_path):
    draft, started = ours(listmonk), ours(listmonk, status="scheduled")
    with listmonk_backend(listmonk) as backend:
        assert backend.find(make_campaign(tmp_path / "outbox")).id == str(started["id"])
    assert [c["id"] for c in listmonk.deleted] == [draft["id"]]


def test_twins_of_which_two_left_the_draft_state_stop_the_run_untouched(listmonk, tmp_path):
    first, second = ours(listmonk, status="scheduled"), ours(listmonk, status="running")
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.settle_twins(make_campaign(tmp_path / "outbox"), str(first["id"]))
    assert str(caught.value) == (
        f"listmonk: issue-5-fr: listmonk holds 2 campaigns for this issue (id {first['id']} 'issue-5-fr' (scheduled), "
        f"id {second['id']} 'issue-5-fr' (finished)), made by a creation whose answer came too late; nothing was "
        f"changed, as id {second['id']} is no longer a draft. Open {listmonk.url}/admin/campaigns, delete the one not "
        "to keep, set the other's id as this entry's remote_id in the ledger, then run again")
    assert not listmonk.deleted


def test_settling_twins_keeps_the_recorded_one_and_reads_a_gone_one(listmonk, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    first, second = ours(listmonk), ours(listmonk)
    with listmonk_backend(listmonk) as backend:
        remote, deleted = backend.settle_twins(campaign, str(second["id"]))
        assert (remote.id, deleted) == (str(second["id"]), [str(first["id"])])
        assert backend.settle_twins(campaign, str(second["id"]))[1] == []
        with pytest.raises(ReconciliationNeeded, match=r"campaign id 77, recorded in the ledger, is not at listmonk"):
            backend.settle_twins(campaign, "77")


def test_a_campaign_gone_or_refused_for_another_reason(listmonk):
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as gone:
            backend.get("77")
        listmonk.fail("GET", r"/api/campaigns/\d+", status=422)
        with pytest.raises(InvalidRequest) as refused:
            backend.get("77")
    assert str(gone.value) == ("listmonk HTTP 400: campaign id 77, recorded in the ledger, is not at listmonk (request "
                               "refused: Campaign not found.); if it was deleted there, remove its entry from the "
                               "ledger to create it again")
    assert refused.value.status == 422


@pytest.mark.parametrize("campaign, message", [
    ({"id": 4, "name": "issue-5-fr", "status": "paused"},
     "campaign 'issue-5-fr' (id 4) is paused at listmonk after reaching ? of ? readers ({url}/admin/campaigns/4); "
     "resume it there to finish the sending (or cancel it), then run again"),
    ({"id": 4, "name": "issue-5-fr", "status": "cancelled", "sent": 3, "to_send": 8},
     "campaign 'issue-5-fr' (id 4) is cancelled at listmonk after reaching 3 of 8 readers ({url}/admin/campaigns/4); "
     "a cancelled campaign cannot be resumed: if what went out is enough, set this entry's state to 'sent' in the "
     "ledger; otherwise send a corrected issue"),
    ({"id": 4, "name": "issue-5-fr", "status": "archived"},
     "campaign id 4 has a status this publisher does not know ('archived'); check it at {url}/admin/campaigns/4"),
])
def test_a_campaign_the_run_cannot_go_on_with_is_explained(listmonk, campaign, message):
    answer_with(listmonk, "GET", r"/api/campaigns/\d+", lambda request, match: (200, {"data": campaign}))
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.get("4")
    assert str(caught.value) == "listmonk: " + message.format(url=listmonk.url)


@pytest.mark.parametrize("answer", [["not", "listmonk"], {"results": []}, {"data": []}])
def test_an_answer_that_is_not_listmonks_says_to_check_the_url(listmonk, answer):
    answer_with(listmonk, "GET", r"/api/campaigns/\d+", lambda request, match: (200, answer))
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.get("4")
    assert str(caught.value) == ("listmonk: GET /api/campaigns/4: the answer is not listmonk's {'data': ...}; check "
                                 "the URL points at listmonk's root")


def test_the_campaign_list_is_read_page_by_page_up_to_its_total(listmonk, tmp_path):
    mine = ours(listmonk)
    pages = {1: [{"id": 50, "name": "Copie", "tags": ["autre"], "status": "draft"}],
             2: [{**mine, "body": ""}]}

    def paged(request, match):
        page = int(request.query["page"][0])
        return 200, {"data": {"results": pages.get(page, []), "total": 2}}
    answer_with(listmonk, "GET", LM_CAMPAIGNS, paged)
    with listmonk_backend(listmonk) as backend:
        assert backend.find(make_campaign(tmp_path / "outbox")).id == str(mine["id"])
    asked = [(call.query["page"], call.query["per_page"], call.query["tag"], call.query["no_body"])
             for call in listmonk.calls("GET", LM_CAMPAIGNS)]
    assert asked == [(["1"], ["100"], ["issue-5-fr"], ["true"]), (["2"], ["100"], ["issue-5-fr"], ["true"])]


def test_a_campaign_list_without_results_or_without_end_is_an_error(listmonk, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    answer_with(listmonk, "GET", LM_CAMPAIGNS, lambda request, match: (200, {"data": {"total": 0}}))
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as empty:
            backend.find(campaign)
    assert str(empty.value) == (f"listmonk: issue-5-fr: listmonk's campaign list has no results; check {listmonk.url} "
                                "answers as listmonk does")
    listmonk._routes.pop(0)

    def endless(request, match):
        page = int(request.query["page"][0])
        return 200, {"data": {"results": [{"id": page, "name": f"c{page}", "tags": []}], "total": 10 ** 6}}
    answer_with(listmonk, "GET", LM_CAMPAIGNS, endless)
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as endless_list:
            backend.find(campaign)
    assert str(endless_list.value) == (
        f"listmonk: issue-5-fr: listmonk lists more than 50 campaigns for one tag; check the campaigns tagged "
        f"'issue-5-fr' at {listmonk.url}/admin/campaigns")
    assert len(listmonk.calls("GET", LM_CAMPAIGNS)) == 1 + 50


def test_a_creation_never_answered_is_looked_up_and_then_given_up(listmonk, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    listmonk.fail("POST", LM_CAMPAIGNS, kind="call_before", action=lambda request: None, times=2)
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(OutcomeUnknown) as lost:
            backend.create_draft(campaign, "k-1")
        assert str(lost.value).endswith("; issue-5-fr is not at listmonk after 2 tries")
        assert len(listmonk.calls("GET", LM_CAMPAIGNS)) == 2 and not listmonk.campaigns
        listmonk.fail("POST", LM_CAMPAIGNS, kind="call_before", action=lambda request: None)
        assert backend.create_draft(campaign, "k-2").twin_possible is True
        listmonk.campaigns.clear()
        assert backend.create_draft(campaign, "k-3").twin_possible is False


def test_a_lost_answer_to_a_status_change_is_read_back_and_logged(listmonk, tmp_path, caplog):
    campaign = make_campaign(tmp_path / "outbox")
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
    with listmonk_backend(listmonk) as backend:
        scheduled = backend.create_draft(campaign, "k-1")
        listmonk.fail("PUT", LM_STATUS, kind="reset_after")
        backend.schedule(scheduled.id, campaign, when)
        other = backend.create_draft(make_campaign(tmp_path / "en", lang="en"), "k-2")
        listmonk.fail("PUT", LM_STATUS, status=500)
        backend.send_now(other.id, campaign, journal=None)
    assert listmonk.campaigns[int(scheduled.id)]["status"] == "scheduled"
    assert [call.body for call in listmonk.calls("PUT", LM_STATUS)] == [{"status": "scheduled"}] + \
        [{"status": "running"}] * 2
    assert listmonk.sends == [int(other.id)]
    assert (f"campaign {other.id}: running: listmonk HTTP 500: PUT /api/campaigns/{other.id}/status: server error "
            "(injected 500); not done at listmonk, trying again") in caplog.text


def test_a_naive_time_to_send_is_refused_by_listmonk_too(listmonk, tmp_path):
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ValueError, match=r"^the time to send must be an aware datetime$"):
            backend.schedule("1", make_campaign(tmp_path / "outbox"), datetime(2031, 7, 1, 8))


def test_the_campaign_sent_to_listmonk_without_reply_to_or_sender_setting(listmonk, tmp_path):
    campaign = dataclasses.replace(make_campaign(tmp_path / "outbox", subject="Les {{ accolades }}"), reply_to="")
    with listmonk_backend(listmonk) as backend:
        backend.create_draft(campaign, "k-1")
    [post] = listmonk.calls("POST", LM_CAMPAIGNS)
    assert "headers" not in post.body and "template_id" not in post.body and post.body["send_later"] is False
    assert post.body["from_email"] == campaign.sender
    assert post.body["subject"] == 'Les {{ "{{" }} accolades }}'


def test_the_credentials_are_blanked_in_every_form_listmonk_could_echo(listmonk):
    pair = f"publisher:{LM_TOKEN}"
    encoded = base64.b64encode(pair.encode()).decode()
    echo = f"refused {pair} / {encoded} / {LM_TOKEN} / publisher"
    answer_with(listmonk, "GET", r"/api/campaigns/\d+", lambda request, match: (422, {"message": echo}))
    for auth in ("token", "basic"):
        with listmonk_backend(listmonk, auth=auth) as backend:
            with pytest.raises(InvalidRequest) as caught:
                backend.get("4")
        assert LM_TOKEN not in str(caught.value) and encoded not in str(caught.value)
        assert "publisher" not in str(caught.value)
    headers = [call.headers.get("authorization") for call in listmonk.calls("GET")]
    assert headers == [f"token {pair}", f"Basic {encoded}"]


# Brevo: campaigns found, read, created and sent; every message in full.

BREVO_CAMPAIGNS = r"/emailCampaigns"
BREVO_SEND = r"/emailCampaigns/\d+/sendNow"


def brevo_untrusted(why):
    return (f"brevo: cannot tell whether Brevo holds 'issue-5-fr': {why}. Look for it in Brevo > Campaigns; if it is "
            "there, note its id in the ledger, if not, publish again")


@pytest.mark.parametrize("page, why", [
    (["campaigns"], "the campaign list is not a JSON object"),
    ({"campaigns": {}, "count": 0}, "the campaign list has no 'campaigns' array or 'count'"),
    ({"campaigns": [], "count": "1"}, "the campaign list has no 'campaigns' array or 'count'"),
    ({"campaigns": [{"name": "issue-5-fr", "id": "x1"}], "count": 1}, "a campaign of that name is listed without its id"),
])
def test_a_brevo_list_that_cannot_be_trusted_names_why(brevo, tmp_path, page, why):
    answer_with(brevo, "GET", BREVO_CAMPAIGNS, lambda request, match: (200, page))
    with brevo_backend(brevo) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.find(make_campaign(tmp_path / "outbox"))
    assert str(caught.value) == brevo_untrusted(why)


def test_a_brevo_list_is_read_by_offsets_until_its_count_or_a_short_page(brevo, tmp_path):
    def paged(request, match):
        offset = int(request.query["offset"][0])
        items = [{"id": offset + number, "name": f"c{offset + number}"} for number in range(100)]
        if offset == 100:
            items[7] = {"id": 4242, "name": "issue-5-fr", "tag": "issue-5-fr", "status": "inProcess"}
        return 200, {"campaigns": items, "count": 200}
    answer_with(brevo, "GET", BREVO_CAMPAIGNS, paged)
    with brevo_backend(brevo) as backend:
        found = backend.find(make_campaign(tmp_path / "outbox"))
    assert (found.id, found.state) == ("4242", "sending")
    asked = [(call.query["offset"], call.query["limit"], call.query["type"], call.query["excludeHtmlContent"])
             for call in brevo.calls("GET", BREVO_CAMPAIGNS)]
    assert asked == [(["0"], ["100"], ["classic"], ["true"]), (["100"], ["100"], ["classic"], ["true"])]


def test_a_brevo_list_without_count_ends_at_a_short_page_and_a_list_without_end_is_untrusted(brevo, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")

    def uncounted(request, match):
        offset = int(request.query["offset"][0])
        return 200, {"campaigns": [{"id": offset + n, "name": "x"} for n in range(100 if offset == 0 else 3)]}
    answer_with(brevo, "GET", BREVO_CAMPAIGNS, uncounted)
    with brevo_backend(brevo) as backend:
        assert backend.find(campaign) is None
    assert len(brevo.calls("GET", BREVO_CAMPAIGNS)) == 2
    brevo._routes.pop(0)

    def endless(request, match):
        offset = int(request.query["offset"][0])
        return 200, {"campaigns": [{"id": offset + n, "name": "x"} for n in range(100)], "count": 10 ** 6}
    answer_with(brevo, "GET", BREVO_CAMPAIGNS, endless)
    with brevo_backend(brevo) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.find(campaign)
    assert str(caught.value) == brevo_untrusted("more than 20000 campaigns to look through")
    assert len(brevo.calls("GET", BREVO_CAMPAIGNS)) == 2 + 200


def test_two_brevo_campaigns_of_our_name_or_one_tagged_otherwise_are_named_in_full(brevo, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    first = brevo.add_campaign("issue-5-fr", status="draft", tag="spring-sale", list_ids=[2])
    with brevo_backend(brevo) as backend:
        with pytest.raises(ReconciliationNeeded) as tagged:
            backend.find(campaign)
        second = brevo.add_campaign("issue-5-fr", status="draft", tag="issue-5-fr", list_ids=[2])
        with pytest.raises(ReconciliationNeeded) as twins:
            backend.find(campaign)
    assert str(tagged.value) == (f"brevo: Brevo campaign {first['id']} is named 'issue-5-fr' but tagged 'spring-sale', "
                                 "not 'issue-5-fr' as ours are: check whether it is this issue's; rename it if not")
    assert str(twins.value) == (f"brevo: Brevo holds 2 campaigns named 'issue-5-fr' (ids {first['id']}, {second['id']}): "
                                "delete the copies in Brevo > Campaigns, keeping one (not sent), then publish again")


@pytest.mark.parametrize("tag", [None, ""])
def test_a_brevo_campaign_of_our_name_without_tag_is_ours(brevo, tmp_path, tag):
    held = brevo.add_campaign("issue-5-fr", status="draft", list_ids=[2])
    held["tag"] = tag
    with brevo_backend(brevo) as backend:
        assert backend.find(make_campaign(tmp_path / "outbox")).id == str(held["id"])


@pytest.mark.parametrize("status, extra, message", [
    ("archive", {}, "brevo: Brevo campaign {id} (issue-5-fr) is archived and shows no sending date: check in Brevo > "
                    "Campaigns > Archived whether it went out. If it did not, restore it to draft there (or delete it "
                    "and remove its entry from the ledger) before publishing again"),
    ("suspended", {}, "brevo: Brevo campaign {id} (issue-5-fr) is suspended: its sending was stopped, perhaps part-way "
                      "(Brevo suspends campaigns for an account or content review). Check in Brevo > Campaigns and "
                      "its report how many readers received it and contact Brevo's support if it was suspended; it "
                      "is never resent from here"),
    ("cancelling", {}, "brevo: Brevo campaign {id} (issue-5-fr) is cancelling: its sending was stopped"),
    ("queuedForTrigger", {}, "brevo: Brevo campaign {id} (issue-5-fr) has a status this publisher does not know "
                             "('queuedForTrigger'); check it in Brevo > Campaigns before publishing again"),
])
def test_a_brevo_campaign_the_run_cannot_go_on_with_is_explained(brevo, status, extra, message):
    held = brevo.add_campaign("issue-5-fr", status="draft")
    held.update({"status": status, "sentDate": None, **extra})
    with brevo_backend(brevo) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.get(str(held["id"]))
    assert str(caught.value).startswith(message.format(id=held["id"]))


@pytest.mark.parametrize("status, scheduled_at, expected", [
    ("inReview", None, "sending"),
    ("in_review", None, "sending"),
    ("queued", None, "sending"),
    ("queued", "not a date", "sending"),
    ("queued", "2999-01-01T08:00:00", "scheduled"),          # no zone: UTC
    ("queued", "2999-01-01T08:00:00+02:00", "scheduled"),
    ("queued", "2000-01-01T08:00:00Z", "sending"),
])
def test_brevo_statuses_and_scheduled_times_read_as_states(brevo, status, scheduled_at, expected):
    held = brevo.add_campaign("issue-5-fr", status="draft")
    held.update({"status": status, "scheduledAt": scheduled_at})
    with brevo_backend(brevo) as backend:
        assert backend.get(str(held["id"])).state == expected


def test_a_scheduled_time_near_now_is_read_in_utc(brevo, monkeypatch):
    """A time without zone is UTC: read as the machine's local time it would be hours off."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")      # UTC+14
    time.tzset()
    try:
        soon = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
        held = brevo.add_campaign("issue-5-fr", status="draft")
        held.update({"status": "queued", "scheduledAt": soon})
        with brevo_backend(brevo) as backend:
            assert backend.get(str(held["id"])).state == "scheduled"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_brevo_answer_that_is_not_an_object_or_an_id_that_is_not_a_number(brevo, tmp_path):
    answer_with(brevo, "GET", r"/emailCampaigns/\d+", lambda request, match: (200, ["draft"]))
    with brevo_backend(brevo) as backend:
        with pytest.raises(ReconciliationNeeded) as odd:
            backend.get("12")
        with pytest.raises(ReconciliationNeeded) as not_a_number:
            backend.get("12a")
    assert str(odd.value) == ("brevo: Brevo's answer for campaign 12 is not a JSON object; check it in Brevo > "
                              "Campaigns before publishing again")
    assert str(not_a_number.value) == ("brevo: the ledger's Brevo campaign id '12a' is not a number; correct it from "
                                       "Brevo > Campaigns")


@pytest.mark.parametrize("answer", [{"id": True}, {"id": "12a"}, {"id": None}, {}, None])
def test_a_creation_answered_without_a_campaign_id_is_an_error(brevo, tmp_path, answer):
    answer_with(brevo, "POST", BREVO_CAMPAIGNS, lambda request, match: (201, answer))
    with brevo_backend(brevo) as backend:
        with pytest.raises(DeliveryError) as caught:
            backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert str(caught.value) == "brevo: POST /emailCampaigns: the answer has no campaign id"


def test_a_creation_answered_with_a_numeric_id_as_text_is_taken(brevo, tmp_path):
    answer_with(brevo, "POST", BREVO_CAMPAIGNS, lambda request, match: (201, {"id": "12"}))
    with brevo_backend(brevo) as backend:
        assert backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1").id == "12"


def test_a_lost_creation_found_at_brevo_is_logged_and_not_repeated(brevo, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.brevo")
    brevo.fail("POST", BREVO_CAMPAIGNS, kind="reset_after")
    with brevo_backend(brevo) as backend:
        remote = backend.create_draft(make_campaign(tmp_path / "outbox", number=7), "k-1")
    assert [r.getMessage() for r in caplog.records if r.name.endswith("brevo")] == [
        f"issue-7-fr: the create whose answer was lost had reached Brevo (campaign {remote.id})"]


def test_a_lost_creation_not_at_brevo_is_made_again_and_checked_once_more(brevo, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.brevo")
    brevo.fail("POST", BREVO_CAMPAIGNS, status=500)
    hidden = []

    def hide_new(request, match, listing=brevo.list_campaigns):
        status, body = listing(request, match)
        if hidden:
            body = {"campaigns": [c for c in body.get("campaigns", []) if c["id"] not in hidden], "count": 0}
        return status, body
    answer_with(brevo, "GET", BREVO_CAMPAIGNS, hide_new)
    original = brevo.create

    def create_unlisted(request, match):
        status, body = original(request, match)
        hidden.append(body["id"])
        return status, body
    answer_with(brevo, "POST", BREVO_CAMPAIGNS, brevo._brevo(create_unlisted))
    with brevo_backend(brevo) as backend:
        remote = backend.create_draft(make_campaign(tmp_path / "outbox", number=7), "k-1")
    assert [r.getMessage() for r in caplog.records if r.name.endswith("brevo")] == [
        "issue-7-fr: not at Brevo after the lost answer; creating it again (2/2)",
        f"issue-7-fr: Brevo created campaign {remote.id} but does not list it yet; if Brevo > Campaigns shows two "
        "named issue-7-fr, delete the other one"]
    assert len(brevo.calls("GET", BREVO_CAMPAIGNS)) == 2


def test_a_creation_brevo_never_answers_is_given_up_with_what_to_do(brevo, tmp_path):
    brevo.fail("POST", BREVO_CAMPAIGNS, status=503, times=2)
    with brevo_backend(brevo) as backend:
        with pytest.raises(ProviderUnavailable) as caught:
            backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert str(caught.value) == ("brevo: issue-5-fr: Brevo did not answer 2 attempts to create the campaign (brevo "
                                 "HTTP 503: POST /emailCampaigns: server error (injected 503)), and none is there by "
                                 "that name: nothing was created; publish again later")
    assert len(brevo.calls("GET", BREVO_CAMPAIGNS)) == 2 and not brevo.campaigns


def test_a_creation_brevo_made_after_the_last_try_is_found(brevo, tmp_path):
    brevo.fail("POST", BREVO_CAMPAIGNS, status=503, times=2)
    brevo.fail("GET", BREVO_CAMPAIGNS, kind="call_before", action=lambda request: None)   # the first look fails
    land = brevo.fail("GET", BREVO_CAMPAIGNS, kind="call_after", action=lambda request: None)
    with brevo_backend(brevo) as backend:
        late = brevo.add_campaign("issue-5-fr", status="draft", tag="issue-5-fr", list_ids=[2])
        late_id = str(late["id"])
        brevo.campaigns.pop(late["id"])

        def arrive(request, campaign=late):
            brevo.campaigns[campaign["id"]] = campaign
        land.action = arrive
        found = backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert found.id == late_id


def brevo_draft(fake):
    return str(fake.add_campaign("issue-5-fr", status="draft", tag="issue-5-fr", list_ids=[2])["id"])


def test_a_lost_send_brevo_took_is_logged_and_not_repeated(brevo, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.brevo")
    remote_id = brevo_draft(brevo)
    brevo.fail("POST", BREVO_SEND, kind="reset_after")
    with brevo_backend(brevo) as backend:
        backend.send_now(remote_id, make_campaign(tmp_path / "outbox", number=7), journal=None)
    assert len(brevo.sends) == 1 and len(brevo.calls("POST", BREVO_SEND)) == 1
    assert [r.getMessage() for r in caplog.records if r.name.endswith("brevo")] == [
        "issue-7-fr: Brevo took the send whose answer was lost (now sent)"]


def test_a_lost_send_still_a_draft_is_asked_again_and_logged(brevo, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.brevo")
    remote_id = brevo_draft(brevo)
    brevo.fail("POST", BREVO_SEND, status=500)
    with brevo_backend(brevo) as backend:
        backend.send_now(remote_id, make_campaign(tmp_path / "outbox", number=7), journal=None)
    assert len(brevo.sends) == 1 and len(brevo.calls("POST", BREVO_SEND)) == 2
    assert [r.getMessage() for r in caplog.records if r.name.endswith("brevo")] == [
        "issue-7-fr: still a draft at Brevo after the lost answer; asking again (2/2)"]


def test_a_send_refused_after_a_lost_one_is_fine_if_the_first_took(brevo, tmp_path):
    remote_id = brevo_draft(brevo)
    calls = []

    def first_lost_then_refused(request, match):
        calls.append(request)
        if len(calls) == 1:
            return 500, {"code": "internal_error", "message": "try later"}
        brevo.campaigns[int(match.group(1))]["status"] = "sent"     # the first one went through late
        return 400, {"code": "not_allowed", "message": "campaign already sent"}
    answer_with(brevo, "POST", r"/emailCampaigns/(\d+)/sendNow", first_lost_then_refused)
    with brevo_backend(brevo) as backend:
        backend.send_now(remote_id, make_campaign(tmp_path / "outbox"), journal=None)
    assert len(calls) == 2


def test_a_send_refused_after_a_lost_one_is_raised_if_still_a_draft(brevo, tmp_path):
    remote_id = brevo_draft(brevo)
    brevo.fail("POST", BREVO_SEND, status=500)
    brevo.fail("POST", BREVO_SEND, status=400)
    with brevo_backend(brevo) as backend:
        with pytest.raises(InvalidRequest):
            backend.send_now(remote_id, make_campaign(tmp_path / "outbox"), journal=None)
    assert not brevo.sends


def test_a_send_brevo_never_answers_is_given_up_unless_it_took(brevo, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    remote_id = brevo_draft(brevo)
    brevo.fail("POST", BREVO_SEND, status=503, times=2)
    with brevo_backend(brevo) as backend:
        with pytest.raises(ProviderUnavailable) as caught:
            backend.send_now(remote_id, campaign, journal=None)
    assert str(caught.value) == (f"brevo: issue-5-fr: Brevo did not answer 2 requests to send campaign {remote_id} "
                                 f"(brevo HTTP 503: POST /emailCampaigns/{remote_id}/sendNow: server error (injected "
                                 "503)) and it is still a draft there: nothing was sent; publish again later with "
                                 "--send")
    calls = []

    def unanswered(request, match):
        calls.append(request)
        if len(calls) == 2:
            brevo.campaigns[int(remote_id)]["status"] = "sent"   # the last try went through, unanswered
        return 503, {"code": "unavailable", "message": "down"}
    answer_with(brevo, "POST", BREVO_SEND, unanswered)
    with brevo_backend(brevo) as backend:
        backend.send_now(remote_id, campaign, journal=None)       # it went out on the last try: done
    assert len(calls) == 2


def test_brevo_content_sender_without_name_no_reply_to_and_a_missing_link(brevo, tmp_path, caplog):
    campaign = dataclasses.replace(without_unsubscribe_link(tmp_path / "outbox"),
                                   sender="lettre@elise-marchand.example", reply_to="nobody")
    remote_id = brevo_draft(brevo)
    with brevo_backend(brevo) as backend:
        backend.update_draft(remote_id, campaign)
    [put] = brevo.calls("PUT", r"/emailCampaigns/\d+")
    assert put.body["sender"] == {"email": "lettre@elise-marchand.example"} and "replyTo" not in put.body
    assert [r.getMessage() for r in caplog.records if r.name.endswith("brevo")] == [
        "issue-5-fr: the HTML has no [[UNSUBSCRIBE_URL]]; Brevo adds its own unsubscribe footer"]


def test_an_issue_without_sender_address_cannot_go_to_brevo(brevo, tmp_path):
    campaign = dataclasses.replace(make_campaign(tmp_path / "outbox"), sender="Élise Marchand")
    with brevo_backend(brevo) as backend:
        with pytest.raises(ConfigurationError) as caught:
            backend.create_draft(campaign, "k-1")
    assert str(caught.value) == ("brevo: issue-5-fr: the issue has no sender address (From: 'Élise Marchand'); set "
                                 "NEWSLETTER['sender'] and rebuild")
    assert not brevo.calls("POST")


def test_a_brevo_schedule_is_sent_in_utc_to_the_millisecond(brevo, tmp_path, monkeypatch):
    remote_id = brevo_draft(brevo)
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with brevo_backend(brevo) as backend:
            backend.schedule(remote_id, make_campaign(tmp_path / "outbox"),
                             datetime(2031, 7, 1, 8, tzinfo=timezone(timedelta(hours=2))))
            with pytest.raises(ValueError, match=r"^the time to send must be an aware datetime$"):
                backend.schedule(remote_id, make_campaign(tmp_path / "outbox"), datetime(2031, 7, 1, 8))
    finally:
        monkeypatch.undo()
        time.tzset()
    [put] = brevo.calls("PUT", r"/emailCampaigns/\d+")
    assert put.body == {"scheduledAt": "2031-07-01T06:00:00.000Z"}


def test_brevo_requests_that_may_be_repeated_are_after_a_failure(brevo, tmp_path):
    campaign = make_campaign(tmp_path / "outbox", body="Une phrase corrigée.")
    remote_id = brevo_draft(brevo)
    with brevo_backend(brevo) as backend:
        brevo.fail("PUT", r"/emailCampaigns/\d+", status=503)
        backend.update_draft(remote_id, campaign)
        brevo.fail("POST", r"/emailCampaigns/\d+/sendTest", status=503)
        backend.send_test(remote_id, campaign, ("editor@example.org",))
        brevo.fail("GET", r"/emailCampaigns/\d+", status=503)
        assert backend.get(remote_id).state == "draft"
    assert "Une phrase corrigée." in brevo.campaigns[int(remote_id)]["htmlContent"]
    assert brevo.tests[-1]["emailTo"] == ["editor@example.org"]
    assert brevo.calls("GET", r"/emailCampaigns/\d+")[-1].query == {"excludeHtmlContent": ["true"]}


def test_a_lost_creation_that_lands_late_beside_the_new_one_is_named(brevo, tmp_path):
    brevo.fail("POST", BREVO_CAMPAIGNS, status=500)
    hidden, late = [], []

    def listing_without_the_new(request, match, listing=brevo.list_campaigns):
        status, body = listing(request, match)
        kept = [c for c in body.get("campaigns", []) if c["id"] not in hidden]
        return status, ({"campaigns": kept, "count": len(kept)} if kept else {"count": 0})
    answer_with(brevo, "GET", BREVO_CAMPAIGNS, listing_without_the_new)

    def create_then_the_lost_one_lands(request, match, create=brevo.create):
        status, body = create(request, match)
        hidden.append(body["id"])
        late.append(brevo.add_campaign("issue-5-fr", status="draft", tag="issue-5-fr", list_ids=[2])["id"])
        return status, body
    answer_with(brevo, "POST", BREVO_CAMPAIGNS, brevo._brevo(create_then_the_lost_one_lands))
    with brevo_backend(brevo) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert str(caught.value) == (
        f"brevo: Brevo holds two campaigns named 'issue-5-fr' (ids {late[0]} and {hidden[0]}): a create whose answer "
        f"was lost landed late. Delete campaign {late[0]} in Brevo > Campaigns, then publish again")


def test_a_listmonk_creation_lost_on_server_errors_keeps_the_status(listmonk, tmp_path, caplog):
    listmonk.fail("POST", LM_CAMPAIGNS, status=502, times=2)
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(OutcomeUnknown) as lost:
            backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1")
    assert str(lost.value) == ("listmonk HTTP 502: POST /api/campaigns: server error (injected 502); issue-5-fr is "
                               "not at listmonk after 2 tries")
    assert "issue-5-fr: create: listmonk HTTP 502: POST /api/campaigns: server error (injected 502); not done at " \
        "listmonk, trying again" in caplog.text


def test_a_listmonk_campaign_is_read_without_its_body_and_a_404_means_gone(listmonk):
    mine = ours(listmonk)
    with listmonk_backend(listmonk) as backend:
        assert backend.get(str(mine["id"])).state == "draft"
        listmonk.fail("GET", r"/api/campaigns/\d+", status=404)
        with pytest.raises(ReconciliationNeeded, match="^listmonk HTTP 404: campaign id"):
            backend.get(str(mine["id"]))
    assert listmonk.calls("GET", r"/api/campaigns/\d+")[0].query == {"no_body": ["true"]}


def test_a_listmonk_test_is_the_test_version_and_repeated_after_a_failure(listmonk, tmp_path, caplog):
    campaign = make_campaign(tmp_path / "outbox")
    with listmonk_backend(listmonk) as backend:
        remote = backend.create_draft(campaign, "k-1")
        listmonk.fail("POST", r"/api/campaigns/\d+/test", status=503)
        backend.send_test(remote.id, campaign, ["ann@example.com"])
    sent = [call for call in listmonk.calls("POST", r"/api/campaigns/\d+/test") if call.answered == 200]
    assert [call.body["subject"] for call in sent] == ["[TEST] " + campaign.subject]
    assert (f"listmonk POST /api/campaigns/{remote.id}/test: listmonk HTTP 503: server error (injected 503); trying "
            "again") in caplog.text
    assert listmonk.tests == [(int(remote.id), ["ann@example.com"])]


def test_a_listmonk_schedule_sends_the_time_to_the_second_and_asks_to_send_later(listmonk, tmp_path):
    campaign = make_campaign(tmp_path / "outbox")
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
    with listmonk_backend(listmonk) as backend:
        remote = backend.create_draft(campaign, "k-1")
        backend.schedule(remote.id, campaign, when + timedelta(microseconds=123456))
    [put] = listmonk.calls("PUT", r"/api/campaigns/\d+")
    assert put.body["send_at"] == when.isoformat() and put.body["send_later"] is True


@pytest.mark.parametrize("answer", [["ann@example.com"], {"data": ["ann@example.com"]},
                                    {"data": {"results": [{"email": "ann@example.com"}]}},
                                    {"data": {"results": ["ann@example.com"]}}])
def test_a_listmonk_reader_list_that_names_nobody_usable_leaves_the_reader_alone(listmonk, answer):
    answer_with(listmonk, "GET", LM_SUBSCRIBERS, lambda request, match: (200, answer))
    with listmonk_backend(listmonk) as backend:
        assert backend.add_subscriber("ann@example.com", "fr") == ALREADY_THERE
    assert listmonk.subscribers["ann@example.com"] == [4] and not listmonk.calls("PUT")


def test_listmonk_reader_requests_that_fail_once_are_made_again(listmonk, caplog):
    with listmonk_backend(listmonk) as backend:
        listmonk.fail("POST", LM_SUBSCRIBERS, status=503)
        assert backend.add_subscriber("lea@exemple.fr", "en") == ADDED
        listmonk.fail("GET", LM_SUBSCRIBERS, status=503)
        listmonk.fail("PUT", r"/api/subscribers/lists", status=503)
        assert backend.add_subscriber("lea@exemple.fr", "fr") == ADDED
    assert listmonk.subscribers["lea@exemple.fr"] == [3, 4]
    assert "listmonk POST /api/subscribers: listmonk HTTP 503: server error (injected 503); trying again" \
        in caplog.text


def test_listmonk_campaign_changes_that_fail_once_are_made_again(listmonk, tmp_path, caplog):
    campaign = make_campaign(tmp_path / "outbox", number=8)
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
    with listmonk_backend(listmonk) as backend:
        remote = backend.create_draft(campaign, "k-1")
        listmonk.fail("PUT", r"/api/campaigns/\d+", status=503)
        backend.update_draft(remote.id, campaign)
        listmonk.fail("PUT", r"/api/campaigns/\d+", status=503)
        backend.schedule(remote.id, campaign, when)
    assert listmonk.campaigns[int(remote.id)]["status"] == "scheduled"


def test_listmonk_reads_and_deletions_that_fail_once_are_made_again(listmonk, tmp_path):
    older, newer = ours(listmonk), ours(listmonk)
    listmonk.fail("GET", LM_CAMPAIGNS, status=503)
    listmonk.fail("DELETE", r"/api/campaigns/\d+", status=503)
    with listmonk_backend(listmonk) as backend:
        assert backend.find(make_campaign(tmp_path / "outbox")).id == str(older["id"])
        listmonk.fail("GET", r"/api/campaigns/\d+", status=503)
        assert backend.get(str(older["id"])).state == "draft"
    assert [c["id"] for c in listmonk.deleted] == [newer["id"]]


def test_twins_of_which_several_left_the_draft_state_are_all_named(listmonk, tmp_path):
    kept = ours(listmonk)
    first, second = ours(listmonk, status="scheduled"), ours(listmonk, status="scheduled")
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            backend.settle_twins(make_campaign(tmp_path / "outbox"), str(kept["id"]))
    assert f"nothing was changed, as id {first['id']} and id {second['id']} is no longer a draft" in str(caught.value)
    assert not listmonk.deleted


@pytest.mark.parametrize("method, what", [("POST", "POST /api/campaigns"), ("GET", "GET /api/campaigns")])
def test_a_listmonk_list_or_creation_not_answered_as_listmonk_names_the_request(listmonk, tmp_path, method, what):
    answer_with(listmonk, method, LM_CAMPAIGNS, lambda request, match: (200, []))
    with listmonk_backend(listmonk) as backend:
        with pytest.raises(ReconciliationNeeded) as caught:
            (backend.create_draft(make_campaign(tmp_path / "outbox"), "k-1") if method == "POST"
             else backend.find(make_campaign(tmp_path / "outbox")))
    assert str(caught.value) == (f"listmonk: {what}: the answer is not listmonk's {{'data': ...}}; check the URL "
                                 "points at listmonk's root")
