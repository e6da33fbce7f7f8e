"""python -m newsletter.unsubscribe --listen 127.0.0.1:8090: the endpoint under waitress.

Settings from the environment (NEWSLETTER_SECRET, NEWSLETTER_SUPPRESSION,
NEWSLETTER_LIST_ID); a missing one is one line on stderr and exit status 2.
"""

import argparse
import logging
import sys

from ..delivery.errors import ConfigurationError
from .app import from_environment

EXIT_SETTINGS = 2


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m newsletter.unsubscribe", description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8090", help="host:port to listen on (default %(default)s)")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        application = from_environment()
    except ConfigurationError as error:
        print(f"Unsubscribe endpoint not started: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    try:
        import waitress
    except ImportError:
        print("Unsubscribe endpoint not started: waitress is not installed (pip install -r requirements.txt)",
              file=sys.stderr)
        return EXIT_SETTINGS
    waitress.serve(application, listen=args.listen, threads=args.threads, ident="unsubscribe")
    return 0


if __name__ == "__main__":
    sys.exit(main())
