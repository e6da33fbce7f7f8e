"""One-click unsubscribe for lists sent by SMTP: signed tokens (tokens.py) and the endpoint (app.py).

    from newsletter.unsubscribe import make_token, from_environment
    token = make_token(secret, "La lettre <lettre.example.org>", "fr", "claire@example.org")
    application = from_environment()     # NEWSLETTER_SECRET, NEWSLETTER_SUPPRESSION, NEWSLETTER_LIST_ID

Run it with ``python -m newsletter.unsubscribe --listen 127.0.0.1:8090`` (waitress), or hand
``newsletter.unsubscribe.app:from_environment`` to any WSGI server (docs/unsubscribe/).
"""

from .app import UnsubscribeApp, from_environment
from .tokens import InvalidToken, make_token, verify

__all__ = ["InvalidToken", "UnsubscribeApp", "from_environment", "make_token", "verify"]
