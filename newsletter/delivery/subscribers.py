"""A small list of readers kept in a CSV file, for the SMTP backend.

    email,lang,consent_date
    claire@example.org,fr,2025-11-02
    tom@example.org,en,2026-01-15T09:12:00+00:00

Columns may come in any order and others (a name, a note) are ignored; a
spreadsheet's byte-order mark and semicolon separators are accepted. Every
bad row is reported at once, by file and line number, and nothing is sent
until the file is fixed. A row without a consent date is skipped with a
warning: nobody gets a letter they did not agree to. The same address may
appear once per language (a reader of both).

The file holds personal data: keep it out of the published site and out of
a public repository.
"""

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .errors import ConfigurationError

logger = logging.getLogger(__name__)

COLUMNS = ("email", "lang", "consent_date")
LANG = re.compile(r"^[a-z]{2,3}(?:[-_][a-z]{2,4})?$")
# Deliberately simple: one @, no spaces or characters that would need quoting in a header.
LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
MAX_LISTED = 20


class SubscriberListError(ConfigurationError):
    """The subscribers file cannot be used; the message lists every bad line."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    lang: str
    consent_date: date
    line: int = 0


def read_subscribers(path, without_consent=None):
    """Every reader of the file with a consent date, in file order; raises SubscriberListError.

    ``without_consent``: a list to which the rows skipped for want of a consent date are
    appended, as Subscriber with ``consent_date`` None (``invoke newsletter-subscribers`` counts them).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SubscriberListError(f"{path}: no such file (NEWSLETTER['delivery']['smtp']['subscribers'])") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriberListError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header, columns = _header(path, rows)
    problems, subscribers, seen = [], [], {}
    line = rows.line_num + 1
    for row in rows:
        start, line = line, rows.line_num + 1
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            problems.append(f"{path}:{start}: {len(row)} fields where the header has {len(header)} "
                            "(an unquoted comma?)")
            continue
        values = {name: row[index].strip() for name, index in columns.items()}
        try:
            address = normalise_address(values["email"])
        except ValueError as exc:
            problems.append(f"{path}:{start}: {exc}")
            continue
        lang = values["lang"].lower()
        if not LANG.match(lang):
            problems.append(f"{path}:{start}: language {values['lang']!r} is not a language code such as fr or en")
            continue
        if not values["consent_date"]:
            if without_consent is not None:
                without_consent.append(Subscriber(address, lang, None, start))
            logger.warning("%s:%d: %s has no consent date; skipped (nothing is sent without consent)", path,
                           start, address)
            continue
        try:
            consent = _consent_date(values["consent_date"])
        except ValueError as exc:
            problems.append(f"{path}:{start}: {exc}")
            continue
        previous = seen.get((address.lower(), lang))
        if previous:
            problems.append(f"{path}:{start}: {address} is already listed for {lang!r} on line {previous}")
            continue
        seen[(address.lower(), lang)] = start
        subscribers.append(Subscriber(address, lang, consent, start))
    if problems:
        listed = problems[:MAX_LISTED]
        if len(problems) > MAX_LISTED:
            listed.append(f"... and {len(problems) - MAX_LISTED} more")
        raise SubscriberListError(f"{path}: {len(problems)} bad line{'s' if len(problems) > 1 else ''}; fix "
                                  "them before sending:\n  " + "\n  ".join(listed))
    return subscribers


def readers(path, lang):
    """The readers of ``lang`` in the file."""
    return [subscriber for subscriber in read_subscribers(path) if subscriber.lang == lang.lower()]


def normalise_address(text):
    """The address as SMTP takes it (the domain in lower case and ASCII); ValueError when it is not one."""
    text = text.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"{text!r} is not an email address")
    if not LOCAL_PART.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError(f"{text!r} is not an email address (only plain ASCII before the @ can be sent)")
    try:
        domain = domain.lower().encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{text!r} is not an email address (bad domain)") from None
    if not DOMAIN.match(domain):
        raise ValueError(f"{text!r} is not an email address (bad domain)")
    return f"{local}@{domain}"


def read_rows(path):
    """The file as it is: (delimiter, header, [(email as written, row)]), for rewriting it without some readers."""
    text = Path(path).read_text(encoding="utf-8-sig")
    delimiter = _delimiter(text)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header, columns = _header(Path(path), rows)
    return delimiter, header, [(row[columns["email"]].strip() if len(row) > columns["email"] else "", row)
                               for row in rows]


def _delimiter(text):
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _header(path, rows):
    for header in rows:
        if any(field.strip() for field in header):
            break
    else:
        raise SubscriberListError(f"{path}: empty; the first line must name the columns {', '.join(COLUMNS)}")
    names = [field.strip().lower() for field in header]
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise SubscriberListError(f"{path}:{rows.line_num}: no column {', '.join(missing)}; the first line must "
                                  f"name the columns {', '.join(COLUMNS)} (found {', '.join(names)})")
    return header, {name: names.index(name) for name in COLUMNS}


def _consent_date(text):
    try:
        moment = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"consent date {text!r} is not a date such as 2026-01-31") from None
    if isinstance(moment, datetime):
        moment = (moment.astimezone(timezone.utc) if moment.tzinfo else moment).date()
    if moment > datetime.now(timezone.utc).date() + timedelta(days=1):  # a day's slack for time zones
        raise ValueError(f"consent date {text} is in the future")
    return moment
