"""Substack's export (Settings → Exports): ``posts.csv``, one ``posts/<post_id>.html`` per post,
and the readers in ``email_list.<publication>.csv``; a folder or its zip.

Each newsletter sent becomes a numbered issue (in the order it was sent), marked
``Sent-By: substack <day>`` so the site archives it but never sends it again; posts never
emailed are drafts; pages stay pages; podcast episodes and threads are listed, not imported.
The HTML is cleaned of Substack's markup (image proxies, captioned image blocks, buttons,
subscribe widgets, footnotes) before it becomes Markdown. Per-post ``*.delivers.csv`` and
``*.opens.csv`` (who received and opened what) are left alone.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

from bs4 import BeautifulSoup

from importers.html_markdown import to_markdown
from importers.model import Export, FormatError, Item, ReadOptions, Skipped

from ._newsletter_export import (ExportFiles, ImageNames, is_true, local_images_in_html, log_counts,
                                 parse_date, read_csv, subscriber)

FORMAT = "substack"

logger = logging.getLogger(__name__)

POSTS = "posts.csv"
POST_COLUMNS = {"post_id", "post_date", "is_published", "email_sent_at", "type", "title", "subtitle"}
READER_COLUMNS = {"email", "email_disabled", "created_at"}
NOT_IMPORTED = {"podcast": "a podcast episode (its audio stays on Substack)",
                "thread": "a discussion thread (comments only, no text of its own)"}
# Placed where a footnote is called, swapped for [^n] once the text is Markdown
# (letters only, so the converter leaves it as it is).
FOOTNOTE_TOKEN = "SUBSTACKFOOTNOTE{}CALL"


def read(source: Path, options: ReadOptions) -> Export:
    export = Export(format=FORMAT, path=Path(source))
    with ExportFiles(Path(source), (POSTS,)) as files:
        rows = read_csv(files, POSTS, POST_COLUMNS)
        numbers = issue_numbers(rows, files, options)
        images = ImageNames(FORMAT)
        for row in rows:
            item = _item(row, numbers, files, options, images, export)
            if item is not None:
                export.items.append(item)
        export.subscribers = _readers(files, options)
    log_counts(export)
    return export


def issue_numbers(rows, files, options):
    """post_id -> issue number: the newsletters emailed, in the order they went out, then the
    drafts after them (a draft sent later takes the next number)."""
    newsletters = [row for row in rows if row["type"].strip().lower() in ("newsletter", "")]
    sent = [row for row in newsletters if _was_sent(row)]
    drafts = [row for row in newsletters if not _was_sent(row)]
    sent.sort(key=lambda row: (parse_date(row["email_sent_at"], files.path(POSTS), f"post {row['post_id']}",
                                          options.site_timezone), _post_number(row)))
    drafts.sort(key=_post_number)
    return {row["post_id"]: number for number, row in enumerate(sent + drafts, start=1)}


def _was_sent(row):
    return is_true(row["is_published"]) and bool(row["email_sent_at"].strip())


def _post_number(row):
    number = row["post_id"].partition(".")[0]
    return int(number) if number.isdigit() else 0


def _item(row, numbers, files, options, images, export):
    post_id, kind = row["post_id"], row["type"].strip().lower() or "newsletter"
    source_id = f"{FORMAT}:{post_id}"
    if kind in NOT_IMPORTED:
        export.skipped.append(Skipped(source_id, kind, f"{NOT_IMPORTED[kind]}: not imported"))
        return None
    if kind not in ("newsletter", "page"):
        export.skipped.append(Skipped(source_id, kind, f"a post of type {kind!r}, which the importer does not know"))
        return None
    name = f"posts/{post_id}.html"
    if not files.exists(name):
        export.skipped.append(Skipped(source_id, "post", f"{name} is not in the export (Substack leaves some out)"))
        return None
    slug = post_id.partition(".")[2] or post_id
    body, media = clean_body(files.read_text(name), images, export.skipped, source_id)
    sent = _was_sent(row)
    date_text = (row["email_sent_at"] if sent else "") or row["post_date"]
    if not date_text:
        raise FormatError(files.path(POSTS), f"post {post_id}: no post_date")
    date = parse_date(date_text, files.path(POSTS), f"post {post_id}", options.site_timezone)
    item = Item(kind="page" if kind == "page" else "issue", source_id=source_id, title=html.unescape(row["title"]),
                date=date, lang=options.lang, slug=slug, body=body, media=media,
                status="published" if (sent or (kind == "page" and is_true(row["is_published"]))) else "draft")
    if kind == "newsletter":
        _issue_fields(item, row, numbers[post_id], sent)
    return item


def _issue_fields(item, row, number, sent):
    item.metadata["Issue"] = str(number)
    preheader = " ".join(html.unescape(row["subtitle"]).split())
    if preheader:
        item.metadata["Preheader"] = preheader
    if sent:
        # Sent by Substack: archived on the site, never rendered into the outbox again.
        item.metadata["Sent-By"] = f"{FORMAT} {item.date:%Y-%m-%d}"
        item.old_urls.append(f"/p/{item.slug}")


def clean_body(text, images, skipped, source_id):
    """A post's HTML without Substack's markup, as Markdown; and the images it shows."""
    soup = BeautifulSoup(text, "html.parser")
    _drop_widgets(soup)
    _captioned_images(soup)
    _buttons(soup, skipped, source_id)
    notes = _footnotes(soup)
    media = []
    local_images_in_html(soup, images, media)
    markdown = to_markdown(str(soup))
    for number in notes:
        markdown = markdown.replace(FOOTNOTE_TOKEN.format(number), f"[^{number}]")
    if notes:
        markdown = markdown.rstrip("\n") + "\n\n" + "\n".join(
            f"[^{number}]: {note}" for number, note in notes.items()) + "\n"
    return markdown, media


def _drop_widgets(soup):
    """Substack's subscribe and share boxes are forms bound to Substack: the site has its own."""
    for widget in soup.select(".subscription-widget-wrap, .subscription-widget-wrap-editor, .share-dialog"):
        widget.decompose()


def _captioned_images(soup):
    """Substack's image block (link, picture, sources, expand icon, caption) → <figure> with
    its caption, or a plain image when it has none."""
    for container in soup.select("div.captioned-image-container"):
        image = container.find("img")
        if image is None:
            container.decompose()
            continue
        new_image = soup.new_tag("img", src=image.get("src", ""), alt=image.get("alt") or "")
        caption = container.find("figcaption")
        if caption is not None and caption.get_text(strip=True):
            figure = soup.new_tag("figure")
            figure.append(new_image)
            figcaption = soup.new_tag("figcaption")
            figcaption.extend(list(caption.contents))
            figure.append(figcaption)
            container.replace_with(figure)
        else:
            paragraph = soup.new_tag("p")
            paragraph.append(new_image)
            container.replace_with(paragraph)


def _buttons(soup, skipped, source_id):
    """A Substack button → a plain link; one pointing at a Substack placeholder (%%checkout_url%%,
    the subscribe or share page) means nothing on the site: dropped and listed."""
    for wrapper in soup.select(".button-wrapper"):
        link = wrapper.find("a")
        href = link.get("href", "") if link is not None else ""
        text = " ".join((link or wrapper).get_text(" ").split())
        if not href or "%%" in href:
            skipped.append(Skipped(source_id, "button", f"the button {text!r} points at a Substack page"))
            wrapper.decompose()
            continue
        paragraph = soup.new_tag("p")
        anchor = soup.new_tag("a", href=href)
        anchor.string = text or href
        paragraph.append(anchor)
        wrapper.replace_with(paragraph)


def _footnotes(soup):
    """Substack's footnotes → Markdown footnotes: each call becomes a token, each note's
    text (Markdown) is returned by number, its block removed from the body."""
    notes = {}
    for block in soup.select("div.footnote"):
        number_link = block.select_one("a.footnote-number")
        content = block.select_one(".footnote-content")
        number = _note_number(number_link.get_text() if number_link else "")
        if number is None:
            continue
        text = to_markdown(content.decode_contents() if content else "").strip()
        notes[number] = text.replace("\n", "\n    ")
        block.decompose()
    for anchor in soup.select("a.footnote-anchor"):
        number = _note_number(anchor.get_text())
        if number in notes:
            anchor.replace_with(FOOTNOTE_TOKEN.format(number))
        else:
            anchor.replace_with(anchor.get_text())
    return dict(sorted(notes.items()))


def _note_number(text):
    text = re.sub(r"\D", "", text or "")
    return int(text) if text else None


def _readers(files, options):
    readers = []
    for name in files.matching("email_list.*.csv"):
        for row in read_csv(files, name, READER_COLUMNS):
            if not row["email"]:
                continue
            consent = parse_date(row["created_at"], files.path(name), "a reader's created_at",
                                 options.site_timezone) if row["created_at"] else None
            status = "unsubscribed" if is_true(row["email_disabled"]) else "subscribed"
            readers.append(subscriber(row, "email", options.lang, consent, FORMAT, status))
    return readers
