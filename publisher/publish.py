"""The editor's one command: from the authors' Markdown to the public site and the newsletter.

    python -m publisher.publish [--settings publishconf.py] [--output output] [--dry-run]
                                [--send [--yes]] [--test-to ADDRESS]... [--no-newsletter]

Steps, in this order; the first that fails stops the run, and nothing after it happens:

1. build       a clean production build of every language (publisher.build): output/ is
               replaced only by a complete build; content errors are listed one per line.
2. check       the built site (publisher.site_checks): every language built, hreflang links
               reciprocal, ... (broken links and newsletter problems already stop the build).
3. deploy      DEPLOY's target (publisher.deploy): only files whose bytes changed move.
4. newsletter  each issue and language that the ledger does not hold yet, or that changed,
               becomes a draft at NEWSLETTER['delivery']'s provider; --test-to sends a test of
               the newest issue, --send sends it to its readers (after a typed "send", or --yes).
               The site is deployed first, so the emails' "view online" links work.

A second run right after the first deploys nothing and asks the provider nothing.

--dry-run builds into a temporary folder (comments from the cache, no request), checks,
compares with the deploy target and reads the ledger, then says what it would deploy and
deliver; it writes nothing outside the temporary folder and contacts no server.

Exit status: 0 published; 1 content errors (the build); 2 settings, usage or unexpected
error; 3 a check of the built site failed; 4 the deploy failed; 5 the mailing provider failed.
--debug adds the failure's traceback; the exit status stays the same.
"""

import argparse
from collections import Counter
import copy
import logging
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from pelican import signals
from pelican.settings import read_settings

from newsletter.delivery import config as delivery_config
from newsletter.delivery import ledger as states
from newsletter.delivery.campaign import read_outbox
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.errors import DeliveryError
from newsletter.delivery.ledger import Ledger
from sitekit.build_context import RenderedEmails, state_of

from . import deploy as deploying
from .build import EXIT_FAILURE, build_site, configure_logging, report_failure
from .deliver import EXIT_PROVIDER, NOT_DELIVERED, archive_only_line, confirmation, delivery_settings, select
from .progress import Steps, plural
from .site_checks import SiteCheckFailed, check_built_site

logger = logging.getLogger(__name__)

STEPS = ("build", "check", "deploy", "newsletter")
# Ledger states that need no call to the provider when the content is unchanged.
SETTLED = (states.DRAFT, states.SCHEDULED, states.SENT)


@dataclass
class Options:
    settings: str = "publishconf.py"
    output: str = "output"
    dry_run: bool = False
    send: bool = False
    yes: bool = False
    test_to: tuple = ()
    newsletter: bool = True
    check_only: bool = False   # build aside and check; no deploy, no newsletter


@dataclass
class Plan:
    """The settings checked before anything is built: a mistake there stops the run at once."""
    deploy: dict
    delivery: dict | None
    pelican: dict


@dataclass
class Summary:
    build: object = None
    deploy: object = None
    outcomes: list = field(default_factory=list)   # Outcome of each campaign the provider was asked about
    unchanged: list = field(default_factory=list)  # campaign keys the ledger already holds as they are
    would: list = field(default_factory=list)      # dry run: what the newsletter step would do
    archive_only: str | None = None                # imported issues (Sent-By) never delivered

    def lines(self, dry_run):
        lines = [f"Site: {pages_line(self.build)}"]
        if self.deploy:
            lines.append(f"{'Would deploy to' if dry_run else 'Deployed to'} {self.deploy.url} "
                         f"({self.deploy.target}): {changes_line(self.deploy)}")
        lines += self._newsletter_lines()
        return lines

    def _newsletter_lines(self):
        lines = [f"Newsletter: {outcome.summary()}" for outcome in self.outcomes if outcome.done]
        lines += [f"Newsletter: {what}" for what in self.would]
        if self.unchanged:
            lines.append(f"Newsletter: already at the provider as built: {', '.join(self.unchanged)}")
        if self.archive_only:
            lines.append(f"Newsletter: {self.archive_only}")
        return lines


def publish(options, steps=None):
    """Run the four steps; return the Summary. Raises the failing step's error."""
    plan = load_plan(options.settings)
    steps = steps or Steps(total=2 if options.check_only else len(STEPS))
    summary = Summary()
    with ExitStack() as cleanup:
        output = options.output
        overrides = {}
        if options.dry_run or options.check_only:
            scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="publish-dry-run-")))
            output, overrides = scratch / "output", dry_run_overrides(plan.pelican, scratch)
        with steps.step("build") as step:
            summary.build = _build(options.settings, output, overrides, step)
        with steps.step("check") as step:
            step.result = _check(summary.build)
        if options.check_only:
            return summary
        if options.dry_run and deploying.reaches_network(plan.deploy):
            steps.skip("deploy", f"a dry run does not connect to {deploying.address(plan.deploy)}")
        else:
            with steps.step("deploy") as step:
                summary.deploy = deploying.deploy(summary.build.output, plan.deploy, options.dry_run,
                                                  progress=step.advance)
                step.result = f"{changes_line(summary.deploy)}: {summary.deploy.destination}"
        if not options.newsletter or plan.delivery is None:
            steps.skip("newsletter", "--no-newsletter" if not options.newsletter else "no newsletter plugin")
        else:
            _newsletter(summary, plan.delivery, options, steps)
    return summary


def load_plan(settings_file):
    """Read the settings once and check DEPLOY and NEWSLETTER['delivery'] before any work."""
    pelican = read_settings(str(settings_file))
    delivery = delivery_settings(pelican) if "newsletter_issues" in pelican.get("PLUGINS", []) else None
    return Plan(deploying.load_settings(pelican.get("DEPLOY")), delivery, pelican)


def dry_run_overrides(settings, scratch):
    """Everything a build writes besides its output goes to ``scratch``; comments come from their cache."""
    cache = scratch / "cache"
    if Path(settings.get("CACHE_PATH") or "cache").is_dir():
        shutil.copytree(settings.get("CACHE_PATH") or "cache", cache, symlinks=True)
    overrides = {"CACHE_PATH": str(cache)}
    comments = settings.get("COMMENTS")
    if isinstance(comments, dict):
        # Not fetching, the plugin only reads its cache file: nothing to move aside.
        overrides["COMMENTS"] = {**copy.deepcopy(comments), "fetch": False}
    newsletter = settings.get("NEWSLETTER")
    if isinstance(newsletter, dict):
        overrides["NEWSLETTER"] = {**copy.deepcopy(newsletter), "outbox": str(scratch / "outbox")}
    return overrides


def _build(settings_file, output, overrides, step):
    written = 0

    def count(path, context=None):
        nonlocal written
        written += 1
        step.advance(written)

    signals.content_written.connect(count)
    try:
        report = build_site(settings_file, output, overrides)
    finally:
        signals.content_written.disconnect(count)
    step.result = pages_line(report)
    return report


def pages_line(report):
    pages = ", ".join(f"{count} pages in {lang}" for lang, count in report.pages.items())
    return f"{pages}, {plural(report.warnings, 'warning')}"


def changes_line(report):
    return f"{report.copied} new, {report.updated} changed, {report.deleted} deleted, {report.unchanged} unchanged"


def _check(report):
    checked = check_built_site(report.output, report.settings)  # logs each problem, raises SiteCheckFailed
    return f"{', '.join(checked.languages)} built, translations linked both ways"


# --- newsletter -------------------------------------------------------------------------

def _newsletter(summary, delivery, options, steps):
    state = state_of(summary.build.settings, RenderedEmails)
    summary.archive_only = archive_only_line(state)
    campaigns = read_outbox(state.outbox(summary.build.output), delivery["placeholder"])
    campaigns = select(campaigns, first_issue=delivery["first_issue"])
    newest = select(campaigns, newest_only=True)
    if options.dry_run:
        with steps.step("newsletter") as step:
            summary.would = _would(campaigns, newest, delivery, options)
            step.result = (f"{plural(len(summary.would), 'thing')} to do at {delivery['backend']}, listed below"
                           if summary.would else f"nothing new for {delivery['backend']}")
        return
    backend = delivery_config.open_backend(delivery)
    confirm = confirmation(options.yes) if options.send else None
    if confirm:
        confirm(newest, backend)  # before the progress bar starts: it asks a question
    with Ledger(delivery["ledger"]).locked() as ledger, backend, steps.step("newsletter") as step:
        pending = [c for c in campaigns if not _settled(ledger.entry(c.key, backend.name), c)]
        summary.unchanged = [c.key for c in campaigns if c not in pending]
        actions = [(c, Action("draft")) for c in pending]
        actions += [(c, Action("test", test_to=options.test_to)) for c in newest if options.test_to]
        actions += [(c, Action("send")) for c in newest if options.send]
        dispatcher = Dispatcher(backend, ledger)
        for done, (campaign, action) in enumerate(actions, 1):
            summary.outcomes.append(dispatcher.deliver(campaign, action))
            step.advance(done, len(actions))
        step.result = _newsletter_line(summary, backend.name)


def _settled(entry, campaign):
    """Nothing to ask the provider: settled with this content, and no late duplicate left to look for."""
    return (bool(entry) and entry.get("state") in SETTLED and entry.get("content_hash") == campaign.content_hash
            and not entry.get("twin_possible"))


def _newsletter_line(summary, provider):
    done = Counter(what for outcome in summary.outcomes for what in outcome.done)
    if not done:
        return f"nothing new for {provider} ({len(summary.unchanged)} already there)"
    return f"at {provider}: " + ", ".join(f"{what} ×{count}" for what, count in done.items())


def _would(campaigns, newest, delivery, options):
    """What the newsletter step would ask the provider, from the ledger alone (read, not locked)."""
    ledger, provider = Ledger(delivery["ledger"]), delivery["backend"]
    would = []
    for campaign in campaigns:
        entry = ledger.entry(campaign.key, provider)
        if not entry:
            would.append(f"would create the draft {campaign.key} at {provider}")
        elif not _settled(entry, campaign):
            would.append(f"would update {campaign.key} at {provider} (now {entry.get('state')})")
    for campaign in newest:
        if options.test_to:
            would.append(f"would send a test of {campaign.key} to {', '.join(options.test_to)}")
        if options.send:
            would.append(f"would send {campaign.key} to its readers at {provider}")
    return would


# --- command line -----------------------------------------------------------------------

def main(argv=None):
    args = _parser().parse_args(argv)
    configure_logging(args.debug)
    options = Options(args.settings, args.output, args.dry_run, args.send, args.yes, tuple(args.test_to),
                      not args.no_newsletter, args.check_only)
    started = time.perf_counter()
    try:
        summary = publish(options)
    except Exception as error:  # noqa: BLE001 - each failure is one line naming what to do
        # --debug adds the traceback; the exit status stays the one the README's table gives.
        logger.debug("the traceback of the failure below", exc_info=True)
        return report_publish_failure(error, options)
    verb = "Checked" if options.check_only else "Dry run done" if options.dry_run else "Published"
    print(f"{verb} in {time.perf_counter() - started:.1f} s.")
    for line in summary.lines(options.dry_run):
        print(f"  {line}")
    return 0


def report_publish_failure(error, options):
    nothing_sent = "" if isinstance(error, DeliveryError) else " No newsletter was sent."
    if isinstance(error, SiteCheckFailed):
        print(f"Not published: {error}; the site was not deployed.{nothing_sent}", file=sys.stderr)
        return error.exitcode
    if isinstance(error, deploying.DeploySettingsError):
        print(f"Not published: {error}", file=sys.stderr)
        return EXIT_FAILURE
    if isinstance(error, deploying.DeployError):
        print(f"Not published: {error}.{nothing_sent}", file=sys.stderr)
        return error.exitcode
    if isinstance(error, NOT_DELIVERED):
        print(f"Newsletter not delivered: {error}", file=sys.stderr)
        return EXIT_FAILURE
    if isinstance(error, DeliveryError):
        print(f"The site is deployed; the newsletter stopped: {error}. The ledger records what was done; run "
              "`invoke publish` again once the cause is fixed: nothing will be created or sent twice.",
              file=sys.stderr)
        return EXIT_PROVIDER
    return report_failure(error, options.output)


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py")
    parser.add_argument("--output", default="output")
    parser.add_argument("--dry-run", action="store_true",
                        help="build and check in a temporary folder; say what would be deployed and delivered")
    parser.add_argument("--send", action="store_true", help="send the newest issue to its readers")
    parser.add_argument("--yes", action="store_true", help="do not ask before sending (for scripts)")
    parser.add_argument("--test-to", action="append", default=[], metavar="ADDRESS",
                        help="send a test of the newest issue to ADDRESS (repeatable)")
    parser.add_argument("--no-newsletter", action="store_true", help="build, check and deploy only")
    parser.add_argument("--check-only", action="store_true",
                        help="build into a temporary folder and run the checks; deploy and send nothing")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


if __name__ == "__main__":
    sys.exit(main())
