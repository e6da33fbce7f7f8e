"""How each newsletter issue did, per language: the provider's numbers, as a table, a CSV and a chart.

    python -m publisher.newsletter_stats [N] [--settings publishconf.py] [--refresh]
                                         [--csv FILE] [--chart-dir preview/stats] [--cache-dir cache/stats]

The campaigns are the ledger's (NEWSLETTER['delivery']['ledger']) that went
out; each is read from the provider that sent it (Buttondown, listmonk,
Brevo), once: the numbers are kept in the cache folder with the time they were
read, and --refresh asks again. The table shows each issue's languages and
the languages together, with rates and the "yes"/"no" answers (the clicks on
the two feedback links); the most-clicked links of issue N (or of the newest);
the chart (PNG and SVG) the open and click rates per issue, one line per language.

Exit status: 0 done (a campaign not counted yet is one line, not an error,
unless it is all of issue N), 2 bad input or settings (an issue never sent, a
campaign the provider no longer has), 5 a provider failed (its last numbers
shown, with their date).
"""

import argparse
import logging
import sys
from pathlib import Path

from pelican.settings import read_settings
from rich.console import Console

from newsletter.delivery.errors import ConfigurationError, DeliveryError
from newsletter.delivery.ledger import Ledger, LedgerError
from newsletter.stats import chart, output, reader
from newsletter.stats.cache import StatsCache
from newsletter.stats.errors import CampaignGone, NotYetAvailable

from .build import EXIT_FAILURE
from .deliver import EXIT_PROVIDER, delivery_settings

logger = logging.getLogger(__name__)

WIDE = 170   # columns of the table when the output is not a terminal (a file, a pipe, the tests)


def main(argv=None):
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        pelican_settings = _read_settings(args.settings)
        settings = delivery_settings(pelican_settings)
        ledger = Ledger(settings["ledger"])
        campaigns, without = reader.sent_campaigns(ledger, args.issue)
        for backend in without:
            print(f"{backend}: it hands the emails over and hears nothing back, so there are no numbers for the "
                  "issues it sent", file=sys.stderr)
        if not campaigns:
            return _nothing_sent(ledger, settings, args.issue, without)
        cache = StatsCache(args.cache_dir)
        report = reader.read(campaigns, settings, cache, refresh=args.refresh)
        others = [] if args.issue is None else \
            [c for c in reader.sent_campaigns(ledger)[0] if c.number != args.issue]
        report.chart_results = report.results + reader.cached_results(others, cache)
    except (ConfigurationError, LedgerError, ValueError) as error:
        print(f"Newsletter stats not read: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except DeliveryError as error:   # outside one campaign's reading (the backend's opening)
        print(f"Newsletter stats not read: {error}", file=sys.stderr)
        return EXIT_PROVIDER
    try:
        show(report, args, first_lang=pelican_settings.get("DEFAULT_LANG"))
    except OSError as error:
        print(f"Newsletter stats read but not written: {error.filename or ''}: {error.strerror or error}; "
              "check --csv and --chart-dir", file=sys.stderr)
        return EXIT_FAILURE
    return _status(report, args.issue)


def _read_settings(path):
    """Pelican's settings; ValueError naming the file when it is missing or cannot be run."""
    if not Path(path).is_file():
        raise ValueError(f"the settings file {path} does not exist; give one with --settings")
    try:
        return read_settings(str(path))
    except Exception as exc:  # noqa: BLE001 - a settings file can fail in any way; one line names it
        raise ValueError(f"the settings file {path} cannot be read ({type(exc).__name__}: {exc})") from None


def show(report, args, first_lang=None):
    """The table, the top links, the CSV and the chart of what was read; then one line per problem."""
    console = Console(width=None if sys.stdout.isatty() else WIDE)
    if report.results:
        rows = output.rows(report.results, first_lang)
        console.print(output.table(rows))
        newest = args.issue if args.issue is not None else max(result.campaign.number for result in report.results)
        links = output.links_table(rows, newest)
        console.print(links if links is not None else f"Issue {newest}: no link clicked yet.")
        if args.csv:
            output.write_csv(rows, Path(args.csv))
            print(f"CSV: {args.csv}")
        # The chart keeps every issue read before (from the cache), not only issue N.
        png, svg = chart.write(report.chart_results, Path(args.chart_dir), first_lang)
        print(f"Chart: {png} and {svg}")
    for problem in report.problems:
        print(problem, file=sys.stderr)
    for provider, error in sorted(report.failures.items()):
        print(_failure_line(report, provider, error), file=sys.stderr)


def _failure_line(report, provider, error):
    dates = sorted({result.read_at[:16].replace("T", " ") for result in report.results
                    if result.cached and result.campaign.provider == provider})
    if not dates:
        shown = "no numbers were read from it before"
    else:
        shown = f"the numbers shown for its issues are the last ones read, on {', '.join(dates)} UTC"
    return f"{provider} failed: {error}; {shown}. Run again with --refresh once it answers."


def _nothing_sent(ledger, settings, number, without):
    if number is None:
        if not without:
            print(f"No newsletter issue has gone out yet (the ledger, {settings['ledger']}, records none sent).",
                  file=sys.stderr)
        return 0
    if without:
        return 0   # said above: sent, by a backend that counts nothing
    states = reader.issue_states(ledger, number)
    where = "; ".join(f"{key}: {state}" for key, state in states.items()) or "no entry"
    print(f"Issue {number} was never sent ({settings['ledger']}: {where}); send it with "
          f".venv/bin/invoke newsletter-send --send --issue {number}, or give an issue that went out",
          file=sys.stderr)
    return EXIT_FAILURE


def _status(report, number):
    if report.failures:
        return EXIT_PROVIDER
    if any(isinstance(problem, CampaignGone) for problem in report.problems):
        return EXIT_FAILURE
    if number is not None and not report.results and \
            any(isinstance(problem, NotYetAvailable) for problem in report.problems):
        return EXIT_FAILURE
    return 0


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("issue", nargs="?", type=int, help="only this issue number")
    parser.add_argument("--settings", default="publishconf.py")
    parser.add_argument("--refresh", action="store_true", help="ask the providers again instead of the cache")
    parser.add_argument("--csv", metavar="FILE", help="also write the table as CSV to FILE")
    parser.add_argument("--chart-dir", default="preview/stats", help="where rates.png and rates.svg go")
    parser.add_argument("--cache-dir", default="cache/stats", help="where the numbers read are kept")
    return parser


if __name__ == "__main__":
    sys.exit(main())
