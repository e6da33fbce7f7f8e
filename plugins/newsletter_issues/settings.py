"""The ``NEWSLETTER`` setting: defaults and validation, checked once when Pelican starts."""

from newsletter.delivery import config as delivery_config
from newsletter.delivery.errors import ConfigurationError as DeliveryConfigurationError
from newsletter.mailbox import config as mailbox_config
from sitekit.settings import Option, Schema, SettingsError, Section, Text, Whole

# URLs of the archive, without language prefix (English gets en/).
ARCHIVE_URL = "newsletter/"
ISSUE_URL = "newsletter/{number}/"
FEEDBACK_URL = "newsletter/feedback/{answer}/"
FEED_URL = "newsletter/feed.xml"
# Where the provider sends readers: "check your inbox" and "subscribed"; the privacy notice.
SUBSCRIBE_URL = "newsletter/subscribe/{step}/"
PRIVACY_URL = "newsletter/privacy/"


def _is_address(value):
    return isinstance(value, dict) and "@" in str(value.get("email", ""))


def _subscribe(value, settings):
    from . import subscribe  # it imports this module's URLs

    return subscribe.load(value, settings)


def _delivery(value, settings):
    # Checked when the build starts, so a wrong backend name fails before anything is written;
    # credentials are looked for only when delivering.
    try:
        delivery_config.load(value)
    except DeliveryConfigurationError as error:
        raise SettingsError(str(error)) from None
    return value


def _mailbox(config, settings):
    # The checks live beside the mailbox code (newsletter/mailbox/config.py), which the command uses too.
    try:
        mailbox_config.check(config)
    except DeliveryConfigurationError as error:
        raise SettingsError(error.args[0]) from None
    return config


MAILBOX_DEFAULTS = mailbox_config.DEFAULTS
MAILBOX_OPTIONS = {
    "host": Option(MAILBOX_DEFAULTS["host"], "The IMAP server of the list's mailbox (or IMAP_HOST); the login is "
                                             "IMAP_USERNAME and IMAP_PASSWORD, from the environment only.",
                   kind="text"),
    "port": Option(MAILBOX_DEFAULTS["port"], "Its port (or IMAP_PORT); None: 993 for tls, 143 for starttls.",
                   kind="port or None"),
    "security": Option(MAILBOX_DEFAULTS["security"], "\"tls\" (from the first byte) or \"starttls\"; never in clear.",
                       kind="'tls' or 'starttls'"),
    "folders": Option(MAILBOX_DEFAULTS["folders"], "The folders where unsubscribe mails (the List-Unsubscribe "
                                                   "mailto), bounces and complaints arrive.", kind="list of names"),
    "handled": Option(MAILBOX_DEFAULTS["handled"], "Where each message goes once acted on (created if missing), "
                                                   "so the next run does not see it again.", kind="folder name"),
    "soft_bounce_threshold": Option(MAILBOX_DEFAULTS["soft_bounce_threshold"], "Letters a reader's server "
                                    "deferred for good (4.x.x) before the reader is suppressed.", kind="whole number"),
    "timeout": Option(MAILBOX_DEFAULTS["timeout"], "Seconds to wait for the IMAP server.", kind="number"),
}

WHOLE = "{key} must be a whole number above 0"
NEWSLETTER = Schema("NEWSLETTER", {
    "path": Option("newsletter", "Folder of the issues inside the content folder: newsletter/fr/, newsletter/en/.",
                   kind="folder"),
    "name": Option({}, "The newsletter's name, per language.",
                   "{key} must name the newsletter, e.g. {{'fr': 'La lettre', 'en': 'The letter'}}",
                   test=lambda value: isinstance(value, (dict, str)) and value, kind="dict or text"),
    "tagline": Option({}, "The newsletter's tagline, per language.", kind="dict or text"),
    "pitch": Option({}, "What a reader gets, per language: a few short lines the landing page lists, "
                        "e.g. {\"fr\": [\"...\", \"...\"], \"en\": [...]}.",
                    "{key} must give a list of lines per language, e.g. {{'fr': ['Un conseil par mois']}}",
                    test=lambda value: isinstance(value, dict) and all(isinstance(v, (list, tuple)) for v in value.values()),
                    kind="dict"),
    "sender": Option({}, "Who sends it: {\"name\": ..., \"email\": ...}.",
                     "{key} needs an address: {{'name': 'Élise Marchand', 'email': 'lettre@example.org'}}",
                     test=_is_address, kind="dict"),
    "reply_to": Option(None, "Where replies go: {\"name\": ..., \"email\": ...}, or None.",
                       "{key} must be None or {{'name': ..., 'email': ...}}",
                       test=lambda value: value is None or _is_address(value), kind="dict or None"),
    "postal_address": Text("", "The sender's postal address, shown in every email's footer (required in "
                               "commercial email, and expected by readers).",
                           "{key} is required: the sender's postal address, shown in every email's footer"),
    "powered_by": Option("", "A line about the tools the newsletter is made with, in the footer.", kind="text"),
    "unsubscribe_placeholder": Text("[[UNSUBSCRIBE_URL]]", "Replaced by the delivery backend with each reader's "
                                                           "own unsubscribe address.",
                                    "{key} must be the text the delivery replaces, e.g. '[[UNSUBSCRIBE_URL]]'"),
    "utm": Option({}, "Query parameters added to links into the site; \"{number}\" and \"{lang}\" are replaced.",
                  "{key} must be a dict, e.g. {{'utm_source': 'newsletter'}}",
                  test=lambda value: isinstance(value, dict), kind="dict"),
    "site_url": Option(None, "Base of the email's links (absolute); None: FEED_DOMAIN, else SITEURL.",
                       kind="URL or None"),
    "outbox": Option(None, "Where the rendered emails (.eml) go; None: \"outbox\" beside the output folder.",
                     kind="folder or None"),
    "digest_limit": Whole(6, "A digest lists at most this many posts published since the previous issue.", WHOLE),
    "html_limit": Whole(100 * 1024, "Bytes of HTML an email may have (Gmail clips HTML from about 102 KB).", WHOLE),
    "delivery": Option({}, "How issues reach readers: backend, its settings, the ledger "
                           "(see newsletter/delivery/config.py).", check=_delivery, kind="dict"),
    "mailbox": Section(Schema("NEWSLETTER['mailbox']", MAILBOX_OPTIONS, finish=_mailbox,
                              example={"host": "imap.example.org", "folders": ["INBOX"]}),
                       "The IMAP mailbox `invoke newsletter-mailbox` reads (SMTP backend)."),
    "subscribe": Option(None, "The subscribe form (archive page and end of posts), posted straight to the mailing "
                              "provider (see subscribe.py); None: a line asking readers to write to the sender.",
                        check=_subscribe, kind="dict or None"),
}, example={"name": {"fr": "..."}})
load = NEWSLETTER.load
