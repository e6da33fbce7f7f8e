"""Revue's export (Revue closed in January 2023; its last exports are what remains):
``issues_<n>.csv`` (subject, the intro as HTML in ``description``, ``sent_at``),
``items_<n>.json`` (each issue's blocks, by ``order``) and ``subscribers_<n>.csv``;
a folder or its zip.

Each issue sent becomes a numbered issue (in the order it was sent), marked
``Sent-By: revue <day>`` so the site archives it but never sends it again; an issue
without ``sent_at`` is a draft. Revue gave newsletters no domain of their own, so there
is no old address to redirect. Every subscriber row was receiving: all are subscribed.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from bs4 import BeautifulSoup

from importers.html_markdown import to_markdown
from importers.model import Export, FormatError, Item, ReadOptions, Skipped

from ._newsletter_export import (ExportFiles, ImageNames, first_sentence, local_images_in_html, log_counts,
                                 parse_date, read_csv, read_json, slugify, subscriber)

FORMAT = "revue"

logger = logging.getLogger(__name__)

ISSUE_FILES = ("issues_*.csv", "issues.csv")
ISSUE_COLUMNS = {"id", "subject", "description", "sent_at"}
ITEM_FIELDS = {"issue_id", "order", "item_type"}
READER_COLUMNS = {"email", "created_at"}


def read(source: Path, options: ReadOptions) -> Export:
    export = Export(format=FORMAT, path=Path(source))
    with ExportFiles(Path(source), ISSUE_FILES) as files:
        issues = [row for name in _names(files, ISSUE_FILES) for row in _issue_rows(files, name)]
        blocks = _items_by_issue(files)
        export.subscribers = _readers(files, options)
    images = ImageNames(FORMAT)
    dated = [(row, _sent_date(row, options)) for row in issues]
    sent = sorted((pair for pair in dated if pair[1] is not None), key=lambda pair: (pair[1], _number(pair[0])))
    drafts = sorted((pair for pair in dated if pair[1] is None), key=lambda pair: _number(pair[0]))
    newest = sent[-1][1] if sent else None  # a draft has no date of its own: it takes the newest issue's
    for number, (row, date) in enumerate(sent + drafts, start=1):
        export.items.append(_item(row, number, date or newest, blocks.get(row["id"], []), options, images, export))
    log_counts(export)
    return export


def _names(files, patterns):
    return sorted({name for pattern in patterns for name in files.matching(pattern)})


def _issue_rows(files, name):
    rows = read_csv(files, name, ISSUE_COLUMNS)
    for row in rows:
        row["_file"] = files.path(name)
    return rows


def _sent_date(row, options):
    if not row["sent_at"]:
        return None
    return parse_date(row["sent_at"], row["_file"], f"issue {row['id']}", options.site_timezone)


def _number(row):
    return int(row["id"]) if row["id"].isdigit() else 0


def _items_by_issue(files):
    """issue id -> its blocks in ``order``, from every items_<n>.json."""
    blocks = {}
    for name in files.matching("items_*.json") + files.matching("items.json"):
        data = read_json(files, name)
        if not isinstance(data, list) or any(not isinstance(entry, dict) or not ITEM_FIELDS <= entry.keys()
                                             for entry in data):
            raise FormatError(files.path(name), "not Revue's items: expected a list of objects with "
                              f"{', '.join(sorted(ITEM_FIELDS))}")
        for entry in data:
            blocks.setdefault(str(entry["issue_id"]), []).append(entry)
    for entries in blocks.values():
        entries.sort(key=lambda entry: _order(entry["order"]))
    return blocks


def _order(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _item(row, number, date, blocks, options, images, export):
    if date is None:
        raise FormatError(row["_file"], f"issue {row['id']}: no sent_at, and no sent issue to date it by")
    source_id = f"{FORMAT}:{row['id']}"
    parts = [row["description"]] + [_block_html(block, source_id, export) for block in blocks]
    soup = BeautifulSoup("\n".join(part for part in parts if part), "html.parser")
    media = []
    local_images_in_html(soup, images, media)
    title = html.unescape(row["subject"]).strip()
    item = Item(kind="issue", source_id=source_id, title=title, date=date, lang=options.lang,
                slug=slugify(title), body=to_markdown(str(soup)), media=media,
                status="published" if row["sent_at"] else "draft")
    item.metadata["Issue"] = str(number)
    preheader = (row.get("preheader") or "").strip() or first_sentence(row["description"])
    if preheader:
        item.metadata["Preheader"] = preheader
    if row["sent_at"]:
        # Sent by Revue: archived on the site, never rendered into the outbox again.
        item.metadata["Sent-By"] = f"{FORMAT} {date:%Y-%m-%d}"
    return item


def _block_html(block, source_id, export):
    """One Revue block as HTML: header → h2, text → its paragraphs, image → figure with its
    caption, link → the title linked and its description, tweet or video → a lone link."""
    kind = str(block.get("item_type") or "").lower()
    title = html.escape(str(block.get("title") or "").strip())
    description = str(block.get("description") or "").strip()
    url = html.escape(str(block.get("url") or "").strip(), quote=True)
    image = html.escape(str(block.get("image") or "").strip(), quote=True)
    if kind == "header":
        return f"<h2>{title}</h2>" if title else ""
    if kind == "text":
        return _as_html(description)
    if kind == "image" and image:
        return _figure(image, description, title)
    if kind == "link" and url:
        return f'<p><strong><a href="{url}">{title or url}</a></strong></p>' + _as_html(description)
    if kind in ("tweet", "video") and url:
        return f'<p><a href="{url}">{url}</a></p>'
    export.skipped.append(Skipped(f"{source_id}#{block.get('order')}", kind or "block",
                                  "a Revue block without the url or image it needs, or of an unknown type"))
    return ""


def _as_html(description):
    """A block's description: HTML as Revue stored it, or plain text made a paragraph."""
    if not description or description.lstrip().startswith("<"):
        return description
    return f"<p>{html.escape(description)}</p>"


def _figure(image, description, title):
    """An image block: a figure with its description as caption, or a plain image without one."""
    caption = _without_paragraph(_as_html(description))
    alt = html.escape(" ".join(BeautifulSoup(description, "html.parser").get_text().split()) or title, quote=True)
    if not caption:
        return f'<p><img src="{image}" alt="{alt}"></p>'
    return f'<figure><img src="{image}" alt="{alt}"><figcaption>{caption}</figcaption></figure>'


def _without_paragraph(fragment):
    """A caption's HTML without the <p> Revue wrapped it in (a figcaption holds phrasing)."""
    soup = BeautifulSoup(fragment, "html.parser")
    for paragraph in soup.find_all("p"):
        paragraph.unwrap()
    return str(soup).strip()


def _readers(files, options):
    readers = []
    for name in files.matching("subscribers_*.csv") + files.matching("subscribers.csv"):
        for row in read_csv(files, name, READER_COLUMNS):
            if not row["email"]:
                continue
            consent = parse_date(row["created_at"], files.path(name), "a subscriber's created_at",
                                 options.site_timezone) if row["created_at"] else None
            readers.append(subscriber(row, "email", options.lang, consent, FORMAT, "subscribed"))
    return readers
