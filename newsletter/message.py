"""The MIME message of a rendered issue: multipart/alternative, text then HTML, UTF-8."""

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid


def build_message(rendered, sender, reply_to=None, to="undisclosed-recipients:;", when=None, archive_url=None):
    """An EmailMessage ready to be written as .eml or handed to a delivery backend.

    ``sender`` and ``reply_to`` are {"name": ..., "email": ...} dicts; ``archive_url``, the
    newsletter's archive page in the issue's language, becomes List-Archive (RFC 2369), where
    a test send's unsubscribe link leads.
    """
    issue = rendered.issue
    message = EmailMessage(policy=SMTP)
    message["Subject"] = rendered.subject
    message["From"] = _address(sender)
    message["To"] = to
    if reply_to:
        message["Reply-To"] = _address(reply_to)
    message["Date"] = format_datetime(when or issue.date)
    domain = sender["email"].rpartition("@")[2]
    message["Message-ID"] = make_msgid(idstring=issue.key, domain=domain)
    if archive_url:
        message["List-Archive"] = f"<{archive_url}>"
    message.set_content(rendered.text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = issue.lang  # after set_content, which drops every Content-* header
    return message


def _address(person):
    username, _, domain = person["email"].partition("@")
    return Address(display_name=person.get("name", ""), username=username, domain=domain)
