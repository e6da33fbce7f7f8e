"""listmonk's numbers for one campaign (collections.yaml: getCampaignByID, getCampaignAnalytics).

    GET /api/campaigns/{id}?no_body=true      to_send (recipients), sent, status, started_at
    GET /api/campaigns/analytics/{type}?id=&from=&to=   type views, clicks, bounces: counts
                                              per day ({campaign_id, count, timestamp}),
                                              summed; type links: {url, count} per link

listmonk counts a reader once per day and campaign only when its "individual
subscriber tracking" is on; otherwise its views and clicks are every open and
click. It ties no unsubscription and no complaint to a campaign (complaints
are bounces of a kind there): those stay None. Delivered is sent minus bounces.
listmonk answers an unknown campaign id with 400 (or 404) "... not found".
"""

from datetime import date, datetime, timedelta, timezone

from ..delivery.errors import DeliveryError
from .errors import CampaignGone, NotYetAvailable
from .model import Figures

HAS_NUMBERS = ("finished", "running", "paused", "cancelled")


def read(api, campaign):
    data = _campaign(api, campaign)
    if data.get("status") not in HAS_NUMBERS or not data.get("sent"):
        raise NotYetAvailable(campaign.key, f"listmonk has it as {data.get('status')!r} with nothing sent yet: "
                                            "no numbers until it goes out")
    span = _span(data)
    views, clicks, bounces = (_sum(api, kind, campaign, span) for kind in ("views", "clicks", "bounces"))
    links = {}
    for item in _analytics(api, "links", campaign, span):
        if isinstance(item, dict) and item.get("url"):
            links[item["url"]] = links.get(item["url"], 0) + int(item.get("count") or 0)
    return Figures(recipients=data.get("to_send"), delivered=max(0, int(data["sent"]) - bounces), opens=views,
                   clicks=clicks, bounces=bounces, links=links)


def _campaign(api, campaign):
    try:
        answer = api.request("GET", f"/api/campaigns/{campaign.remote_id}", params={"no_body": "true"})
    except DeliveryError as error:
        if error.status == 404 or (error.status == 400 and "not found" in str(error).lower()):
            raise CampaignGone.at(campaign, "listmonk") from None
        raise
    return (answer or {}).get("data") or {}


def _span(data):
    """From the day it started (or was created) to tomorrow: every count, whatever the time zones."""
    started = data.get("started_at") or data.get("created_at") or ""
    try:
        first = datetime.fromisoformat(started.replace("Z", "+00:00")).date()
    except ValueError:
        first = date(2000, 1, 1)
    last = datetime.now(timezone.utc).date() + timedelta(days=1)
    return first.isoformat(), last.isoformat()


def _analytics(api, kind, campaign, span):
    answer = api.request("GET", f"/api/campaigns/analytics/{kind}",
                         params={"id": campaign.remote_id, "from": span[0], "to": span[1]})
    data = (answer or {}).get("data") if isinstance(answer, dict) else None
    return data if isinstance(data, list) else []


def _sum(api, kind, campaign, span):
    return sum(int(item.get("count") or 0) for item in _analytics(api, kind, campaign, span) if isinstance(item, dict))
