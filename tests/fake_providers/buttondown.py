"""A loopback Buttondown: the endpoints our backend uses, checked against Buttondown's own API description.

Derived from Buttondown's OpenAPI 3.1 description (github buttondown/docs,
public/openapi.json, last changed in commit bbdc61f3eaf52386030e701d09d160ae463bdda7,
2026-08-21; servers: https://api.buttondown.com/v1), keeping only what the
backend uses; the names below are copied from it, so nothing is read at test time:

    POST  /v1/emails                 create_email   body EmailInput (additionalProperties false,
                                                    required subject) -> 201 Email
    GET   /v1/emails                 list_emails    query parameters of list_emails -> Page[Email]
    GET   /v1/emails/{id}            retrieve_email -> Email, 404
    PATCH /v1/emails/{id}            update_email   body EmailUpdateInput (additionalProperties false)
    POST  /v1/emails/{id}/send-draft send_draft     body SendDraftInput {subscribers, recipients} -> 200
    GET   /v1/tags                   list_tags      query ids, page, page_size -> Page[Tag]
    GET   /v1/emails/{id}/analytics  retrieve_email_analytics -> Analytics, 404 (for the stats)
    GET   /v1/events                 list_events    query email_id, event_type (EmailEventType), page,
                                                    page_size (1..5000, default 500) -> Page[EmailEvent]
    POST  /v1/subscribers            create_subscriber  body SubscriberInput (additionalProperties false,
                                                    required email_address), header
                                                    X-Buttondown-Collision-Behavior (CollisionBehavior,
                                                    default no_op: 400 email_already_exists for a held
                                                    address) -> 201 Subscriber (for the importer)
    GET   /v1/subscribers            list_subscribers   query email_address ("contains"), page
    PATCH /v1/subscribers/{id_or_email} update_subscriber body SubscriberUpdateInput (tags: names)

Enums: EmailStatus, ArchivalMode, EmailType, EmailCommentingMode, NewsletterEmailTemplate,
EmailFilter.field and Operator, the list's ``ordering`` and ``excluded_fields``.
EmailFilter values for ``subscriber.tags`` are tag ids ("Tag filters require the tag's
ID (either a UUID or TypeID), not its name"). Errors: 400 ErrorMessage {code, detail}
with EmailCreationErrorCode codes, 422 ValidationErrorMessage {detail: [{type, loc, msg}]},
401 without ``Authorization: Token <key>`` (securitySchemes.ApiKeyAuth).

Behaviour from Buttondown's guides, not the schema:
- An email created without ``status`` goes out at once (the default is "about_to_send"
  on API versions before 2026-04-01): this fake sends it, so a backend that forgets
  "status": "draft" is caught.
- ``X-Idempotency-Key`` (docs.buttondown.com/api-idempotency-keys): a request repeated
  with the same key gets the first answer again and does nothing more; the same key
  on another request is refused (409). The older ``Idempotency-Key`` is ignored.
- PATCH "status": "about_to_send" sends a draft or scheduled email; "scheduled" needs a
  publish_date.

Deliberately unfriendly, to test the backend: the 401 answer repeats the credential it
was given (the backend must blank it), documented list filters the fake does not
implement are refused instead of silently ignored, and pages are short (``page_size``).
"""

import copy
import json
import random
import re
import threading
from collections import Counter
from datetime import datetime, timezone

from .base import FakeProvider, Invalid, check_fields

EMAIL_STATUS = ("draft", "managed_by_rss", "about_to_send", "scheduled", "in_flight", "paused", "deleted",
                "errored", "sent", "imported", "throttled", "resending", "transactional", "suppressed")
ARCHIVAL_MODE = ("archive_only", "disabled", "enabled", "enabled_for_paid_subscribers", "enabled_for_subscribers")
EMAIL_TYPE = ("public", "private", "premium", "free", "churned", "archival")
COMMENTING_MODE = ("disabled", "enabled", "enabled_for_paid_subscribers")
TEMPLATE = ("classic", "custom", "modern", "plaintext", "naked")
SUPPRESSION_REASON = ("law_enforcement", "internal_auditing")
FILTER_FIELDS = ("subscriber.churn_date", "subscriber.click_rate", "subscriber.last_click_date",
                 "subscriber.last_open_date", "subscriber.open_rate", "subscriber.price", "subscriber.source",
                 "subscriber.status", "subscriber.subscription_date", "subscriber.tags", "subscriber.upgrade_date")
OPERATORS = ("equals", "not_equals", "contains", "not_contains", "is_empty", "is_not_empty", "greater_than",
             "less_than")
ORDERING = tuple(sign + name for name in (
    "creation_date", "status", "publish_date", "subject", "email_type", "modification_date", "clicks", "opens",
    "click_rate", "open_rate", "page_views_lifetime", "page_views_30", "page_views_7", "webmentions",
    "subscriptions", "paid_subscriptions", "unsubscriptions", "replies", "comments", "social_mentions",
    "permanent_failure_rate", "complaint_rate") for sign in ("", "-"))
EXCLUDABLE = ("body",)

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TYPEID_TAIL = r"[0-7][0-9abcdefghjkmnpqrstvwxyz]{25}"
TAG_ID = re.compile(rf"^(?:{UUID}|sub_tag_{TYPEID_TAIL})$")
SUBSCRIBER_ID = re.compile(rf"^(?:{UUID}|sub_{TYPEID_TAIL})$")
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

# EmailInput: every property (additionalProperties false); required: subject.
EMAIL_INPUT = {
    "attachments": list, "publish_date": str, "subject": str, "slug": str, "description": str,
    "canonical_url": str, "image": str, "body": str, "archival_mode": str, "email_type": str, "status": str,
    "metadata": dict, "secondary_id": int, "filters": dict, "template": str, "commenting_mode": str,
    "related_email_ids": list, "featured": bool, "should_trigger_pay_per_email_billing": bool,
}
# EmailUpdateInput: every property optional (additionalProperties false).
EMAIL_UPDATE = {**EMAIL_INPUT, "suppression_reason": str}
NULLABLE_INPUT = {"publish_date", "slug", "secondary_id", "template"}   # anyOf [..., null] in EmailInput
ENUMS = {"status": EMAIL_STATUS, "archival_mode": ARCHIVAL_MODE, "email_type": EMAIL_TYPE,
         "commenting_mode": COMMENTING_MODE, "template": TEMPLATE, "suppression_reason": SUPPRESSION_REASON}
# list_emails query parameters: (documented, implemented here).
LIST_QUERY = ("status", "-status", "ids", "ordering", "creation_date__start", "creation_date__end",
              "publish_date__start", "publish_date__end", "excluded_fields", "source", "archival_mode",
              "email_type", "subject", "attachments", "snippet_id", "deliveries__start", "deliveries__end",
              "click_rate__start", "click_rate__end", "open_rate__start", "open_rate__end", "page")
LIST_IMPLEMENTED = {"status", "-status", "ordering", "excluded_fields", "page"}
TAG_QUERY = ("ids", "page_size", "page")
# SubscriberInput: every property (additionalProperties false); required: email_address.
SUBSCRIBER_INPUT = {
    "email_address": str, "notes": str, "metadata": dict, "tags": list, "referrer_url": str, "utm_campaign": str,
    "utm_medium": str, "utm_source": str, "referring_subscriber_id": str, "type": str, "ip_address": str,
}
SUBSCRIBER_EMAIL = re.compile(r"^[a-zA-Z0-9.'_%+\-!]+@[a-zA-Z0-9.\-]+\.[a-zA-Z]{2,}$")   # the spec's pattern
SETTABLE_TYPES = ("regular", "unsubscribed", "gifted", "unpaid")   # "the only types that can be set programmatically"
COLLISION_BEHAVIOR = ("no_op", "add", "overwrite", "fail")
SUBSCRIBER_UPDATE = {"commenting_disabled": bool, "email_address": str, "notes": str, "metadata": dict, "tags": list,
                     "referrer_url": str, "type": str, "unsubscription_reason": str,
                     "email_which_prompted_unsubscription_id": str}
SUBSCRIBER_QUERY_IMPLEMENTED = {"email_address", "page"}
# Analytics (retrieve_email_analytics): its integer properties, default 0.
ANALYTICS_COUNTS = ("recipients", "deliveries", "opens", "clicks", "temporary_failures", "permanent_failures",
                    "unsubscriptions", "complaints", "survey_responses", "webmentions", "page_views_lifetime",
                    "page_views_30", "page_views_7", "subscriptions", "paid_subscriptions", "replies", "comments",
                    "social_mentions")
# list_events: its query parameters, and the EmailEventType enum.
EVENTS_QUERY = ("event_type", "ordering", "expand", "email_id", "automation_id", "subscriber_id", "page_size", "page")
EVENTS_IMPLEMENTED = {"event_type", "email_id", "page_size", "page"}
EVENT_TYPES = ("bounced", "clicked", "complained", "delivered", "opened", "rejected", "replied", "unsubscribed")


class Refused(Exception):
    """A request Buttondown's own rules refuse: 400 ErrorMessage with an EmailCreationErrorCode."""

    def __init__(self, code, detail, status=400):
        super().__init__(detail)
        self.code, self.status = code, status


class FakeButtondown(FakeProvider):
    def __init__(self, api_key="bd-test-key", page_size=20):
        self.api_key = api_key
        self.page_size = page_size
        self.emails = {}              # id -> Email, in creation order
        self.tags = {}                # id -> Tag
        self.sends = Counter()        # id -> times it went to its audience
        self.test_sends = []          # (id, [addresses])
        self.idempotent = {}          # key -> (request signature, status, body)
        self._idempotency = threading.Lock()
        self._sequence = 0
        self.subscribers = {}         # address (lower case) -> Subscriber, for the importer's tests
        self.confirmations = []       # subscribers sent a confirmation email (created without a type)
        self.events = []              # EmailEvent, oldest first (list_events), for the stats
        super().__init__()

    def routes(self):
        return [
            ("POST", r"/v1/emails", self._guard(self.create_email)),
            ("GET", r"/v1/emails", self._guard(self.list_emails)),
            ("GET", r"/v1/emails/(?P<id>[^/]+)", self._guard(self.retrieve_email)),
            ("PATCH", r"/v1/emails/(?P<id>[^/]+)", self._guard(self.update_email)),
            ("POST", r"/v1/emails/(?P<id>[^/]+)/send-draft", self._guard(self.send_draft)),
            ("GET", r"/v1/tags", self._guard(self.list_tags)),
            ("POST", r"/v1/subscribers", self._guard(self.create_subscriber)),
            ("GET", r"/v1/subscribers", self._guard(self.list_subscribers)),
            ("PATCH", r"/v1/subscribers/(?P<id>[^/]+)", self._guard(self.update_subscriber)),
            # For invoke newsletter-stats.
            ("GET", r"/v1/emails/(?P<id>[^/]+)/analytics", self._guard(self.retrieve_email_analytics)),
            ("GET", r"/v1/events", self._guard(self.list_events)),
        ]

    def authorize(self, request):
        given = request.headers.get("authorization")
        if given != f"Token {self.api_key}":
            # Repeats what it was given, as some providers do: the backend must blank it.
            raise Invalid(f"Invalid token header {given!r}." if given else
                          "Authentication credentials were not provided.", 401)

    # Set-up and observation, for tests.

    def add_tag(self, name):
        tag_id = "sub_tag_" + _typeid_tail()
        self.tags[tag_id] = {"id": tag_id, "name": name, "creation_date": _now(), "color": "#0069ff",
                             "description": None, "public_description": None, "subscriber_editable": False,
                             "secondary_id": len(self.tags) + 1}
        return tag_id

    def add_email(self, subject="Someone else's email", status="draft", metadata=None, filters=None, body=""):
        """An email made elsewhere (by hand in the app, by another tool)."""
        with self._lock:
            email = self._new_email({"subject": subject, "body": body, "metadata": metadata or {},
                                     "filters": filters or _everyone()}, status, source="app")
        return email["id"]

    def finish_sending(self):
        """Buttondown's queue drains: every email about to be sent is sent."""
        with self._lock:
            for email in self.emails.values():
                if email["status"] == "about_to_send":
                    email["status"] = "sent"

    def set_results(self, email_id, click_events=(), **counts):
        """A sent email's Analytics (``counts``: its properties, the others 0) and its click events:
        ``click_events`` as (subscriber id, URL), one event each."""
        with self._lock:
            email = self._email(email_id)
            email["status"] = "sent"
            email["analytics"] = {**{name: 0 for name in ANALYTICS_COUNTS}, **counts,
                                  "temporary_failure_breakdown": [], "permanent_failure_breakdown": []}
            for subscriber, url in click_events:
                self.events.append({"id": "evt_" + _typeid_tail(), "creation_date": _now(), "subscriber_id": subscriber,
                                    "email_id": email_id, "automation_id": None, "metadata": {"url": url},
                                    "event_type": "clicked"})

    def ours(self, key):
        """The emails whose metadata carries ``key``."""
        return [email for email in self.emails.values() if email["metadata"].get("issue_key") == key]

    # Handlers.

    def create_email(self, request, match):
        body = request.body
        self._check_email_fields(body, EMAIL_INPUT, required=("subject",), nullable=NULLABLE_INPUT)
        status = body.get("status", "about_to_send")   # the default that sends at once
        if status not in ("draft", "scheduled", "about_to_send"):
            raise Refused("status_invalid", f"Cannot create an email with status '{status}'.")
        if status == "scheduled" and not body.get("publish_date"):
            raise Refused("publish_date_missing", "A scheduled email needs a publish_date.")
        if body.get("body", "").startswith("---"):
            raise Refused("body_contains_frontmatter", "The body starts with a frontmatter block.")
        email = self._new_email(body, status, source="api")
        return 201, copy.deepcopy(email)

    def list_emails(self, request, match):
        query = self._query(request, LIST_QUERY, LIST_IMPLEMENTED)
        for name in ("status", "-status"):
            for value in query.get(name, []):
                if value not in EMAIL_STATUS:
                    raise Invalid(f"query.{name}: '{value}' is not a valid Status", 422)
        ordering = query.get("ordering", ["creation_date"])[-1]
        if ordering not in ORDERING:
            raise Invalid(f"query.ordering: '{ordering}' is not a valid ordering", 422)
        excluded = query.get("excluded_fields", [])
        for value in excluded:
            if value not in EXCLUDABLE:
                raise Invalid(f"query.excluded_fields: '{value}' cannot be excluded", 422)
        emails = list(self.emails.values())
        if query.get("status"):
            emails = [email for email in emails if email["status"] in query["status"]]
        if query.get("-status"):
            emails = [email for email in emails if email["status"] not in query["-status"]]
        field = ordering.lstrip("-")
        if field == "creation_date":
            emails.sort(key=lambda email: email["_sequence"], reverse=ordering.startswith("-"))
        else:
            emails.sort(key=lambda email: (email.get(field) is None, str(email.get(field) or ""), email["_sequence"]),
                        reverse=ordering.startswith("-"))
        page = self._page(query)
        chunk = emails[(page - 1) * self.page_size: page * self.page_size]
        if page > 1 and not chunk:
            raise Invalid("Invalid page.", 404)
        results = [{key: value for key, value in self._public(email).items() if key not in excluded}
                   for email in chunk]
        more = page * self.page_size < len(emails)
        return 200, {"results": results, "count": len(emails),
                     "next": f"{self.url}/v1/emails?page={page + 1}" if more else None,
                     "previous": f"{self.url}/v1/emails?page={page - 1}" if page > 1 else None}

    def retrieve_email(self, request, match):
        return 200, self._public(self._email(match["id"]))

    def update_email(self, request, match):
        email = self._email(match["id"])
        body = request.body
        self._check_email_fields(body, EMAIL_UPDATE, nullable=set(EMAIL_UPDATE) - {"image"},
                                 consts={"publish_date": "none", "template": "none"})
        status = body.get("status")
        if status is not None and status != email["status"]:
            moves = {"draft": ("scheduled", "about_to_send"), "scheduled": ("draft", "about_to_send", "scheduled")}
            if status not in moves.get(email["status"], ()):
                raise Refused("status_invalid", f"Cannot change an email from '{email['status']}' to '{status}'.")
        if status == "scheduled" and not (body.get("publish_date") or email["publish_date"]):
            raise Refused("publish_date_missing", "A scheduled email needs a publish_date.")
        if "filters" in body and body["filters"] is not None:
            self._check_filters(body["filters"], "body.filters")
        for name, value in body.items():
            if value is None:
                continue
            email[name] = None if value == "none" and name in ("publish_date", "template") else copy.deepcopy(value)
        email["modification_date"] = _now()
        if status == "about_to_send":
            self._send(email)
        return 200, self._public(email)

    def send_draft(self, request, match):
        email = self._email(match["id"])
        body = request.body
        check_fields(body, optional=("subscribers", "recipients"), types={"subscribers": list, "recipients": list})
        recipients = body.get("recipients") or []
        subscribers = body.get("subscribers") or []
        if not all(isinstance(address, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address)
                   for address in recipients):
            raise Invalid("body.recipients: each item must be an email address", 422)
        if not all(isinstance(item, str) and SUBSCRIBER_ID.match(item) for item in subscribers):
            raise Invalid("body.subscribers: each item must be a subscriber id", 422)
        if not recipients and not subscribers:
            raise Refused("email_invalid", "Provide at least one recipient or subscriber.")
        self.test_sends.append((email["id"], list(recipients)))
        return 200, None

    def list_tags(self, request, match):
        query = self._query(request, TAG_QUERY, set(TAG_QUERY))
        page = self._page(query)
        size = query.get("page_size", ["100"])[-1]
        size = int(size) if size.isdigit() else 0
        if not 1 <= size <= 1000:
            raise Invalid("query.page_size: must be between 1 and 1000", 422)
        tags = [tag for tag in self.tags.values() if not query.get("ids") or tag["id"] in query["ids"]]
        return 200, self._paged(tags, page, size, "/v1/tags")

    def create_subscriber(self, request, match):
        """A subscriber; tags are names, created when new. Without a type, Buttondown asks for a
        confirmation (double opt-in): recorded in ``confirmations``, as an email sent."""
        body = request.body
        check_fields(body, required=("email_address",), optional=tuple(SUBSCRIBER_INPUT), types=SUBSCRIBER_INPUT)
        behaviour = request.headers.get("x-buttondown-collision-behavior", "no_op")
        if behaviour not in COLLISION_BEHAVIOR:
            raise Invalid(f"header X-Buttondown-Collision-Behavior: '{behaviour}' is not a CollisionBehavior", 422)
        address = body["email_address"]
        if len(address) > 254 or not SUBSCRIBER_EMAIL.match(address):
            raise Refused("email_invalid", "That email address is not valid.")
        if body.get("type") is not None and body["type"] not in SETTABLE_TYPES:
            raise Refused("invalid_input", f"The type '{body['type']}' cannot be set through the API.")
        if not all(isinstance(tag, str) and tag for tag in body.get("tags", [])):
            raise Invalid("body.tags: each item must be a tag name", 422)
        if address.lower() in self.subscribers:
            if behaviour in ("no_op", "fail"):
                raise Refused("email_already_exists", "A subscriber with that email address already exists.")
            raise Invalid("the fake implements only the no_op and fail collision behaviours", 400)
        known = {tag["name"] for tag in self.tags.values()}
        for name in body.get("tags", []):
            if name not in known:
                self.add_tag(name)
                known.add(name)
        subscriber = {"id": "sub_" + _typeid_tail(), "creation_date": _now(), "email_address": address,
                      "metadata": copy.deepcopy(body.get("metadata", {})), "notes": body.get("notes", ""),
                      "referral_code": _typeid_tail()[:8], "secondary_id": len(self.subscribers) + 1, "source": "api",
                      "tags": list(body.get("tags", [])), "type": body.get("type") or "unactivated",
                      "utm_campaign": "", "utm_medium": "", "utm_source": ""}
        self.subscribers[address.lower()] = subscriber
        if body.get("type") is None:
            self.confirmations.append(subscriber["id"])
        return 201, copy.deepcopy(subscriber)

    def list_subscribers(self, request, match):
        unknown = sorted(set(request.query) - SUBSCRIBER_QUERY_IMPLEMENTED)
        if unknown:
            raise Invalid(f"query: the fake does not implement {', '.join(unknown)}", 400)
        wanted = [value.lower() for value in request.query.get("email_address", [])]
        found = [s for s in self.subscribers.values()
                 if not wanted or any(part in s["email_address"].lower() for part in wanted)]
        page = self._page(request.query)
        chunk = found[(page - 1) * self.page_size: page * self.page_size]
        more = page * self.page_size < len(found)
        return 200, {"results": copy.deepcopy(chunk), "count": len(found),
                     "next": f"{self.url}/v1/subscribers?page={page + 1}" if more else None, "previous": None}

    def update_subscriber(self, request, match):
        key = match["id"]
        subscriber = next((s for s in self.subscribers.values() if key in (s["id"], s["email_address"])), None)
        if subscriber is None:
            raise Invalid("Not found.", 404)
        body = request.body
        check_fields(body, optional=tuple(SUBSCRIBER_UPDATE), types=SUBSCRIBER_UPDATE)
        for name in body.get("tags") or []:
            if name not in {tag["name"] for tag in self.tags.values()}:
                self.add_tag(name)
        subscriber.update({name: copy.deepcopy(value) for name, value in body.items() if value is not None})
        return 200, copy.deepcopy(subscriber)

    def retrieve_email_analytics(self, request, match):
        """Analytics: every count 0 (the schema's defaults) until the email has some."""
        email = self._email(match["id"])
        return 200, copy.deepcopy(email["analytics"]) if email["analytics"] else \
            {**{name: 0 for name in ANALYTICS_COUNTS}, "temporary_failure_breakdown": [],
             "permanent_failure_breakdown": []}

    def list_events(self, request, match):
        query = self._query(request, EVENTS_QUERY, EVENTS_IMPLEMENTED)
        for value in query.get("event_type", []):
            if value not in EVENT_TYPES:
                raise Invalid(f"query.event_type: '{value}' is not a valid EmailEventType", 422)
        size = query.get("page_size", ["500"])[-1]
        size = int(size) if size.isdigit() else 0
        if not 1 <= size <= 5000:
            raise Invalid("query.page_size: must be between 1 and 5000", 422)
        events = [event for event in self.events
                  if all(event["email_id"] == wanted for wanted in query.get("email_id", []))
                  and all(event["event_type"] == wanted for wanted in query.get("event_type", []))]
        events.reverse()   # ordering: -creation_date by default
        return 200, self._paged(events, self._page(query), size, "/v1/events")

    def _paged(self, items, page, size, path):
        """One page of ``items`` as Buttondown lists them: results, count, the next page's address."""
        chunk = items[(page - 1) * size: page * size]
        if page > 1 and not chunk:
            raise Invalid("Invalid page.", 404)
        more = page * size < len(items)
        return {"results": copy.deepcopy(chunk), "count": len(items),
                "next": f"{self.url}{path}?page={page + 1}&page_size={size}" if more else None,
                "previous": None}

    # Idempotency and Buttondown's error shapes.

    def _dispatch(self, request):
        key = request.headers.get("x-idempotency-key")
        if not key or request.method not in ("POST", "PATCH"):
            return self._shaped(*super()._dispatch(request))
        signature = (request.method, request.path, json.dumps(request.body, sort_keys=True))
        with self._idempotency:
            if key in self.idempotent:
                stored, status, body = self.idempotent[key]
                if stored != signature:
                    return 409, {"detail": "This idempotency key was used for another request."}, {}
                return status, copy.deepcopy(body), {"Idempotent-Replayed": "true"}
            status, body, headers = self._shaped(*super()._dispatch(request))
            if 200 <= status < 300:
                self.idempotent[key] = (signature, status, copy.deepcopy(body))
            return status, body, headers

    @staticmethod
    def _shaped(status, body, headers):
        """422 answers carry a list of validation errors, as Buttondown's ValidationErrorMessage."""
        if status == 422 and isinstance(body, dict) and isinstance(body.get("detail"), str):
            where, _, message = body["detail"].partition(": ")
            body = {"detail": [{"type": "value_error", "loc": where.split("."), "msg": message or where}]}
        return status, body, headers

    @staticmethod
    def _guard(handler):
        def guarded(request, match):
            try:
                return handler(request, match)
            except Refused as refused:
                return refused.status, {"code": refused.code, "detail": str(refused)}
        return guarded

    # Validation.

    def _check_email_fields(self, body, fields, required=(), nullable=(), consts=None):
        check_fields(body, required=required, optional=tuple(fields))
        for name, value in body.items():
            if value is None:
                if name not in nullable:
                    raise Invalid(f"body.{name}: may not be null", 422)
                continue
            if consts and consts.get(name) == value:
                continue
            kind = fields[name]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise Invalid(f"body.{name}: must be {kind.__name__}", 422)
            if name in ENUMS and value not in ENUMS[name]:
                raise Invalid(f"body.{name}: '{value}' is not one of {', '.join(ENUMS[name])}", 422)
        if len(body.get("subject") or "") > 2000:
            raise Invalid("body.subject: at most 2000 characters", 422)
        if isinstance(body.get("publish_date"), str) and body["publish_date"] != "none":
            try:
                datetime.fromisoformat(body["publish_date"])
            except ValueError:
                raise Invalid("body.publish_date: not a date-time", 422) from None
        if isinstance(body.get("slug"), str) and not re.fullmatch(r"[a-zA-Z0-9_-]{1,100}", body["slug"]):
            raise Refused("slug_invalid", "The slug may hold letters, digits, - and _ only.")
        if body.get("filters") is not None:
            self._check_filters(body["filters"], "body.filters")

    def _check_filters(self, group, where):
        """EmailFilterGroup: {filters: [EmailFilter], groups: [EmailFilterGroup], predicate: and|or}."""
        check_fields(group, required=("filters", "groups", "predicate"), types={"filters": list, "groups": list},
                     where=where)
        if group["predicate"] not in ("and", "or"):
            raise Invalid(f"{where}.predicate: must be 'and' or 'or'", 422)
        for index, item in enumerate(group["filters"]):
            at = f"{where}.filters.{index}"
            check_fields(item, required=("field", "operator", "value"), where=at)
            if item["field"] not in FILTER_FIELDS and not re.fullmatch(r"subscriber\.metadata\..+", item["field"]):
                raise Invalid(f"{at}.field: '{item['field']}' is not a recognised field", 422)
            if item["operator"] not in OPERATORS:
                raise Invalid(f"{at}.operator: '{item['operator']}' is not an operator", 422)
            if not isinstance(item["value"], str):
                raise Invalid(f"{at}.value: must be str", 422)
            if item["field"] == "subscriber.tags" and item["value"] not in self.tags:
                what = "is not a tag id (filters take ids, not names)" if not TAG_ID.match(item["value"]) \
                    else "is no tag of this newsletter"
                raise Refused("tag_invalid", f"Tag filter value '{item['value']}' {what}.")
        for index, inner in enumerate(group["groups"]):
            self._check_filters(inner, f"{where}.groups.{index}")

    @staticmethod
    def _query(request, documented, implemented):
        unknown = sorted(set(request.query) - set(documented))
        if unknown:
            raise Invalid(f"query: undocumented parameter(s) {', '.join(unknown)}", 422)
        missing = sorted(set(request.query) - implemented)
        if missing:
            raise Invalid(f"query: the fake does not implement {', '.join(missing)}; a filter it ignored would "
                          "return every email", 400)
        return request.query

    @staticmethod
    def _page(query):
        value = query.get("page", ["1"])[-1]
        if not value.isdigit() or int(value) < 1:
            raise Invalid("query.page: must be a positive integer", 422)
        return int(value)

    # The emails.

    def _new_email(self, fields, status, source):
        now = _now()
        self._sequence += 1
        email_id = "em_" + _typeid_tail()
        email = {
            "id": email_id, "creation_date": now, "modification_date": now,
            "absolute_url": f"https://buttondown.com/example/archive/{email_id}/",
            "body": "", "canonical_url": "", "commenting_mode": "enabled", "description": "",
            "archival_mode": "enabled", "email_type": "public", "featured": False, "filters": _everyone(),
            "image": "", "metadata": {}, "publish_date": None, "related_email_ids": [], "secondary_id": None,
            "should_trigger_pay_per_email_billing": False, "slug": None, "source": source, "status": status,
            "subject": "", "attachments": [], "template": None, "analytics": None, "_sequence": self._sequence,
        }
        email.update({name: copy.deepcopy(value) for name, value in fields.items() if name != "status"})
        self.emails[email_id] = email
        if status == "about_to_send":
            email["status"] = "draft"
            self._send(email)
        return email

    def _send(self, email):
        email["status"] = "about_to_send"
        email["publish_date"] = email["publish_date"] or _now()
        self.sends[email["id"]] += 1

    def _email(self, email_id):
        if email_id not in self.emails:
            raise Invalid("Not found.", 404)
        return self.emails[email_id]

    @staticmethod
    def _public(email):
        return {key: copy.deepcopy(value) for key, value in email.items() if not key.startswith("_")}


def _typeid_tail():
    return random.choice("01234567") + "".join(random.choice(ALPHABET) for _ in range(25))


def _everyone():
    return {"filters": [], "groups": [], "predicate": "and"}


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
