"""The ``NEWSLETTER`` setting: defaults and validation, checked once when Pelican starts."""

import copy
import logging

from newsletter.delivery import config as delivery_config
from newsletter.delivery.errors import ConfigurationError as DeliveryConfigurationError

logger = logging.getLogger(__name__)

DEFAULTS = {
    # Folder of the issues inside the content folder: newsletter/fr/, newsletter/en/.
    "path": "newsletter",
    # The newsletter's name and tagline, per language.
    "name": {},
    "tagline": {},
    # Who sends it: {"name": ..., "email": ...}; reply_to likewise, or None.
    "sender": {},
    "reply_to": None,
    # Required in commercial email (and expected by readers): the sender's postal address.
    "postal_address": "",
    "powered_by": "",
    # Replaced by the delivery backend with each reader's own unsubscribe address.
    "unsubscribe_placeholder": "[[UNSUBSCRIBE_URL]]",
    # Query parameters added to links into the site; "{number}" and "{lang}" are replaced.
    "utm": {},
    # Base of the email's links (absolute); None: FEED_DOMAIN, else SITEURL.
    "site_url": None,
    # Where the rendered emails (.eml) go; None: "outbox" beside the output folder.
    "outbox": None,
    # A digest lists at most this many posts published since the previous issue.
    "digest_limit": 6,
    # Gmail clips HTML from about 102 KB.
    "html_limit": 100 * 1024,
    # How issues reach readers: backend, its settings, the ledger (see newsletter/delivery/config.py).
    "delivery": {},
    # The subscribe form (archive page and end of posts), posted straight to the
    # mailing provider: {"provider": "buttondown" | "listmonk" | "brevo" | "custom", ...}.
    # None: no form, a line asking readers to write to the sender. See subscribe.py.
    "subscribe": None,
}

# URLs of the archive, without language prefix (English gets en/).
ARCHIVE_URL = "newsletter/"
ISSUE_URL = "newsletter/{number}/"
FEEDBACK_URL = "newsletter/feedback/{answer}/"
FEED_URL = "newsletter/feed.xml"
# Where the provider sends readers: "check your inbox" and "subscribed"; the privacy notice.
SUBSCRIBE_URL = "newsletter/subscribe/{step}/"
PRIVACY_URL = "newsletter/privacy/"

STATE_KEY = "NEWSLETTER_STATE"


class NewsletterSettingsError(ValueError):
    """The NEWSLETTER setting cannot be used; the message says how to fix it."""


def load(settings):
    given = settings.get("NEWSLETTER", {})
    if not isinstance(given, dict):
        raise NewsletterSettingsError("NEWSLETTER must be a dict, e.g. NEWSLETTER = {'name': {'fr': '...'}}")
    for key in sorted(set(given) - set(DEFAULTS)):
        logger.warning("NEWSLETTER: unknown key %r ignored (known keys: %s)", key, ", ".join(DEFAULTS))
    merged = {**copy.deepcopy(DEFAULTS), **{k: copy.deepcopy(v) for k, v in given.items() if k in DEFAULTS}}
    sender = merged["sender"]
    _check(isinstance(sender, dict) and "@" in str(sender.get("email", "")),
           "NEWSLETTER['sender'] needs an address: {'name': 'Élise Marchand', 'email': 'lettre@example.org'}")
    _check(merged["reply_to"] is None or (isinstance(merged["reply_to"], dict) and "@" in str(merged["reply_to"].get("email", ""))),
           "NEWSLETTER['reply_to'] must be None or {'name': ..., 'email': ...}")
    _check(isinstance(merged["postal_address"], str) and merged["postal_address"].strip(),
           "NEWSLETTER['postal_address'] is required: the sender's postal address, shown in every email's footer")
    _check(isinstance(merged["name"], (dict, str)) and merged["name"],
           "NEWSLETTER['name'] must name the newsletter, e.g. {'fr': 'La lettre', 'en': 'The letter'}")
    _check(isinstance(merged["utm"], dict), "NEWSLETTER['utm'] must be a dict, e.g. {'utm_source': 'newsletter'}")
    placeholder = merged["unsubscribe_placeholder"]
    _check(isinstance(placeholder, str) and placeholder.strip(),
           "NEWSLETTER['unsubscribe_placeholder'] must be the text the delivery replaces, e.g. '[[UNSUBSCRIBE_URL]]'")
    for key in ("digest_limit", "html_limit"):
        value = merged[key]
        _check(isinstance(value, int) and not isinstance(value, bool) and value > 0,
               f"NEWSLETTER[{key!r}] must be a whole number above 0")
    from . import subscribe  # it raises this module's NewsletterSettingsError

    merged["subscribe"] = subscribe.load(merged["subscribe"], settings)
    # Checked when the build starts, so a wrong backend name fails before anything is written;
    # credentials are looked for only when delivering.
    try:
        delivery_config.load(merged["delivery"])
    except DeliveryConfigurationError as error:
        raise NewsletterSettingsError(str(error)) from None
    return merged


def _check(condition, message):
    if not condition:
        raise NewsletterSettingsError(message)
