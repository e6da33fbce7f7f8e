"""The interface every delivery backend implements (the shape of Django's mail backends).

A backend knows one provider and nothing of the ledger: the Dispatcher
(dispatch.py) decides what to call, writes the intent to the ledger before
each call and the result after it. Backends are context managers:

    with load_backend(config) as backend:
        remote = backend.create_draft(campaign, audience, idempotency_key)

Provider campaigns carry the campaign's key ("issue-5-fr") as their name or
tag, so that ``find`` can recognise ours after a crash.
"""

import logging
from dataclasses import dataclass

from .errors import ConfigurationError, OutcomeUnknown
from .retry import RetryPolicy

logger = logging.getLogger(__name__)

DRAFT, SCHEDULED, SENDING, SENT = "draft", "scheduled", "sending", "sent"
# What add_subscriber did: the reader is new at the provider, or it held them already.
ADDED, ALREADY_THERE = "added", "already there"


@dataclass
class Remote:
    """A campaign as the provider knows it."""

    id: str
    state: str          # one of DRAFT, SCHEDULED, SENDING, SENT
    url: str = ""       # where the editor can see it, when the provider has a page for it
    # True when a create whose answer was lost had to be sent again: the lost one may
    # still land later as a second campaign (see BaseBackend.settle_twins).
    twin_possible: bool = False


class BaseBackend:
    name = "base"
    # True when create_draft may be repeated with the same idempotency key
    # without making a second campaign (the provider honours the key).
    idempotent_create = False
    # True when drafts live at the provider; outbox and SMTP keep theirs locally.
    remote_drafts = True
    # False when the provider cannot send later (the Dispatcher refuses before writing any intent).
    can_schedule = True
    # This backend's settings and their defaults (NEWSLETTER['delivery'][name]).
    DEFAULTS = {}
    # Setting -> environment variable that overrides it (credentials, base URL).
    ENVIRONMENT = {}
    # Settings whose values must never appear in a message: every credential, the user name too
    # (half of a login; tests/test_delivery_hardening.py checks each backend's ENVIRONMENT against it).
    SECRETS = ()

    def __init__(self, config, retry=None, timeout=30.0):
        """``config``: this backend's settings, merged over DEFAULTS, environment applied."""
        self.config = config
        self.retry = retry or RetryPolicy()
        self.timeout = timeout

    @classmethod
    def check_settings(cls, settings, where):
        """Raise ConfigurationError, naming ``where`` and the key, for settings that cannot work."""

    @property
    def secrets(self):
        return [str(self.config[key]) for key in self.SECRETS if self.config.get(key)]

    def require(self, *keys):
        """Credentials are checked when delivering, not when building: a build needs none."""
        for key in keys:
            if not self.config.get(key):
                variable = self.ENVIRONMENT.get(key)
                hint = f"set the environment variable {variable}" if variable else \
                    f"set NEWSLETTER['delivery']['{self.name}']['{key}']"
                raise ConfigurationError(f"no {key.replace('_', ' ')}: {hint}", provider=self.name)

    def open(self):
        """Connect (or check the credentials) before the first call; nothing by default."""

    def close(self):
        """Release connections; safe to call twice."""

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()

    def audience(self, lang):
        """Who receives the language's issue: list ids, a tag or a segment (from the settings)."""
        audiences = self.config.get("audiences", {})
        if lang not in audiences:
            raise ConfigurationError(f"no audience for {lang!r}: set NEWSLETTER['delivery']['{self.name}']"
                                     f"['audiences']['{lang}']", provider=self.name)
        return audiences[lang]

    def without_repeating(self, call, took, describe):
        """``call()`` a request that must not happen twice (a create, a send).

        When its answer is lost (OutcomeUnknown), ``took()`` asks the provider
        whether it happened: a result other than None is returned as the
        outcome; otherwise the request is made again after the policy's wait,
        at most ``retry.attempts`` times in all, then the last error is raised.
        """
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return call()
            except OutcomeUnknown as error:
                outcome = took()
                if outcome is not None:
                    logger.info("%s: the provider had done it, though its answer was lost", describe)
                    return outcome
                if attempt == self.retry.attempts:
                    raise
                logger.warning("%s: %s; not done at %s, trying again", describe, error, self.name)
                self.retry.sleep(self.retry.wait_before(attempt, error))

    def describe_audience(self, lang):
        """Who gets the language's issue, in words, for the editor's confirmation."""
        return f"{self.name} audience {self.audience(lang)}"

    # The campaign's life at the provider. Each raises a DeliveryError subclass.

    def create_draft(self, campaign, idempotency_key):
        """Create the campaign as a draft (never sent by this call); return its Remote."""
        raise NotImplementedError

    def find(self, campaign):
        """Our campaign for this key at the provider, or None when surely absent.

        Raises ReconciliationNeeded when the answer cannot be trusted.
        """
        raise NotImplementedError

    def get(self, remote_id):
        """The Remote of a campaign created earlier."""
        raise NotImplementedError

    def settle_twins(self, campaign, remote_id):
        """Look again for other campaigns of ``campaign`` besides ``remote_id`` (a late creation).

        Returns (the Remote of ``remote_id``, ids of the stray drafts deleted).
        Providers without that risk (an idempotency key, local drafts) only read it.
        """
        return self.get(remote_id), []

    def update_draft(self, remote_id, campaign):
        """Replace the content of a draft."""
        raise NotImplementedError

    def send_test(self, remote_id, campaign, addresses):
        """Send the draft to ``addresses`` only (the editor's test)."""
        raise NotImplementedError

    def schedule(self, remote_id, campaign, when):
        """Have the provider send it at ``when`` (an aware datetime)."""
        raise NotImplementedError

    # Readers brought in from another platform (invoke import); nothing is sent to them.

    def add_subscriber(self, email, lang, consent_date=None, source=""):
        """Make ``email`` a reader of ``lang``'s audience, sending them nothing; ADDED or ALREADY_THERE.

        An address the provider already holds is ALREADY_THERE, not an error, so an import
        killed between a creation and its journal line can simply be run again.
        """
        raise ConfigurationError(f"the {self.name} backend keeps no list of readers at a provider: import them "
                                 "into a CSV file (csv:PATH) instead", provider=self.name)

    def send_now(self, remote_id, campaign, journal):
        """Send it to the language's audience now.

        ``journal`` records each recipient for backends that send one message
        per reader (SMTP): ``journal.sent(address)`` and ``journal.is_sent(address)``.
        """
        raise NotImplementedError
