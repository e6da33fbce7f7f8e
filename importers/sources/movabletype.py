"""The Movable Type export format, as TypePad and Movable Type write it, read into an ``Export``.

The file is plain text: a line of eight dashes ends an entry, lines of five
dashes split an entry into sections. The first section holds ``KEY: value``
header lines (TITLE, DATE, CATEGORY…), the others start with their name
(``BODY:``, ``EXTENDED BODY:``, ``EXCERPT:``, ``KEYWORDS:``, ``COMMENT:``,
``PING:``). Nothing in it names an entry's id or address, so each entry's old
address is rebuilt as ``/YYYY/MM/<basename>.html``, the shape TypePad and Movable
Type gave individual archives (a blog published under a folder, such as
TypePad's ``/blog/``, needs that prefix added by hand).

Dates carry no offset: they are read in ``ReadOptions.site_timezone``. Bodies go through the filter
their CONVERT BREAKS names: HTML (``0``, and ``richtext``/``wysiwyg``, which store HTML) and line breaks made
paragraphs (``1``, ``__default__``) become Markdown; Markdown stays as written; any other filter (Textile…)
is not applied, its text read as paragraphs of HTML and the entry listed. Spam is left out and listed,
pings (trackbacks) too; drafts, entries awaiting review, scheduled or unpublished ones become drafts.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from importers.html_markdown import to_markdown
from importers.model import Comment, Export, FormatError, Item, Media, ReadOptions, Skipped, unique_name
from sitekit.content import slugify

FORMAT = "typepad"
ALIASES = ("movabletype",)

logger = logging.getLogger(__name__)

ENTRY_END = "--------"
SECTION_END = "-----"
SECTIONS = ("BODY", "EXTENDED BODY", "EXCERPT", "KEYWORDS", "COMMENT", "PING")
HEADER_KEYS = {"AUTHOR", "TITLE", "BASENAME", "STATUS", "ALLOW COMMENTS", "ALLOW PINGS", "CONVERT BREAKS",
               "PRIMARY CATEGORY", "CATEGORY", "DATE", "TAGS", "NO ENTRY", "UNIQUE URL", "ID"}
COMMENT_KEYS = {"AUTHOR", "EMAIL", "IP", "URL", "DATE"}
PING_KEYS = {"TITLE", "URL", "IP", "BLOG NAME", "DATE"}
HEADER_LINE = re.compile(r"^([A-Z][A-Z ]*?):[ \t]?(.*)$")
DATE_SHAPE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
# Entries never public: drafts, awaiting review, scheduled, taken down. They had no address to redirect.
DRAFT_STATUSES = {"draft", "review", "future", "unpublish"}


@dataclass
class RawEntry:
    """One entry's text split into its parts, before any conversion."""
    line: int                                     # where it starts in the file, for error messages
    header: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    pings: list[str] = field(default_factory=list)

    def first(self, key, default=""):
        return self.header.get(key, [default])[0]


def read(source: Path, options: ReadOptions) -> Export:
    """The entries of a Movable Type / TypePad export file as an ``Export``."""
    source = Path(source)
    text = decode(source)
    entries = split_entries(source, text)
    export = Export(format=FORMAT, path=source)
    zone = ZoneInfo(options.site_timezone)
    images = ImageNames()
    used_ids: set[str] = set()
    claimed: set[str] = set()  # an old address leads to the first entry that had it
    for raw in entries:
        item = entry_item(source, raw, export, zone, options, images, used_ids)
        if item is not None:
            item.old_urls = [url for url in item.old_urls if url not in claimed]
            claimed.update(item.old_urls)
            export.items.append(item)
    logger.info("%s: %d entries read", source, len(export.items))
    return export


# -- the file's text ---------------------------------------------------------------------------------------

def decode(source: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), else the Windows-1252 that older blogs used."""
    if not source.is_file():
        raise FormatError(source, "no such file (expected a Movable Type / TypePad export, a .txt file)")
    data = source.read_bytes()
    if not data.strip():
        raise FormatError(source, "empty file, not a Movable Type / TypePad export")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = decode_legacy(source, data)
    if "\x00" in text:
        raise FormatError(source, "binary data, not a Movable Type / TypePad export")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_legacy(source, data):
    """Line by line, UTF-8 else Windows-1252: a blog whose charset changed over the years exports both, and a
    line of Windows-1252 accents is almost never valid UTF-8."""
    lines = []
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                lines.append(line.decode("cp1252"))
            except UnicodeDecodeError as error:
                raise FormatError(source, f"unknown encoding: line {number} is neither UTF-8 nor Windows-1252 "
                                          f"(byte {line[error.start]:#x})") from None
    logger.info("%s: not all UTF-8; the other lines read as Windows-1252", source)
    return "\n".join(lines)


def split_entries(source: Path, text: str) -> list[RawEntry]:
    """Entries and their sections; the last entry may lack its closing line if its body is whole."""
    lines = text.split("\n")
    entries, chunk, start = [], [], 1
    for number, line in enumerate(lines, 1):
        if line.rstrip() == ENTRY_END:
            if any(part.strip() for part in chunk):
                entries.append(parse_entry(source, chunk, start))
            chunk, start = [], number + 1
        else:
            chunk.append(line)
    if any(part.strip() for part in chunk):
        entries.append(unclosed_entry(source, chunk, start, closed=bool(entries)))
    if not any("BODY" in entry.sections for entry in entries):
        raise FormatError(source, "not a Movable Type / TypePad export: no entry has a BODY section")
    return entries


def unclosed_entry(source, chunk, start, closed):
    """The text after the last closing line: a whole entry missing its last line, or a file cut short
    (after whole entries; a file of one unclosed entry without a body is not an export at all)."""
    entry = parse_entry(source, chunk, start)
    if "BODY" not in entry.sections and closed:
        title = entry.first("TITLE") or "untitled"
        raise FormatError(source, f"cut short: the entry at line {start} ({title!r}) ends before its BODY section")
    if "BODY" in entry.sections:
        logger.warning("%s: the last entry (line %d) has no closing line of eight dashes; read anyway",
                    source, start)
    return entry


def parse_entry(source, lines, start) -> RawEntry:
    """One entry's header lines and named sections."""
    parts = split_sections(lines)
    entry = RawEntry(line=start)
    header_lines = parts[0]
    for line in header_lines:
        match = HEADER_LINE.match(line)
        if match and match.group(1) in HEADER_KEYS:
            entry.header.setdefault(match.group(1), []).append(match.group(2).strip())
        elif line.strip():
            logger.debug("%s: line ignored in the header of the entry at line %d: %r", source, start, line)
    if not entry.header:
        problem = f"the entry at line {start} has no TITLE, DATE or other header line"
        raise FormatError(source, f"not a Movable Type / TypePad export: {problem}" if start == 1 else problem)
    for name, body in parts[1:]:
        if name == "COMMENT":
            entry.comments.append(body)
        elif name == "PING":
            entry.pings.append(body)
        else:
            entry.sections[name] = body
    return entry


def split_sections(lines):
    """[header lines, (name, text), …]. A five-dash line followed by no section name is part of the text
    before it (a Markdown rule, say), so it is put back with the blank lines after it."""
    header, named = [], []
    held = None  # a five-dash line and the blank lines after it, until the next line tells what it was
    for line in lines:
        if line.rstrip() == SECTION_END and held is None:
            held = [line]
            continue
        if held is not None:
            name = section_name(line)
            if name is not None:
                named.append((name, []))
                held = None
                continue
            if not line.strip():
                held.append(line)
                continue
            (named[-1][1] if named else header).extend(held)
            held = None
        (named[-1][1] if named else header).append(line)
    return [header, *((name, "\n".join(body).strip("\n")) for name, body in named)]


def section_name(line):
    stripped = line.rstrip()
    if stripped.endswith(":") and stripped[:-1] in SECTIONS:
        return stripped[:-1]
    return None


# -- one entry ---------------------------------------------------------------------------------------------

def entry_item(source, raw, export, zone, options, images, used_ids) -> Item | None:
    """The entry as an Item (None for spam, listed as skipped)."""
    date = parse_date(source, raw.first("DATE"), f"the entry at line {raw.line}", zone)
    title = raw.first("TITLE")
    basename = raw.first("BASENAME")
    slug = unique_name(slugify(basename or title) or f"entry-{raw.line}", used_ids)
    entry_id = unique_name(f"{date:%Y/%m}/{basename or slug}", used_ids)
    source_id = f"typepad:{entry_id}"
    status = raw.first("STATUS", "Publish").strip().lower()
    if status == "spam":
        export.skipped.append(Skipped(source_id, "post", "marked as spam in the export"))
        return None
    filter_name = raw.first("CONVERT BREAKS", "__default__").strip() or "__default__"
    body_text = join_body(raw.sections.get("BODY", ""), raw.sections.get("EXTENDED BODY", ""))
    body = convert_body(body_text, filter_name, images)
    if body.unknown_filter:
        export.skipped.append(Skipped(source_id, "filter", f"CONVERT BREAKS {filter_name!r} is not applied: "
                                                           "the body was read as HTML"))
    item = Item(kind="post", source_id=source_id, title=title or untitled(body.markdown, slug), date=date,
                lang=options.lang, slug=slug, body=body.markdown,
                status="draft" if status in DRAFT_STATUSES else "published",
                summary=summary_of(raw.sections.get("EXCERPT", ""), filter_name), media=body.media,
                old_urls=old_urls(date, basename or slug) if status not in DRAFT_STATUSES else [])
    add_author(item, raw.first("AUTHOR"), export)
    comment_setting(item, raw.first("ALLOW COMMENTS", "1"), bool(raw.comments))
    add_taxonomy(item, raw, export, options.lang)
    item.comments = [comment_of(source, text, entry_id, n, date, zone) for n, text in enumerate(raw.comments, 1)]
    for ping in raw.pings:
        export.skipped.append(Skipped(ping_label(ping, source_id), "ping", "trackbacks are not imported"))
    return item


def join_body(body, extended):
    """BODY then EXTENDED BODY ("continue reading" text), one after the other."""
    return f"{body.rstrip()}\n\n{extended.strip()}" if extended.strip() else body


def untitled(markdown, slug):
    """A title for an entry without one: its first words, else its slug."""
    words = re.sub(r"[#*_\[\]()!>`]", " ", markdown).split()[:8]
    return " ".join(words) + "…" if words else slug


def summary_of(excerpt, filter_name):
    """EXCERPT as one line of Markdown, or None."""
    if not excerpt.strip():
        return None
    return " ".join(convert_body(excerpt, filter_name, None).markdown.split())


def old_urls(date, basename):
    """``/YYYY/MM/<basename>.html``, with the other separator too: MT wrote ``my_post``, TypePad ``my-post``."""
    variants = dict.fromkeys([basename, basename.replace("_", "-"), basename.replace("-", "_")])
    return [f"/{date:%Y}/{date:%m}/{name}.html" for name in variants]


def comment_setting(item, allow, has_comments):
    """ALLOW COMMENTS 0 (none) or 2 (closed) as the post's ``Comments:`` line: closed keeps the imported
    comments on show without taking new ones; off when there are none to show."""
    if allow.strip() == "2" or (allow.strip() == "0" and has_comments):
        item.metadata["Comments"] = "closed"
    elif allow.strip() == "0":
        item.metadata["Comments"] = "off"


def add_author(item, name, export):
    if not name:
        return
    slug = slugify(name) or "author"
    export.authors.setdefault(slug, {"name": name})
    item.author = slug


def add_taxonomy(item, raw, export, lang):
    """Categories into Export.categories (the primary one, else the first, is the item's category); the
    other categories, TAGS and KEYWORDS become its tags."""
    categories = [name for name in raw.header.get("CATEGORY", []) if name]
    primary = raw.first("PRIMARY CATEGORY") or (categories[0] if categories else "")
    for name in dict.fromkeys([primary, *categories]):
        if name and slugify(name):
            export.categories.setdefault(slugify(name), {lang: name})
    item.category = slugify(primary) or None
    tag_names = [*categories, *tag_list(raw.first("TAGS")), *keyword_list(raw.sections.get("KEYWORDS", ""))]
    for name in tag_names:
        slug = slugify(name)
        if slug and slug != item.category and slug not in item.tags:
            item.tags.append(slug)
            export.tags.setdefault(slug, {lang: name})


def tag_list(value):
    """TAGS: names separated by commas, those with spaces in double quotes."""
    if not value.strip():
        return []
    return [name.strip() for name in next(csv.reader([value], skipinitialspace=True)) if name.strip()]


def keyword_list(text):
    """KEYWORDS: free text; commas, semicolons and line ends separate keywords."""
    return [word.strip() for word in re.split(r"[,;\n]", text) if word.strip()]


# -- comments and pings ------------------------------------------------------------------------------------

def comment_of(source, text, entry_id, number, entry_date, zone) -> Comment:
    """A COMMENT section: its header lines (AUTHOR, EMAIL, IP, URL, DATE), then the text as stored.
    The IP is dropped (personal data the comment store does not need)."""
    fields, body = split_keyed(text, COMMENT_KEYS)
    date_text = fields.get("DATE", "")
    date = parse_date(source, date_text, f"a comment of {entry_id}", zone) if date_text else entry_date
    return Comment(id=f"mt:{entry_id}:{number}", parent=None, author=fields.get("AUTHOR") or "Anonyme",
                   date=date, text=body.strip(), email=fields.get("EMAIL") or None,
                   website=fields.get("URL") or None)


def ping_label(text, source_id):
    fields, _ = split_keyed(text, PING_KEYS)
    return fields.get("URL") or source_id


def split_keyed(text, keys):
    """Leading ``KEY: value`` lines whose key is one of ``keys``, and the text after them."""
    fields, lines = {}, text.split("\n")
    index = 0
    while index < len(lines):
        match = HEADER_LINE.match(lines[index])
        if not match or match.group(1) not in keys:
            break
        fields[match.group(1)] = match.group(2).strip()
        index += 1
    return fields, "\n".join(lines[index:])


# -- dates -------------------------------------------------------------------------------------------------

def parse_date(source, text, where, zone) -> datetime:
    """``MM/DD/YYYY hh:mm:ss`` with an optional AM/PM, in the site's timezone; two-digit years are 19xx."""
    match = DATE_SHAPE.match(text.strip())
    if not match:
        problem = "has no DATE" if not text.strip() else f"has a DATE not shaped MM/DD/YYYY hh:mm:ss: {text!r}"
        raise FormatError(source, f"{where} {problem}")
    month, day, year, hour, minute, second, half = match.groups()
    year, hour = int(year), int(hour or 0)
    if year < 100:
        year += 1900
    if half:
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime(year, int(month), int(day), hour, int(minute or 0), int(second or 0), tzinfo=zone)
    except ValueError as error:
        raise FormatError(source, f"{where} has an impossible DATE {text!r} ({error})") from None


# -- bodies ------------------------------------------------------------------------------------------------

HTML_FILTERS = {"0", "richtext", "wysiwyg", "__sanitize__"}     # the text is HTML already
BREAKS_FILTERS = {"1", "__default__", "convert_breaks"}          # blank lines make paragraphs
MARKDOWN_FILTERS = {"markdown", "markdown_with_smartypants"}     # kept as written
BLOCK_START = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|dl|pre|blockquote|table|form|hr|figure|address|"
                         r"center|iframe|object|script|style)\b", re.IGNORECASE)
MARKDOWN_IMAGE = re.compile(r"(!\[[^\]]*\]\(\s*<?)([^)\s>]+)(>?(?:\s+\"[^\"]*\")?\s*\))")
HTML_IMAGE_SRC = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*[\"'])([^\"']+)([\"'])", re.IGNORECASE)
LINKED_IMAGE = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']([^\"']*)[\"'][^>]*>\s*(<img\b[^>]*>)\s*</a>",
                          re.IGNORECASE)
TYPEPAD_ASSET = re.compile(r"/\.a/([0-9a-zA-Z]+)(?:-[0-9a-z]+)?$")


@dataclass
class Body:
    markdown: str
    media: list[Media]
    unknown_filter: bool = False


def convert_body(text, filter_name, images) -> Body:
    """The text through its CONVERT BREAKS filter, then to Markdown, its pictures pointed at their copies.
    ``images`` None leaves picture addresses alone (summaries)."""
    name = filter_name.lower()
    media: list[Media] = []
    if name in MARKDOWN_FILTERS:
        return Body(markdown_pictures(text, images, media).strip() + "\n", media)
    unknown = name not in HTML_FILTERS and name not in BREAKS_FILTERS
    html = text if name in HTML_FILTERS else paragraphs(text)  # textile and the like are mostly blank-line prose
    return Body(to_markdown(html_pictures(html, images, media)), media, unknown_filter=unknown)


def paragraphs(text):
    """Movable Type's "convert line breaks": blank lines separate paragraphs, a line end inside one is a
    <br>; a paragraph that already starts with a block element is left as it is."""
    blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return "\n\n".join(block if BLOCK_START.match(block) else f"<p>{block.replace(chr(10), '<br />' + chr(10))}</p>"
                        for block in blocks)


def html_pictures(html, images, media):
    """<img> pointing at the blog's or any web address: the copy's {static} path; a link around a picture
    that opens the same picture (TypePad's popups) is removed, since it would lead nowhere. Regular
    expressions rather than a parser: the Markdown conversion parses the text once already, and these are
    the tags the blog software wrote itself."""
    if images is None or "<img" not in html.lower():
        return html
    html = LINKED_IMAGE.sub(lambda m: m.group(2) if opens_picture(m.group(1), image_src(m.group(2))) else m.group(0),
                            html)
    return pictures_pointed(HTML_IMAGE_SRC, html, images, media)


def markdown_pictures(text, images, media):
    """The same for a Markdown body: ![alt](url) and <img src> both."""
    if images is None:
        return text
    return pictures_pointed(HTML_IMAGE_SRC, pictures_pointed(MARKDOWN_IMAGE, text, images, media), images, media)


def pictures_pointed(pattern, text, images, media):
    """``text`` with each address the pattern's second group matches replaced by its copy's {static} path."""
    def replace(match):
        target = images.target(unescape(match.group(2)))
        if target is None:
            return match.group(0)
        if all(m.target != target for m in media):
            media.append(Media(url=images.absolute(unescape(match.group(2))), target=target))
        return match.group(1) + "{static}/" + target + match.group(3)

    return pattern.sub(replace, text)


def image_src(tag):
    match = HTML_IMAGE_SRC.search(tag)
    return unescape(match.group(2)) if match else ""


def opens_picture(href, src):
    return bool(href) and (href == src or "/.a/" in href or ".shared/image.html" in href
                           or href.rsplit("/", 1)[-1].split(".")[0] == src.rsplit("/", 1)[-1].split(".")[0])


class ImageNames:
    """Where each picture of the export is copied: ``images/typepad/<file name>``, one name per picture
    across the export (a second picture with a name already taken gets ``-2``). TypePad's hosted pictures
    (``/.a/<id>-800wi``) have no extension: they are named ``<id>.jpg``, every size of one picture the same
    file, since their type is not in the export."""

    FOLDER = "images/typepad"

    def __init__(self):
        self.by_key: dict[str, str] = {}
        self.taken: set[str] = set()

    def target(self, url):
        """The path under content/ for ``url``, or None for what is not a picture to copy (data: URIs,
        relative paths)."""
        url = url.strip()
        if not url.startswith(("http://", "https://", "//", "/")) or url.startswith("/{static}"):
            return None
        key, name = picture_name(url)
        if key not in self.by_key:
            self.by_key[key] = f"{self.FOLDER}/{self.free(name)}"
        return self.by_key[key]

    def free(self, name):
        stem, dot, ext = name.rpartition(".")
        candidate, n = name, 2
        while candidate in self.taken:
            candidate, n = f"{stem}-{n}{dot}{ext}", n + 1
        self.taken.add(candidate)
        return candidate

    @staticmethod
    def absolute(url):
        return "https:" + url if url.startswith("//") else url


def picture_name(url):
    """(what identifies the picture, its file name)."""
    path = unquote(urlsplit(url if not url.startswith("//") else "https:" + url).path)
    asset = TYPEPAD_ASSET.search(path)
    if asset:
        return f"typepad-asset:{asset.group(1)}", f"{asset.group(1)}.jpg"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.rstrip("/").rsplit("/", 1)[-1]).strip("-.") or "image"
    if "." not in name:
        name += ".jpg"
    return url, name
