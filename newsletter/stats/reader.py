"""Which campaigns went out (the ledger), and their numbers: from the cache, or from their provider.

Each campaign is read from the provider that sent it (the ledger's provider
name), through that backend's client: its settings, credentials, retries and
errors are delivery's. The cache answers unless ``refresh`` is asked for or it
lacks the campaign. A provider that fails stops being asked in this run: its
campaigns get their last cached numbers, and the failure is reported.
"""

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..delivery import config as delivery_config
from ..delivery import ledger as states
from ..delivery.errors import ConfigurationError, DeliveryError
from . import brevo, buttondown, listmonk
from .errors import StatsProblem
from .model import Campaign, Result

logger = logging.getLogger(__name__)

READERS = {"buttondown": buttondown.read, "listmonk": listmonk.read, "brevo": brevo.read}
# Backends that hand messages over and hear nothing back: nothing to count.
WITHOUT_STATS = ("outbox", "smtp")
KEY = re.compile(r"^issue-(\d+)-(\w[\w-]*)$")
GONE_OUT = (states.SENT, states.SENDING)


@dataclass
class Report:
    results: list = field(default_factory=list)      # Result, in key order
    problems: list = field(default_factory=list)     # StatsProblem: one line each
    failures: dict = field(default_factory=dict)     # provider -> the DeliveryError that stopped it
    chart_results: list = field(default_factory=list)  # results plus other issues' cached ones (for the chart)


def sent_campaigns(ledger, number=None, now=None):
    """(the campaigns sent through a provider that counts, the other backends that sent some), by key."""
    now = now or datetime.now(timezone.utc)
    campaigns, without = [], []
    for key, provider, entry in ledger.entries():
        match = KEY.match(key)
        if not match or (number is not None and int(match.group(1)) != number) or not _gone_out(entry, now):
            continue
        if provider not in READERS:
            if provider not in without:
                without.append(provider)
            continue
        campaigns.append(Campaign(key, int(match.group(1)), match.group(2), provider, str(entry.get("remote_id")),
                                  entry.get("sent_at") or entry.get("scheduled_for") or entry.get("updated_at", "")))
    return campaigns, without


def issue_states(ledger, number):
    """{key: state} of the issue's entries, whatever their state: why an issue has no numbers."""
    found = {}
    for key, provider, entry in ledger.entries():
        match = KEY.match(key)
        if match and int(match.group(1)) == number:
            found[f"{key} at {provider}"] = entry.get("state", "?")
    return found


def read(campaigns, settings, cache, refresh=False, now=None):
    """A Report of ``campaigns``' numbers; the fresh ones are written to ``cache``."""
    report = Report()
    read_at = (now or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()
    for provider in sorted({campaign.provider for campaign in campaigns}):
        mine = [campaign for campaign in campaigns if campaign.provider == provider]
        wanted = [campaign for campaign in mine if refresh or cache.get(campaign) is None]
        fresh = _ask(provider, wanted, settings, report, read_at) if wanted else {}
        for campaign in mine:
            if campaign.key in fresh:
                cache.put(campaign, fresh[campaign.key], read_at)
                report.results.append(Result(campaign, fresh[campaign.key], read_at))
            elif cache.get(campaign) is not None and not _problem_for(report, campaign):
                figures, when = cache.get(campaign)
                report.results.append(Result(campaign, figures, when, cached=True))
    if any(not result.cached for result in report.results):
        cache.save()
    report.results.sort(key=lambda result: (result.campaign.number, result.campaign.lang))
    return report


def cached_results(campaigns, cache):
    """The Results the cache holds for ``campaigns`` (the chart's other issues), asking no provider."""
    found = []
    for campaign in campaigns:
        held = cache.get(campaign)
        if held is not None:
            found.append(Result(campaign, held[0], held[1], cached=True))
    return found


def _ask(provider, campaigns, settings, report, read_at):
    """{key: Figures} of what ``provider`` answered; problems and its failure go into ``report``."""
    answers = {}
    try:
        with _backend(provider, settings) as backend:
            for campaign in campaigns:
                try:
                    answers[campaign.key] = READERS[provider](backend.api, campaign)
                except StatsProblem as problem:
                    report.problems.append(problem)
    except ConfigurationError:
        raise   # the settings, not the provider: the command says so (exit 2)
    except DeliveryError as error:
        logger.debug("%s failed: %s", provider, error)
        report.failures[provider] = error
    return answers


def _backend(provider, settings):
    """The backend that sent these campaigns, with its own settings, even if another one sends now."""
    cls = delivery_config.backend_class(provider)
    own = settings.get(provider) if settings.get("backend") == provider else \
        delivery_config.backend_settings(cls, settings.get(provider), os.environ)
    return cls(own, retry=delivery_config.retry_policy(settings), timeout=settings["timeout"])


def _problem_for(report, campaign):
    return any(problem.key == campaign.key for problem in report.problems)


def _gone_out(entry, now):
    """Sent, being sent, or scheduled for a time now past."""
    state = entry.get("state")
    if state in GONE_OUT:
        return True
    if state == states.SCHEDULED and entry.get("scheduled_for"):
        try:
            return datetime.fromisoformat(entry["scheduled_for"]) <= now
        except (TypeError, ValueError):
            return False
    return False
