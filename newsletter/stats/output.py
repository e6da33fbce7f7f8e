"""The numbers as a terminal table (rich) and as CSV: one row per issue and language, then both together.

Counts are shown with their rate beside them: opens, clicks and unsubscribes
per delivered email, bounces and complaints per recipient. A figure the
provider does not give is "—" in the table and empty in the CSV.
"""

import csv
from dataclasses import dataclass
from itertools import groupby

from rich.table import Table

from .model import COUNTS, TOP_LINKS, rates, together

ALL = "all"          # the language column of the languages-together row
MISSING = "—"
CSV_FIELDS = ("issue", "lang", "provider", "campaign_id", "sent_at", *COUNTS, "open_rate", "click_rate",
              "unsubscribe_rate", "bounce_rate", "complaint_rate", "feedback_yes", "feedback_no", "top_links",
              "read_at")
# Each count and the rate shown beside it in the table.
SHOWN = (("recipients", None), ("delivered", None), ("opens", "open_rate"), ("clicks", "click_rate"),
         ("unsubscribes", "unsubscribe_rate"), ("bounces", "bounce_rate"), ("complaints", "complaint_rate"))


@dataclass
class Row:
    issue: int
    lang: str               # a language, or ALL
    figures: object
    sent_at: str
    read_at: str            # the oldest reading among the row's campaigns
    provider: str = ""
    campaign_id: str = ""


def rows(results, first_lang=None):
    """Each issue's languages (``first_lang`` first), then (for two or more) the languages together."""
    found = []
    order = sorted(results, key=lambda r: (r.campaign.number, r.campaign.lang != first_lang, r.campaign.lang))
    for number, group in groupby(order, key=lambda r: r.campaign.number):
        group = list(group)
        for result in group:
            found.append(Row(number, result.campaign.lang, result.figures, result.campaign.sent_at, result.read_at,
                             result.campaign.provider, result.campaign.remote_id))
        if len(group) > 1:
            found.append(Row(number, ALL, together([r.figures for r in group]),
                             min(r.campaign.sent_at for r in group), min(r.read_at for r in group),
                             "+".join(sorted({r.campaign.provider for r in group}))))
    return found


def table(found, title="Newsletter results"):
    grid = Table(title=title, title_justify="left")
    grid.add_column("Issue", justify="right")
    grid.add_column("Lang")
    grid.add_column("Sent")
    for name, _rate in SHOWN:
        grid.add_column(name.capitalize(), justify="right")
    grid.add_column("Yes", justify="right")
    grid.add_column("No", justify="right")
    grid.add_column("Read (UTC)")
    previous = None
    for row in found:
        shown_rates = rates(row.figures)
        cells = [str(row.issue) if row.issue != previous else "", row.lang, row.sent_at[:10]]
        cells += [_count(getattr(row.figures, name), shown_rates.get(rate_name)) for name, rate_name in SHOWN]
        answers = row.figures.feedback
        cells += [str(answers["yes"]), str(answers["no"]), row.read_at[:16].replace("T", " ")]
        grid.add_row(*cells, style="bold" if row.lang == ALL else None,
                     end_section=row.lang == ALL)
        previous = row.issue
    return grid


def links_table(found, number):
    """The five most-clicked links of issue ``number``, in each language and together; None without clicks."""
    if not any(row.figures.links for row in found if row.issue == number):
        return None
    grid = Table(title=f"Issue {number}: the {TOP_LINKS} most-clicked links", title_justify="left")
    grid.add_column("Lang")
    grid.add_column("Clicks", justify="right")
    grid.add_column("Link", overflow="fold")
    for row in (row for row in found if row.issue == number):
        top = row.figures.top_links()
        for index, (url, clicks) in enumerate(top):
            grid.add_row(row.lang if index == 0 else "", str(clicks), url, end_section=index == len(top) - 1)
    return grid


def write_csv(found, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for row in found:
            writer.writerow(csv_row(row))


def csv_row(row):
    values = {"issue": row.issue, "lang": row.lang, "provider": row.provider, "campaign_id": row.campaign_id,
              "sent_at": row.sent_at, "read_at": row.read_at}
    values.update({name: _blank(getattr(row.figures, name)) for name in COUNTS})
    values.update({name: "" if value is None else f"{value:.4f}" for name, value in rates(row.figures).items()})
    answers = row.figures.feedback
    values.update(feedback_yes=answers["yes"], feedback_no=answers["no"],
                  top_links=" | ".join(f"{url} ({clicks})" for url, clicks in row.figures.top_links()))
    return values


def percent(value):
    return MISSING if value is None else f"{value * 100:.1f} %"


def _count(value, rate_value):
    if value is None:
        return MISSING
    return f"{value:,}" if rate_value is None else f"{value:,} ({percent(rate_value)})"


def _blank(value):
    return "" if value is None else value
