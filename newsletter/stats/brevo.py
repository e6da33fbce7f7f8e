"""Brevo's numbers for one email campaign (API v3, get-email-campaign).

    GET /emailCampaigns/{id}?statistics=globalStats   status and statistics.globalStats:
        sent (recipients), delivered, uniqueViews (opens), uniqueClicks, unsubscriptions,
        hardBounces + softBounces, complaints
    GET /emailCampaigns/{id}?statistics=linksStats    statistics.linksStats: {URL: clicks}

Brevo's reference asks for one statistics collection per call (the others come
back empty). An unknown id is 404 "document_not_found".
"""

from ..delivery.errors import DeliveryError
from .errors import CampaignGone, NotYetAvailable
from .model import Figures

HAS_NUMBERS = ("sent", "archive")


def read(api, campaign):
    answer = _get(api, campaign, "globalStats")
    if answer.get("status") not in HAS_NUMBERS:
        raise NotYetAvailable(campaign.key, f"Brevo has it as {answer.get('status')!r}, not sent yet: "
                                            "no numbers until it is")
    stats = (answer.get("statistics") or {}).get("globalStats") or {}
    if not stats.get("sent"):
        raise NotYetAvailable(campaign.key, "Brevo has not counted it yet; try again in a while")
    links = (_get(api, campaign, "linksStats").get("statistics") or {}).get("linksStats") or {}
    bounces = [stats.get(name) for name in ("hardBounces", "softBounces")]
    return Figures(recipients=stats.get("sent"), delivered=stats.get("delivered"), opens=stats.get("uniqueViews"),
                   clicks=stats.get("uniqueClicks"), unsubscribes=stats.get("unsubscriptions"),
                   bounces=None if None in bounces else sum(bounces), complaints=stats.get("complaints"),
                   links={url: int(count) for url, count in links.items() if isinstance(count, int)})


def _get(api, campaign, collection):
    try:
        answer = api.request("GET", f"/emailCampaigns/{campaign.remote_id}",
                             params={"statistics": collection, "excludeHtmlContent": "true"})
    except DeliveryError as error:
        if error.status == 404:
            raise CampaignGone.at(campaign, "Brevo") from None
        raise
    return answer if isinstance(answer, dict) else {}
