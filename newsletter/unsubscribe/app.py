"""The one-click unsubscribe endpoint: a WSGI application, no framework.

Each letter's List-Unsubscribe header carries ``<endpoint>?token=<token>``
(see tokens.py). This application answers that address:

- ``POST`` with the body ``List-Unsubscribe=One-Click`` (RFC 8058, as a mail
  client's unsubscribe button sends it; urlencoded or multipart): the reader
  goes on the suppression list, and every later send skips them;
- ``GET`` (a reader who clicked the link in the letter): a page in the
  reader's language with a button that makes that same POST. A GET changes
  nothing, so a link scanner that opens every link unsubscribes nobody.

No valid token, no change: a token cut short or altered gets a clear page
(400) and one log line. A replayed request, or a reader already on the list,
gets "already unsubscribed" and adds nothing. If the list cannot be written
the reader is told to try again (503) and nothing is recorded half-way.

Settings come from the environment (see ``from_environment``), so the same
application runs under waitress, gunicorn, uWSGI or as a CGI script.
"""

import logging
import os
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

from ..delivery.errors import ConfigurationError
from ..delivery.suppression import SuppressionError, SuppressionList, secret_from_environment
from . import pages
from .tokens import InvalidToken, list_label, verify

logger = logging.getLogger(__name__)

ONE_CLICK = ("List-Unsubscribe", "One-Click")
# An RFC 8058 body is 26 bytes; a multipart one a few hundred. Anything much bigger is not one.
MAX_BODY = 16 * 1024
STATUS = {200: "200 OK", 400: "400 Bad Request", 405: "405 Method Not Allowed",
          413: "413 Content Too Large", 503: "503 Service Unavailable"}
ENVIRONMENT = {
    "secret": "NEWSLETTER_SECRET",
    "suppression": "NEWSLETTER_SUPPRESSION",   # the suppressed.jsonl file the sends read
    "list_id": "NEWSLETTER_LIST_ID",           # as in NEWSLETTER['delivery']['smtp']['list_id']
}


class UnsubscribeApp:
    """The WSGI callable. ``list_id``: "Name <label>" or the bare label; the name is shown on the pages."""

    def __init__(self, suppression_path, secret, list_id):
        if not list_label(list_id):
            raise ConfigurationError(f"no list id: set {ENVIRONMENT['list_id']} to the list's id, as the letters' "
                                     "List-Id header has it (e.g. \"La lettre <lettre.example.org>\")")
        self.suppressed = SuppressionList(suppression_path, secret)
        self.secret = secret
        self.list_id = list_id
        self.list_name = list_id.rpartition("<")[0].strip().strip('"') if "<" in list_id else ""

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "HEAD", "POST"):
            return self._respond(start_response, 405, pages.language(None, environ.get("HTTP_ACCEPT_LANGUAGE")),
                                 "not_one_click", extra=[("Allow", "GET, HEAD, POST")])
        query = parse_qs(environ.get("QUERY_STRING", ""))
        token = (query.get("token") or [""])[0]
        try:
            allowed = verify(self.secret, self.list_id, token)
        except InvalidToken as why:
            logger.warning("unsubscribe: %s %s refused: %s", method, _path(environ), why)
            lang = pages.language(None, environ.get("HTTP_ACCEPT_LANGUAGE"))
            return self._respond(start_response, 400, lang, "invalid", head_only=method == "HEAD")
        lang = pages.language(allowed.lang)
        try:
            if method == "POST":
                return self._post(environ, start_response, allowed, lang)
            already = self.suppressed.has_digest(allowed.digest)
        except SuppressionError as error:
            logger.error("unsubscribe: %s", error)
            return self._respond(start_response, 503, lang, "unavailable", extra=[("Retry-After", "300")])
        return self._respond(start_response, 200, lang, "already" if already else "confirm",
                             with_button=not already, head_only=method == "HEAD")

    def _post(self, environ, start_response, allowed, lang):
        try:
            body = _body(environ)
        except ValueError:
            logger.warning("unsubscribe: POST body above %d bytes refused", MAX_BODY)
            return self._respond(start_response, 413, lang, "not_one_click")
        if ONE_CLICK not in _fields(environ.get("CONTENT_TYPE", ""), body):
            logger.warning("unsubscribe: POST without List-Unsubscribe=One-Click in its body; nothing changed")
            return self._respond(start_response, 400, lang, "not_one_click")
        added = self.suppressed.add_digest(allowed.digest, "unsubscribe")
        logger.info("unsubscribe: a %s reader %s", allowed.lang,
                    "left the list" if added else "already off the list (a replay or a second click)")
        return self._respond(start_response, 200, lang, "done" if added else "already")

    def _respond(self, start_response, status, lang, kind, with_button=False, head_only=False, extra=()):
        body = pages.page(lang, kind, self.list_name, with_button=with_button)
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                   ("Content-Language", lang),
                   ("Cache-Control", "no-store"),                 # a page per reader, never shared
                   ("Referrer-Policy", "no-referrer"),            # the token is in the address
                   ("X-Robots-Tag", "noindex"),
                   ("X-Content-Type-Options", "nosniff"),
                   ("Content-Security-Policy", pages.CONTENT_SECURITY_POLICY), *extra]
        start_response(STATUS[status], headers)
        return [] if head_only else [body]


def from_environment(environ=None):
    """The application with its settings from the environment; ConfigurationError names what is missing."""
    environ = os.environ if environ is None else environ
    secret = secret_from_environment(environ)
    path = environ.get(ENVIRONMENT["suppression"], "")
    if not path:
        raise ConfigurationError(f"{ENVIRONMENT['suppression']} is not set: give the path of the suppression list "
                                 "the sends read (suppressed.jsonl, in the folder beside the subscribers file)")
    return UnsubscribeApp(path, secret, environ.get(ENVIRONMENT["list_id"], ""))


def _body(environ):
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        if int(length) > MAX_BODY:
            raise ValueError("too large")
        return stream.read(int(length))
    body = stream.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise ValueError("too large")
    return body


def _fields(content_type, body):
    """The (name, value) pairs of a form body, urlencoded or multipart/form-data."""
    if content_type.lower().startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1")
                                                      + b"\r\n\r\n" + body)
        if not message.is_multipart():
            return set()
        return {(part.get_param("name", header="content-disposition") or "",
                 part.get_payload(decode=True).decode("utf-8", "replace").strip())
                for part in message.iter_parts()}
    text = body.decode("utf-8", "replace")
    return {(name, value) for name, values in parse_qs(text, keep_blank_values=True).items() for value in values}


def _path(environ):
    return environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
