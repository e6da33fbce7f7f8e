"""What one message of the list's mailbox is, and which readers it concerns.

- An **unsubscribe request**: what a mail client sends for the letters'
  List-Unsubscribe mailto (``?subject=unsubscribe``, see the SMTP backend):
  the subject, or the first line of the text, is the word "unsubscribe"
  (a "Re:" or "Fwd:" before it is allowed). The reader is the From address.
- A **delivery status notification** (RFC 3464): ``multipart/report;
  report-type=delivery-status`` with a ``message/delivery-status`` part, one
  block per recipient. ``Action: failed`` with a 5.x.x ``Status`` is a hard
  bounce; a 4.x.x status (failed after the relay's retries, or ``delayed``)
  a soft one. ``Original-Recipient`` names the address as it was sent to,
  else ``Final-Recipient``.
- An **abuse report** (ARF, RFC 5965): ``multipart/report;
  report-type=feedback-report`` with a ``message/feedback-report`` part. The
  reader is its ``Original-Rcpt-To`` (or ``Removal-Recipient``), else the
  ``To`` of the returned message. ``Feedback-Type: not-spam`` asks nothing.

A report that says it is one of these but cannot be read (no status part,
no recipient, a status that is not x.y.z) is **malformed**: it is left where
it is and listed, with why. Anything else is not the list's business and is
left alone.
"""

import email
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr

logger = logging.getLogger(__name__)

UNSUBSCRIBE = "unsubscribe"
BOUNCE = "bounce"                 # the suppression list's reasons
SOFT_BOUNCE = "soft-bounce"
COMPLAINT = "complaint"
NOTICE = "notice"                 # a report that asks nothing (delivered, relayed, not-spam)
MALFORMED = "malformed"
UNRELATED = "unrelated"

# "Re: ", "Fwd: ", "TR: ", "AW: "… before the word, as mail clients add them.
REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|tr|aw|wg|sv|vs)\s*:\s*)*", re.IGNORECASE)
UNSUBSCRIBE_WORD = re.compile(r"^unsubscribe\b", re.IGNORECASE)
STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})(?!\S)")
ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass
class Finding:
    """One message's meaning. ``readers``: (address, reason) pairs; ``why``: for a malformed report."""

    kind: str
    readers: list = field(default_factory=list)
    why: str = ""
    # What a soft bounce is counted by: the returned message's Message-ID, so that a relay's
    # "still trying" and its final "gave up" for one letter count once.
    original_id: str = ""


def parse(raw):
    """The message of ``raw`` bytes (any line ends)."""
    return email.message_from_bytes(raw, policy=policy.default)


def classify(message):
    """The Finding of an ``email.message.EmailMessage``."""
    if message.get_content_type() == "multipart/report":
        report_type = (message.get_param("report-type") or "").lower()
        if report_type == "delivery-status":
            return _delivery_status(message)
        if report_type == "feedback-report":
            return _feedback_report(message)
    if _asks_to_unsubscribe(message):
        address = _address(str(message.get("From", "")))
        if not address:
            return Finding(MALFORMED, why="an unsubscribe request without a From address")
        return Finding(UNSUBSCRIBE, [(address, UNSUBSCRIBE)])
    return Finding(UNRELATED)


def describe(message):
    """A short way to name a message in a line: its date and subject, never an address."""
    subject = " ".join(str(message.get("Subject", "") or "(no subject)").split())[:80]
    return f"«{subject}» of {message.get('Date', 'no date')}"


def fingerprint(raw):
    """The same message fetched twice has the same bytes, so the same fingerprint."""
    return hashlib.sha256(raw).hexdigest()[:32]


# Unsubscribe requests.

def _asks_to_unsubscribe(message):
    subject = REPLY_PREFIX.sub("", str(message.get("Subject", "") or ""))
    if UNSUBSCRIBE_WORD.match(subject.strip()):
        return True
    return UNSUBSCRIBE_WORD.match(_first_line(message)) is not None


def _first_line(message):
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    try:
        text = body.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken transfer encoding
        return ""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


# RFC 3464 delivery status notifications.

def _delivery_status(message):
    part = _part(message, "message/delivery-status")
    if part is None:
        return Finding(MALFORMED, why="a delivery report without its message/delivery-status part")
    blocks = _status_blocks(part)
    recipients = blocks[1:]  # the first block is about the message, the others one per recipient
    if not recipients:
        return Finding(MALFORMED, why="a delivery report that names no recipient (no Final-Recipient block)")
    readers = []
    for block in recipients:
        address = _recipient(block.get("Original-Recipient")) or _recipient(block.get("Final-Recipient"))
        action = str(block.get("Action", "")).strip().lower()
        status = STATUS.match(str(block.get("Status", "")))
        if not address or not action or not status:
            missing = [name for name, value in (("Final-Recipient", address), ("Action", action),
                                                ("Status", status)) if not value]
            return Finding(MALFORMED, why=f"a delivery report whose recipient block lacks a readable "
                                          f"{', '.join(missing)}")
        if action == "failed" and status.group(1) == "5":
            readers.append((address, BOUNCE))
        elif action in ("failed", "delayed") and status.group(1) == "4":
            readers.append((address, SOFT_BOUNCE))
    if not readers:
        return Finding(NOTICE)
    return Finding(BOUNCE if any(reason == BOUNCE for _, reason in readers) else SOFT_BOUNCE, readers,
                   original_id=_returned_message_id(message))


def _status_blocks(part):
    """The header blocks of a message/delivery-status part (the email package parses it into a list)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload
    # Sent as text (a relay that base64-encodes it, say): read the blocks by hand.
    text = part.get_payload(decode=True) or b""
    chunks = re.split(r"\r?\n\s*\r?\n", text.decode("utf-8", "replace").strip())
    return [HeaderParser(policy=policy.default).parsestr(chunk + "\n") for chunk in chunks if chunk.strip()]


def _recipient(value):
    """The address of "rfc822; claire@example.org" (the type is required; only rfc822 is an address)."""
    if value is None:
        return ""
    kind, _, address = str(value).partition(";")
    if kind.strip().lower() != "rfc822":
        return ""
    address = address.strip().strip("<>").strip()
    return address if ADDRESS.match(address) else ""


def _returned_message_id(message):
    headers = _returned_headers(message)
    return str(headers.get("Message-ID", "")).strip() if headers is not None else ""


# RFC 5965 abuse reports.

def _feedback_report(message):
    part = _part(message, "message/feedback-report")
    if part is None:
        return Finding(MALFORMED, why="an abuse report without its message/feedback-report part")
    fields = part.get_payload(0) if part.is_multipart() else HeaderParser(policy=policy.default).parsestr(
        part.get_payload())
    feedback_type = str(fields.get("Feedback-Type", "")).strip().lower()
    if not feedback_type:
        return Finding(MALFORMED, why="an abuse report without Feedback-Type")
    if feedback_type == "not-spam":
        return Finding(NOTICE)
    address = _bare(fields.get("Original-Rcpt-To")) or _bare(fields.get("Removal-Recipient"))
    if not address:
        headers = _returned_headers(message)
        address = _address(str(headers.get("To", ""))) if headers is not None else ""
    if not address:
        return Finding(MALFORMED, why="an abuse report that does not say who complained (no Original-Rcpt-To, "
                                      "the returned message's To removed)")
    return Finding(COMPLAINT, [(address, COMPLAINT)])


def _returned_headers(message):
    """The headers of the message a report returns (message/rfc822 or text/rfc822-headers), or None."""
    for part in message.iter_parts():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            inner = part.get_payload(0) if part.is_multipart() else None
            if inner is not None:
                return inner
        if content_type in ("text/rfc822-headers", "message/global-headers"):
            return HeaderParser(policy=policy.default).parsestr(part.get_content())
    return None


# Helpers.

def _part(message, content_type):
    return next((part for part in message.walk() if part.get_content_type() == content_type), None)


def _bare(value):
    address = parseaddr(str(value or ""))[1]
    return address if ADDRESS.match(address) else ""


def _address(header):
    addresses = [address for _, address in getaddresses([header]) if ADDRESS.match(address)]
    return addresses[0] if addresses else ""
