"""Buttondown's export (Settings → Exports): ``emails.csv`` (or ``emails.json``), one
``emails/<slug>.md`` per email, and ``subscribers.csv``; a folder or its zip.

An email's file starts with ``<!-- buttondown-editor-mode: fancy -->`` when it was written
in the visual editor (HTML, converted here to Markdown) or ``plaintext`` (already
Markdown). Each email sent becomes issue ``secondary_id`` (else its rank in the order
sent), marked ``Sent-By: buttondown <day>`` so the site archives it but never sends it
again; drafts and scheduled emails stay drafts. Old address: ``/archive/<slug>/``.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime, timezone
from pathlib import Path

from bs4 import BeautifulSoup

from importers.html_markdown import to_markdown
from importers.model import Export, FormatError, Item, ReadOptions, Skipped

from ._newsletter_export import (ExportFiles, ImageNames, local_images_in_html, local_images_in_markdown,
                                 log_counts, parse_date, read_csv, read_json, slugify, subscriber)

FORMAT = "buttondown"

logger = logging.getLogger(__name__)

EMAIL_FILES = ("emails.csv", "emails.json")
EMAIL_FIELDS = {"id", "subject", "publish_date", "slug"}
READER_COLUMNS = {"email", "creation_date"}
NOT_SENT = {"draft", "scheduled", "paused", "about_to_send", "in_flight", "managed_by_rss", "deleted"}
EDITOR_MODE = re.compile(r"^\s*<!--\s*buttondown-editor-mode:\s*([\w-]+)\s*-->\s*\n?")
# Buttondown's subscriber types (its API's enums): not yet confirmed, never to be mailed, else subscribed.
UNCONFIRMED = {"unactivated"}
NEVER_MAIL = {"unsubscribed", "removed", "blocked", "complained", "undeliverable", "spammy"}


def read(source: Path, options: ReadOptions) -> Export:
    export = Export(format=FORMAT, path=Path(source))
    with ExportFiles(Path(source), EMAIL_FILES) as files:
        rows, listing = _email_rows(files)
        images = ImageNames(FORMAT)
        for row, number in _numbered(rows, files.path(listing), options):
            item = _item(row, number, files, options, images, export)
            if item is not None:
                export.items.append(item)
        export.subscribers = _readers(files, options)
    log_counts(export)
    return export


def _email_rows(files):
    if files.exists("emails.csv"):
        return read_csv(files, "emails.csv", EMAIL_FIELDS), "emails.csv"
    data = read_json(files, "emails.json")
    rows = data.get("results", data) if isinstance(data, dict) else data
    if not isinstance(rows, list) or any(not isinstance(row, dict) or not EMAIL_FIELDS <= row.keys() for row in rows):
        raise FormatError(files.path("emails.json"), "not Buttondown's emails: expected a list of objects with "
                          f"{', '.join(sorted(EMAIL_FIELDS))}")
    return [{key: "" if value is None else str(value) for key, value in row.items()} for row in rows], "emails.json"


def _numbered(rows, path, options):
    """Each row with its date and issue number: secondary_id when Buttondown gave one, else the rank
    in the order sent (after the numbers already taken); drafts after the emails sent."""
    dated = []
    for row in rows:
        row["_date"] = parse_date(row["publish_date"], path, f"email {row['id']}", options.site_timezone) \
            if row["publish_date"] else None
        row["_sent"] = row["_date"] is not None and row.get("status", "sent").strip().lower() not in NOT_SENT
        dated.append(row)
    order = sorted(dated, key=lambda row: (not row["_sent"], row["_date"] or _far_future(row), row["id"]))
    # A draft has no publish date: it takes its creation date, else the newest email's.
    newest = max((row["_date"] for row in dated if row["_date"]), default=None)
    for row in dated:
        if row["_date"] is None and row.get("creation_date"):
            row["_date"] = parse_date(row["creation_date"], path, f"email {row['id']}", options.site_timezone)
        row["_date"] = row["_date"] or newest
    taken = {int(row["secondary_id"]) for row in order if row.get("secondary_id", "").isdigit()}
    numbered, next_free = [], 1
    for row in order:
        if row.get("secondary_id", "").isdigit():
            numbered.append((row, int(row["secondary_id"])))
            continue
        while next_free in taken:
            next_free += 1
        taken.add(next_free)
        numbered.append((row, next_free))
    return numbered


def _far_future(row):
    return datetime.max.replace(tzinfo=timezone.utc)  # a draft without a date sorts last


def _item(row, number, files, options, images, export):
    source_id = f"{FORMAT}:{row['id']}"
    slug = row["slug"] or slugify(row["subject"])
    name = f"emails/{row['slug']}.md"
    if not files.exists(name):
        export.skipped.append(Skipped(source_id, "issue", f"{name} is not in the export"))
        return None
    if row["_date"] is None:
        export.skipped.append(Skipped(source_id, "issue", "a draft with no date at all"))
        return None
    media = []
    item = Item(kind="issue", source_id=source_id, title=html.unescape(row["subject"]).strip(), date=row["_date"],
                lang=options.lang, slug=slug, body=_body(files.read_text(name), images, media),
                media=media, status="published" if row["_sent"] else "draft")
    item.metadata["Issue"] = str(number)
    preheader = " ".join((row.get("description") or "").split())
    if preheader:
        item.metadata["Preheader"] = preheader
    if row["_sent"]:
        # Sent by Buttondown: archived on the site, never rendered into the outbox again.
        item.metadata["Sent-By"] = f"{FORMAT} {item.date:%Y-%m-%d}"
        item.old_urls.append(f"/archive/{slug}/")
    return item


def _language(row, options):
    """Buttondown has no language field; a reader who signed up from a page under /en/ reads English."""
    return "en" if "/en/" in (row.get("referrer_url") or "") else options.lang


def _body(text, images, media):
    mode = EDITOR_MODE.match(text)
    body = text[mode.end():] if mode else text
    if mode and mode.group(1).lower() == "fancy":
        soup = BeautifulSoup(body, "html.parser")
        local_images_in_html(soup, images, media)
        return to_markdown(str(soup))
    return local_images_in_markdown(body.strip() + "\n", images, media)


def _readers(files, options):
    readers = []
    for name in files.matching("*subscribers*.csv"):
        # An "unsubscribers" file lists only people who left, type or not.
        default = "unsubscribed" if "unsubscribers" in name else "regular"
        for row in read_csv(files, name, READER_COLUMNS):
            if not row["email"]:
                continue
            status = _status(row.get("subscriber_type") or default)
            when = row.get("subscription_date") or row["creation_date"]
            consent = parse_date(when, files.path(name), "a subscriber's date", options.site_timezone) if when else None
            readers.append(subscriber(row, "email", _language(row, options), consent, FORMAT, status))
    return readers


def _status(subscriber_type):
    kind = subscriber_type.strip().lower()
    if kind in UNCONFIRMED:
        return "unconfirmed"
    return "unsubscribed" if kind in NEVER_MAIL else "subscribed"
