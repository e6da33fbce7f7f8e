"""Brevo (formerly Sendinblue): one email campaign per issue and language, API v3.

Reference: https://developers.brevo.com/reference (pages named below), and
Brevo's generated client https://github.com/getbrevo/brevo-python (docs/).

    POST /emailCampaigns                  create-email-campaign: draft, answers 201 {"id": 12}
    GET  /emailCampaigns                  get-email-campaigns: {"campaigns": [...], "count": n}
    GET  /emailCampaigns/{id}             get-email-campaign
    PUT  /emailCampaigns/{id}             update-email-campaign: content, or scheduledAt to schedule
    POST /emailCampaigns/{id}/sendTest    send-test-email: {"emailTo": [...]}, nothing else:
                                          the test is the stored campaign as Brevo renders
                                          it (no "[TEST]" of ours, Brevo's unsubscribe tag)
    POST /emailCampaigns/{id}/sendNow     send-email-campaign-now (no body)

Authentication is the ``api-key`` header (BREVO_API_KEY). Each campaign is
named, and tagged, with the campaign's key ("issue-5-fr"); it goes to the
language's lists (``audiences``: {"fr": {"list_ids": [2]}}).

**No text part.** Brevo's campaign API takes HTML only (htmlContent,
htmlUrl or a template): there is no field for a plain-text version, which
Brevo derives itself. The outbox's text part is therefore not sent.

**Unsubscribe.** The placeholder ``[[UNSUBSCRIBE_URL]]`` becomes Brevo's
``{{ unsubscribe }}`` tag, replaced by each reader's own link when sent.

**No idempotency key.** Brevo's POST /emailCampaigns has none, and names
are not unique there. A create that may have reached Brevo (connection
reset, read timeout, 5xx) is therefore never simply repeated: the campaign
is looked up by its name first (every page of the list, the item's own
name compared), and created again only when surely absent, a bounded
number of times. A second campaign of the same name makes ``find`` stop
the run with both ids, for the editor to delete one.

**sendNow** is not repeated blindly either: after an unknown outcome the
campaign is read back, and only a campaign still in draft is sent again.
Brevo sends a campaign once at most (sendNow on a campaign that has left
the draft state is refused), which the second call relies on.

Brevo's statuses (get-email-campaign ``status``; the list filter spells
some in camelCase) and what they mean here:

    draft                    DRAFT
    queued                   SCHEDULED when scheduledAt is in the future;
                             SENDING otherwise (sendNow queues it "for now")
    in_process, inProcess    SENDING
    in_review, inReview      SENDING: Brevo reviews a campaign whose sending
                             was asked for, before sending it
    sent                     SENT
    archive                  SENT when it has a sentDate; otherwise the
                             editor must look (ReconciliationNeeded)
    suspended, cancelling,   ReconciliationNeeded: the sending was stopped,
    cancelled                maybe part-way; never resent automatically
"""

import logging
from datetime import datetime, timezone
from email.utils import parseaddr

from ..base import ADDED, ALREADY_THERE, DRAFT, SCHEDULED, SENDING, SENT, Remote
from ..errors import (ConfigurationError, DeliveryError, InvalidRequest, OutcomeUnknown, ProviderUnavailable,
                      ReconciliationNeeded)
from ..http import HttpBackend

logger = logging.getLogger(__name__)

UNSUBSCRIBE_TAG = "{{ unsubscribe }}"
PAGE_SIZE = 100      # get-email-campaigns: at most 100 a page (developers.brevo.com/changelog/2022/6/2)
MAX_PAGES = 200      # 20,000 campaigns: past that the answer "absent" cannot be trusted

STATES = {
    "draft": DRAFT,
    "in_process": SENDING, "inProcess": SENDING,
    "in_review": SENDING, "inReview": SENDING,
    "sent": SENT,
}
STOPPED = {"suspended", "cancelling", "cancelled"}


class BrevoBackend(HttpBackend):
    name = "brevo"
    idempotent_create = False
    DEFAULTS = {
        "api_key": "",
        "base_url": "https://api.brevo.com/v3",
        # Per language, the Brevo contact lists that receive it: {"fr": {"list_ids": [2]}}.
        "audiences": {},
    }
    ENVIRONMENT = {"api_key": "BREVO_API_KEY", "base_url": "BREVO_BASE_URL"}
    SECRETS = ("api_key",)

    @classmethod
    def check_settings(cls, settings, where):
        base_url = settings.get("base_url")
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise ConfigurationError(f"{where}['base_url'] must be an http(s) URL, e.g. {cls.DEFAULTS['base_url']!r}",
                                     provider=cls.name)
        audiences = settings.get("audiences")
        if not isinstance(audiences, dict):
            raise ConfigurationError(f"{where}['audiences'] must map each language to its lists, "
                                     "e.g. {'fr': {'list_ids': [2]}, 'en': {'list_ids': [3]}}", provider=cls.name)
        for lang, audience in audiences.items():
            ids = audience.get("list_ids") if isinstance(audience, dict) else None
            if (not isinstance(ids, list) or not ids
                    or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids)):
                raise ConfigurationError(f"{where}['audiences'][{lang!r}]['list_ids'] must be a list of Brevo list "
                                         "ids (whole numbers, see Contacts > Lists), e.g. {'list_ids': [2]}",
                                         provider=cls.name)
            unknown = sorted(set(audience) - {"list_ids"})
            if unknown:
                raise ConfigurationError(f"{where}['audiences'][{lang!r}] takes only 'list_ids', not "
                                         f"{', '.join(map(repr, unknown))}", provider=cls.name)

    def describe_audience(self, lang):
        ids = self.audience(lang)["list_ids"]
        return f"Brevo contact list{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"

    def open(self):
        self.require("api_key")
        self.connect(self.config["base_url"], headers={"api-key": str(self.config["api_key"])})

    # Creating, and finding what a lost answer created.

    def create_draft(self, campaign, idempotency_key):
        body = {"name": campaign.key, "tag": campaign.key, **self._content(campaign),
                "recipients": {"listIds": list(self.audience(campaign.lang)["list_ids"])}}
        error = None
        for attempt in range(1, self.retry.attempts + 1):
            if error is not None:
                self._pause(attempt - 1, error)
                found = self.find(campaign)
                if found is not None:
                    logger.info("%s: the create whose answer was lost had reached Brevo (campaign %s)",
                                campaign.key, found.id)
                    return found
                logger.info("%s: not at Brevo after the lost answer; creating it again (%d/%d)", campaign.key,
                            attempt, self.retry.attempts)
            try:
                answer = self.api.request("POST", "/emailCampaigns", json=body)
            except OutcomeUnknown as unknown:
                error = unknown
                continue
            remote = Remote(self._id(answer, "POST /emailCampaigns"), DRAFT)
            if error is not None:
                self._check_single(campaign, remote.id)
            return remote
        self._pause(self.retry.attempts, error)
        found = self.find(campaign)
        if found is not None:
            return found
        raise ProviderUnavailable(
            f"{campaign.key}: Brevo did not answer {self.retry.attempts} attempts to create the campaign "
            f"({error}), and none is there by that name: nothing was created; publish again later",
            provider=self.name)

    def find(self, campaign):
        seen = {}
        offset = 0
        for _ in range(MAX_PAGES):
            answer = self.api.request("GET", "/emailCampaigns", params={
                "type": "classic", "limit": PAGE_SIZE, "offset": offset, "excludeHtmlContent": "true"})
            if not isinstance(answer, dict):
                raise self._untrusted(campaign, "the campaign list is not a JSON object")
            items = answer.get("campaigns", [])
            count = answer.get("count")
            if not isinstance(items, list) or (count is not None and not isinstance(count, int)):
                raise self._untrusted(campaign, "the campaign list has no 'campaigns' array or 'count'")
            for item in items:
                if isinstance(item, dict) and item.get("name") == campaign.key:
                    if not str(item.get("id", "")).isdigit():
                        raise self._untrusted(campaign, "a campaign of that name is listed without its id")
                    seen[str(item["id"])] = item
            offset += len(items)
            if not items or len(items) < PAGE_SIZE or (count is not None and offset >= count):
                break
        else:
            raise self._untrusted(campaign, f"more than {MAX_PAGES * PAGE_SIZE} campaigns to look through")
        if not seen:
            return None
        if len(seen) > 1:
            raise ReconciliationNeeded(
                f"Brevo holds {len(seen)} campaigns named '{campaign.key}' (ids {', '.join(sorted(seen))}): "
                "delete the copies in Brevo > Campaigns, keeping one (not sent), then publish again",
                provider=self.name)
        [(remote_id, item)] = seen.items()
        if item.get("tag") not in (None, "", campaign.key):
            raise ReconciliationNeeded(
                f"Brevo campaign {remote_id} is named '{campaign.key}' but tagged {item.get('tag')!r}, not "
                f"'{campaign.key}' as ours are: check whether it is this issue's; rename it if not",
                provider=self.name)
        return self._remote(remote_id, item, campaign.key)

    def get(self, remote_id):
        answer = self.api.request("GET", f"/emailCampaigns/{self._path_id(remote_id)}",
                                  params={"excludeHtmlContent": "true"})
        if not isinstance(answer, dict):
            raise ReconciliationNeeded(f"Brevo's answer for campaign {remote_id} is not a JSON object; check it in "
                                       "Brevo > Campaigns before publishing again", provider=self.name)
        return self._remote(str(remote_id), answer, answer.get("name") or remote_id)

    # Changing it.

    def update_draft(self, remote_id, campaign):
        self.api.request("PUT", f"/emailCampaigns/{self._path_id(remote_id)}", json=self._content(campaign))

    def send_test(self, remote_id, campaign, addresses):
        # A test repeated after a lost answer reaches only the editor: repeating it is harmless.
        self.api.request("POST", f"/emailCampaigns/{self._path_id(remote_id)}/sendTest",
                         json={"emailTo": list(addresses)}, repeatable=True)

    def schedule(self, remote_id, campaign, when):
        if when.tzinfo is None:
            raise ValueError("the time to send must be an aware datetime")
        stamp = when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.api.request("PUT", f"/emailCampaigns/{self._path_id(remote_id)}", json={"scheduledAt": stamp})

    def send_now(self, remote_id, campaign, journal):
        path = f"/emailCampaigns/{self._path_id(remote_id)}/sendNow"
        error = None
        for attempt in range(1, self.retry.attempts + 1):
            if error is not None:
                self._pause(attempt - 1, error)
                remote = self.get(remote_id)
                if remote.state != DRAFT:
                    logger.info("%s: Brevo took the send whose answer was lost (now %s)", campaign.key,
                                remote.state)
                    return
                logger.info("%s: still a draft at Brevo after the lost answer; asking again (%d/%d)",
                            campaign.key, attempt, self.retry.attempts)
            try:
                self.api.request("POST", path)
                return
            except OutcomeUnknown as unknown:
                error = unknown
            except InvalidRequest:
                # Refused on a second try: the first may have taken after all.
                if error is None or self.get(remote_id).state == DRAFT:
                    raise
                return
        self._pause(self.retry.attempts, error)
        if self.get(remote_id).state != DRAFT:
            return
        raise ProviderUnavailable(
            f"{campaign.key}: Brevo did not answer {self.retry.attempts} requests to send campaign {remote_id} "
            f"({error}) and it is still a draft there: nothing was sent; publish again later with --send",
            provider=self.name)

    # Readers imported from another platform (importers/subscribers.py).

    def add_subscriber(self, email, lang, consent_date=None, source=""):
        """A contact in the language's lists; creating a contact sends nothing at Brevo.

        ``updateEnabled``: a contact Brevo holds (a reader of the other language) is put in
        these lists too and answered 204, its blocklisting untouched: already there.
        """
        body = {"email": email, "listIds": list(self.audience(lang)["list_ids"]), "updateEnabled": True}
        try:
            # Repeating it is harmless: a second creation only updates the contact.
            answer = self.api.request("POST", "/contacts", json=body, repeatable=True)
        except InvalidRequest as error:
            if error.code == "duplicate_parameter":
                return ALREADY_THERE
            raise
        return ADDED if answer else ALREADY_THERE

    # Helpers.

    def _content(self, campaign):
        if campaign.placeholder not in campaign.html:
            logger.warning("%s: the HTML has no %s; Brevo adds its own unsubscribe footer", campaign.key,
                           campaign.placeholder)
        html, _ = campaign.with_unsubscribe(UNSUBSCRIBE_TAG)
        name, address = parseaddr(campaign.sender)
        if "@" not in address:
            raise ConfigurationError(f"{campaign.key}: the issue has no sender address (From: {campaign.sender!r}); "
                                     "set NEWSLETTER['sender'] and rebuild", provider=self.name)
        content = {"subject": campaign.subject, "htmlContent": html,
                   "sender": {"name": name, "email": address} if name else {"email": address}}
        reply_to = parseaddr(campaign.reply_to)[1]
        if "@" in reply_to:
            content["replyTo"] = reply_to
        return content

    def _remote(self, remote_id, item, label):
        status = item.get("status")
        if status in STATES:
            return Remote(remote_id, STATES[status])
        if status == "queued":
            when = _parse_time(item.get("scheduledAt"))
            return Remote(remote_id, SCHEDULED if when and when > datetime.now(timezone.utc) else SENDING)
        if status == "archive" and item.get("sentDate"):
            return Remote(remote_id, SENT)
        if status == "archive":
            raise ReconciliationNeeded(
                f"Brevo campaign {remote_id} ({label}) is archived and shows no sending date: check in Brevo > "
                "Campaigns > Archived whether it went out. If it did not, restore it to draft there (or delete "
                "it and remove its entry from the ledger) before publishing again", provider=self.name)
        if status in STOPPED:
            raise ReconciliationNeeded(
                f"Brevo campaign {remote_id} ({label}) is {status}: its sending was stopped, perhaps part-way "
                "(Brevo suspends campaigns for an account or content review). Check in Brevo > Campaigns and its "
                "report how many readers received it and contact Brevo's support if it was suspended; it is "
                "never resent from here", provider=self.name)
        raise ReconciliationNeeded(
            f"Brevo campaign {remote_id} ({label}) has a status this publisher does not know ({status!r}); check it "
            "in Brevo > Campaigns before publishing again", provider=self.name)

    def _check_single(self, campaign, remote_id):
        """After creating again, make sure the lost create did not land too: find stops on two of a name."""
        found = self.find(campaign)
        if found is None:
            logger.warning("%s: Brevo created campaign %s but does not list it yet; if Brevo > Campaigns shows two "
                           "named %s, delete the other one", campaign.key, remote_id, campaign.key)
        elif found.id != remote_id:
            raise ReconciliationNeeded(
                f"Brevo holds two campaigns named '{campaign.key}' (ids {found.id} and {remote_id}): a create whose "
                f"answer was lost landed late. Delete campaign {found.id} in Brevo > Campaigns, then publish again",
                provider=self.name)

    def _pause(self, attempt, error):
        self.retry.sleep(self.retry.wait_before(attempt, error))

    def _untrusted(self, campaign, why):
        return ReconciliationNeeded(f"cannot tell whether Brevo holds '{campaign.key}': {why}. Look for it in Brevo "
                                    "> Campaigns; if it is there, note its id in the ledger, if not, publish again",
                                    provider=self.name)

    def _id(self, answer, what):
        value = answer.get("id") if isinstance(answer, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
            raise DeliveryError(f"{what}: the answer has no campaign id", provider=self.name)
        return str(value)

    def _path_id(self, remote_id):
        if not str(remote_id).isdigit():
            raise ReconciliationNeeded(f"the ledger's Brevo campaign id {remote_id!r} is not a number; correct it "
                                       "from Brevo > Campaigns", provider=self.name)
        return str(remote_id)


def _parse_time(value):
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
