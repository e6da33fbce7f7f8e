"""Read the list's mailbox: unsubscribe requests, bounces and complaints onto the suppression list.

    python -m publisher.newsletter_mailbox [--settings publishconf.py] [--dry-run]

Connects to NEWSLETTER['mailbox'] over TLS (IMAP_USERNAME and IMAP_PASSWORD
from the environment), reads each folder of ['folders'] and acts on what
newsletter.mailbox.classify recognises: the reader of an unsubscribe mail, of
a hard bounce or of a complaint joins the suppression list of the SMTP
backend's subscribers (beside NEWSLETTER['delivery']['smtp']['subscribers'],
keyed with NEWSLETTER_SECRET); soft bounces are counted and suppress at the
threshold. Each handled message is moved to ['handled'], so a second run does
nothing; malformed reports stay where they are and are listed. --dry-run
says what would be done and changes nothing.

Exit status: 0 done (malformed reports are listed, not failures), 2 settings
or unexpected error, 5 the IMAP server refused the login or failed (run
again: what was handled stays handled, nothing is counted twice).
"""

import argparse
import logging
import os
import sys

from pelican.settings import read_settings

from newsletter.delivery import config as delivery_config
from newsletter.delivery.backends.smtp import SmtpBackend
from newsletter.delivery.errors import ConfigurationError, DeliveryError
from newsletter.delivery.suppression import (SuppressionList, default_path, prepare_private_folder,
                                             secret_from_environment)
from newsletter.mailbox import config as mailbox_config
from newsletter.mailbox.imap import Mailbox
from newsletter.mailbox.processing import Processor
from newsletter.mailbox.state import FILE_NAME, MailboxState

from .build import EXIT_FAILURE

logger = logging.getLogger(__name__)

EXIT_PROVIDER = 5


def suppression_and_state(newsletter, environ):
    """The SMTP backend's suppression list and the mailbox state beside it."""
    delivery = newsletter.get("delivery") or {}
    delivery = delivery if isinstance(delivery, dict) else {}
    smtp = delivery_config.backend_settings(SmtpBackend, delivery.get("smtp"), environ)
    if not smtp.get("subscribers"):
        raise ConfigurationError("NEWSLETTER['delivery']['smtp']['subscribers'] is not set: the suppression list "
                                 "lives beside the subscribers file, e.g. '../private/subscribers.csv'",
                                 provider="imap")
    path = default_path(smtp["subscribers"], smtp.get("private_folder"))
    prepare_private_folder(path.parent)
    return SuppressionList(path, secret_from_environment(environ)), MailboxState(path.parent / FILE_NAME)


def process(newsletter, dry_run=False, environ=None):
    """One run over the mailbox with NEWSLETTER's settings; returns the Report."""
    environ = os.environ if environ is None else environ
    settings = mailbox_config.load(newsletter.get("mailbox"), environ)
    suppression, state = suppression_and_state(newsletter, environ)
    processor = Processor(suppression, state, settings["soft_bounce_threshold"], dry_run=dry_run)
    with Mailbox(settings) as mailbox:
        return processor.run(mailbox, settings["folders"], settings["handled"])


def main(argv=None):
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    try:
        newsletter = read_settings(str(args.settings)).get("NEWSLETTER") or {}
        report = process(newsletter if isinstance(newsletter, dict) else {}, dry_run=args.dry_run)
    except ConfigurationError as error:
        print(f"Mailbox not read: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except DeliveryError as error:
        print(f"Mailbox reading stopped: {error}. Run the same command again once the cause is fixed: what was "
              "handled stays handled, nothing is counted twice.", file=sys.stderr)
        return EXIT_PROVIDER
    except Exception as exc:  # noqa: BLE001 - one line, as the other commands report it
        logger.debug("unexpected error", exc_info=True)
        print(f"Mailbox not read: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for line in report.malformed:
        print(f"Malformed report: {line}", file=sys.stderr)
    for line in report.lines():
        print(line)
    return 0


def _parser():
    parser = argparse.ArgumentParser(prog="invoke newsletter-mailbox", description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default="publishconf.py", help="the Pelican settings file (publishconf.py)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be done; change nothing")
    return parser


if __name__ == "__main__":
    sys.exit(main())
