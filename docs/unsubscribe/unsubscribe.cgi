#!/usr/bin/env python3
"""The one-click unsubscribe endpoint as a plain CGI script, for a host with CGI and no long-running process.

Copy it into the host's cgi-bin (chmod 755) with the project's `newsletter/` folder
beside it (or set PYTHONPATH to the folder holding it), and give the script its
settings where the web server passes environment variables to CGI scripts, e.g.
Apache's `SetEnv` in the folder's configuration (not in a file the site serves):

    SetEnv NEWSLETTER_SECRET        <the secret the sends use>
    SetEnv NEWSLETTER_SUPPRESSION   /home/elise/private/subscribers.private/suppressed.jsonl
    SetEnv NEWSLETTER_LIST_ID       "La lettre d'Élise <lettre.elise-marchand.example>"

The endpoint address is then e.g. https://elise-marchand.example/cgi-bin/unsubscribe.cgi.
The suppression file must be writable by the web server's user and outside the
site's public folder. Each request starts Python anew (about 50 ms): plenty for
unsubscribes. Only the standard library is needed.
"""

import logging
import os
import sys
from wsgiref.handlers import CGIHandler

sys.path.insert(0, os.environ.get("NEWSLETTER_CODE", os.path.dirname(os.path.abspath(__file__))))

from newsletter.delivery.errors import ConfigurationError  # noqa: E402
from newsletter.unsubscribe.app import from_environment  # noqa: E402

# The web server's error log receives stderr: one line per refused token or failure.
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

try:
    application = from_environment()
except ConfigurationError as error:
    logging.error("unsubscribe endpoint not configured: %s", error)
    sys.stdout.write("Status: 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                     "Unsubscribing is unavailable for a moment; please try again later.\n")
else:
    CGIHandler().run(application)
