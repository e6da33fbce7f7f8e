"""JSON over HTTP for the provider backends: timeouts, retries, errors, no secret in any message."""

import logging

import requests

from .base import BaseBackend
from .errors import ConfigurationError, DeliveryError, OutcomeUnknown, ProviderUnavailable, blank, from_response
from .retry import RetryPolicy

logger = logging.getLogger(__name__)

SAFE_TO_REPEAT = {"GET", "HEAD", "PUT", "DELETE", "PATCH"}


class HttpApi:
    """One provider's API. ``secrets`` are blanked from every message that could show them."""

    def __init__(self, provider, base_url, headers=None, auth=None, retry=None, timeout=(5, 30), secrets=()):
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.secrets = [secret for secret in secrets if secret]
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", **(headers or {})})
        self.session.auth = auth
        self.session.trust_env = False  # no proxy or .netrc from the editor's environment

    def close(self):
        self.session.close()

    def request(self, method, path, *, json=None, params=None, headers=None, repeatable=None):
        """The decoded JSON answer (None when empty).

        A request that is not ``repeatable`` (a POST without idempotency key)
        is tried once more only when it surely did not reach the provider; if
        it may have, OutcomeUnknown is raised for the caller to look it up.
        """
        if repeatable is None:
            repeatable = method in SAFE_TO_REPEAT
        describe = f"{self.provider} {method} {path}"
        retry_on = (lambda error: True) if repeatable else (lambda error: not isinstance(error, OutcomeUnknown))
        return self.retry.run(lambda: self._once(method, path, json, params, headers, repeatable), describe, retry_on)

    def _once(self, method, path, json, params, headers, repeatable):
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(method, url, json=json, params=params, headers=headers,
                                            timeout=self.timeout)
        except requests.exceptions.InvalidHeader:
            # requests quotes the header's value, credentials included: say which, not what.
            raise ConfigurationError("a credential holds a line break or a space at an end (the request was not "
                                     "sent); check the environment variables named in NEWSLETTER['delivery']",
                                     provider=self.provider) from None
        except requests.ConnectionError as exc:
            if _never_sent(exc):
                raise ProviderUnavailable(self._clean(f"cannot connect to {self.base_url} ({_reason(exc)})"),
                                          provider=self.provider) from None
            raise OutcomeUnknown(self._clean(f"{method} {path}: the connection broke before the answer "
                                             f"({_reason(exc)})"), provider=self.provider) from None
        except requests.Timeout:
            raise OutcomeUnknown(f"{method} {path}: no answer within {self.timeout[1]} s",
                                 provider=self.provider) from None
        logger.debug("%s %s %s -> %s", self.provider, method, path, response.status_code)
        if response.status_code >= 400:
            error = from_response(self.provider, response)
            error.args = (self._clean(error.args[0]),)
            if isinstance(error, ProviderUnavailable) and not repeatable:
                raise OutcomeUnknown(f"{method} {path}: {error.args[0]}", provider=self.provider,
                                     status=error.status, request_id=error.request_id) from None
            raise error
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise DeliveryError(f"{method} {path}: the answer is not JSON", provider=self.provider,
                                status=response.status_code) from None

    def _clean(self, text):
        return blank(text, self.secrets)


class HttpBackend(BaseBackend):
    """A backend whose provider has a JSON API: ``self.api`` between open() and close()."""

    api = None

    def connect(self, base_url, headers=None, auth=None, secrets=None):
        """Called by open(): ``secrets`` defaults to the settings named in SECRETS."""
        self.api = HttpApi(provider=self.name, base_url=base_url, headers=headers, auth=auth, retry=self.retry,
                           timeout=(5, self.timeout), secrets=self.secrets if secrets is None else secrets)

    def close(self):
        if self.api is not None:
            self.api.close()
            self.api = None


def _never_sent(exc):
    """A connect timeout, a TLS failure, a refused connection or an unknown host: the request never left."""
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    text = repr(exc)
    return "NewConnectionError" in text or "NameResolutionError" in text or "Connection refused" in text


def _reason(exc):
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    return type(reason).__name__ if not str(reason) else str(reason).split(": ", 1)[-1][:160]
