"""One campaign's numbers, the two languages together, and the rates an editor reads.

A figure the provider does not give is None (shown as "—"), never 0: listmonk,
for one, ties no unsubscription to a campaign. Links are counted per URL as
the provider reports them; the feedback answers are the clicks on the links
to the newsletter's "yes" and "no" thank-you pages, in each language's folder.
"""

import re
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# The thank-you pages' addresses (FEEDBACK_URL in plugins/newsletter_issues/settings.py:
# "newsletter/feedback/{answer}/", under each language's folder).
FEEDBACK_LINK = re.compile(r"/newsletter/feedback/(yes|no)/?$")
COUNTS = ("recipients", "delivered", "opens", "clicks", "unsubscribes", "bounces", "complaints")
TOP_LINKS = 5


@dataclass
class Figures:
    """What the provider counted for one campaign (opens and clicks: unique readers)."""

    recipients: int | None = None
    delivered: int | None = None
    opens: int | None = None
    clicks: int | None = None
    unsubscribes: int | None = None
    bounces: int | None = None
    complaints: int | None = None
    links: dict = field(default_factory=dict)   # URL as clicked -> clicks

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(**{name: data.get(name) for name in COUNTS}, links=dict(data.get("links") or {}))

    @property
    def feedback(self):
        """{"yes": n, "no": n}: the clicks on the two feedback links."""
        answers = {"yes": 0, "no": 0}
        for url, clicks in self.links.items():
            found = FEEDBACK_LINK.search(urlsplit(url).path)
            if found:
                answers[found.group(1)] += clicks
        return answers

    def top_links(self, count=TOP_LINKS):
        """The most-clicked links, tracking parameters left out, most clicks first, then by address."""
        merged = {}
        for url, clicks in self.links.items():
            shown = readable(url)
            merged[shown] = merged.get(shown, 0) + clicks
        return sorted(merged.items(), key=lambda item: (-item[1], item[0]))[:count]


def together(figures):
    """The sum of several campaigns' figures; a figure one of them lacks is lacking in the sum."""
    total = Figures(links={})
    for name in COUNTS:
        values = [getattr(one, name) for one in figures]
        setattr(total, name, None if not values or None in values else sum(values))
    for one in figures:
        for url, clicks in one.links.items():
            total.links[url] = total.links.get(url, 0) + clicks
    return total


def rate(part, whole):
    """part / whole, or None when either is unknown or the whole is 0."""
    if part is None or not whole:
        return None
    return part / whole


def rates(figures):
    """Opens, clicks and unsubscribes per delivered email; bounces and complaints per recipient."""
    return {
        "open_rate": rate(figures.opens, figures.delivered),
        "click_rate": rate(figures.clicks, figures.delivered),
        "unsubscribe_rate": rate(figures.unsubscribes, figures.delivered),
        "bounce_rate": rate(figures.bounces, figures.recipients),
        "complaint_rate": rate(figures.complaints, figures.recipients),
    }


def readable(url):
    """The link without its utm_* parameters (ours, added to every link into the site)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass
class Campaign:
    """One issue in one language, as the ledger records its sending."""

    key: str            # "issue-5-fr"
    number: int
    lang: str
    provider: str
    remote_id: str
    sent_at: str = ""   # ISO 8601, from the ledger


@dataclass
class Result:
    """A campaign's numbers and when they were read; ``cached`` when they come from the cache."""

    campaign: Campaign
    figures: Figures
    read_at: str
    cached: bool = False
