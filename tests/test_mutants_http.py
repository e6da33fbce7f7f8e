"""HttpApi against a loopback stand-in: what is sent, what is repeated, what each failure becomes (http.py)."""

import logging
import socket

import pytest
import requests
import urllib3

from fake_providers.base import FakeProvider
from newsletter.delivery.errors import (ConfigurationError, DeliveryError, InvalidRequest, OutcomeUnknown,
                                        ProviderUnavailable)
from newsletter.delivery.http import HttpApi, HttpBackend, _never_sent, _reason
from newsletter.delivery.retry import RetryPolicy

METHODS = ("GET", "HEAD", "PUT", "DELETE", "PATCH", "POST")
THINGS = "/v1/things"


class Scripted(FakeProvider):
    """Answers /v1/things with the queued answers in turn, then 200 {"ok": true}; bytes go out as they are.

    HEAD is answered too, without a body."""

    def __init__(self):
        self.answers = []
        super().__init__()

    def routes(self):
        return [(method, THINGS, self.things) for method in METHODS]

    def things(self, request, match):
        return self.answers.pop(0) if self.answers else (200, {"ok": True})

    def _handler_class(self):
        handler = super()._handler_class()
        handler.do_HEAD = handler.do_GET
        return handler

    def _answer(self, http, request, status, body, headers=None):
        if http.command == "HEAD":
            body = b""   # an answer to HEAD has no body
        if not isinstance(body, bytes):
            return super()._answer(http, request, status, body, headers)
        request.answered = status
        http.send_response(status)
        for name, value in (headers or {}).items():
            http.send_header(name, str(value))
        http.send_header("Content-Length", str(len(body)))
        http.end_headers()
        http.wfile.write(body)


@pytest.fixture
def fake():
    with Scripted() as server:
        yield server


@pytest.fixture
def waits():
    return []


@pytest.fixture
def api(fake, waits):
    made = HttpApi("prov", f"{fake.url}/v1/", retry=RetryPolicy(attempts=3, sleep=waits.append), timeout=(5, 0.3),
                   secrets=["s3cret", "", None])
    yield made
    made.close()


def closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


# ----------------------------------------------------------------------------------------------- what is sent

def test_the_defaults(fake):
    api = HttpApi("prov", fake.url)
    assert api.timeout == (5, 30) and isinstance(api.retry, RetryPolicy) and api.secrets == []
    api.close()


def test_settings_are_kept(fake):
    policy = RetryPolicy(attempts=2)
    api = HttpApi("prov", f"{fake.url}/apiX/", retry=policy, timeout=(1, 2), secrets=["", "k", None])
    assert (api.provider, api.base_url, api.retry, api.timeout, api.secrets) == \
        ("prov", f"{fake.url}/apiX", policy, (1, 2), ["k"])
    api.close()


def test_the_request_carries_body_query_headers_and_credentials(fake):
    api = HttpApi("prov", f"{fake.url}/v1/", headers={"X-Api-Key": "k1"}, auth=("user", "pw"))
    assert api.request("PUT", "/things", json={"a": 1}, params={"q": "x"}, headers={"X-Extra": "e"}) == {"ok": True}
    api.close()
    [call] = fake.requests
    assert (call.method, call.path, call.query, call.body) == ("PUT", THINGS, {"q": ["x"]}, {"a": 1})
    assert call.headers["accept"] == "application/json"
    assert call.headers["x-api-key"] == "k1" and call.headers["x-extra"] == "e"
    assert call.headers["authorization"] == "Basic dXNlcjpwdw=="


def test_the_editors_proxy_settings_are_ignored(fake, monkeypatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    dead = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, dead)
    api = HttpApi("prov", fake.url, retry=RetryPolicy(attempts=1))
    assert api.request("GET", THINGS) == {"ok": True}
    api.close()


def test_the_answer_decoded_or_none_when_empty(api, fake):
    fake.answers = [(200, {}), (204, None), (399, {"odd": "but fine"})]
    assert api.request("GET", "/things") == {}
    assert api.request("GET", "/things") is None
    assert api.request("GET", "/things") == {"odd": "but fine"}


def test_an_answer_that_is_not_json_is_an_error(api, fake):
    fake.answers = [(200, b"<html>hello</html>")]
    with pytest.raises(DeliveryError) as caught:
        api.request("GET", "/things")
    assert type(caught.value) is DeliveryError
    assert str(caught.value) == "prov HTTP 200: GET /things: the answer is not JSON"


def test_each_answer_is_logged_at_debug_level(api, fake, caplog):
    caplog.set_level(logging.DEBUG, logger="newsletter.delivery.http")
    api.request("GET", "/things")
    assert "prov GET /things -> 200" in caplog.messages


# ----------------------------------------------------------------------------------------------- what is repeated

@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "PATCH"])
def test_a_safe_method_is_tried_again_after_a_server_error(api, fake, waits, method):
    fake.answers = [(503, {"detail": "busy"})]
    expected = None if method == "HEAD" else {"ok": True}
    assert api.request(method, "/things") == expected
    assert [call.answered for call in fake.requests] == [503, 200] and len(waits) == 1


def test_a_retry_is_logged_with_the_provider_method_and_path(fake, caplog):
    # A provider name of its own: pelican's LimitFilter drops a warning already logged word for word.
    api = HttpApi("logged", fake.url, retry=RetryPolicy(sleep=lambda seconds: None))
    fake.answers = [(503, {"detail": "busy"})]
    api.request("GET", THINGS)
    api.close()
    assert any(message.startswith(f"logged GET {THINGS}: logged HTTP 503: server error (busy); trying again")
               for message in caplog.messages)


def test_a_post_that_met_a_server_error_may_have_been_done(api, fake):
    fake.answers = [(503, {"detail": "busy s3cret"}, {"X-Request-Id": "r-5"})]
    with pytest.raises(OutcomeUnknown) as caught:
        api.request("POST", "/things", json={})
    assert str(caught.value) == "prov HTTP 503: POST /things: server error (busy ****) (request id r-5)"
    assert (caught.value.status, caught.value.request_id) == (503, "r-5")
    assert len(fake.requests) == 1


def test_a_repeatable_post_is_tried_again(api, fake):
    fake.answers = [(503, {"detail": "busy"})]
    assert api.request("POST", "/things", json={}, repeatable=True) == {"ok": True}
    assert len(fake.requests) == 2


def test_a_get_said_not_repeatable_is_not_tried_again(api, fake):
    fake.answers = [(503, {"detail": "busy"})]
    with pytest.raises(OutcomeUnknown):
        api.request("GET", "/things", repeatable=False)
    assert len(fake.requests) == 1


def test_a_post_refused_for_its_rate_is_tried_again(api, fake, waits):
    fake.answers = [(429, {"detail": "slow"}, {"Retry-After": "0"})]
    assert api.request("POST", "/things", json={}) == {"ok": True}
    assert len(fake.requests) == 2 and waits == [0.0]


def test_a_post_whose_connection_broke_is_not_repeated(api, fake):
    fake.fail("POST", THINGS, kind="reset_after")
    with pytest.raises(OutcomeUnknown) as caught:
        api.request("POST", "/things", json={})
    assert str(caught.value).startswith("prov: POST /things: the connection broke before the answer (")
    assert len(fake.requests) == 1


def test_a_get_whose_connection_broke_is_tried_again(api, fake):
    fake.fail("GET", THINGS, kind="reset_after")
    assert api.request("GET", "/things") == {"ok": True}
    assert len(fake.requests) == 2


def test_a_request_without_answer_in_time_is_an_unknown_outcome(api, fake):
    fake.fail("POST", THINGS, kind="hang")
    with pytest.raises(OutcomeUnknown) as caught:
        api.request("POST", "/things", json={})
    assert str(caught.value) == "prov: POST /things: no answer within 0.3 s"


# ----------------------------------------------------------------------------------------------- failures

def test_a_refusal_is_raised_with_secrets_blanked(api, fake):
    fake.answers = [(400, {"detail": "bad key s3cret"})]
    with pytest.raises(InvalidRequest) as caught:
        api.request("GET", "/things")
    assert caught.value.args == ("request refused: bad key ****",)
    assert len(fake.requests) == 1


def test_a_server_error_on_a_get_stays_unavailable_after_the_last_try(api, fake):
    fake.answers = [(500, {"detail": "down"})] * 3
    with pytest.raises(ProviderUnavailable) as caught:
        api.request("GET", "/things")
    assert type(caught.value) is ProviderUnavailable and len(fake.requests) == 3


def test_a_refused_connection_is_unavailable_and_tried_again_even_for_a_post(waits):
    base = f"http://127.0.0.1:{closed_port()}/v1"
    api = HttpApi("prov", base + "/", retry=RetryPolicy(attempts=2, sleep=waits.append), secrets=["127.0.0.1"])
    with pytest.raises(ProviderUnavailable) as caught:
        api.request("POST", "/things", json={})
    api.close()
    assert type(caught.value) is ProviderUnavailable and caught.value.provider == "prov"
    assert str(caught.value).startswith(f"prov: cannot connect to {base.replace('127.0.0.1', '****')} (")
    assert "Connection refused)" in str(caught.value)
    assert len(waits) == 1


def test_a_credential_with_a_line_break_is_named_not_sent(api, fake):
    with pytest.raises(ConfigurationError) as caught:
        api.request("GET", "/things", headers={"X-Api-Key": "s3cret\n"})
    assert str(caught.value) == ("prov: a credential holds a line break or a space at an end (the request was not "
                                 "sent); check the environment variables named in NEWSLETTER['delivery']")
    assert fake.requests == []


@pytest.mark.parametrize("exc, never_sent", [
    (requests.ConnectTimeout(), True),
    (requests.exceptions.SSLError(), True),
    (requests.ConnectionError("NewConnectionError(...)"), True),
    (requests.ConnectionError("NameResolutionError(...)"), True),
    (requests.ConnectionError("[Errno 111] Connection refused"), True),
    (requests.ConnectionError("Connection reset by peer"), False),
    (requests.ConnectionError(), False),
])
def test_which_connection_failures_surely_never_left(exc, never_sent):
    assert _never_sent(exc) is never_sent


@pytest.mark.parametrize("exc, reason", [
    (requests.ConnectionError(), "ConnectionError"),
    (requests.ConnectionError("pool: host: refused"), "host: refused"),
    (requests.ConnectionError("Max retries exceeded: refused"), "refused"),
    (requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", OSError("conn: deep"))), "deep"),
    (requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", OSError())), "OSError"),
    (requests.ConnectionError("x: " + "y" * 200), "y" * 160),
])
def test_the_reason_of_a_connection_failure_in_words(exc, reason):
    assert _reason(exc) == reason


# ----------------------------------------------------------------------------------------------- HttpBackend

class Backend(HttpBackend):
    name = "scripted"
    SECRETS = ("api_key",)


def test_a_backend_never_connected_closes_quietly():
    backend = Backend({})
    assert backend.api is None
    backend.close()
    assert backend.api is None


def test_a_backend_connects_with_its_name_policy_timeout_and_secrets(fake):
    policy = RetryPolicy(attempts=2)
    backend = Backend({"api_key": "k-123"}, retry=policy, timeout=7.0)
    backend.connect(f"{fake.url}/v1/", headers={"X-Api-Key": "k-123"}, auth=("u", "p"))
    api = backend.api
    assert (api.provider, api.base_url, api.retry, api.timeout, api.secrets) == \
        ("scripted", f"{fake.url}/v1", policy, (5, 7.0), ["k-123"])
    assert backend.api.request("GET", "/things") == {"ok": True}
    [call] = fake.requests
    assert call.headers["x-api-key"] == "k-123" and call.headers["authorization"].startswith("Basic ")
    backend.close()
    assert backend.api is None
    backend.close()   # twice is fine
    assert backend.api is None


def test_a_backend_may_name_its_own_secrets(fake):
    backend = Backend({"api_key": "k-123"})
    backend.connect(fake.url, secrets=["other"])
    assert backend.api.secrets == ["other"]
    backend.close()
    backend.connect(fake.url, secrets=[])
    assert backend.api.secrets == []
    backend.close()


def test_closing_a_backend_closes_its_session(fake):
    backend = Backend({})
    backend.connect(fake.url)
    session = backend.api.session
    backend.api.request("GET", THINGS)
    assert session.adapters
    backend.close()
    assert not session.adapters["http://"].poolmanager.pools
