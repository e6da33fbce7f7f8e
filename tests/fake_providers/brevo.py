"""A loopback Brevo API v3: the email campaign endpoints the Brevo backend calls, campaigns in memory.

Derived from Brevo's API reference, https://developers.brevo.com/reference
(create-email-campaign, get-email-campaigns, get-email-campaign,
update-email-campaign, send-test-email, send-email-campaign-now), and the
request and response models of Brevo's generated Python client,
https://github.com/getbrevo/brevo-python (docs/CreateEmailCampaign.md,
UpdateEmailCampaign.md, SendTestEmail.md, GetEmailCampaign.md,
GetEmailCampaigns.md, EmailCampaignsApi.md).

Like Brevo, it needs the ``api-key`` header (401 {"code": "unauthorized"}),
refuses body fields and query parameters that the reference does not list,
or of the wrong type, with 400 {"code": "invalid_parameter", "message": ...}
(a missing one: "missing_parameter"), and answers 404 "document_not_found"
for an unknown campaign. The messages are the fake's own words; the codes
are Brevo's. Names are not unique, as at Brevo. It records each test send
(``tests``) and each real send (``sends``).

For the subscriber importer, POST /contacts (create-contact; the CreateContact
model of brevo-python: email, ext_id, attributes, emailBlacklisted,
smsBlacklisted, listIds, updateEnabled, smtpBlacklistSender) answers 201 {"id"}
for a new contact, 204 when ``updateEnabled`` updates a held one (its lists
added), and 400 "duplicate_parameter" for a held one otherwise; contacts are in
``contacts``.

For the stats command, get-email-campaign honours ``statistics`` (globalStats,
linksStats; the collections not asked for come back empty, as Brevo's
changelog of 2023-02-07 says) for a campaign given numbers with ``set_statistics``.
"""

import re
import threading
from datetime import datetime, timezone

from .base import FakeProvider, Invalid

SENDER_FIELDS = {"name": str, "email": str, "id": int}
RECIPIENT_FIELDS = {"listIds": list, "exclusionListIds": list, "segmentIds": list, "exclusionSegmentIds": list}
# Body of POST /emailCampaigns (create-email-campaign), field -> JSON type.
CREATE_FIELDS = {
    "name": str, "sender": dict, "tag": str, "htmlContent": str, "htmlUrl": str, "templateId": int,
    "scheduledAt": str, "subject": str, "previewText": str, "replyTo": str, "toField": str, "recipients": dict,
    "attachmentUrl": str, "inlineImageActivation": bool, "mirrorActive": bool, "footer": str, "header": str,
    "utmCampaign": str, "params": dict, "sendAtBestTime": bool, "abTesting": bool, "subjectA": str,
    "subjectB": str, "splitRule": int, "winnerCriteria": str, "winnerDelay": int, "ipWarmupEnable": bool,
    "initialQuota": int, "increaseRate": int, "unsubscriptionPageId": str, "updateFormId": str,
    "emailExpirationDate": dict,
}
# Body of PUT /emailCampaigns/{id} (update-email-campaign): every field optional.
UPDATE_FIELDS = {**{k: v for k, v in CREATE_FIELDS.items() if k != "templateId"}, "recurring": bool}
LIST_QUERY = {"type", "status", "statistics", "startDate", "endDate", "limit", "offset", "sort",
              "excludeHtmlContent"}
ONE_QUERY = {"statistics", "excludeHtmlContent"}
LIST_STATUSES = {"suspended", "archive", "sent", "queued", "draft", "inProcess", "inReview", "cancelling",
                 "cancelled"}
CONTACT_FIELDS = {"email": str, "ext_id": str, "attributes": dict, "emailBlacklisted": bool, "smsBlacklisted": bool,
                  "listIds": list, "updateEnabled": bool, "smtpBlacklistSender": list}
EDITABLE = {"draft", "queued"}   # "Only draft or scheduled campaigns can be modified"
# get-email-campaign: the ``statistics`` values, and GetCampaignStats' counts (the stats command).
STATISTICS = {"globalStats", "linksStats", "statsByDomain", "statsByDevice", "statsByBrowser"}
GLOBAL_STATS = ("uniqueClicks", "clickers", "complaints", "delivered", "sent", "softBounces", "hardBounces",
                "uniqueViews", "trackableViews", "unsubscriptions", "viewed", "deferred")


class BrevoError(Invalid):
    def __init__(self, message, status=400, code="invalid_parameter"):
        super().__init__(message, status)
        self.code = code


class FakeBrevo(FakeProvider):
    def __init__(self, api_key="xkeysib-test-0123456789abcdef", echo_key_in_errors=False, status_after_send="sent",
                 senders=None):
        self.api_key = api_key
        self.senders = senders              # the account's verified sender addresses; None: any
        self.echo_key_in_errors = echo_key_in_errors    # a careless provider: the key comes back in its message
        self.status_after_send = status_after_send
        self.campaigns = {}     # id -> campaign, as get-email-campaign shows it (recipients as sent)
        self.sends = []         # {"id", "name", "listIds"} per sendNow
        self.tests = []         # {"id", "name", "emailTo"} per sendTest
        self._next_id = 1
        self.contacts = {}      # address (lower case) -> {"id", "email", "listIds", ...}
        self.statistics = {}    # id -> {"globalStats": {...}, "linksStats": {URL: clicks}} (set_statistics)
        super().__init__()
        # serve_forever polls for shutdown every 0.5 s by default: half a second per test to stop.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def _handler_class(self):
        # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add some 40 ms to every answer on a kept-alive connection.
        handler = super()._handler_class()
        handler.disable_nagle_algorithm = True
        return handler

    def routes(self):
        return [
            ("POST", r"/emailCampaigns", self._brevo(self.create)),
            ("GET", r"/emailCampaigns", self._brevo(self.list_campaigns)),
            ("GET", r"/emailCampaigns/(\d+)", self._brevo(self.read)),
            ("PUT", r"/emailCampaigns/(\d+)", self._brevo(self.update)),
            ("POST", r"/emailCampaigns/(\d+)/sendTest", self._brevo(self.send_test)),
            ("POST", r"/emailCampaigns/(\d+)/sendNow", self._brevo(self.send_now)),
            ("POST", r"/contacts", self._brevo(self.create_contact)),
        ]

    def _brevo(self, handler):
        """Brevo's answer to a refused request: {"code": ..., "message": ...}."""
        def handle(request, match):
            try:
                self._authorize(request)
                return handler(request, match)
            except BrevoError as error:
                return error.status, {"code": error.code, "message": str(error)}
            except Invalid as error:
                return 400, {"code": "invalid_parameter", "message": str(error)}
        return handle

    def _authorize(self, request):
        given = request.headers.get("api-key")
        if given != self.api_key:
            detail = f"Key not found: {given}" if self.echo_key_in_errors else "Key not found"
            raise BrevoError(detail, 401, "unauthorized")

    # Test helpers.

    def add_campaign(self, name, status="sent", tag=None, list_ids=(9,), scheduled_at=None, sent_date=None):
        """A campaign made by someone else (the editor, another tool)."""
        campaign = self._new({"name": name, "subject": name, "sender": {"email": "other@example.org"},
                              "htmlContent": "<p>other</p>", "recipients": {"listIds": list(list_ids)},
                              **({"tag": tag} if tag else {})})
        campaign.update(status=status, scheduledAt=scheduled_at,
                        sentDate=sent_date or (_now() if status in ("sent", "archive") else None))
        return campaign

    def named(self, name):
        return [campaign for campaign in self.campaigns.values() if campaign["name"] == name]

    # Endpoints.

    def create(self, request, match):
        body = request.body
        _check_body(body, CREATE_FIELDS, required=("name", "sender"))
        if not any(key in body for key in ("htmlContent", "htmlUrl", "templateId")):
            raise BrevoError("htmlContent, htmlUrl or templateId is required", code="missing_parameter")
        if not body.get("abTesting") and not body.get("subject"):
            raise BrevoError("subject is required", code="missing_parameter")
        self._check_sender(body["sender"])
        campaign = self._new(body)
        if body.get("scheduledAt"):
            self._schedule(campaign, body["scheduledAt"])
        return 201, {"id": campaign["id"]}

    def list_campaigns(self, request, match):
        query = _query(request, LIST_QUERY)
        limit = _integer(query, "limit", 50, 0, 100)
        offset = _integer(query, "offset", 0, 0, None)
        _choice(query, "type", {"classic", "trigger"})
        _choice(query, "status", LIST_STATUSES)
        _choice(query, "sort", {"asc", "desc"})
        _choice(query, "excludeHtmlContent", {"true", "false"})
        wanted = query.get("status")
        campaigns = [c for c in self.campaigns.values() if query.get("type", "classic") == "classic"
                     and (wanted is None or _camel(c["status"]) == wanted)]
        campaigns.sort(key=lambda c: c["id"], reverse=query.get("sort", "desc") == "desc")
        page = [self._shown(c, query) for c in campaigns[offset:offset + limit]]
        return 200, ({"campaigns": page, "count": len(campaigns)} if campaigns else {"count": 0})

    def read(self, request, match):
        query = _query(request, ONE_QUERY)
        _choice(query, "excludeHtmlContent", {"true", "false"})
        _choice(query, "statistics", STATISTICS)
        shown = self._shown(self._campaign(match), query)
        if int(match.group(1)) in self.statistics:
            shown["statistics"] = self._statistics(int(match.group(1)), query)
        return 200, shown

    def set_statistics(self, campaign_id, links=None, **global_stats):
        """A sent campaign's statistics: globalStats (GetCampaignStats; the counts not given are 0)
        and linksStats ({URL: clicks})."""
        with self._lock:
            campaign = self.campaigns[campaign_id]
            campaign.update(status="sent", sentDate=campaign["sentDate"] or _now())
            self.statistics[campaign_id] = {"globalStats": {**{name: 0 for name in GLOBAL_STATS}, **global_stats},
                                            "linksStats": dict(links or {})}

    def _statistics(self, campaign_id, query):
        """get-email-campaign's ``statistics``: the collection asked for, the others empty (campaignStats
        always there, per list)."""
        wanted = query.get("statistics")
        stored = self.statistics[campaign_id]
        shown = {"campaignStats": [], "globalStats": {}, "linksStats": {}, "statsByDomain": {},
                 "statsByDevice": {}, "statsByBrowser": {}}
        for name in ("globalStats", "linksStats"):
            if wanted in (None, name):
                shown[name] = dict(stored[name])
        return shown

    def update(self, request, match):
        campaign = self._campaign(match)
        body = request.body
        _check_body(body, UPDATE_FIELDS)
        if not body:
            raise BrevoError("at least one field to update is required", code="missing_parameter")
        if campaign["status"] not in EDITABLE:
            raise BrevoError(f"campaign {campaign['id']} is {campaign['status']}: only draft or scheduled "
                             "campaigns can be modified")
        if "sender" in body:
            self._check_sender(body["sender"])
        for key, value in body.items():
            if key == "recipients":
                campaign["recipients"] = {**campaign["recipients"], **value}
            elif key != "scheduledAt":
                campaign[key] = value
        if "scheduledAt" in body:
            self._schedule(campaign, body["scheduledAt"])
        campaign["modifiedAt"] = _now()
        return 204, None

    def send_test(self, request, match):
        campaign = self._campaign(match)
        body = request.body if request.body is not None else {}
        _check_body(body, {"emailTo": list})
        addresses = body.get("emailTo", [])
        if not all(isinstance(address, str) and "@" in address for address in addresses):
            raise BrevoError("emailTo must list email addresses")
        self.tests.append({"id": campaign["id"], "name": campaign["name"], "emailTo": list(addresses)})
        campaign["testSent"] = True
        return 204, None

    def send_now(self, request, match):
        campaign = self._campaign(match)
        if request.body is not None:
            raise BrevoError("sendNow takes no body")
        if campaign["status"] not in EDITABLE:
            raise BrevoError(f"campaign {campaign['id']} is {campaign['status']}: it cannot be sent now")
        if not campaign["recipients"].get("listIds") and not campaign["recipients"].get("segmentIds"):
            raise BrevoError("the campaign has no recipients", code="missing_parameter")
        campaign.update(status=self.status_after_send, scheduledAt=_now(),
                        sentDate=_now() if self.status_after_send == "sent" else None)
        self.sends.append({"id": campaign["id"], "name": campaign["name"],
                           "listIds": list(campaign["recipients"].get("listIds", []))})
        return 204, None

    # Inside.

    def create_contact(self, request, match):
        body = request.body
        _check_body(body, CONTACT_FIELDS)
        address = body.get("email") or ""
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise BrevoError("email is not a valid email address")
        lists = body.get("listIds", [])
        if not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in lists):
            raise BrevoError("listIds must list whole numbers")
        held = self.contacts.get(address.lower())
        if held is not None:
            if not body.get("updateEnabled"):
                raise BrevoError("Contact already exist", code="duplicate_parameter")
            held["listIds"] = sorted(set(held["listIds"]) | set(lists))
            return 204, None
        contact = {"id": len(self.contacts) + 1, "email": address, "listIds": sorted(set(lists)),
                   "emailBlacklisted": bool(body.get("emailBlacklisted")), "attributes": body.get("attributes", {})}
        self.contacts[address.lower()] = contact
        return 201, {"id": contact["id"]}

    def _new(self, body):
        campaign = {"id": self._next_id, "type": "classic", "status": "draft", "testSent": False,
                    "createdAt": _now(), "modifiedAt": _now(), "scheduledAt": None, "sentDate": None,
                    "header": "", "footer": "", "replyTo": "", "tag": "",
                    **{k: v for k, v in body.items() if k not in ("scheduledAt", "recipients")},
                    "recipients": dict(body.get("recipients") or {})}
        self._next_id += 1
        self.campaigns[campaign["id"]] = campaign
        return campaign

    def _check_sender(self, sender):
        if self.senders is not None and sender.get("email") not in self.senders:
            raise BrevoError(f"sender {sender.get('email')} is not a verified sender of this account")

    def _schedule(self, campaign, value):
        when = _datetime(value, "scheduledAt")
        if when <= datetime.now(timezone.utc):
            raise BrevoError("scheduledAt must be in the future")
        if not campaign["recipients"].get("listIds") and not campaign["recipients"].get("segmentIds"):
            raise BrevoError("recipients.listIds is mandatory if scheduledAt is not empty",
                             code="missing_parameter")
        campaign.update(status="queued", scheduledAt=value)

    def _campaign(self, match):
        campaign = self.campaigns.get(int(match.group(1)))
        if campaign is None:
            raise BrevoError("Campaign ID does not exist", 404, "document_not_found")
        return campaign

    def _shown(self, campaign, query):
        shown = {k: v for k, v in campaign.items() if v is not None}
        if query.get("excludeHtmlContent") == "true":
            shown["htmlContent"] = ""
        return shown


def _check_body(body, fields, required=()):
    if not isinstance(body, dict):
        raise BrevoError("the body must be a JSON object")
    missing = [name for name in required if name not in body]
    if missing:
        raise BrevoError(f"{', '.join(missing)} is required", code="missing_parameter")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise BrevoError(f"unknown parameter(s): {', '.join(unknown)}")
    for name, kind in fields.items():
        value = body.get(name)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            raise BrevoError(f"{name} must be of type {kind.__name__}")
    if "sender" in body:
        sender = body["sender"]
        _check_body(sender, SENDER_FIELDS)
        if ("email" in sender) == ("id" in sender):
            raise BrevoError("sender needs either email or id, not both")
        if "email" in sender and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", sender["email"]):
            raise BrevoError("sender.email is not a valid email address")
    if "recipients" in body:
        _check_body(body["recipients"], RECIPIENT_FIELDS)
        for name, ids in body["recipients"].items():
            if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
                raise BrevoError(f"recipients.{name} must list whole numbers")
    if body.get("replyTo") and "@" not in body["replyTo"]:
        raise BrevoError("replyTo must be an email address")


def _query(request, allowed):
    unknown = sorted(set(request.query) - allowed)
    if unknown:
        raise BrevoError(f"unknown query parameter(s): {', '.join(unknown)}")
    return {name: values[-1] for name, values in request.query.items()}


def _integer(query, name, default, low, high):
    value = query.get(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
        raise BrevoError(f"{name} must be a whole number from {low}{f' to {high}' if high is not None else ''}",
                         code="out_of_range")
    return int(value)


def _choice(query, name, allowed):
    if name in query and query[name] not in allowed:
        raise BrevoError(f"{name} must be one of {', '.join(sorted(allowed))}")


def _camel(status):
    return {"in_process": "inProcess", "in_review": "inReview"}.get(status, status)


def _datetime(value, name):
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise BrevoError(f"{name} must be a date-time such as 2017-06-01T12:30:00+02:00") from None
    if when.tzinfo is None:
        raise BrevoError(f"{name} needs a time zone (Z or +02:00)")
    return when


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
