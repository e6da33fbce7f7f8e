"""Buttondown (https://buttondown.com): one email per issue and language, created as a draft.

Derived from Buttondown's OpenAPI description (buttondown/docs, public/openapi.json,
OpenAPI 3.1, servers: https://api.buttondown.com/v1) and its guides:

    POST  /emails                 create_email   EmailInput; "status": "draft" is always sent,
                                                 because an email created without it goes out
                                                 at once on API versions before 2026-04-01
    GET   /emails                 list_emails    Page[Email], ?page=, ?ordering=, ?excluded_fields=
    GET   /emails/{id}            retrieve_email
    PATCH /emails/{id}            update_email   EmailUpdateInput: the content; "status":
                                                 "scheduled" with "publish_date" to schedule,
                                                 "about_to_send" to send now
    POST  /emails/{id}/send-draft send_draft     SendDraftInput {"recipients": [...]}: a test.
                                                 It takes only recipients (or subscriber ids;
                                                 additionalProperties: false): the test is the
                                                 stored draft, subject and unsubscribe link as
                                                 Buttondown renders them, without our "[TEST]"
    GET   /tags                   list_tags      Page[Tag]: a tag's id from its name

Authentication: ``Authorization: Token <api key>`` (securitySchemes.ApiKeyAuth).
Idempotency: the ``X-Idempotency-Key`` header (docs.buttondown.com/api-idempotency-keys;
an older example shows ``Idempotency-Key``): a repeated create with the ledger's key
returns the same email instead of a second one.

Ours are recognised by ``metadata`` {"issue_key": "issue-5-fr"}: Buttondown cannot
filter the list by metadata, so ``find`` reads every page and matches each email's
own marker. The body is our HTML, marked as such with Buttondown's editor-mode
comment; the unsubscribe placeholder becomes Buttondown's ``{{ unsubscribe_url }}``
template variable. Buttondown makes the text version itself from the HTML: there is
no field for ours. Each language's audience is a filter on a subscriber tag:

    "buttondown": {"audiences": {"fr": {"tag": "fr"}, "en": {"tag": "en"}}}

A tag is given by name (looked up once) or by id (``sub_tag_...``); a complete
Buttondown filter group can be given instead: {"filters": {"filters": [...],
"groups": [], "predicate": "and"}}.
"""

import logging
import re
import uuid
from datetime import timezone

from ..base import ADDED, ALREADY_THERE, DRAFT, SCHEDULED, SENDING, SENT, Remote
from ..errors import (AuthenticationError, ConfigurationError, DeliveryError, InvalidRequest,
                      ReconciliationNeeded)
from ..http import HttpBackend

logger = logging.getLogger(__name__)

# EmailStatus -> the campaign's state. Anything else (paused, errored, suppressed,
# deleted, managed_by_rss, transactional) needs the editor to look at Buttondown.
STATES = {
    "draft": DRAFT,
    "scheduled": SCHEDULED,
    "about_to_send": SENDING,   # queued; Buttondown allows a few minutes to undo it
    "in_flight": SENDING,
    "throttled": SENDING,
    "resending": SENDING,
    "sent": SENT,
    "imported": SENT,
}
MARKER = "issue_key"                                  # our key in the email's metadata
UNSUBSCRIBE = "{{ unsubscribe_url }}"                 # Buttondown's template variable
HTML_MODE = "<!-- buttondown-editor-mode: fancy -->"  # "the body is HTML", not Markdown
TEMPLATES = ("classic", "custom", "modern", "plaintext", "naked")   # NewsletterEmailTemplate
TAG_ID = re.compile(r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                    r"|sub_tag_[0-7][0-9abcdefghjkmnpqrstvwxyz]{25})$")
MAX_PAGES = 1000   # a list longer than this is not trusted to be complete
# create_subscriber: what to do with an address Buttondown holds ("no_op": refuse with one of these codes).
COLLISION = "X-Buttondown-Collision-Behavior"
DUPLICATE_CODES = ("email_already_exists", "subscriber_already_exists")
# SubscriberType values of a reader who must not be touched again (no tag added).
ENDED = ("unsubscribed", "blocked", "complained", "undeliverable", "removed")


class ButtondownBackend(HttpBackend):
    name = "buttondown"
    idempotent_create = True
    DEFAULTS = {
        "base_url": "https://api.buttondown.com/v1",
        "api_key": None,        # from BUTTONDOWN_API_KEY; never write it in a settings file
        "audiences": {},        # {"fr": {"tag": "fr"}, "en": {"tag": "en"}}
        "template": None,       # a Buttondown email template for our emails, e.g. "naked"; None: the newsletter's
    }
    ENVIRONMENT = {"api_key": "BUTTONDOWN_API_KEY", "base_url": "BUTTONDOWN_BASE_URL"}
    SECRETS = ("api_key",)

    def __init__(self, *args, **kwargs):   # BaseBackend's (config, retry, timeout)
        super().__init__(*args, **kwargs)
        self._tag_ids = {}

    @classmethod
    def check_settings(cls, settings, where):
        base_url = settings.get("base_url")
        if not isinstance(base_url, str) or not re.match(r"^https?://[^/\s]+", base_url):
            raise ConfigurationError(f"{where}['base_url'] must be an http(s) URL such as "
                                     f"{cls.DEFAULTS['base_url']!r}", provider=cls.name)
        if settings.get("template") is not None and settings["template"] not in TEMPLATES:
            raise ConfigurationError(f"{where}['template'] must be one of {', '.join(TEMPLATES)} or None",
                                     provider=cls.name)
        audiences = settings.get("audiences")
        if not isinstance(audiences, dict):
            raise ConfigurationError(f"{where}['audiences'] must map each language to its audience, e.g. "
                                     "{'fr': {'tag': 'fr'}, 'en': {'tag': 'en'}}", provider=cls.name)
        for lang, audience in audiences.items():
            _check_audience(audience, f"{where}['audiences'][{lang!r}]")

    def open(self):
        self.require("api_key")
        self.connect(self.config["base_url"], headers={"Authorization": f"Token {self.config['api_key']}"})

    def describe_audience(self, lang):
        audience = self.audience(lang)
        if "tag" in audience:
            return f"the Buttondown subscribers tagged {audience['tag']!r}"
        return f"the Buttondown subscribers matching the filters {audience['filters']}"

    # The campaign's life at Buttondown.

    def create_draft(self, campaign, idempotency_key):
        body = {**self._content(campaign), "status": "draft"}   # never without: it would go out at once
        email = self.api.request("POST", "/emails", json=body, headers={"X-Idempotency-Key": idempotency_key},
                                 repeatable=True)
        remote = self._remote(email)
        if _marker(email) != campaign.key:
            raise ReconciliationNeeded(f"created email {remote.id} for {campaign.key} but Buttondown answered with "
                                       f"another email (metadata {email.get('metadata')!r}); check it at Buttondown",
                                       provider=self.name)
        logger.info("%s: created the draft %s at Buttondown", campaign.key, remote.id)
        return remote

    def find(self, campaign):
        """Our email for ``campaign.key``, matched by its own metadata marker, or None.

        Every page is read: an email is ours only when its metadata says so.
        """
        mine, page = [], 1
        seen = set()
        while True:
            answer = self._list_page(campaign, page)
            results, count = answer.get("results"), answer.get("count")
            if not isinstance(results, list) or not isinstance(count, int):
                raise self._unlisted(campaign, "the list of emails is not a page of results")
            for email in results:
                if not isinstance(email, dict) or not email.get("id") or not isinstance(email.get("metadata"), dict):
                    raise self._unlisted(campaign, "an email in the list has no id or no metadata to match")
                seen.add(email["id"])
                if _marker(email) == campaign.key and email.get("status") != "deleted":
                    mine.append(email)
            if not answer.get("next"):
                break
            if not results or page >= MAX_PAGES:
                raise self._unlisted(campaign, f"the list does not end (page {page})")
            page += 1
        if len(seen) < count:
            raise self._unlisted(campaign, f"read {len(seen)} emails of the {count} Buttondown counts "
                                           "(the list changed while it was read)")
        if len(mine) > 1:
            ids = ", ".join(email["id"] for email in mine)
            raise ReconciliationNeeded(f"{len(mine)} emails carry {campaign.key} ({ids}): keep one, delete the "
                                       f"others at Buttondown, then set the ledger's remote_id for {campaign.key} "
                                       "to the one kept", provider=self.name)
        return self._remote(mine[0]) if mine else None

    def get(self, remote_id):
        try:
            email = self.api.request("GET", f"/emails/{remote_id}")
        except DeliveryError as error:
            if error.status == 404:
                raise ReconciliationNeeded(f"the email {remote_id} named in the ledger is not at Buttondown any "
                                           "more; if it was deleted on purpose, remove its entry from the ledger",
                                           provider=self.name) from None
            raise
        return self._remote(email)

    def update_draft(self, remote_id, campaign):
        self.api.request("PATCH", f"/emails/{remote_id}", json=self._content(campaign))

    def send_test(self, remote_id, campaign, addresses):
        if not addresses:
            raise ConfigurationError("a test needs at least one address", provider=self.name)
        # Keyed, so a retry after a lost answer does not send the test twice.
        self.api.request("POST", f"/emails/{remote_id}/send-draft", json={"recipients": list(addresses)},
                         headers={"X-Idempotency-Key": uuid.uuid4().hex}, repeatable=True)

    def schedule(self, remote_id, campaign, when):
        if when.tzinfo is None:
            raise ValueError("the time to send must be an aware datetime")
        moment = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.api.request("PATCH", f"/emails/{remote_id}", json={"status": "scheduled", "publish_date": moment})

    def send_now(self, remote_id, campaign, journal):
        """Set the status to about_to_send, never twice.

        The request is not repeated blindly: when its outcome is unknown (no
        answer, a 5xx), the email is read back, and only a draft is sent again.
        """
        def took():
            remote = self.get(remote_id)
            return remote if remote.state != DRAFT else None

        self.without_repeating(
            lambda: self.api.request("PATCH", f"/emails/{remote_id}", json={"status": "about_to_send"},
                                     headers={"X-Idempotency-Key": uuid.uuid4().hex}, repeatable=False),
            took, f"{campaign.key}: send")

    # Readers imported from another platform (importers/subscribers.py).

    def add_subscriber(self, email, lang, consent_date=None, source=""):
        """A regular subscriber tagged with the language's audience tag: "regular" skips the
        confirmation email (they confirmed on the platform they come from).

        With the "no_op" collision behaviour Buttondown refuses an address it holds (400
        email_already_exists) and changes nothing, so an unsubscribed reader stays so.
        """
        metadata = {"lang": lang}
        if consent_date:
            metadata["consent_date"] = consent_date.isoformat()
        if source:
            metadata["imported_from"] = source
        tag = self._tag_name(lang)
        body = {"email_address": email, "tags": [tag], "type": "regular", "metadata": metadata}
        try:
            # Repeating it is harmless: a second creation is answered "already exists".
            self.api.request("POST", "/subscribers", json=body, headers={COLLISION: "no_op"}, repeatable=True)
        except InvalidRequest as error:
            if error.status == 409 or error.code in DUPLICATE_CODES:
                return self._tagged(email, tag)
            raise
        return ADDED

    def _tagged(self, email, tag):
        """A reader Buttondown holds (of the other language) gets this language's tag too: ADDED;
        ALREADY_THERE when they have it, or unsubscribed or blocked (left as they are)."""
        subscriber = self._subscriber(email)
        if subscriber is None or subscriber.get("type") in ENDED or tag in (subscriber.get("tags") or []):
            return ALREADY_THERE
        # The id in the path, never the address (paths are logged).
        self.api.request("PATCH", f"/subscribers/{subscriber['id']}",
                         json={"tags": [*(subscriber.get("tags") or []), tag]})
        return ADDED

    def _subscriber(self, email):
        """The subscriber of exactly this address; the list's filter matches addresses containing it."""
        for page in range(1, 11):
            answer = self.api.request("GET", "/subscribers", params={"email_address": email, "page": page})
            results = answer.get("results") if isinstance(answer, dict) else None
            for item in results or ():
                if isinstance(item, dict) and str(item.get("email_address", "")).lower() == email.lower() \
                        and item.get("id"):
                    return item
            if not results or not answer.get("next"):
                break
        logger.warning("Buttondown refused a reader as already there but does not list them; left as they are")
        return None

    def _tag_name(self, lang):
        """A new subscriber's tags are names: the audience's tag, looked up by id when given so."""
        audience = self.audience(lang)
        _check_audience(audience, f"NEWSLETTER['delivery']['{self.name}']['audiences'][{lang!r}]")
        if "tag" not in audience:
            raise ConfigurationError(f"the {lang!r} audience is a filter, not a tag: importing readers needs "
                                     f"NEWSLETTER['delivery']['{self.name}']['audiences'][{lang!r}] = "
                                     "{'tag': 'name'}", provider=self.name)
        tag = audience["tag"]
        if not TAG_ID.match(tag):
            return tag
        answer = self.api.request("GET", "/tags", params={"ids": tag})
        results = answer.get("results") if isinstance(answer, dict) else None
        names = [item.get("name") for item in results or () if isinstance(item, dict) and item.get("id") == tag]
        if not names or not names[0]:
            raise ConfigurationError(f"no tag {tag} at Buttondown for the {lang!r} audience", provider=self.name)
        return names[0]

    # Helpers.

    def _content(self, campaign):
        if campaign.placeholder not in campaign.html:
            logger.warning("%s: no %s in the HTML, so no unsubscribe link of ours (Buttondown's template may add "
                           "its own)", campaign.key, campaign.placeholder)
        html, _text = campaign.with_unsubscribe(UNSUBSCRIBE)
        content = {
            "subject": campaign.subject,
            "body": f"{HTML_MODE}\n{html}",
            "metadata": {MARKER: campaign.key, "issue": campaign.number, "lang": campaign.lang},
            "filters": self._filters(campaign.lang),
        }
        if self.config.get("template"):
            content["template"] = self.config["template"]
        return content

    def _filters(self, lang):
        audience = self.audience(lang)
        _check_audience(audience, f"NEWSLETTER['delivery']['{self.name}']['audiences'][{lang!r}]")
        if "filters" in audience:
            return audience["filters"]
        tag = self._tag_id(audience["tag"], lang)
        return {"filters": [{"field": "subscriber.tags", "operator": "contains", "value": tag}],
                "groups": [], "predicate": "and"}

    def _tag_id(self, tag, lang):
        """Buttondown's filters take a tag's id, not its name: look the name up once."""
        if TAG_ID.match(tag):
            return tag
        if tag not in self._tag_ids:
            page, found = 1, []
            while True:
                answer = self.api.request("GET", "/tags", params={"page": page, "page_size": 1000})
                results = answer.get("results") if isinstance(answer, dict) else None
                if not isinstance(results, list):
                    raise DeliveryError("GET /tags: the answer is not a page of tags", provider=self.name)
                found += [item["id"] for item in results if isinstance(item, dict) and item.get("name") == tag]
                if not answer.get("next") or not results or page >= MAX_PAGES:
                    break
                page += 1
            if len(found) != 1:
                what = "no tag" if not found else f"{len(found)} tags"
                raise ConfigurationError(f"{what} named {tag!r} at Buttondown for the {lang!r} audience: create it "
                                         f"there or give its id in NEWSLETTER['delivery']['{self.name}']"
                                         f"['audiences'][{lang!r}]['tag']", provider=self.name)
            self._tag_ids[tag] = found[0]
        return self._tag_ids[tag]

    def _list_page(self, campaign, page):
        params = {"page": page, "ordering": "creation_date", "excluded_fields": "body"}
        try:
            answer = self.api.request("GET", "/emails", params=params)
        except AuthenticationError:
            raise
        except DeliveryError as error:
            raise self._unlisted(campaign, str(error)) from None
        if not isinstance(answer, dict):
            raise self._unlisted(campaign, "the answer is not a page of emails")
        return answer

    def _unlisted(self, campaign, reason):
        return ReconciliationNeeded(
            f"cannot tell whether the interrupted run created {campaign.key} ({reason}). Nothing was created or "
            f"sent now. Run again later; if it keeps failing, look at Buttondown for an email whose metadata has "
            f"{MARKER}={campaign.key} and, if there is one, put its id as remote_id (state draft) in the ledger",
            provider=self.name)

    def _remote(self, email):
        if not isinstance(email, dict) or not email.get("id"):
            raise ReconciliationNeeded("Buttondown answered without an email id; check the emails there before "
                                       "anything else is sent", provider=self.name)
        status = email.get("status")
        if status not in STATES:
            raise ReconciliationNeeded(f"the email {email['id']} is {status!r} at Buttondown, neither a draft nor "
                                       "scheduled nor sent: look at it there (it may be paused or in error) before "
                                       "anything else is sent", provider=self.name)
        return Remote(str(email["id"]), STATES[status], email.get("absolute_url") or "")


def _marker(email):
    metadata = email.get("metadata") if isinstance(email, dict) else None
    return metadata.get(MARKER) if isinstance(metadata, dict) else None


def _check_audience(audience, where):
    """{"tag": name or id} or {"filters": a Buttondown filter group}."""
    if not isinstance(audience, dict) or len(audience) != 1 or not set(audience) <= {"tag", "filters"}:
        raise ConfigurationError(f"{where} must be {{'tag': 'name or sub_tag_ id'}} or {{'filters': {{...}}}}",
                                 provider="buttondown")
    if "tag" in audience and (not isinstance(audience["tag"], str) or not audience["tag"].strip()):
        raise ConfigurationError(f"{where}['tag'] must be a tag's name or id", provider="buttondown")
    if "filters" in audience:
        _check_group(audience["filters"], f"{where}['filters']")


def _check_group(group, where):
    if not isinstance(group, dict) or set(group) != {"filters", "groups", "predicate"}:
        raise ConfigurationError(f"{where} must have exactly filters, groups and predicate", provider="buttondown")
    if group["predicate"] not in ("and", "or"):
        raise ConfigurationError(f"{where}['predicate'] must be 'and' or 'or'", provider="buttondown")
    if not isinstance(group["filters"], list) or not isinstance(group["groups"], list):
        raise ConfigurationError(f"{where}: filters and groups must be lists", provider="buttondown")
    for index, item in enumerate(group["filters"]):
        if not isinstance(item, dict) or set(item) != {"field", "operator", "value"} or \
                not all(isinstance(value, str) for value in item.values()):
            raise ConfigurationError(f"{where}['filters'][{index}] must be {{'field', 'operator', 'value'}} strings",
                                     provider="buttondown")
    for index, inner in enumerate(group["groups"]):
        _check_group(inner, f"{where}['groups'][{index}]")
