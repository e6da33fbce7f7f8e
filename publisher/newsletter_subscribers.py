"""`invoke newsletter-subscribers`: who is on the SMTP list, per language and state, and a cleaned CSV.

    .venv/bin/invoke newsletter-subscribers                          # counts
    .venv/bin/invoke newsletter-subscribers --write-clean ../private/subscribers-clean.csv

Reads NEWSLETTER['delivery']['smtp']['subscribers'] and the suppression
list beside it (NEWSLETTER_SECRET to read it). A reader is "active" (has
consented, not suppressed), "suppressed" (unsubscribed, bounced or
complained: never sent to, even while in the CSV) or "without consent"
(never sent to either). ``--write-clean FILE`` writes the CSV as it is (its
columns, its order, its separator) without the suppressed readers; FILE may
be the subscribers file itself (written aside, then renamed).

Exit status: 0, or 2 for settings or a file that cannot be used (one line).
"""

import argparse
import csv
import io
import logging
import sys
from pathlib import Path

from pelican.settings import read_settings

from newsletter.delivery.errors import ConfigurationError
from newsletter.delivery.ledger import atomic_write
from newsletter.delivery.subscribers import read_rows, read_subscribers
from newsletter.delivery.suppression import (SuppressionList, default_path, refuse_inside_repository,
                                             secret_from_environment)

from .deliver import delivery_settings

EXIT_SETTINGS = 2
STATES = ("active", "suppressed", "without consent")


def main(argv=None):
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s: %(message)s")
    try:
        smtp = smtp_settings(args.settings)
        path = Path(smtp["subscribers"])
        suppressed = suppression_list(smtp)
        without_consent = []
        readers = read_subscribers(path, without_consent)
        for line in summary(path, readers, without_consent, suppressed):
            print(line)
        if args.write_clean:
            kept, dropped = write_clean(path, Path(args.write_clean), suppressed)
            print(f"Wrote {args.write_clean}: {kept} row{'s' if kept != 1 else ''}, {dropped} suppressed "
                  f"reader{'s' if dropped != 1 else ''} left out")
    except (ConfigurationError, OSError, ValueError) as error:
        print(f"Subscribers not read: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    return 0


def smtp_settings(settings_file):
    settings = delivery_settings(read_settings(str(settings_file)))
    if settings["backend"] != "smtp":
        raise ConfigurationError(f"NEWSLETTER['delivery']['backend'] is {settings['backend']!r}: its provider keeps "
                                 "the list of readers; this command reads the SMTP backend's CSV")
    smtp = settings["smtp"]
    if not smtp.get("subscribers"):
        raise ConfigurationError("no subscribers file: set NEWSLETTER['delivery']['smtp']['subscribers']")
    return smtp


def suppression_list(smtp):
    """The suppression list beside the subscribers file; None when there is none yet (nobody suppressed)."""
    path = default_path(smtp["subscribers"], smtp.get("private_folder"))
    if not path.exists():
        return None
    return SuppressionList(path, secret_from_environment())


def summary(path, readers, without_consent, suppressed):
    """Lines: the total, one per language with its count per state, the suppression list's reasons."""
    counts = {}
    on_list = suppressed.digests() if suppressed is not None else frozenset()
    for reader in readers:
        state = "suppressed" if suppressed is not None and suppressed.digest(reader.email) in on_list else "active"
        counts.setdefault(reader.lang, dict.fromkeys(STATES, 0))[state] += 1
    for reader in without_consent:
        counts.setdefault(reader.lang, dict.fromkeys(STATES, 0))["without consent"] += 1
    total = len(readers) + len(without_consent)
    lines = [f"{path}: {total} row{'s' if total != 1 else ''}"]
    for lang in sorted(counts):
        lines.append(f"  {lang}: " + ", ".join(f"{counts[lang][state]} {state}" for state in STATES))
    if suppressed is None:
        lines.append("Suppression list: none yet (nobody has unsubscribed, bounced or complained)")
    else:
        reasons = suppressed.counts()
        detail = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
        lines.append(f"Suppression list {suppressed.path}: {sum(reasons.values())} "
                     f"({detail or 'empty'}; it may hold readers no longer in the CSV)")
    return lines


def write_clean(source, destination, suppressed):
    """The CSV without the suppressed readers' rows; (rows kept, rows left out)."""
    refuse_inside_repository(destination, "--write-clean")
    delimiter, header, rows = read_rows(source)
    on_list = suppressed.digests() if suppressed is not None else frozenset()
    kept, dropped = [header], 0
    for address, row in rows:
        if address and suppressed is not None and suppressed.digest(address) in on_list:
            dropped += 1
            continue
        kept.append(row)
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(kept)
    atomic_write(destination, text.getvalue().encode("utf-8"), mode=0o600)
    return len(kept) - 1, dropped


def _parser():
    parser = argparse.ArgumentParser(prog="invoke newsletter-subscribers", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py", help="Pelican settings file")
    parser.add_argument("--write-clean", metavar="FILE", help="write the CSV without the suppressed readers")
    return parser


if __name__ == "__main__":
    sys.exit(main())
