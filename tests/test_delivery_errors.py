"""The delivery error hierarchy and the retry policy, on real HTTP answers (requests.Response)."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests

from newsletter.delivery.errors import (AuthenticationError, InvalidRequest, ProviderUnavailable, RateLimited,
                                        from_response)
from newsletter.delivery.retry import RetryPolicy


def answer(status, body=b"", **headers):
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers)
    return response


@pytest.mark.parametrize("status, kind, retryable", [
    (429, RateLimited, True), (500, ProviderUnavailable, True), (503, ProviderUnavailable, True),
    (401, AuthenticationError, False), (403, AuthenticationError, False), (400, InvalidRequest, False),
    (404, InvalidRequest, False), (422, InvalidRequest, False)])
def test_each_status_maps_to_one_error(status, kind, retryable):
    error = from_response("listmonk", answer(status, b'{"message": "nope"}', **{"X-Request-Id": "req-42"}))
    assert type(error) is kind and error.retryable is retryable
    assert (error.provider, error.status, error.request_id) == ("listmonk", status, "req-42")
    assert str(error).startswith(f"listmonk HTTP {status}: ") and "nope" in str(error)
    assert str(error).endswith("(request id req-42)")


def test_validation_errors_are_written_for_people():
    body = b'{"detail": [{"loc": ["body", "subject"], "msg": "field required"}, {"loc": [], "msg": "bad"}]}'
    assert "request refused: body.subject: field required; bad" in str(from_response("buttondown", answer(422, body)))


def test_retry_after_in_seconds_or_as_a_date():
    assert from_response("brevo", answer(429, **{"Retry-After": "12"})).retry_after == 12.0
    when = datetime.now(timezone.utc) + timedelta(seconds=90)
    seconds = from_response("brevo", answer(429, **{"Retry-After": format_datetime(when, usegmt=True)})).retry_after
    assert 80 < seconds <= 90
    assert from_response("brevo", answer(429, **{"Retry-After": "soon"})).retry_after is None


def test_backoff_is_capped_exponential_with_jitter():
    waits = []
    policy = RetryPolicy(attempts=6, base=1, cap=5, sleep=waits.append, random=lambda: 1.0)
    failures = iter([ProviderUnavailable("down")] * 5)

    def call():
        error = next(failures, None)
        if error:
            raise error
        return "done"

    assert policy.run(call, "test") == "done"
    assert waits == [1, 2, 4, 5, 5]
    jittered = RetryPolicy(base=1, cap=5, random=lambda: 0.25)
    assert jittered.wait_before(3, ProviderUnavailable("down")) == 1.0


def test_retry_after_is_honoured_but_bounded():
    waits = []
    policy = RetryPolicy(attempts=3, max_retry_after=60, sleep=waits.append)
    answers = iter([RateLimited("slow down", retry_after=7), "ok"])

    def call():
        value = next(answers)
        if isinstance(value, Exception):
            raise value
        return value

    assert policy.run(call, "test") == "ok" and waits == [7]
    with pytest.raises(RateLimited):
        policy.run(lambda: (_ for _ in ()).throw(RateLimited("later", retry_after=3600)), "test")
    assert waits == [7]   # an hour is not waited for: the run stops and says so


def test_a_refusal_is_not_retried():
    calls = []

    def call():
        calls.append(1)
        raise InvalidRequest("bad field")

    with pytest.raises(InvalidRequest):
        RetryPolicy(sleep=lambda s: None).run(call, "test")
    assert len(calls) == 1
