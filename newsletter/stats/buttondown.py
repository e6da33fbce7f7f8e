"""Buttondown's numbers for one email (OpenAPI: retrieve_email, retrieve_email_analytics, list_events).

    GET /emails/{id}             its status: only a sent email has numbers
    GET /emails/{id}/analytics   Analytics: recipients, deliveries, opens and clicks (unique),
                                 unsubscriptions, permanent_failures (hard bounces; the
                                 temporary ones are tried again by Buttondown), complaints
    GET /events?email_id=&event_type=clicked   the clicks, one event per click; the clicked
                                 link is in the event's ``metadata`` (the spec says "e.g.
                                 clicked URL" without naming the key: ``url``, else ``link``).
                                 Counted once per reader and link, as the unique clicks are.
"""

import logging

from ..delivery.errors import DeliveryError
from .errors import CampaignGone, NotYetAvailable
from .model import Figures

logger = logging.getLogger(__name__)

SENT = ("sent", "imported")
EVENTS_PAGE = 500      # list_events' default page size
MAX_PAGES = 200        # 100,000 clicks: past that the count stops (and says so)


def read(api, campaign):
    email = _email(api, campaign)
    if email.get("status") not in SENT:
        raise NotYetAvailable(campaign.key, f"Buttondown has it as {email.get('status')!r}, not sent yet: "
                                            "no numbers until it is")
    analytics = api.request("GET", f"/emails/{campaign.remote_id}/analytics")
    if not isinstance(analytics, dict) or not analytics.get("recipients"):
        raise NotYetAvailable(campaign.key, "Buttondown has not counted its recipients yet; try again in a while")
    return Figures(
        recipients=analytics.get("recipients"), delivered=analytics.get("deliveries"),
        opens=analytics.get("opens"), clicks=analytics.get("clicks"),
        unsubscribes=analytics.get("unsubscriptions"), bounces=analytics.get("permanent_failures"),
        complaints=analytics.get("complaints"), links=_links(api, campaign))


def _email(api, campaign):
    try:
        return api.request("GET", f"/emails/{campaign.remote_id}")
    except DeliveryError as error:
        if error.status == 404:
            raise CampaignGone.at(campaign, "Buttondown", "email") from None
        raise


def _links(api, campaign):
    readers = {}   # link -> the readers who clicked it
    for page in range(1, MAX_PAGES + 1):
        answer = api.request("GET", "/events", params={"email_id": campaign.remote_id, "event_type": "clicked",
                                                       "page_size": EVENTS_PAGE, "page": page})
        results = answer.get("results") if isinstance(answer, dict) else None
        for event in results or ():
            metadata = event.get("metadata") if isinstance(event, dict) else None
            url = (metadata or {}).get("url") or (metadata or {}).get("link")
            if url:
                readers.setdefault(url, set()).add(event.get("subscriber_id") or event.get("id"))
        if not results or not answer.get("next"):
            break
    else:
        logger.warning("%s: more than %d pages of clicks at Buttondown; the links count the first ones only",
                       campaign.key, MAX_PAGES)
    return {url: len(who) for url, who in readers.items()}
