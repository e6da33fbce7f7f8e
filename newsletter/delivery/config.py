"""NEWSLETTER['delivery']: which backend, its settings, the ledger, the retries.

    NEWSLETTER = {
        ...,
        "delivery": {
            "backend": "buttondown",            # outbox (default) | smtp | buttondown | listmonk | brevo
            "buttondown": {"audiences": {"fr": {"tag": "fr"}, "en": {"tag": "en"}}},
        },
    }

Each backend's own keys are merged over that backend's DEFAULTS; environment
variables (the backend's ENVIRONMENT, e.g. BUTTONDOWN_API_KEY) override
them, so credentials never need to be written in a settings file.
"""

import copy
import importlib
import logging
import os

from .errors import ConfigurationError
from .retry import RetryPolicy

logger = logging.getLogger(__name__)

BACKENDS = {
    "outbox": "newsletter.delivery.backends.outbox.OutboxBackend",
    "smtp": "newsletter.delivery.backends.smtp.SmtpBackend",
    "buttondown": "newsletter.delivery.backends.buttondown.ButtondownBackend",
    "listmonk": "newsletter.delivery.backends.listmonk.ListmonkBackend",
    "brevo": "newsletter.delivery.backends.brevo.BrevoBackend",
}

DEFAULTS = {
    "backend": "outbox",
    # Committed with the content: what was created and sent, per issue, language and provider.
    "ledger": "content/newsletter/ledger.json",
    "retry": {"attempts": 5, "base": 0.5, "cap": 30.0, "max_retry_after": 120.0},
    # Seconds to wait for a provider's answer.
    "timeout": 30.0,
    # Issues before this number are archived on the site but never delivered
    # (they went out before the ledger existed).
    "first_issue": 1,
}


def backend_class(name):
    if name not in BACKENDS:
        raise ConfigurationError(f"NEWSLETTER['delivery']['backend'] = {name!r} is not a backend; "
                                 f"choose one of {', '.join(BACKENDS)}")
    module, _, attribute = BACKENDS[name].rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def load(given, environ=None):
    """The delivery settings merged over DEFAULTS, checked; raises ConfigurationError."""
    environ = os.environ if environ is None else environ
    given = {} if given is None else given
    if not isinstance(given, dict):
        raise ConfigurationError("NEWSLETTER['delivery'] must be a dict, e.g. {'backend': 'outbox'}")
    known = set(DEFAULTS) | set(BACKENDS)
    for key in sorted(set(given) - known):
        logger.warning("NEWSLETTER['delivery']: unknown key %r ignored (known keys: %s)", key, ", ".join(sorted(known)))
    merged = {**copy.deepcopy(DEFAULTS), **{key: copy.deepcopy(value) for key, value in given.items() if key in known}}
    merged["backend"] = environ.get("NEWSLETTER_BACKEND") or merged["backend"]
    retry = merged["retry"]
    if not isinstance(retry, dict) or set(retry) - set(DEFAULTS["retry"]):
        raise ConfigurationError(f"NEWSLETTER['delivery']['retry'] takes {', '.join(DEFAULTS['retry'])}")
    merged["retry"] = {**DEFAULTS["retry"], **retry}
    cls = backend_class(merged["backend"])
    merged[merged["backend"]] = backend_settings(cls, merged.get(merged["backend"]), environ)
    return merged


def backend_settings(cls, given, environ):
    """One backend's settings: its DEFAULTS, the given dict, then the environment."""
    given = {} if given is None else given
    where = f"NEWSLETTER['delivery'][{cls.name!r}]"
    if not isinstance(given, dict):
        raise ConfigurationError(f"{where} must be a dict")
    for key in sorted(set(given) - set(cls.DEFAULTS)):
        logger.warning("%s: unknown key %r ignored (known keys: %s)", where, key, ", ".join(cls.DEFAULTS))
    settings = {**copy.deepcopy(cls.DEFAULTS), **{k: copy.deepcopy(v) for k, v in given.items() if k in cls.DEFAULTS}}
    for key, variable in cls.ENVIRONMENT.items():
        if environ.get(variable):
            settings[key] = environ[variable]
    cls.check_settings(settings, where)
    return settings


def retry_policy(settings, **overrides):
    return RetryPolicy(**{**settings["retry"], **overrides})


def open_backend(settings, retry=None):
    """The configured backend, not yet opened (use it as a context manager)."""
    cls = backend_class(settings["backend"])
    return cls(settings[settings["backend"]], retry=retry or retry_policy(settings), timeout=settings["timeout"])
