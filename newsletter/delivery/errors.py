"""Every way a delivery can fail, in one place.

Each error carries the provider, the HTTP status and the provider's request
id when there is one, and a message the editor can act on. ``from_response``
is the one place where an HTTP answer becomes an error.
"""

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


class DeliveryError(Exception):
    """Base of every delivery failure. ``retryable`` errors may succeed if tried again."""

    retryable = False
    code = None   # the provider's own error code when its answer names one ("duplicate_parameter")

    def __init__(self, message, provider=None, status=None, request_id=None):
        self.provider = provider
        self.status = status
        self.request_id = request_id
        super().__init__(message)

    def __str__(self):
        parts = [self.provider] if self.provider else []
        if self.status:
            parts.append(f"HTTP {self.status}")
        head = f"{' '.join(parts)}: " if parts else ""
        tail = f" (request id {self.request_id})" if self.request_id else ""
        return f"{head}{self.args[0]}{tail}"


class ConfigurationError(DeliveryError):
    """The delivery settings cannot be used (a missing key, an unknown backend, no credentials)."""


class AuthenticationError(DeliveryError):
    """401/403: the credentials are wrong or lack a permission."""


class InvalidRequest(DeliveryError):
    """400/404/409/422: the provider refused what we sent; retrying would not help."""


class RateLimited(DeliveryError):
    """429: the provider asks us to wait ``retry_after`` seconds."""

    retryable = True

    def __init__(self, message, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderUnavailable(DeliveryError):
    """5xx, a timeout before sending, a refused connection: nothing was done, try again."""

    retryable = True


class OutcomeUnknown(DeliveryError):
    """The request left but no answer came back (timeout, connection reset): it may have been done.

    A request that creates or sends must not simply be repeated: the caller
    looks the result up at the provider first (see ledger reconciliation).
    """

    retryable = True


class ReconciliationNeeded(DeliveryError):
    """The provider's state cannot be known: the editor must check before anything else is sent."""


def blank(text, secrets):
    """``text`` with every secret replaced by ****, the longest first.

    Longest first, so that a pair such as "user:token" is blanked whole
    before its parts are (else "user:****" would still show the user).
    """
    for secret in sorted({str(s) for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "****")
    return text


def from_response(provider, response):
    """The error of a non-2xx ``requests`` response, with the provider's own message and code."""
    error = _error_of(provider, response)
    error.code = provider_code(response)
    return error


def provider_code(response):
    """The provider's machine-readable error code ({"code": "..."}), or None."""
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _error_of(provider, response):
    status = response.status_code
    request_id = _request_id(response)
    detail = provider_message(response)
    if status == 429:
        return RateLimited(f"too many requests; {detail}", retry_after=retry_after_seconds(response),
                           provider=provider, status=status, request_id=request_id)
    if status in (401, 403):
        return AuthenticationError(f"credentials refused ({detail}); check the API key in the environment "
                                   "variable named in NEWSLETTER['delivery']", provider=provider, status=status,
                                   request_id=request_id)
    if status >= 500:
        return ProviderUnavailable(f"server error ({detail})", provider=provider, status=status, request_id=request_id)
    return InvalidRequest(f"request refused: {detail}", provider=provider, status=status, request_id=request_id)


def provider_message(response, limit=300):
    """The provider's own explanation: a JSON error field when there is one, else the body's start."""
    try:
        body = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return text[:limit] or response.reason or "no message"
    if isinstance(body, dict):
        for key in ("detail", "message", "error", "errors", "code"):
            if body.get(key):
                return _readable(body[key])[:limit]
    return str(body)[:limit]


def _readable(detail):
    """Validation errors as lists of {loc, msg} (FastAPI, Django Ninja) become "body.subject: msg; ..."."""
    if isinstance(detail, list) and all(isinstance(item, dict) and "msg" in item for item in detail):
        return "; ".join(f"{'.'.join(map(str, item.get('loc', [])))}: {item['msg']}".lstrip(": ") for item in detail)
    return str(detail)


def retry_after_seconds(response):
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None when absent or bad."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _request_id(response):
    # requests' headers ignore case: "X-Request-ID" is "X-Request-Id".
    for header in ("X-Request-Id", "Request-Id", "X-Sib-Request-Id"):
        if response.headers.get(header):
            return response.headers[header]
    return None
