"""Signed unsubscribe tokens: who may leave which list, without the address in the link.

A token is three dot-separated fields, URL-safe as they are:

    fr.<reader>.<signature>

- the reader's language (the confirmation page speaks it);
- the reader: their HMAC in the suppression list (``SuppressionList.digest``),
  base64url, so the endpoint can add them without ever knowing the address,
  and the address never reaches a web server's access log;
- the signature: HMAC-SHA256 over the list's id, the language and the reader,
  with a key derived from ``NEWSLETTER_SECRET``, cut to 128 bits.

Without the secret nobody can make a token for another reader or another
list; a token cut short or altered does not verify.
"""

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from ..delivery.suppression import address_digest, derived_key

LANG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
SIGNATURE_BYTES = 16
LIST_LABEL = re.compile(r"<([^<>]+)>\s*$")


class InvalidToken(ValueError):
    """The token is missing, cut short or altered; the message says which, for a log line."""


@dataclass(frozen=True)
class Unsubscribe:
    """What a verified token allows: the reader (by HMAC, hex) leaving ``list_label``, in ``lang``."""

    lang: str
    digest: str
    list_label: str


def list_label(list_id):
    """The list's id as RFC 2919 writes it inside the brackets: "La lettre <lettre.example.org>" -> lettre.example.org."""
    list_id = (list_id or "").strip()
    match = LIST_LABEL.search(list_id)
    return (match.group(1) if match else list_id).strip().lower()


def make_token(secret, list_id, lang, address):
    """The token for ``address`` leaving ``list_id``; ``secret`` as for the suppression list."""
    return token_for_digest(secret, list_id, lang, address_digest(secret, address))


def token_for_digest(secret, list_id, lang, digest):
    lang = lang.lower()
    if not LANG.match(lang):
        raise ValueError(f"language {lang!r} is not a language code such as fr or en")
    reader = _b64(bytes.fromhex(digest))
    return f"{lang}.{reader}.{_b64(_signature(secret, list_label(list_id), lang, reader))}"


def verify(secret, list_id, token):
    """The Unsubscribe a token allows; raises InvalidToken (with why) otherwise."""
    if not token:
        raise InvalidToken("no token")
    fields = token.strip().split(".")
    if len(fields) != 3:
        raise InvalidToken(f"a token has 3 fields, this one {len(fields)} (cut short?)")
    lang, reader, signature = fields
    if not LANG.match(lang):
        raise InvalidToken("no language in the token")
    try:
        digest, given = _unb64(reader), _unb64(signature)
    except (binascii.Error, ValueError):
        raise InvalidToken("the token is not base64url (cut short or altered?)") from None
    if len(digest) != hashlib.sha256().digest_size or len(given) != SIGNATURE_BYTES:
        raise InvalidToken("the token is too short (cut short by a mail client?)")
    label = list_label(list_id)
    if not hmac.compare_digest(given, _signature(secret, label, lang, reader)):
        raise InvalidToken("the signature does not match (altered, or made for another list or secret)")
    return Unsubscribe(lang=lang, digest=digest.hex(), list_label=label)


def _signature(secret, label, lang, reader):
    message = f"{label}\n{lang}\n{reader}".encode("utf-8")
    return hmac.new(derived_key(secret, "unsubscribe-token"), message, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text):
    if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
