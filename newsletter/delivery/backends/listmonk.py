"""listmonk (self-hosted): one campaign per issue and language, through its HTTP API.

    NEWSLETTER["delivery"] = {
        "backend": "listmonk",
        "listmonk": {
            "url": "https://lists.example.org",          # or LISTMONK_URL; no default (self-hosted)
            "username": "publisher",                      # an API user (Admin -> Users), or LISTMONK_USERNAME
            # "token": never in a settings file: LISTMONK_TOKEN
            "audiences": {"fr": {"lists": [3]}, "en": {"lists": [4]}},
            "template_id": 5,    # optional: a template holding only {{ template "content" . }}
        },
    }

Endpoints (listmonk's OpenAPI file docs/swagger/collections.yaml, v6.2, and
its API pages docs/apis/campaigns.md, checked against the server code
cmd/campaigns.go where the two disagree):

    POST /api/campaigns                create the draft (name, subject, lists, from_email,
                                       content_type "html", body, altbody, tags, type,
                                       messenger, headers, template_id, send_later; send_at
                                       only when scheduling, an RFC 3339 string: the spec makes
                                       it nullable nowhere, and its request schemas' "object"
                                       is a mis-indentation the server cannot read)
    GET  /api/campaigns?tag=...        find ours after an interrupted run. The spec says
                                       ``tags``; the server reads ``tag`` and ignores
                                       ``tags`` (answering with every campaign), so each
                                       result is also matched on its own name and tags.
    GET  /api/campaigns/{id}           its state
    PUT  /api/campaigns/{id}           new content (the whole campaign: the server
                                       refuses an update without name, subject or lists)
    DELETE /api/campaigns/{id}         a duplicate draft made by a late creation (below)
    POST /api/campaigns/{id}/test      a test to ``subscribers``, of the fields sent with it:
                                       "[TEST]" before the subject, the unsubscribe link
                                       leading to the newsletter's archive page
    PUT  /api/campaigns/{id}/status    "scheduled" (after send_at was set) or "running"

Authentication: an API user's ``Authorization: token user:token`` header
(listmonk >= 4), or HTTP basic auth with the same pair (``"auth": "basic"``,
also accepted by older servers).

The campaign is named and tagged with its key ("issue-5-fr"). The unsubscribe
placeholder becomes listmonk's ``{{ UnsubscribeURL }}``; any other ``{{`` in
the issue is escaped, since listmonk reads the subject, body and text part as
Go templates. Our HTML is a whole document: give the campaigns a template that
holds only ``{{ template "content" . }}`` (``template_id``), or listmonk's
default template wraps it in a second one.

listmonk has no idempotency key, so a creation whose answer was lost (a
dropped connection, a timeout, a 5xx) is looked up before it is tried again;
status changes likewise (a second "running" would be refused by the server
after the first one started the sending). A lost creation can still reach
listmonk after that look and after the retry: once a creation has been tried
again, ours are listed again (by name and tag, every page) before the run
reports it, and once more at the start of the next run (the ledger entry's
``twin_possible``). One campaign is kept (the ledger's; else the one no longer
a draft, else the oldest) and the other drafts are deleted; a duplicate that
is no longer a draft is never touched: the run stops naming both ids.

Statuses: draft -> DRAFT, scheduled -> SCHEDULED, running -> SENDING,
finished -> SENT. ``paused`` (by the editor, or by listmonk after too many
errors) and ``cancelled`` stop the run with ReconciliationNeeded: some readers
may have received the issue, so only the editor can decide to resume it or
to mark it done.

Test sends only reach addresses that are subscribers in listmonk (in any list,
e.g. a private "editors" list): listmonk skips the others, and refuses the test
when none is known.
"""

import base64
import dataclasses
import logging

from ..base import ADDED, ALREADY_THERE, DRAFT, SCHEDULED, SENDING, SENT, Remote
from ..errors import ConfigurationError, InvalidRequest, OutcomeUnknown, ReconciliationNeeded
from ..http import HttpBackend

logger = logging.getLogger(__name__)

UNSUBSCRIBE_TAG = "{{ UnsubscribeURL }}"
# Go template: prints a literal "{{".
ESCAPED_BRACES = '{{ "{{" }}'

STATES = {"draft": DRAFT, "scheduled": SCHEDULED, "running": SENDING, "finished": SENT}
PAGE_SIZE = 100
MAX_PAGES = 50


class ListmonkBackend(HttpBackend):
    name = "listmonk"
    idempotent_create = False
    DEFAULTS = {
        "url": "",
        "username": "",
        "token": "",
        "auth": "token",          # "token" (Authorization: token user:token) or "basic"
        "audiences": {},          # {"fr": {"lists": [3]}, "en": {"lists": [4]}}
        "from_email": "",         # empty: the issue's From
        "template_id": None,      # None: listmonk's default template
        "messenger": "email",
    }
    ENVIRONMENT = {"url": "LISTMONK_URL", "username": "LISTMONK_USERNAME", "token": "LISTMONK_TOKEN"}
    SECRETS = ("username", "token")

    @classmethod
    def check_settings(cls, settings, where):
        url = settings.get("url") or ""
        if url and not url.startswith(("https://", "http://")):
            raise ConfigurationError(f"{where}['url'] must start with https:// (the root of your listmonk), "
                                     f"not {url!r}", provider=cls.name)
        if settings.get("auth") not in ("token", "basic"):
            raise ConfigurationError(f"{where}['auth'] must be 'token' or 'basic'", provider=cls.name)
        template = settings.get("template_id")
        if template is not None and (not isinstance(template, int) or isinstance(template, bool) or template < 1):
            raise ConfigurationError(f"{where}['template_id'] must be a template's id (a positive integer) or None",
                                     provider=cls.name)
        if not isinstance(settings.get("messenger"), str) or not settings["messenger"]:
            raise ConfigurationError(f"{where}['messenger'] must name a messenger, e.g. 'email'", provider=cls.name)
        if not isinstance(settings.get("from_email"), str):
            raise ConfigurationError(f"{where}['from_email'] must be a string such as 'Name <address>'",
                                     provider=cls.name)
        audiences = settings.get("audiences")
        if not isinstance(audiences, dict):
            raise ConfigurationError(f"{where}['audiences'] must map languages to lists, "
                                     "e.g. {'fr': {'lists': [3]}}", provider=cls.name)
        for lang, audience in audiences.items():
            lists = audience.get("lists") if isinstance(audience, dict) else None
            if not isinstance(audience, dict) or set(audience) != {"lists"} or not isinstance(lists, list) \
                    or not lists or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in lists):
                raise ConfigurationError(f"{where}['audiences'][{lang!r}] must be {{'lists': [<list id>, ...]}} "
                                         "with listmonk's list ids (Lists -> the list's ID)", provider=cls.name)

    # Connection.

    def open(self):
        self.require("url", "username", "token")
        username, token = str(self.config["username"]), str(self.config["token"])
        pair = f"{username}:{token}"
        headers, auth = {}, None
        if self.config.get("auth") == "basic":
            auth = (username, token)
        else:
            headers["Authorization"] = f"token {pair}"
        secrets = [*self.secrets, pair, base64.b64encode(pair.encode()).decode()]
        self.connect(self.base_url, headers=headers, auth=auth, secrets=secrets)

    @property
    def base_url(self):
        url = str(self.config["url"]).rstrip("/")
        return url[: -len("/api")] if url.endswith("/api") else url

    # The campaign's life.

    def create_draft(self, campaign, idempotency_key):
        """POST the campaign; when the answer is lost, look for it before trying again."""
        payload = self._payload(campaign)
        tries = []

        def create():
            tries.append(1)
            return self._remote(_data(self.api.request("POST", "/api/campaigns", json=payload),
                                      "POST /api/campaigns"))

        try:
            remote = self.without_repeating(create, lambda: self.find(campaign), f"{campaign.key}: create")
        except OutcomeUnknown as error:
            raise OutcomeUnknown(f"{error.args[0]}; {campaign.key} is not at listmonk after {len(tries)} tries",
                                 provider=self.name, status=error.status) from None
        # A try whose answer was lost and that was not found may still reach listmonk after this one.
        return dataclasses.replace(remote, twin_possible=len(tries) > 1)

    def find(self, campaign):
        """Ours by its own name and tag, never 'something came back'; None only when surely absent.

        Several campaigns named and tagged as ours are a late creation's twins: one is kept
        and the other drafts are deleted (see _keep_one).
        """
        exact, lookalikes = self._ours(campaign.key)
        if lookalikes:
            described = ", ".join(_describe(c) for c in exact + lookalikes)
            raise ReconciliationNeeded(
                f"{campaign.key}: listmonk holds {len(exact) + len(lookalikes)} campaigns that could be this issue "
                f"({described}); open {self.base_url}/admin/campaigns, keep the one to use (named and tagged "
                f"exactly {campaign.key!r}), delete or rename the others, then run again", provider=self.name)
        if not exact:
            return None
        remote, _deleted = self._keep_one(campaign, exact)
        return remote

    def settle_twins(self, campaign, remote_id):
        """Look again for campaigns named and tagged as ours: ``remote_id`` is kept, stray drafts deleted."""
        exact, _lookalikes = self._ours(campaign.key)   # a lookalike is someone's copy, not a late twin
        if not any(str(c.get("id")) == str(remote_id) for c in exact):
            return self.get(remote_id), []   # says what to do when it is gone
        return self._keep_one(campaign, exact, keep_id=str(remote_id))

    def get(self, remote_id):
        try:
            data = self.api.request("GET", f"/api/campaigns/{int(remote_id)}", params={"no_body": "true"})
        except InvalidRequest as error:
            if error.status in (400, 404):
                raise ReconciliationNeeded(
                    f"campaign id {remote_id}, recorded in the ledger, is not at listmonk ({error.args[0]}); "
                    "if it was deleted there, remove its entry from the ledger to create it again",
                    provider=self.name, status=error.status) from None
            raise
        return self._remote(_data(data, f"GET /api/campaigns/{remote_id}"))

    def update_draft(self, remote_id, campaign):
        self.api.request("PUT", f"/api/campaigns/{int(remote_id)}", json=self._payload(campaign))

    def send_test(self, remote_id, campaign, addresses):
        # A test repeated after a lost answer only gives the editor a second copy. listmonk mails
        # the fields sent here, not the stored draft's: "[TEST]" subject, unsubscribe to the archive.
        payload = {**self._payload(campaign.as_test()), "subscribers": list(addresses)}
        self.api.request("POST", f"/api/campaigns/{int(remote_id)}/test", json=payload, repeatable=True)

    def schedule(self, remote_id, campaign, when):
        if when.tzinfo is None:
            raise ValueError("the time to send must be an aware datetime")
        payload = {**self._payload(campaign), "send_at": when.isoformat(timespec="seconds"), "send_later": True}
        self.api.request("PUT", f"/api/campaigns/{int(remote_id)}", json=payload)
        self._change_status(remote_id, "scheduled", done=(SCHEDULED, SENDING, SENT))

    def send_now(self, remote_id, campaign, journal):
        self._change_status(remote_id, "running", done=(SENDING, SENT))

    # Readers imported from another platform (importers/subscribers.py).

    def add_subscriber(self, email, lang, consent_date=None, source=""):
        """Into the language's lists, the subscription confirmed so no opt-in email goes out.

        listmonk answers 409 for an address it holds, in any list: already there. No name
        is sent; listmonk takes the part of the address before the @.
        """
        attribs = {"lang": lang}
        if consent_date:
            attribs["consent_date"] = consent_date.isoformat()
        if source:
            attribs["imported_from"] = source
        body = {"email": email, "status": "enabled", "lists": list(self.audience(lang)["lists"]),
                "preconfirm_subscriptions": True, "attribs": attribs}
        try:
            # Repeating it is harmless: a second creation is answered 409.
            self.api.request("POST", "/api/subscribers", json=body, repeatable=True)
        except InvalidRequest as error:
            if error.status == 409:
                return self._into_lists(email, body["lists"])
            raise
        return ADDED

    def _into_lists(self, email, lists):
        """A reader listmonk holds (of the other language) is put in these lists too: ADDED;
        ALREADY_THERE when they are in them, blocklisted, or unsubscribed from one (left so)."""
        literal = email.lower().replace("'", "''")   # an SQL string: the query is an SQL expression
        answer = self.api.request("GET", "/api/subscribers",
                                  params={"query": f"LOWER(subscribers.email) = '{literal}'", "per_page": 1})
        data = answer.get("data") if isinstance(answer, dict) else None
        results = data.get("results") if isinstance(data, dict) else None
        if not results or not isinstance(results[0], dict) or not results[0].get("id"):
            logger.warning("listmonk refused a reader as already there but does not list them; left as they are")
            return ALREADY_THERE
        subscriber = results[0]
        held = {entry.get("id") for entry in subscriber.get("lists") or () if isinstance(entry, dict)}
        missing = [list_id for list_id in lists if list_id not in held]
        if subscriber.get("status") == "blocklisted" or not missing:
            return ALREADY_THERE
        self.api.request("PUT", "/api/subscribers/lists", json={
            "ids": [subscriber["id"]], "action": "add", "target_list_ids": missing, "status": "confirmed"})
        return ADDED

    # Helpers.

    def _change_status(self, remote_id, status, done):
        """PUT the status once; when the answer is lost, read the campaign before trying again."""
        path = f"/api/campaigns/{int(remote_id)}/status"

        def took():
            remote = self.get(remote_id)
            return remote if remote.state in done else None

        self.without_repeating(lambda: self.api.request("PUT", path, json={"status": status}, repeatable=False),
                               took, f"campaign {remote_id}: {status}")

    def _ours(self, key):
        """(campaigns named and tagged exactly ``key``, others carrying the name or the tag), all pages."""
        results = self._list_tagged(key)
        exact = [c for c in results if c.get("name") == key and key in (c.get("tags") or [])]
        lookalikes = [c for c in results if c not in exact and (c.get("name") == key or key in (c.get("tags") or []))]
        return exact, lookalikes

    def _keep_one(self, campaign, exact, keep_id=None):
        """Of the campaigns made for one issue and language, keep one and delete the other drafts.

        A campaign that left the draft state (scheduled, sending, sent) is never touched: with
        one besides the kept one, the run stops naming both. Returns (kept Remote, deleted ids).
        """
        keep = _to_keep(exact, keep_id)
        others = [c for c in exact if c is not keep]
        started = [c for c in others if c.get("status") != "draft"]
        if started:
            not_drafts = " and ".join(f"id {c.get('id')}" for c in started)
            raise ReconciliationNeeded(
                f"{campaign.key}: listmonk holds {len(exact)} campaigns for this issue "
                f"({', '.join(map(_describe, exact))}), made by a creation whose answer came too late; nothing was "
                f"changed, as {not_drafts} is no longer a draft. Open {self.base_url}/admin/campaigns, delete the one "
                "not to keep, set the other's id as this entry's remote_id in the ledger, then run again",
                provider=self.name)
        for stray in others:
            self.api.request("DELETE", f"/api/campaigns/{int(stray['id'])}")
            logger.warning("%s: deleted the duplicate draft id %s at listmonk (a creation whose answer came too "
                           "late); kept id %s", campaign.key, stray["id"], keep["id"])
        return self._remote(keep), [str(c["id"]) for c in others]

    def _payload(self, campaign):
        html, text = campaign.with_unsubscribe(UNSUBSCRIBE_TAG, _escape(campaign.html), _escape(campaign.text))
        payload = {
            "name": campaign.key,
            "subject": _escape(campaign.subject),
            "lists": list(self.audience(campaign.lang)["lists"]),
            "type": "regular",
            "content_type": "html",
            "body": html,
            "altbody": text,
            "tags": [campaign.key],
            "messenger": self.config["messenger"],
            # send_at is not nullable in listmonk's spec: it is only sent when scheduling (schedule()).
            "send_later": False,
        }
        sender = self.config.get("from_email") or campaign.sender
        if sender:
            payload["from_email"] = sender
        if campaign.reply_to:
            payload["headers"] = [{"Reply-To": campaign.reply_to}]
        if self.config.get("template_id") is not None:
            payload["template_id"] = self.config["template_id"]
        return payload

    def _list_tagged(self, key):
        """Every campaign the server returns for ``tag=key``, all pages."""
        found, page = [], 1
        while True:
            data = self.api.request("GET", "/api/campaigns", params={
                "tag": key, "page": page, "per_page": PAGE_SIZE, "no_body": "true"})
            body = _data(data, "GET /api/campaigns")
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise ReconciliationNeeded(f"{key}: listmonk's campaign list has no results; check {self.base_url} "
                                           "answers as listmonk does", provider=self.name)
            found.extend(results)
            total = body.get("total") or 0
            if not results or len(found) >= total:
                return found
            page += 1
            if page > MAX_PAGES:
                raise ReconciliationNeeded(f"{key}: listmonk lists more than {len(found)} campaigns for one tag; "
                                           f"check the campaigns tagged {key!r} at {self.base_url}/admin/campaigns",
                                           provider=self.name)

    def _remote(self, data):
        status = data.get("status")
        if status in ("paused", "cancelled"):
            advice = ("resume it there to finish the sending (or cancel it), then run again"
                      if status == "paused" else
                      "a cancelled campaign cannot be resumed: if what went out is enough, set this entry's state to "
                      "'sent' in the ledger; otherwise send a corrected issue")
            raise ReconciliationNeeded(
                f"campaign {data.get('name')!r} (id {data.get('id')}) is {status} at listmonk after reaching "
                f"{data.get('sent', '?')} of {data.get('to_send', '?')} readers "
                f"({self.base_url}/admin/campaigns/{data.get('id')}); {advice}", provider=self.name)
        if status not in STATES:
            raise ReconciliationNeeded(f"campaign id {data.get('id')} has a status this publisher does not know "
                                       f"({status!r}); check it at {self.base_url}/admin/campaigns/{data.get('id')}",
                                       provider=self.name)
        return Remote(str(data["id"]), STATES[status], f"{self.base_url}/admin/campaigns/{data['id']}")


def _to_keep(exact, keep_id):
    """The recorded campaign; else the one that left the draft state, if only one did; else the oldest."""
    for candidate in exact:
        if keep_id is not None and str(candidate.get("id")) == keep_id:
            return candidate
    started = [c for c in exact if c.get("status") != "draft"]
    if len(started) == 1:
        return started[0]
    return min(exact, key=lambda c: int(c["id"]))


def _describe(data):
    return f"id {data.get('id')} {data.get('name')!r} ({data.get('status')})"


def _escape(text):
    """listmonk reads the subject, body and text part as Go templates: keep every '{{' of ours literal."""
    return text.replace("{{", ESCAPED_BRACES)


def _data(answer, what):
    if not isinstance(answer, dict) or "data" not in answer or not isinstance(answer["data"], dict):
        raise ReconciliationNeeded(f"{what}: the answer is not listmonk's {{'data': ...}}; check the URL points at "
                                   "listmonk's root", provider="listmonk")
    return answer["data"]
