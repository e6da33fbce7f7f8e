"""The subscribe form: ``NEWSLETTER["subscribe"]`` checked, and the form of each
language built from it.

The reader's browser posts the form straight to the mailing provider's public
subscription endpoint: plain HTML, no script, nothing of ours in between. Each
language subscribes to its own audience, the way the provider sorts readers:

- ``buttondown``: one newsletter, a tag per language (Buttondown's embed form:
  ``email``, ``tag``, ``embed``);
- ``listmonk``: a list per language (the public form ``/subscription/form``:
  ``email``, ``name``, ``l`` = the list's UUID, ``nonce`` left empty);
- ``brevo``: a hosted form per language, each bound to its list (``EMAIL``,
  ``OPT_IN``, ``locale``, ``email_address_check`` left empty);
- ``custom``: any other service, its address and field names written out.

Every form carries a honeypot: a field people never see nor reach, named so
that the provider refuses (or marks) a submission that filled it in.
Confirmation ("check your inbox") and welcome ("subscribed") pages are written
in each language at ``SUBSCRIBE_URL``; providers that take the address to go to
in a form field (``custom``'s ``redirect_fields``) get their absolute URL.
"""

import copy
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsletter.render import in_language
from sitekit.plugin_list import lists_plugin
from sitekit.settings import SettingsError

from .settings import PRIVACY_URL, SUBSCRIBE_URL

logger = logging.getLogger(__name__)

KEY = "NEWSLETTER['subscribe']"
STEPS = ("check-inbox", "done")
REQUIRED = object()
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
USERNAME = re.compile(r"^[A-Za-z0-9_-]+$")
FIELD_NAME = re.compile(r"^[A-Za-z0-9_.:\[\]-]+$")


@dataclass(frozen=True)
class SubscribeForm:
    """What the theme (_subscribe.html, the subscribe and privacy pages) needs for one language."""

    lang: str
    newsletter: str          # the newsletter's name in this language
    tagline: str
    privacy_url: str         # from the site root ("newsletter/privacy/"), or absolute
    sender_email: str        # without a provider, readers write here to subscribe
    contact_email: str       # where readers ask about their data
    provider: str = ""       # "" : no form
    label: str = ""          # the provider's name, for the privacy notice
    action: str = ""
    email_field: str = ""
    name_field: str = ""
    honeypot_field: str = ""
    consent_field: tuple = ()  # (name, value) when the provider records the consent box
    hidden: tuple = ()         # ((name, value), ...): the language, and what the provider needs

    @property
    def privacy_is_absolute(self):
        return "://" in self.privacy_url


class Provider:
    """A mailing service's public subscription form."""

    name = ""
    label = ""
    # key -> (default or REQUIRED, what to write)
    options = {}

    def check(self, config, languages):
        """Validate and normalise this provider's options in ``config`` (in place)."""

    def action(self, config, lang):
        raise NotImplementedError

    def actions(self, config, languages):
        return [self.action(config, lang) for lang in languages]

    def fields(self, config, lang, pages):
        """Field names and hidden values of ``lang``'s form; ``pages``: step -> absolute URL."""
        raise NotImplementedError

    def service(self, config):
        return self.label


class Buttondown(Provider):
    name, label = "buttondown", "Buttondown"
    ENDPOINT = "https://buttondown.com/api/emails/embed-subscribe/{username}"
    options = {
        "username": (REQUIRED, "your Buttondown username, e.g. 'elise-marchand'"),
        "tags": (None, "the tag of each language, e.g. {'fr': 'fr', 'en': 'en'} (default: the language codes)"),
    }

    def check(self, config, languages):
        username = config["username"]
        _check(isinstance(username, str) and USERNAME.match(username),
               f"{KEY}['username'] must be your Buttondown username (letters, digits, '-' and '_'), e.g. 'elise-marchand'")
        config["tags"] = _per_language(config, "tags", languages, _is_text, "a tag name",
                                       default={lang: lang for lang in languages})

    def action(self, config, lang):
        return self.ENDPOINT.format(username=config["username"])

    def fields(self, config, lang, pages):
        # Buttondown documents no honeypot name for its embed form, but keeps any
        # "metadata__<key>" field on the subscriber: a bot's answer shows there
        # (and feeds its firewall's metadata check), so it can be weeded out.
        return {"email_field": "email", "honeypot_field": "metadata__website",
                "hidden": (("embed", "1"), ("tag", config["tags"][lang]))}


class Listmonk(Provider):
    name, label = "listmonk", "listmonk"
    options = {
        "url": (REQUIRED, "the address of your listmonk, e.g. 'https://lists.example.org'"),
        "lists": (REQUIRED, "the UUID of each language's list, e.g. {'fr': '<uuid>', 'en': '<uuid>'} "
                            "(Lists → the list → UUID)"),
        "ask_name": (False, "True to ask for a name too (listmonk uses the address's first part otherwise)"),
    }

    def check(self, config, languages):
        config["url"] = _url(config["url"], f"{KEY}['url']", "e.g. 'https://lists.example.org'").rstrip("/")
        config["lists"] = _per_language(config, "lists", languages, lambda value: isinstance(value, str) and UUID.match(value),
                                        "a list UUID such as '2c7d1b4e-0f5a-4c1e-9b7a-3d2e1f0a9b8c'")
        _check(isinstance(config["ask_name"], bool), f"{KEY}['ask_name'] must be True or False")

    def action(self, config, lang):
        return config["url"] + "/subscription/form"

    def fields(self, config, lang, pages):
        # listmonk refuses a form whose "nonce" is not empty.
        return {"email_field": "email", "name_field": "name" if config["ask_name"] else "",
                "honeypot_field": "nonce", "hidden": (("l", config["lists"][lang]),)}

    def service(self, config):
        return f"listmonk ({urlsplit(config['url']).hostname})"


class Brevo(Provider):
    name, label = "brevo", "Brevo"
    options = {
        "forms": (REQUIRED, "the address of each language's Brevo form (the form's HTML code, "
                            "<form action=...>), e.g. {'fr': 'https://abcd.sibforms.com/serve/MUIF...', 'en': '...'}"),
    }

    def check(self, config, languages):
        config["forms"] = _per_language(config, "forms", languages, _is_url, "a form address such as "
                                        "'https://abcd.sibforms.com/serve/MUIF...'")

    def action(self, config, lang):
        return config["forms"][lang]

    def fields(self, config, lang, pages):
        # Brevo's forms: EMAIL, the opt-in box OPT_IN, the honeypot email_address_check.
        return {"email_field": "EMAIL", "honeypot_field": "email_address_check",
                "consent_field": ("OPT_IN", "1"), "hidden": (("locale", lang),)}


class Custom(Provider):
    name, label = "custom", ""
    options = {
        "action": (REQUIRED, "the address the form posts to, e.g. 'https://mail.example.org/subscribe', "
                             "or one per language {'fr': ..., 'en': ...}"),
        "email_field": ("email", "the name of the address field, e.g. 'email'"),
        "language_field": (None, "the name of the field telling the reader's language, e.g. 'list' (None: "
                                 "one 'action' per language tells it)"),
        "languages": (None, "the value of language_field in each language, e.g. {'fr': 'lettre-fr', 'en': 'letter-en'} "
                            "(default: the language codes)"),
        "honeypot_field": (REQUIRED, "the field the service expects empty (its anti-bot trap), e.g. 'website'"),
        "hidden": ({}, "other fields the service needs, e.g. {'form_id': '42'}"),
        "redirect_fields": ({}, "fields holding where to send the reader afterwards, e.g. "
                                "{'redirect_after_subscription_pending': 'check-inbox', 'redirect_after_subscribed': 'done'}"),
        "label": ("", "the service's name, shown in the privacy notice, e.g. 'Mailcoach'"),
    }

    def check(self, config, languages):
        action = config["action"]
        if isinstance(action, dict):
            config["action"] = _per_language(config, "action", languages, _is_url, "an address such as "
                                             "'https://mail.example.org/subscribe'")
        else:
            config["action"] = _url(action, f"{KEY}['action']", self.options["action"][1])
        for key in ("email_field", "honeypot_field"):
            _check(_is_field(config[key]), f"{KEY}[{key!r}] must be a form field name: {self.options[key][1]}")
        if config["language_field"] is None:
            _check(isinstance(config["action"], dict),
                   f"{KEY}: the service cannot tell the reader's language; give 'language_field' (e.g. 'list') "
                   "or one 'action' per language")
        else:
            _check(_is_field(config["language_field"]), f"{KEY}['language_field'] must be a form field name, e.g. 'list'")
            config["languages"] = _per_language(config, "languages", languages, _is_text, "the field's value",
                                                default={lang: lang for lang in languages})
        hidden = config["hidden"]
        _check(isinstance(hidden, dict) and all(_is_field(k) and isinstance(v, str) for k, v in hidden.items()),
               f"{KEY}['hidden'] must map field names to text values, e.g. {{'form_id': '42'}}")
        redirects = config["redirect_fields"]
        _check(isinstance(redirects, dict) and all(_is_field(k) and v in STEPS for k, v in redirects.items()),
               f"{KEY}['redirect_fields'] must map field names to 'check-inbox' or 'done', e.g. "
               "{'redirect_after_subscription_pending': 'check-inbox'}")
        _check(isinstance(config["label"], str), f"{KEY}['label'] must be the service's name, e.g. 'Mailcoach'")

    def action(self, config, lang):
        action = config["action"]
        return action[lang] if isinstance(action, dict) else action

    def fields(self, config, lang, pages):
        hidden = list(config["hidden"].items())
        if config["language_field"]:
            hidden.append((config["language_field"], config["languages"][lang]))
        hidden += [(name, pages[step]) for name, step in config["redirect_fields"].items()]
        return {"email_field": config["email_field"], "honeypot_field": config["honeypot_field"], "hidden": tuple(hidden)}

    def service(self, config):
        return config["label"] or urlsplit(self.actions(config, config["site_languages"])[0]).hostname


PROVIDERS = {provider.name: provider for provider in (Buttondown(), Listmonk(), Brevo(), Custom())}
COMMON = {
    "provider": "one of " + ", ".join(repr(name) for name in PROVIDERS) + ", or None for no form",
    "privacy_url": "None (a privacy notice is written at newsletter/privacy/), or your own page in each "
                   "language from the site root, e.g. {'fr': 'pages/confidentialite/', 'en': 'en/pages/privacy/'}",
}


# --- Settings ------------------------------------------------------------------------------------

def load(given, settings):
    """``NEWSLETTER["subscribe"]`` checked and completed; None: no form and the written privacy notice."""
    if given is None:
        return None
    _check(isinstance(given, dict), f"{KEY} must be None or a dict, e.g. {{'provider': 'buttondown', "
                                    "'username': 'elise-marchand', 'tags': {'fr': 'fr', 'en': 'en'}}")
    name = given.get("provider")
    languages = site_languages(settings)
    if name is None:  # no form; perhaps a privacy notice of the site's own
        _warn_unknown(given, set(COMMON), "no provider")
        privacy = _privacy_urls(given.get("privacy_url"), languages)
        return {"provider": None, "privacy_url": privacy, "site_languages": languages} if privacy else None
    provider = PROVIDERS.get(name) if isinstance(name, str) else None
    _check(provider is not None, f"{KEY}['provider'] must be {COMMON['provider']}, not {name!r}")
    _warn_unknown(given, set(COMMON) | set(provider.options), name)
    config = {"provider": name}
    for key, (default, hint) in provider.options.items():
        _check(key in given or default is not REQUIRED, f"{KEY}[{key!r}] is required for {name}: {hint}")
        config[key] = copy.deepcopy(given.get(key, default))
    provider.check(config, languages)
    config["site_languages"] = languages
    config["privacy_url"] = _privacy_urls(given.get("privacy_url"), languages)
    return config


def site_languages(settings):
    """The site's languages, first one first (the bilingual plugin's, else DEFAULT_LANG)."""
    given = settings.get("BILINGUAL") or {}
    languages = given.get("languages") if isinstance(given, dict) else None
    if not languages:
        if lists_plugin(settings, "bilingual"):
            from sitekit.languages import DEFAULTS
            languages = DEFAULTS["languages"]
        else:
            languages = [settings.get("DEFAULT_LANG") or "en"]
    return [str(code).lower() for code in languages]


def _privacy_urls(value, languages):
    if value is None:
        return None
    urls = _per_language({"privacy_url": value}, "privacy_url", languages, _is_text,
                         "a path from the site root or an address, e.g. 'pages/confidentialite/'")
    return {lang: url if "://" in url else url.lstrip("/") for lang, url in urls.items()}


def _per_language(config, key, languages, valid, what, default=None):
    """A value per language of the site: {"fr": ..., "en": ...}."""
    value = config.get(key)
    if value is None and default is not None:
        return default
    example = "{" + ", ".join(f"{lang!r}: ..." for lang in languages) + "}"
    _check(isinstance(value, dict), f"{KEY}[{key!r}] must give one value per language: {example}, each {what}")
    for lang in value:
        _check(lang in languages, f"{KEY}[{key!r}] names {lang!r}, which is not a language of the site "
                                  f"({', '.join(languages)})")
    for lang in languages:
        _check(lang in value, f"{KEY}[{key!r}] has no {lang!r} entry; write one per language: {example}")
        _check(valid(value[lang]), f"{KEY}[{key!r}][{lang!r}] must be {what}, not {value[lang]!r}")
    return {lang: value[lang].strip() if isinstance(value[lang], str) else value[lang] for lang in languages}


def _url(value, key, hint):
    _check(_is_url(value), f"{key} must be an http(s) address: {hint}")
    return value.strip()


def _is_url(value):
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_text(value):
    return isinstance(value, str) and value.strip() != ""


def _is_field(value):
    return isinstance(value, str) and bool(FIELD_NAME.match(value))


def _warn_unknown(given, known, provider):
    for key in sorted(set(given) - known):
        logger.warning("%s: unknown key %r ignored (keys for %s: %s)", KEY, key, provider, ", ".join(sorted(known)))


def _check(condition, message):
    if not condition:
        raise SettingsError(message)


# --- The form of one language --------------------------------------------------------------------

def form_for(state, lang):
    """The SubscribeForm of ``lang`` for the build described by ``state`` (a NewsletterState)."""
    config = state.config
    subscribe = config["subscribe"]
    prefix = state.prefix(lang)
    sender = config["sender"]["email"]
    contact = (config["reply_to"] or config["sender"])["email"]
    own_privacy = subscribe and subscribe["privacy_url"]
    common = {
        "lang": lang, "newsletter": state.name(lang), "tagline": in_language(config["tagline"], lang) or "",
        "privacy_url": own_privacy[lang] if own_privacy else prefix + PRIVACY_URL,
        "sender_email": sender, "contact_email": contact,
    }
    if subscribe is None or subscribe["provider"] is None:
        return SubscribeForm(**common)
    provider = PROVIDERS[subscribe["provider"]]
    pages = {step: page_url(state, lang, step) for step in STEPS}
    return SubscribeForm(**common, provider=provider.name, label=provider.service(subscribe),
                         action=provider.action(subscribe, lang), **provider.fields(subscribe, lang, pages))


def page_url(state, lang, step):
    """Absolute URL of the "check-inbox" or "done" page of ``lang``."""
    return f"{state.site_url}/{state.prefix(lang)}{SUBSCRIBE_URL.format(step=step)}"


def writes_privacy_notice(config):
    subscribe = config["subscribe"]
    return not (subscribe and subscribe["privacy_url"])


def form_origins(subscribe):
    """Origins the forms post to, for the Content-Security-Policy's form-action."""
    if subscribe is None or subscribe["provider"] is None:
        return []
    provider = PROVIDERS[subscribe["provider"]]
    origins = []
    for action in provider.actions(subscribe, subscribe["site_languages"]):
        parts = urlsplit(action)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins


# --- Pages ---------------------------------------------------------------------------------------

def write_pages(generator, writer, context, **common):
    """The "check your inbox" and "subscribed" pages of this language, and the privacy notice."""
    state, lang = generator.state, generator.lang
    prefix = state.prefix(lang)
    form = form_for(state, lang)
    relative_urls = generator.settings["RELATIVE_URLS"]
    template = generator.get_template("newsletter_subscribe")
    for step in STEPS:
        writer.write_file(prefix + SUBSCRIBE_URL.format(step=step) + "index.html", template, context,
                          step=step, form=form, relative_urls=relative_urls, **common)
    if writes_privacy_notice(state.config):
        writer.write_file(prefix + PRIVACY_URL + "index.html", generator.get_template("newsletter_privacy"), context,
                          form=form, relative_urls=relative_urls, **common)
