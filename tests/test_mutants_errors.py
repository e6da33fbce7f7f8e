"""The delivery errors' exact words, attributes and parsing of provider answers (kills errors.py's mutants)."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests

from newsletter.delivery.errors import (AuthenticationError, ConfigurationError, DeliveryError, InvalidRequest,
                                        OutcomeUnknown, ProviderUnavailable, RateLimited, ReconciliationNeeded,
                                        blank, from_response, provider_code, provider_message, retry_after_seconds)


def answer(status=400, body=b"", reason=None, **headers):
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.reason = reason
    response.headers.update(headers)
    return response


# ----------------------------------------------------------------------------------------------- the error itself

def test_an_error_keeps_its_message_provider_status_and_request_id():
    error = DeliveryError("it broke", provider="brevo", status=502, request_id="r-1")
    assert (error.args, error.provider, error.status, error.request_id) == (("it broke",), "brevo", 502, "r-1")
    assert error.code is None and error.retryable is False


@pytest.mark.parametrize("kwargs, text", [
    ({}, "it broke"),
    ({"provider": "brevo"}, "brevo: it broke"),
    ({"status": 502}, "HTTP 502: it broke"),
    ({"provider": "brevo", "status": 502}, "brevo HTTP 502: it broke"),
    ({"request_id": "r-1"}, "it broke (request id r-1)"),
    ({"provider": "brevo", "status": 502, "request_id": "r-1"}, "brevo HTTP 502: it broke (request id r-1)"),
])
def test_an_error_reads_provider_status_message_then_request_id(kwargs, text):
    assert str(DeliveryError("it broke", **kwargs)) == text


@pytest.mark.parametrize("kind, retryable", [
    (DeliveryError, False), (ConfigurationError, False), (AuthenticationError, False), (InvalidRequest, False),
    (RateLimited, True), (ProviderUnavailable, True), (OutcomeUnknown, True), (ReconciliationNeeded, False)])
def test_only_waiting_or_unknown_outcomes_are_retryable(kind, retryable):
    assert kind("x").retryable is retryable


def test_rate_limited_keeps_its_wait_and_the_common_fields():
    error = RateLimited("slow down", retry_after=7, provider="brevo", status=429, request_id="r-2")
    assert error.retry_after == 7
    assert str(error) == "brevo HTTP 429: slow down (request id r-2)"
    assert RateLimited("slow down").retry_after is None


# ----------------------------------------------------------------------------------------------- blanking secrets

def test_blank_hides_a_pair_whole_before_its_parts():
    # Longest first, whatever the alphabet says: "zz9" sorts after the pair but is only part of it.
    assert blank("auth alice:zz9 then alice and zz9", ["alice", "zz9", "alice:zz9"]) == \
        "auth **** then **** and ****"


def test_blank_skips_empty_secrets_and_reads_others_as_text():
    assert blank("None of 42 is here", [None, "", 42]) == "None of **** is here"


# ----------------------------------------------------------------------------------------------- from_response

@pytest.mark.parametrize("status, text", [
    (429, "too many requests; nope"),
    (401, "credentials refused (nope); check the API key in the environment variable named in "
          "NEWSLETTER['delivery']"),
    (403, "credentials refused (nope); check the API key in the environment variable named in "
          "NEWSLETTER['delivery']"),
    (500, "server error (nope)"),
    (501, "server error (nope)"),
    (499, "request refused: nope"),
    (402, "request refused: nope"),
    (404, "request refused: nope"),
    (430, "request refused: nope"),
])
def test_each_status_gets_its_exact_message(status, text):
    error = from_response("listmonk", answer(status, b'{"message": "nope"}', **{"X-Request-Id": "r-9"}))
    assert error.args == (text,)
    assert (error.provider, error.status, error.request_id) == ("listmonk", status, "r-9")


def test_a_429_carries_its_retry_after_and_request_id():
    error = from_response("brevo", answer(429, b"{}", **{"Retry-After": "12", "X-Sib-Request-Id": "sib-1"}))
    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.provider, error.status, error.request_id) == (12.0, "brevo", 429, "sib-1")


def test_the_providers_code_is_kept_on_the_error():
    error = from_response("buttondown", answer(400, b'{"code": "duplicate_parameter", "detail": "twice"}'))
    assert error.code == "duplicate_parameter" and error.args == ("request refused: twice",)


@pytest.mark.parametrize("body, code", [
    (b'{"code": "email_blocked"}', "email_blocked"), (b'{"code": 42}', None), (b'{"other": "x"}', None),
    (b'["code"]', None), (b"not json", None), (b"", None)])
def test_provider_code_is_a_string_code_or_none(body, code):
    assert provider_code(answer(400, body)) == code


# ----------------------------------------------------------------------------------------------- provider_message

@pytest.mark.parametrize("body, message", [
    ({"detail": "d", "message": "m", "error": "e", "errors": "es", "code": "c"}, "d"),
    ({"message": "m", "error": "e", "errors": "es", "code": "c"}, "m"),
    ({"error": "e", "errors": "es", "code": "c"}, "e"),
    ({"errors": "es", "code": "c"}, "es"),
    ({"code": "c"}, "c"),
    ({"detail": "", "message": None, "error": "e"}, "e"),
    ({"status": "bad"}, "{'status': 'bad'}"),
    ({"detail": 42}, "42"),
    (["one", "two"], "['one', 'two']"),
])
def test_the_first_json_field_that_explains_is_the_message(body, message):
    import json
    assert provider_message(answer(400, json.dumps(body).encode())) == message


def test_a_long_message_is_cut_at_300_characters_whatever_its_form():
    import json
    long = "x" * 400
    assert provider_message(answer(400, long.encode())) == "x" * 300
    assert provider_message(answer(400, json.dumps({"message": long}).encode())) == "x" * 300
    assert provider_message(answer(400, json.dumps([long]).encode())) == ("['" + long)[:300]
    assert provider_message(answer(400, long.encode()), limit=5) == "xxxxx"


def test_a_plain_text_body_is_stripped_then_the_reason_then_a_default():
    assert provider_message(answer(502, b"  Bad gateway here \n", reason="Bad Gateway")) == "Bad gateway here"
    assert provider_message(answer(502, b"   ", reason="Bad Gateway")) == "Bad Gateway"
    assert provider_message(answer(502, b"", reason="Bad Gateway")) == "Bad Gateway"
    assert provider_message(answer(502, b"")) == "no message"


@pytest.mark.parametrize("detail, message", [
    ([{"loc": ["body", "subject"], "msg": "field required"}, {"loc": ["body", 0], "msg": "bad"}],
     "body.subject: field required; body.0: bad"),
    ([{"msg": "Xmas is over"}], "Xmas is over"),
    ([{"loc": [], "msg": "empty"}], "empty"),
    ([{"msg": "a"}, {"text": "no msg"}], "[{'msg': 'a'}, {'text': 'no msg'}]"),
    ([{"msg": "a"}, "plain"], "[{'msg': 'a'}, 'plain']"),
    (["plain"], "['plain']"),
])
def test_validation_errors_read_as_location_then_message(detail, message):
    import json
    assert provider_message(answer(422, json.dumps({"detail": detail}).encode())) == message


# ----------------------------------------------------------------------------------------------- retry_after_seconds

def test_retry_after_absent_blank_or_bad_is_none():
    assert retry_after_seconds(answer(429)) is None
    assert retry_after_seconds(answer(429, **{"Retry-After": "  "})) is None
    assert retry_after_seconds(answer(429, **{"Retry-After": "soon"})) is None


def test_retry_after_in_seconds_is_a_float():
    assert retry_after_seconds(answer(429, **{"Retry-After": " 0 "})) == 0.0
    assert retry_after_seconds(answer(429, **{"Retry-After": "12"})) == 12.0


def test_retry_after_as_a_past_date_is_no_wait():
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    assert retry_after_seconds(answer(429, **{"Retry-After": format_datetime(past, usegmt=True)})) == 0.0


def test_retry_after_as_a_date_without_zone_is_read_as_utc():
    # "-0000" means "zone unknown": the date parses without tzinfo and is taken as UTC.
    future = datetime.now(timezone.utc) + timedelta(seconds=120)
    seconds = retry_after_seconds(answer(429, **{"Retry-After": future.strftime("%a, %d %b %Y %H:%M:%S -0000")}))
    assert 100 < seconds <= 120
    past = datetime.now(timezone.utc) - timedelta(seconds=120)
    assert retry_after_seconds(answer(429, **{"Retry-After": past.strftime("%a, %d %b %Y %H:%M:%S -0000")})) == 0.0


# ----------------------------------------------------------------------------------------------- request ids

@pytest.mark.parametrize("header", ["X-Request-Id", "Request-Id", "X-Sib-Request-Id"])
def test_each_providers_request_id_header_is_read(header):
    assert from_response("p", answer(400, b"{}", **{header: "id-7"})).request_id == "id-7"


def test_the_first_non_empty_request_id_wins_and_none_without():
    assert from_response("p", answer(400, b"{}", **{"X-Request-Id": "", "Request-Id": "id-2",
                                                      "X-Sib-Request-Id": "id-3"})).request_id == "id-2"
    assert from_response("p", answer(400, b"{}", **{"X-Request-Id": "id-1", "Request-Id": "id-2"})).request_id == "id-1"
    assert from_response("p", answer(400, b"{}")).request_id is None
