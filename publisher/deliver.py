"""Hand the newsletter's emails to the mailing provider: drafts by default, each exactly once.

    python -m publisher.deliver [--settings publishconf.py] [--outbox DIR]
                                [--issue N] [--lang fr] [--test-to ADDRESS]...
                                [--send [--yes]] [--schedule 2026-02-07T08:00+01:00]

Without --outbox the site is first built aside with the settings, so every
email is rendered and checked again right before it leaves. Each issue and
language becomes a draft at the provider of NEWSLETTER['delivery'] (the
outbox backend by default: files, no network); --test-to sends a test of
the drafts, --send sends the newest issue (or --issue N) to its readers, and
--schedule has the provider send that issue at the given time (both ask first).
The ledger (content/newsletter/ledger.json) remembers what was done, so a
rerun creates and sends nothing twice.

Exit status: 0 done, 1 content errors, 2 settings or unexpected error,
5 the provider failed or its state must be checked by hand.
"""

import argparse
import functools
import logging
import sys
import tempfile
from datetime import datetime, timezone

from pelican.settings import read_settings

from newsletter.delivery import config as delivery_config
from newsletter.delivery import ledger as states
from newsletter.delivery.campaign import UNSUBSCRIBE_PLACEHOLDER, OutboxError, read_outbox
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.errors import ConfigurationError, DeliveryError
from newsletter.delivery.ledger import Ledger, LedgerError

from .build import EXIT_FAILURE, report_failure
from .newsletter_review import build_and_check

logger = logging.getLogger(__name__)

EXIT_PROVIDER = 5
# The actions readers receive: the newest issue only (or --issue N), and only after a yes.
TO_READERS = ("send", "schedule")


class NotConfirmed(Exception):
    pass


# The settings, the ledger, the outbox or the editor's answer: exit 2, not the provider's 5
# (a ConfigurationError is a DeliveryError, so these are caught first).
NOT_DELIVERED = (ConfigurationError, LedgerError, OutboxError, NotConfirmed)


def deliver(settings, campaigns, action, confirm=None):
    """Deliver ``campaigns`` with the configured backend; return the Outcomes."""
    with Ledger(settings["ledger"]).locked() as ledger, delivery_config.open_backend(settings) as backend:
        if action.kind == "schedule" and not backend.can_schedule:
            # The Dispatcher refuses too, but only after the editor has been asked.
            raise ConfigurationError(f"{backend.name} cannot send later; use --send at the time",
                                     provider=backend.name)
        if action.kind in TO_READERS and confirm is not None:
            confirm(campaigns, backend)
        dispatcher = Dispatcher(backend, ledger)
        return [dispatcher.deliver(campaign, action) for campaign in campaigns]


def select(campaigns, number=None, lang=None, first_issue=1, newest_only=False):
    chosen = [c for c in campaigns if c.number >= first_issue and (lang is None or c.lang == lang)]
    if number is not None:
        chosen = [c for c in chosen if c.number == number]
    elif newest_only and chosen:
        newest = max(c.number for c in chosen)
        chosen = [c for c in chosen if c.number == newest]
    return chosen


def archive_only_line(state):
    """One line for the issues an import marked Sent-By (another platform sent them), or None."""
    count = len(getattr(state, "archive_only", None) or {})
    if not count:
        return None
    return f"{count} imported issue{'s' if count != 1 else ''} archive-only (Sent-By): on the site, never delivered"


def delivery_settings(pelican_settings):
    """NEWSLETTER['delivery'] merged and checked, with the newsletter's unsubscribe placeholder."""
    newsletter = pelican_settings.get("NEWSLETTER", {})
    newsletter = newsletter if isinstance(newsletter, dict) else {}
    settings = delivery_config.load(newsletter.get("delivery"))
    settings["placeholder"] = newsletter.get("unsubscribe_placeholder") or UNSUBSCRIBE_PLACEHOLDER
    return settings


def ask(campaigns, backend, action=Action("send")):
    """Sending, now or later, cannot be undone: say what goes where and when, and wait for the word."""
    word = action.kind
    when = f" for {action.when.isoformat()}" if action.when else ""
    lines = [f"  {c.key}: «{c.subject}» to {backend.describe_audience(c.lang)}" for c in campaigns]
    print(f"About to {word.upper()} with {backend.name}{when}:\n" + "\n".join(lines), file=sys.stderr)
    if input(f"Type '{word}' to confirm: ").strip().lower() != word:
        raise NotConfirmed(f"not confirmed; nothing was {'sent' if word == 'send' else 'scheduled'}")


def confirmation(yes, action=Action("send")):
    """How a send or schedule is confirmed: not at all with --yes; else by asking, which needs a terminal."""
    if yes:
        return None
    if not sys.stdin.isatty():
        raise NotConfirmed(f"--{action.kind} without a terminal needs --yes as well")
    return functools.partial(ask, action=action)


def schedule_lines(ledger, outcomes):
    """For when each campaign is scheduled, as the ledger holds it: one scheduled by an earlier run keeps
    that run's time (the provider is not asked to change it)."""
    lines = []
    for outcome in outcomes:
        if outcome.state != states.SCHEDULED:
            lines.append(f"{outcome.key} is not scheduled: it is {outcome.state} at {outcome.provider}")
            continue
        entry = ledger.entry(outcome.key, outcome.provider) or {}
        when = entry.get("scheduled_for") or "the time set there"
        lines.append(f"{outcome.key} is scheduled at {outcome.provider} for {when}")
    return lines


def main(argv=None):
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    settings = None
    try:
        action = _action(args)
        settings = delivery_settings(read_settings(str(args.settings)))
        if args.outbox:
            return _run(settings, read_outbox(args.outbox, settings["placeholder"]), action, args)
        with tempfile.TemporaryDirectory() as folder:
            report, state = build_and_check(args.settings, folder)
            if archive_only_line(state):
                print(archive_only_line(state), file=sys.stderr)
            return _run(settings, read_outbox(state.outbox(report.output), settings["placeholder"]), action, args)
    except (*NOT_DELIVERED, ValueError) as error:
        print(f"Newsletter not delivered: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except DeliveryError as error:
        ledger = settings["ledger"] if settings else "the ledger"
        print(f"Newsletter delivery stopped: {error}. The ledger ({ledger}) records what was done; "
              "run again once the cause is fixed: nothing will be created or sent twice.", file=sys.stderr)
        return EXIT_PROVIDER
    except Exception as exc:  # noqa: BLE001 - one line, as the build reports it
        return report_failure(exc, "output")


def _run(settings, campaigns, action, args):
    chosen = select(campaigns, args.issue, args.lang, settings["first_issue"], newest_only=action.kind in TO_READERS)
    if not chosen:
        print("No newsletter issue to deliver.", file=sys.stderr)
        return 0
    confirm = confirmation(args.yes, action) if action.kind in TO_READERS else None
    outcomes = deliver(settings, chosen, action, confirm)
    for outcome in outcomes:
        print(outcome.summary())
    if action.kind == "schedule":
        for line in schedule_lines(Ledger(settings["ledger"]), outcomes):
            print(line)
    return 0


def _action(args):
    if args.send and args.schedule:
        raise ValueError("choose --send or --schedule, not both")
    if args.send:
        return Action("send")
    if args.schedule:
        return Action("schedule", when=schedule_time(args.schedule))
    if args.test_to:
        return Action("test", test_to=tuple(args.test_to))
    return Action("draft")


def schedule_time(text):
    """--schedule's value as an aware datetime, in the future; ValueError naming the value otherwise."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--schedule {text!r} is not a date and time; write it as 2026-02-07T08:00+01:00") from None
    if when.tzinfo is None:
        raise ValueError("--schedule needs a time zone, e.g. 2026-02-07T08:00+01:00")
    if when <= datetime.now(timezone.utc):
        raise ValueError(f"--schedule {text} is in the past; give a later time, or use --send to send now")
    return when


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py")
    parser.add_argument("--outbox", help="deliver these .eml files instead of building first")
    parser.add_argument("--issue", type=int, help="only this issue number")
    parser.add_argument("--lang", help="only this language")
    parser.add_argument("--test-to", action="append", default=[], metavar="ADDRESS",
                        help="send a test of the drafts to ADDRESS (repeatable)")
    parser.add_argument("--send", action="store_true", help="send the newest issue (or --issue N) to its readers")
    parser.add_argument("--schedule", metavar="WHEN",
                        help="have the provider send the newest issue (or --issue N) at WHEN (ISO 8601 with zone)")
    parser.add_argument("--yes", action="store_true", help="do not ask before sending or scheduling (for scripts)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
