"""Production settings: absolute URLs for feeds, sitemaps, canonical and hreflang links."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("SITEURL", "https://elise-marchand.example")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True

# The public comment server; COMMENTS_URL overrides it.
COMMENTS = {**COMMENTS, "isso": {**COMMENTS["isso"], "url": os.environ.get("COMMENTS_URL", "https://comments.elise-marchand.example/")}}  # noqa: F405
