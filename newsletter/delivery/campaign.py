"""What a backend delivers: one issue in one language, read back from the outbox's .eml."""

import dataclasses
import email
import hashlib
import html as markup
import re
from dataclasses import dataclass, field
from email import policy
from email.message import MIMEPart
from pathlib import Path

UNSUBSCRIBE_PLACEHOLDER = "[[UNSUBSCRIBE_URL]]"   # NEWSLETTER['unsubscribe_placeholder']'s default
KEY_PATTERN = re.compile(r"^issue-(\d+)-([a-z]{2,3}(?:[-_][A-Za-z]{2,4})?)$")
TEST_PREFIX = "[TEST] "


@dataclass(frozen=True)
class Campaign:
    key: str            # "issue-5-fr": also the name or tag the provider's campaign carries
    number: int
    lang: str
    subject: str
    html: str
    text: str
    sender: str = ""    # "Name <address>", as in the message's From
    reply_to: str = ""
    source: str = ""    # the .eml it was read from, for messages
    placeholder: str = UNSUBSCRIBE_PLACEHOLDER   # where each reader's unsubscribe address goes
    message: object = field(default=None, compare=False, repr=False)  # the outbox's EmailMessage
    archive_url: str = ""   # the newsletter's archive page in the language (List-Archive)

    @property
    def content_hash(self):
        """Changes whenever what a reader would get changes."""
        digest = hashlib.sha256()
        for part in (self.subject, self.html, self.text, self.sender, self.reply_to):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        return "sha256:" + digest.hexdigest()

    def as_test(self):
        """The campaign as a test shows it: "[TEST]" before the subject, and the unsubscribe link
        leading to the archive page (a test's reader has no subscription to end)."""
        if not self.archive_url:
            raise OutboxError(f"{self.source or self.key}: no List-Archive header, so a test's unsubscribe link "
                              "would lead nowhere; rebuild the outbox (make publish) before sending a test")
        subject = TEST_PREFIX + self.subject
        html = self.html.replace(self.placeholder, markup.escape(self.archive_url))
        text = self.text.replace(self.placeholder, self.archive_url)
        message = None
        if self.message is not None:
            message = email.message_from_bytes(self.message.as_bytes(), policy=policy.default)
            message.replace_header("Subject", subject)
            replace_in_parts(message, self.placeholder, self.archive_url)
        return dataclasses.replace(self, subject=subject, html=html, text=text, message=message)

    def with_unsubscribe(self, replacement, html=None, text=None):
        """The HTML and text (by default the campaign's) with the unsubscribe placeholder replaced."""
        html = self.html if html is None else html
        text = self.text if text is None else text
        return html.replace(self.placeholder, replacement), text.replace(self.placeholder, replacement)


class OutboxError(ValueError):
    """An outbox file is not an issue's email; the message names the file."""


def read_outbox(folder, placeholder=UNSUBSCRIBE_PLACEHOLDER):
    """Every campaign of the outbox folder, ordered by issue number then language."""
    folder = Path(folder)
    if not folder.is_dir():
        raise OutboxError(f"{folder}/ does not exist: build first (make publish) to render the newsletter")
    campaigns = [read_campaign(path, placeholder) for path in folder.glob("issue-*.eml")]
    return sorted(campaigns, key=lambda campaign: (campaign.number, campaign.lang))


def read_campaign(path, placeholder=UNSUBSCRIBE_PLACEHOLDER):
    path = Path(path)
    match = KEY_PATTERN.match(path.stem)
    if not match:
        raise OutboxError(f"{path}: the name must be issue-<number>-<lang>.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    if html_part is None or text_part is None or not message["Subject"]:
        raise OutboxError(f"{path}: not a multipart/alternative email with subject, text and HTML; "
                          "rebuild it with make publish")
    return Campaign(
        key=path.stem, number=int(match.group(1)), lang=match.group(2), subject=str(message["Subject"]),
        html=html_part.get_content(), text=text_part.get_content(), sender=str(message["From"] or ""),
        reply_to=str(message["Reply-To"] or ""), source=str(path), placeholder=placeholder, message=message,
        archive_url=str(message["List-Archive"] or "").strip().strip("<>"),
    )


def replace_in_parts(message, placeholder, url):
    """``placeholder`` becomes ``url`` in every text part (escaped in HTML)."""
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        content = part.get_content()
        if placeholder not in content:
            continue
        subtype = part.get_content_subtype()
        content = content.replace(placeholder, markup.escape(url) if subtype == "html" else url)
        MIMEPart.set_content(part, content, subtype=subtype, charset="utf-8", cte="quoted-printable")
