"""What the newsletter readers (substack, revue, buttondown) share: the export opened as a
folder or a zip, strict CSV and JSON reading, dates, images moved to the site, subscribers.

Not a format of its own (the leading underscore): no ``FORMAT``, no ``read``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import posixpath
import re
import unicodedata
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup

from importers.model import FormatError, Media, Subscriber

logger = logging.getLogger(__name__)

# Substack (and others) serve images through a resizing proxy whose last part is the
# real address, percent-encoded: the site keeps the original, not a resized copy.
IMAGE_PROXY = re.compile(r"^https?://substackcdn\.com/image/fetch/[^/]*/(https?(?::|%3A).*)$", re.IGNORECASE)
MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(\s+\"[^\"]*\")?\s*\)")
SLUG_CHARACTERS = re.compile(r"[^a-z0-9]+")


class ExportFiles:
    """The files of an export, from its folder or its zip, by their path inside the export.

    A zip often wraps everything in one folder: ``root`` is the folder holding ``marker``
    (the file that says what the export is), so names are the same either way."""

    def __init__(self, source: Path, markers: tuple[str, ...]):
        self.source = Path(source)
        if not self.source.exists():
            raise FormatError(self.source, "no such file or folder")
        if self.source.is_dir():
            self._zip = None
            names = [p.relative_to(self.source).as_posix() for p in self.source.rglob("*") if p.is_file()]
        else:
            self._zip = _open_zip(self.source)
            names = [n for n in self._zip.namelist() if not n.endswith("/")]
        self.root = _root_of(names, markers)
        if self.root is None:
            raise FormatError(self.source, f"not this export: it holds no {' or '.join(markers)}")
        prefix = f"{self.root}/" if self.root else ""
        self._names = {n[len(prefix):]: n for n in names if n.startswith(prefix)}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._zip is not None:
            self._zip.close()

    def path(self, name: str) -> Path:
        """How a message names the file: the folder's file, or ``export.zip/name``."""
        return self.source / self._names.get(name, name)

    def exists(self, name: str) -> bool:
        return name in self._names

    def matching(self, pattern: str) -> list[str]:
        """Names directly in the export's folder matching a glob pattern, sorted."""
        return sorted(n for n in self._names if "/" not in n and PurePosixPath(n).match(pattern))

    def read_bytes(self, name: str) -> bytes:
        if self._zip is None:
            return (self.source / self._names[name]).read_bytes()
        try:
            return self._zip.read(self._names[name])
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise FormatError(self.path(name), f"cannot be read from the zip ({error})") from None

    def read_text(self, name: str) -> str:
        data = self.read_bytes(name)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormatError(self.path(name), "not UTF-8 text (unknown encoding); export it again, "
                              "or convert it to UTF-8") from None


def _open_zip(source):
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise FormatError(source, "neither a folder nor a zip file (or the zip is cut short)") from None


def _root_of(names, markers):
    """The shallowest folder holding one of the markers ('' for the export's top)."""
    roots = sorted((n.count("/"), posixpath.dirname(n)) for n in names
                   if any(PurePosixPath(posixpath.basename(n)).match(m) for m in markers))
    return roots[0][1] if roots else None


def read_csv(files: ExportFiles, name: str, required: set[str]) -> list[dict[str, str]]:
    """The rows of a CSV that must have the ``required`` columns; a row with fewer fields than
    the header, or an open quote at the end, means the file was cut short."""
    path = files.path(name)
    text = files.read_text(name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise FormatError(path, f"cut short or malformed CSV at line {reader.line_num} ({error})") from None
    if not rows:
        raise FormatError(path, "empty: no header line")
    header = [column.strip() for column in rows[0]]
    missing = required - set(header)
    if missing:
        raise FormatError(path, f"not the expected CSV: no {', '.join(sorted(missing))} column "
                          f"(found {', '.join(header[:8]) or 'nothing'})")
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise FormatError(path, f"row {number} has {len(row)} fields where the header has {len(header)}: "
                              "the file is cut short or malformed")
        records.append(dict(zip(header, (cell.strip() for cell in row))))
    return records


def read_json(files: ExportFiles, name: str):
    try:
        return json.loads(files.read_text(name))
    except json.JSONDecodeError as error:
        raise FormatError(files.path(name), f"cut short or malformed JSON (line {error.lineno}: {error.msg})") from None


def parse_date(text: str, path, where: str, site_timezone: str) -> datetime:
    """An export's date as an aware datetime: ISO 8601 (with Z or an offset), or with a trailing
    ' UTC'; a date without offset is taken in the site's time zone."""
    value = text.strip()
    utc = value.upper().endswith(" UTC")
    if utc:
        value = value[:-4]
    if value.endswith(("Z", "z")):
        value, utc = value[:-1], True
    try:
        date = datetime.fromisoformat(value)
    except ValueError:
        raise FormatError(path, f"{where}: {text!r} is not a date") from None
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc if utc else ZoneInfo(site_timezone))
    return date


def is_true(text: str | None) -> bool:
    return str(text or "").strip().lower() in ("true", "t", "1", "yes")


def slugify(text: str) -> str:
    """A slug from a title, accents folded (é → e), as the project's slugs are written."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return SLUG_CHARACTERS.sub("-", folded).strip("-") or "issue"


def first_sentence(html: str, shortest: int = 40, longest: int = 150) -> str:
    """The first sentence of an HTML fragment as plain text (a preheader when none is given);
    a greeting as short as "Bonjour !" takes the next sentence along."""
    text = " ".join(BeautifulSoup(html or "", "html.parser").get_text(" ").split())
    sentences = re.findall(r".+?(?:[.!?…]+(?=\s|$)|$)", text)
    chosen = ""
    for sentence in sentences:
        candidate = f"{chosen} {sentence.strip()}".strip()
        if chosen and len(candidate) > longest:
            break
        chosen = candidate
        if len(chosen) >= shortest:
            break
    return chosen[:longest].strip()


def real_image_url(url: str) -> str:
    """The original address behind an image proxy's (Substack's substackcdn.com/image/fetch/…)."""
    match = IMAGE_PROXY.match(url.strip())
    return unquote(match.group(1)) if match else url.strip()


class ImageNames:
    """Each image of an export gets one file under images/<format>/, named after its URL's
    last part; two different images with one name get -2, -3…"""

    def __init__(self, format_name: str):
        self.folder = f"images/{format_name}"
        self._by_url: dict[str, Media] = {}
        self._taken: set[str] = set()

    def media(self, url: str) -> Media:
        url = real_image_url(url)
        if url not in self._by_url:
            self._by_url[url] = Media(url=url, target=f"{self.folder}/{self._free_name(url)}")
        return self._by_url[url]

    def _free_name(self, url):
        name = posixpath.basename(unquote(urlsplit(url).path)) or "image"
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "image"
        stem, dot, extension = name.rpartition(".")
        stem, extension = (stem, f".{extension}") if dot and stem else (name, "")
        candidate, count = name, 1
        while candidate.lower() in self._taken:
            count += 1
            candidate = f"{stem}-{count}{extension}"
        self._taken.add(candidate.lower())
        return candidate


def local_images_in_html(soup: BeautifulSoup, names: ImageNames, used: list[Media]) -> None:
    """Every <img> of the parsed HTML points at its copy on the site ({static}/images/<format>/…)."""
    for image in soup.find_all("img"):
        src = image.get("src")
        if not src or src.startswith("data:"):
            continue
        media = names.media(src)
        if media not in used:
            used.append(media)
        image["src"] = "{static}/" + media.target
        for attribute in ("srcset", "sizes", "width", "height", "data-attrs", "class", "loading"):
            image.attrs.pop(attribute, None)


def local_images_in_markdown(text: str, names: ImageNames, used: list[Media]) -> str:
    """The same for Markdown written by hand: ``![alt](url)``."""
    def replace(match):
        media = names.media(match.group(2))
        if media not in used:
            used.append(media)
        return f"![{match.group(1)}]({{static}}/{media.target}{match.group(3) or ''})"
    return MARKDOWN_IMAGE.sub(replace, text)


def subscriber(row: dict, email_column: str, lang: str, consent: datetime | None, source: str,
               status: str) -> Subscriber:
    """Only what the project keeps (GDPR minimisation): address, language, consent date, platform, status."""
    return Subscriber(email=row[email_column].strip(), lang=lang, consent_date=consent,
                      source=source, status=status)


def log_counts(export) -> None:
    """Counts only: an address never goes into a log."""
    kinds = {}
    for item in export.items:
        key = f"{item.kind}s" if item.status == "published" else f"{item.kind} drafts"
        kinds[key] = kinds.get(key, 0) + 1
    statuses = {}
    for reader in export.subscribers:
        statuses[reader.status] = statuses.get(reader.status, 0) + 1
    logger.info("%s export %s: %s; subscribers %s; %d skipped", export.format, export.path,
                ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "no item",
                ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())) or "none",
                len(export.skipped))
