"""A loopback listmonk: the campaign endpoints the listmonk backend uses, and nothing else.

Derived from listmonk's OpenAPI file (knadh/listmonk docs/swagger/collections.yaml,
v6.2.0), keeping only what the backend uses:

    GET  /api/campaigns               query: page, per_page (integer or "all"), no_body,
                                      status, order, order_by, query, tags (spec) and
                                      tag (what the server reads)
    POST /api/campaigns               body: CampaignRequest + CampaignUpdate fields
    GET  /api/campaigns/{id}          query: no_body
    PUT  /api/campaigns/{id}          body: as POST
    DELETE /api/campaigns/{id}        answers {"data": true}
    POST /api/campaigns/{id}/test     body: as POST, plus ``subscribers`` (docs/apis/campaigns.md;
                                      the OpenAPI file leaves it out)
    PUT  /api/campaigns/{id}/status   body: {"status": scheduled | running | paused | cancelled}
    POST /api/subscribers             body: NewSubscriber (email, name, status, lists, list_uuids,
                                      preconfirm_subscriptions, attribs); 409 "E-mail already
                                      exists." for a held address, as the server answers (for the
                                      importer; the opt-in emails it would send are in ``optins``)
    GET  /api/subscribers             query: page, per_page, query (only the SQL expression
                                      LOWER(subscribers.email) = '...' is understood here)
    PUT  /api/subscribers/lists       body: SubscriberQueryRequest (ids, action add, target_list_ids,
                                      status)
    GET  /api/campaigns/analytics/{type}   getCampaignAnalytics, type views | clicks | bounces |
                                      links; query from, to (dates) and id, all required:
                                      CampaignAnalyticsCount per day, {url, count} for links
                                      (for the stats; ``set_results`` stores them)

Campaign fields accepted (spec components CampaignRequest and CampaignUpdate):
name, subject (string), lists (array of integers), from_email, content_type
(richtext | html | markdown | plain), messenger, type (regular | optin),
tags (array of strings), send_later (boolean), send_at, headers (array of
objects), template_id (integer), body, altbody (string), archive (boolean),
archive_template_id (integer), archive_meta (object). Any other field is
refused (the real server would silently drop it; refusing it here catches a
misspelt field in the backend).

Where the spec and the server (cmd/campaigns.go, core/campaigns.go of the same
release) disagree, the fake does what the server does:
  * the list filter is read from ``tag``; ``tags`` is accepted and ignored, so
    the answer holds every campaign;
  * ``send_at`` is a date-time string (RFC 3339; the spec's Campaign says
    string, its request schemas a mis-indented object the server cannot
    read) and must be in the future; null is refused (no schema of the spec
    makes it nullable): leave the key out when not scheduling;
  * name, subject and lists are required (400 "Invalid length for `name`." ...);
  * a status change follows the server's transitions (only drafts and paused
    campaigns start, only drafts are scheduled and only with send_at);
  * a campaign that is running or finished cannot be updated;
  * a test goes only to known subscribers; with none known it is refused.

Authentication as the server does it: ``Authorization: token user:token`` or
HTTP basic auth; anything else is answered 403, as listmonk does. Errors
carry listmonk's body, {"message": ...}.

State, for tests: ``campaigns`` (id -> campaign as the API returns it),
``sends`` (ids, one per start of a campaign), ``tests`` ((id, addresses)),
``deleted`` (the campaigns deleted, as they were).
A running campaign is finished at the next request that reads it, as if
listmonk's manager had sent it in between.
"""

import base64
import re
import threading
import uuid
from datetime import datetime, timezone

from .base import FakeProvider, Invalid, check_fields

CAMPAIGN_FIELDS = {
    "name": str, "subject": str, "lists": list, "from_email": str, "content_type": str, "messenger": str,
    "type": str, "tags": list, "send_later": bool, "send_at": object, "headers": list, "template_id": int,
    "body": str, "altbody": str, "archive": bool, "archive_template_id": int, "archive_meta": dict,
}
ENUMS = {"content_type": ("richtext", "html", "markdown", "plain"), "type": ("regular", "optin")}
LIST_QUERY = {"page", "per_page", "no_body", "status", "order", "order_by", "query", "tags", "tag"}
STATUSES = ("scheduled", "running", "paused", "cancelled")
# Go template actions the fake knows: listmonk's functions, fields and string literals.
FUNCTIONS = {"UnsubscribeURL", "TrackView", "TrackLink", "MessageURL", "OptinURL", "Date", "Safe", "L", "template"}
ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)


class ListmonkFake(FakeProvider):
    def __init__(self, users=None, lists=None, subscribers=None, messengers=("email",)):
        self.users = dict(users or {"publisher": "secret-token"})
        self.lists = dict(lists or {3: "Lettre (fr)", 4: "Newsletter (en)"})
        self.subscribers = {email.lower(): ids for email, ids in (subscribers or {}).items()}
        self.messengers = set(messengers)
        self.campaigns = {}
        self.sends = []
        self.tests = []
        self.deleted = []
        self.optins = []              # addresses sent an opt-in email (subscribed unconfirmed)
        self.subscriber_details = {}  # address (lower case) -> the subscriber created through the API
        self._next_id = 1
        self.analytics = {}           # campaign id -> {"views"|"clicks"|"bounces": [(day, count)], "links": {url: n}}
        super().__init__()
        # serve_forever polls for shutdown every 0.5 s by default: half a second per test otherwise.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def routes(self):
        return [
            ("GET", r"/api/campaigns", self.list_campaigns),
            ("POST", r"/api/campaigns", self.create),
            ("GET", r"/api/campaigns/(\d+)", self.get),
            ("PUT", r"/api/campaigns/(\d+)", self.update),
            ("DELETE", r"/api/campaigns/(\d+)", self.delete),
            ("POST", r"/api/campaigns/(\d+)/test", self.test),
            ("PUT", r"/api/campaigns/(\d+)/status", self.status),
            ("POST", r"/api/subscribers", self.create_subscriber),
            ("GET", r"/api/subscribers", self.list_subscribers),
            ("PUT", r"/api/subscribers/lists", self.subscriber_lists),
            # For invoke newsletter-stats.
            ("GET", r"/api/campaigns/analytics/(views|clicks|bounces|links)", self.campaign_analytics),
        ]

    def _handler_class(self):
        handler = super()._handler_class()
        # Headers and body leave in two writes: without this, Nagle holds the body until the
        # client's delayed ACK (about 40 ms a request).
        handler.disable_nagle_algorithm = True
        return handler

    def authorize(self, request):
        header = request.headers.get("authorization", "").strip()
        if not header:
            raise Invalid("invalid session", 403)
        if header.startswith("token"):
            pair = header[len("token"):].strip()
        elif header.startswith("Basic"):
            try:
                pair = base64.b64decode(header[len("Basic"):].strip()).decode()
            except ValueError:
                raise Invalid("invalid Base64 value in Basic Authorization header", 403) from None
        else:
            raise Invalid("unknown Authorization scheme", 403)
        user, _, token = pair.partition(":")
        if not user or not token or self.users.get(user) != token:
            raise Invalid("invalid API credentials", 403)

    def _dispatch(self, request):
        status, body, headers = super()._dispatch(request)
        if status >= 400 and isinstance(body, dict) and "detail" in body:
            body = {"message": body["detail"]}   # listmonk's error body
        return status, body, headers

    # Helpers for tests.

    def add(self, **fields):
        """A campaign made by someone else (the editor, another tool), straight into the store."""
        campaign = self._new({"type": "regular", "content_type": "richtext", "messenger": "email",
                              "body": "", "tags": [], **fields})
        campaign["status"] = fields.get("status", "draft")
        return campaign

    def set_results(self, campaign_id, to_send, sent, day, views=0, clicks=0, bounces=0, links=None):
        """A finished campaign and its analytics, all counted on ``day`` (a date)."""
        with self._lock:
            campaign = self.campaigns[campaign_id]
            campaign.update(status="finished", to_send=to_send, sent=sent, views=views, clicks=clicks,
                            started_at=f"{day.isoformat()}T08:00:00+00:00")
            self.analytics[campaign_id] = {"views": [(day, views)], "clicks": [(day, clicks)],
                                           "bounces": [(day, bounces)], "links": dict(links or {})}

    def render(self, template, email="reader@example.org"):
        """The text a subscriber would get: the few Go template actions our campaigns use."""
        def action(match):
            inner = match.group(1).strip()
            if inner == "UnsubscribeURL":
                return f"{self.url}/subscription/{_uuid(email)}"
            literal = re.fullmatch(r'"([^"]*)"', inner)
            if literal:
                return literal.group(1)
            raise ValueError(f"the fake renders no {{{{ {inner} }}}}")
        return ACTION.sub(action, template)

    # Routes.

    def list_campaigns(self, request, match):
        unknown = sorted(set(request.query) - LIST_QUERY)
        if unknown:
            raise Invalid(f"undocumented query parameter(s) {', '.join(unknown)}")
        self._advance()
        wanted = request.query.get("tag", [])   # the server ignores "tags"
        results = [c for c in self.campaigns.values() if all(tag in c["tags"] for tag in wanted)]
        statuses = request.query.get("status")
        if statuses:
            results = [c for c in results if c["status"] in statuses]
        per_page = request.query.get("per_page", ["20"])[0]
        page = _integer(request.query.get("page", ["1"])[0], "page")
        total = len(results)
        if per_page != "all":
            size = _integer(per_page, "per_page")
            results = results[(page - 1) * size: page * size]
        if _boolean(request.query.get("no_body", ["false"])[0]):
            results = [{**c, "body": ""} for c in results]
        if not results:
            return 200, {"data": {"results": [], "query": "", "total": 0, "per_page": 0, "page": 0}}
        return 200, {"data": {"results": results, "query": request.query.get("query", [""])[0], "total": total,
                              "per_page": 0 if per_page == "all" else int(per_page), "page": page}}

    def campaign_analytics(self, request, match):
        """getCampaignAnalytics: from, to and id are required; counts per day, or {url, count} for links."""
        unknown = sorted(set(request.query) - {"from", "to", "id"})
        missing = sorted({"from", "to", "id"} - set(request.query))
        if unknown or missing:
            what = f"undocumented {', '.join(unknown)}" if unknown else f"missing {', '.join(missing)}"
            raise Invalid(f"query: {what}")
        try:
            first, last = (datetime.fromisoformat(request.query[name][0]).date() for name in ("from", "to"))
        except ValueError:
            raise Invalid("invalid `from` or `to` date") from None
        ids = [_integer(part, "id") for value in request.query["id"] for part in value.split(",")]
        kind = match.group(1)
        data = []
        for campaign_id in ids:
            stored = self.analytics.get(campaign_id, {})
            if kind == "links":
                data += [{"url": url, "count": count} for url, count in stored.get("links", {}).items()]
            else:
                data += [{"campaign_id": campaign_id, "count": count, "timestamp": f"{day.isoformat()}T00:00:00Z"}
                         for day, count in stored.get(kind, []) if first <= day <= last and count]
        return 200, {"data": data}

    def create(self, request, match):
        fields = self._validated(request.body)
        return 200, {"data": self._new(fields)}

    def get(self, request, match):
        campaign = self._campaign(match)
        self._advance()
        unknown = sorted(set(request.query) - {"no_body"})
        if unknown:
            raise Invalid(f"undocumented query parameter(s) {', '.join(unknown)}")
        if _boolean(request.query.get("no_body", ["false"])[0]):
            return 200, {"data": {**campaign, "body": ""}}
        return 200, {"data": campaign}

    def update(self, request, match):
        campaign = self._campaign(match)
        if campaign["status"] not in ("draft", "paused", "scheduled"):
            raise Invalid("Cannot update a running or a finished campaign")
        fields = self._validated(request.body, current=campaign)
        self._apply(campaign, fields)
        return 200, {"data": campaign}

    def delete(self, request, match):
        campaign = self._campaign(match)
        if request.query or request.body is not None:
            raise Invalid("DELETE /api/campaigns/{id} takes no parameters")
        self.deleted.append(self.campaigns.pop(campaign["id"]))
        return 200, {"data": True}

    def test(self, request, match):
        campaign = self._campaign(match)
        body = request.body if isinstance(request.body, dict) else {}
        subscribers = body.get("subscribers")
        self._validated({k: v for k, v in body.items() if k != "subscribers"})
        if subscribers is not None and (not isinstance(subscribers, list)
                                        or not all(isinstance(s, str) for s in subscribers)):
            raise Invalid("subscribers must be an array of e-mail addresses")
        if not subscribers:
            raise Invalid("There are no subscribers to target.")
        known = [s.strip().lower() for s in subscribers if s.strip().lower() in self.subscribers]
        if not known:
            raise Invalid("No known subscribers to test.")
        self.tests.append((campaign["id"], known))
        return 200, {"data": True}

    def status(self, request, match):
        campaign = self._campaign(match)
        check = _strict(request.body, {"status": str})
        new = check.get("status")
        if new not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}")
        current = campaign["status"]
        refusal = None
        if new == "scheduled":
            if current not in ("draft", "paused"):
                refusal = "Only draft campaigns can be scheduled."
            if not campaign["send_at"]:
                refusal = "Campaign needs a `send_at` date to be scheduled."
        elif new == "running" and current not in ("paused", "draft"):
            refusal = "Only paused campaigns and drafts can be started."
        elif new == "paused" and current != "running":
            refusal = "Only active campaigns can be paused."
        elif new == "cancelled" and current not in ("running", "paused"):
            refusal = "Only active campaigns can be cancelled."
        if refusal:
            raise Invalid(refusal)
        campaign["status"] = new
        campaign["updated_at"] = _now()
        if new == "running":
            campaign["started_at"] = campaign["started_at"] or _now()
            campaign["to_send"] = self._audience_size(campaign)
            self.sends.append(campaign["id"])
        return 200, {"data": campaign}

    # Internals (called under the server's lock).

    def _validated(self, body, current=None):
        """Check the fields as the spec types them, then as the server requires them."""
        fields = _strict(body, CAMPAIGN_FIELDS)
        for name, values in ENUMS.items():
            if name in fields and fields[name] not in values:
                raise Invalid(f"{name} must be one of {', '.join(values)}")
        if "lists" in fields and not all(isinstance(i, int) and not isinstance(i, bool) for i in fields["lists"]):
            raise Invalid("lists must be an array of integers")
        if "tags" in fields and not all(isinstance(t, str) for t in fields["tags"]):
            raise Invalid("tags must be an array of strings")
        if "headers" in fields and not all(isinstance(h, dict) for h in fields["headers"]):
            raise Invalid("headers must be an array of objects")
        if "send_at" in fields:
            fields["send_at"] = _send_at(fields["send_at"])
        merged = {**(current or {}), **fields}
        # As the server: lists are never kept from the stored campaign.
        lists = fields.get("lists", [])
        if not 1 <= len(merged.get("name") or "") <= 200:
            raise Invalid("Invalid length for `name`.")
        if not 1 <= len(merged.get("subject") or "") <= 5000:
            raise Invalid("Invalid length for `subject`.")
        if merged.get("send_at") and datetime.fromisoformat(merged["send_at"]) <= datetime.now(timezone.utc):
            raise Invalid("`send_at` date should be in the future.")
        if not lists:
            raise Invalid("Invalid list IDs.")
        if any(i not in self.lists for i in lists):
            raise Invalid("There are no subscribers in the selected lists to create the campaign.")
        if merged.get("messenger", "email") not in self.messengers:
            raise Invalid(f"Unknown messenger {merged['messenger']}.")
        if merged.get("from_email") and not re.fullmatch(r"((.+?)\s)?<(.+?)@(.+?)>|[^@\s<>]+@[^@\s<>]+",
                                                         merged["from_email"]):
            raise Invalid("Invalid `from_email`.")
        self._compile(merged.get("body", ""), "body")
        self._compile(merged.get("altbody") or "", "altbody")
        self._compile(merged["subject"], "subject")
        return fields

    def _compile(self, template, what):
        for match in ACTION.finditer(template):
            inner = match.group(1).strip()
            word = inner.split()[0] if inner.split() else ""
            if re.fullmatch(r'"[^"]*"', inner) or word.startswith(".") or word in FUNCTIONS:
                continue
            raise Invalid(f"Error compiling campaign {what}: template: content: function {word!r} not defined")

    def _new(self, fields):
        now = _now()
        campaign = {
            "id": self._next_id, "created_at": now, "updated_at": now, "views": 0, "clicks": 0, "lists": [],
            "started_at": None, "to_send": 0, "sent": 0, "uuid": str(uuid.uuid4()), "type": "regular",
            "name": "", "subject": "", "from_email": "Listmonk <noreply@listmonk.example>", "body": "",
            "altbody": None, "send_at": None, "status": "draft", "content_type": "richtext", "tags": [],
            "template_id": 1, "messenger": "email", "headers": [],
        }
        self._next_id += 1
        self._apply(campaign, fields)
        self.campaigns[campaign["id"]] = campaign
        return campaign

    def _apply(self, campaign, fields):
        for name, value in fields.items():
            if name == "lists":
                campaign["lists"] = [{"id": i, "name": self.lists.get(i, f"list {i}")} for i in value]
            elif name in campaign:
                campaign[name] = value
        campaign["updated_at"] = _now()

    def _campaign(self, match):
        campaign = self.campaigns.get(int(match.group(1)))
        if campaign is None:
            raise Invalid("Campaign not found.")
        return campaign

    def _advance(self):
        """listmonk's manager sends running campaigns between two requests."""
        for campaign in self.campaigns.values():
            if campaign["status"] == "running":
                campaign["status"] = "finished"
                campaign["sent"] = campaign["to_send"]

    def create_subscriber(self, request, match):
        """NewSubscriber. Without a name the server takes the address's part before the @; without
        preconfirm_subscriptions a double opt-in list sends an opt-in email (every list here)."""
        body = _strict(request.body, {"email": str, "name": str, "status": str, "lists": list,
                                      "list_uuids": list, "preconfirm_subscriptions": bool, "attribs": dict})
        address = body.get("email", "").strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise Invalid("Invalid email.")
        if body.get("status", "enabled") not in ("enabled", "disabled", "blocklisted"):
            raise Invalid("Invalid status.")
        lists = body.get("lists", [])
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in lists):
            raise Invalid("lists must be an array of integers")
        if not set(lists) <= set(self.lists):
            raise Invalid("Invalid list IDs.")
        if address.lower() in self.subscribers:
            raise Invalid("E-mail already exists.", 409)
        self.subscribers[address.lower()] = list(lists)
        subscriber = {"id": len(self.subscriber_details) + 1, "uuid": _uuid(address), "email": address,
                      "name": body.get("name") or address.split("@")[0], "attribs": body.get("attribs", {}),
                      "status": body.get("status", "enabled"), "created_at": _now(), "updated_at": _now(),
                      "lists": [{"id": i, "name": self.lists[i], "subscription_status":
                                 "confirmed" if body.get("preconfirm_subscriptions") else "unconfirmed"}
                                for i in lists]}
        self.subscriber_details[address.lower()] = subscriber
        if lists and not body.get("preconfirm_subscriptions"):
            self.optins.append(address)
        return 200, {"data": subscriber}

    def list_subscribers(self, request, match):
        unknown = sorted(set(request.query) - {"page", "per_page", "query"})
        if unknown:
            raise Invalid(f"the fake does not implement {', '.join(unknown)}")
        expression = request.query.get("query", [""])[0]
        found = re.fullmatch(r"LOWER\(subscribers\.email\) = '((?:[^']|'')*)'", expression)
        if not found:
            raise Invalid(f"the fake understands only LOWER(subscribers.email) = '...', not {expression!r}")
        address = found[1].replace("''", "'")
        results = [self._subscriber(address)] if address in self.subscribers else []
        return 200, {"data": {"results": results, "query": expression, "total": len(results), "per_page": 1,
                              "page": 1}}

    def subscriber_lists(self, request, match):
        body = _strict(request.body, {"query": str, "ids": list, "action": str, "target_list_ids": list,
                                      "status": str})
        if body.get("action") not in ("add", "remove", "unsubscribe"):
            raise Invalid("Invalid `action`.")
        if body.get("action") == "add" and body.get("status") not in ("confirmed", "unconfirmed", "unsubscribed"):
            raise Invalid("Invalid `status`.")
        targets = body.get("target_list_ids") or []
        if not targets or not set(targets) <= set(self.lists):
            raise Invalid("Invalid list IDs.")
        by_id = {self._subscriber(address)["id"]: address for address in self.subscribers}
        for subscriber_id in body.get("ids") or []:
            if subscriber_id not in by_id:
                raise Invalid("Subscriber not found.")
            address = by_id[subscriber_id]
            if body["action"] == "add":
                self.subscribers[address] = sorted(set(self.subscribers[address]) | set(targets))
                if body["status"] == "unconfirmed":
                    self.optins.append(address)
        return 200, {"data": True}

    def _subscriber(self, address):
        """The subscriber of a held address, made up for those the test seeded."""
        ids = sorted(self.subscribers)
        detail = self.subscriber_details.get(address) or {"id": 1000 + ids.index(address), "email": address,
                                                          "status": "enabled"}
        return {**detail, "lists": [{"id": i, "name": self.lists.get(i, ""), "subscription_status": "confirmed"}
                                    for i in self.subscribers[address]]}

    def _audience_size(self, campaign):
        ids = {entry["id"] for entry in campaign["lists"]}
        return sum(1 for lists in self.subscribers.values() if ids & set(lists))


def _strict(body, types):
    try:
        check_fields(body, optional=tuple(types), types={k: v for k, v in types.items() if v is not object})
    except Invalid as invalid:
        raise Invalid(str(invalid), 400) from None   # listmonk answers 400, never 422
    return dict(body)


def _send_at(value):
    if not isinstance(value, str):
        # null: not nullable in the spec; an object: what the request schemas say, refused by the server
        raise Invalid("send_at must be a date-time string; leave it out when not scheduling")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"send_at {value!r} is not an RFC 3339 date-time") from None
    if when.tzinfo is None:
        raise Invalid(f"send_at {value!r} has no time zone offset")
    return when.astimezone(timezone.utc).isoformat()


def _integer(value, name):
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"{name} must be an integer") from None


def _boolean(value):
    return value.lower() in ("1", "t", "true")


def _uuid(email):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, email))


def _now():
    return datetime.now(timezone.utc).isoformat()
