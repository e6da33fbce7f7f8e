"""LinkedIn articles, from the ``Articles/Articles/`` HTML files of LinkedIn's data export, read into an ``Export``.

Each file holds one article: ``<h1><a href="…/pulse/…">title</a></h1>``, ``<p class="created">``,
``<p class="published">`` (empty or absent for an article never published), then the body. The layout is
known only from what people who converted their exports describe, so every part is looked for loosely and
has a fallback: the title and date also come from the file name (``2022-10-13 16:05:42.0-Title-words.html``).

The source may be the export's zip, its folder, the ``Articles/`` folder, a folder of article files or one
file. The export carries no tags, comments or language (``ReadOptions.lang`` applies). Its times carry no
offset: they are read as UTC, the time LinkedIn's export gives elsewhere. The article's LinkedIn address is
kept as ``metadata["LinkedIn"]``, not as a redirect: nobody can redirect a LinkedIn page. Pictures stay on
``media.licdn.com`` with addresses that expire, so they are listed as ``Media`` for the writer to copy.
"""

from __future__ import annotations

import logging
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString
from dateutil import parser as date_parser  # comes with Pelican

from importers.html_markdown import to_markdown
from importers.model import Export, FormatError, Item, Media, ReadOptions, Skipped, unique_name
from sitekit.content import slugify

FORMAT = "linkedin"

logger = logging.getLogger(__name__)

LINKEDIN = "https://www.linkedin.com"
STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}(?::\d{2})?)(?:\.\d+)?-(.*)$")
LABEL = re.compile(r"^\s*(?:created|published)(?:\s+on)?\s*:?\s*", re.IGNORECASE)
PULSE = re.compile(r"/pulse/([^/?#]+)")
EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
NOT_BODY = {"title", "style", "script", "meta", "link", "head"}


def read(source: Path, options: ReadOptions) -> Export:
    """The articles of a LinkedIn data export as an ``Export`` of posts (unpublished ones as drafts)."""
    source = Path(source)
    export = Export(format=FORMAT, path=source)
    slugs: set[str] = set()
    for name, data in article_files(source):
        item = article_item(name, data, options, slugs)
        if isinstance(item, Skipped):
            export.skipped.append(item)
        else:
            export.items.append(item)
    if not export.items:
        raise FormatError(source, "no LinkedIn article in it (the export's Articles/Articles/*.html files)")
    logger.info("%s: %d articles read", source, len(export.items))
    return export


# -- where the files are -----------------------------------------------------------------------------------

def article_files(source: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of each article file, in name order (which is creation order)."""
    if source.is_dir():
        return folder_files(source)
    if not source.is_file():
        raise FormatError(source, "no such file or folder (expected LinkedIn's data export, its zip or its "
                                  "Articles/ folder)")
    if zipfile.is_zipfile(source):
        return zip_files(source)
    if source.suffix.lower() == ".zip":
        raise FormatError(source, "not a zip archive, or a damaged one")
    if source.suffix.lower() in {".html", ".htm"}:
        return [(source.name, source.read_bytes())]
    raise FormatError(source, "not a LinkedIn export: expected a zip, a folder or an article's .html file")


def folder_files(folder: Path):
    for candidate in (folder / "Articles" / "Articles", folder / "Articles", folder):
        files = sorted(path for path in candidate.glob("*.htm*") if path.is_file()) if candidate.is_dir() else []
        if files:
            return [(path.name, path.read_bytes()) for path in files]
    raise FormatError(folder, "no LinkedIn article in it (the export's Articles/Articles/*.html files)")


def zip_files(archive: Path):
    """The article files in the zip: under Articles/Articles/, else Articles/, else any .html at the top."""
    try:
        with zipfile.ZipFile(archive) as opened:
            names = [name for name in opened.namelist() if name.lower().endswith((".html", ".htm"))]
            chosen = (matching(names, r"(^|/)Articles/Articles/[^/]+$") or matching(names, r"(^|/)Articles/[^/]+$")
                      or matching(names, r"^[^/]+$"))
            return [(PurePosixPath(name).name, opened.read(name)) for name in sorted(chosen)]
    except (zipfile.BadZipFile, OSError) as error:
        raise FormatError(archive, f"damaged zip archive ({error})") from None


def matching(names, pattern):
    return [name for name in names if re.search(pattern, name)]


# -- one article -------------------------------------------------------------------------------------------

def article_item(name: str, data: bytes, options: ReadOptions, slugs: set[str]) -> Item | Skipped:
    """The article in one file as an Item, or why it is not one."""
    soup = BeautifulSoup(data, "lxml")
    heading = soup.find("h1")
    created, published = stamp_of(soup, "created"), stamp_of(soup, "published")
    named_date, named_title = from_file_name(name)
    if heading is None and created is None and published is None:
        return Skipped(name, "file", "not a LinkedIn article: no title heading or dates")
    date = published or created or named_date
    if date is None:
        return Skipped(name, "post", "no date in the page nor in the file name")
    title = " ".join(heading.get_text(" ").split()) if heading is not None else ""
    title = title or named_title or PurePosixPath(name).stem
    url = linkedin_url(heading)
    slug = unique_name(slugify(title) or slugify(PurePosixPath(name).stem) or "article", slugs)
    pictures = Pictures(slug)
    cover = pictures.cover(soup)
    item = Item(kind="post", source_id=f"linkedin:{pulse_id(url) or PurePosixPath(name).stem}", title=title,
                date=date, lang=options.lang, slug=slug, body=body_markdown(soup, heading, pictures),
                status="published" if published else "draft", cover=cover, media=pictures.media)
    if url:
        item.metadata["LinkedIn"] = url
    return item


def stamp_of(soup, css_class):
    """The date in ``<p class="created">`` or ``<p class="published">`` (any element with that class):
    ``Created on 2022-10-13 16:05``, or another way of writing a date (``Oct 13, 2022``) just in case."""
    element = soup.find(class_=css_class)
    if element is None:
        return None
    text = " ".join(element.get_text(" ").split())
    match = STAMP.search(text)
    return stamp_date(match) if match else written_date(text)


def written_date(text):
    words = LABEL.sub("", text)
    if not re.search(r"\d", words):
        return None
    try:
        date = date_parser.parse(words)
    except (ValueError, OverflowError):
        return None
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)


def stamp_date(match):
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        return None


def from_file_name(name):
    """(date, title) from ``2022-10-13 16:05:42.0-Title-words.html``, each None when absent."""
    match = FILE_NAME.match(PurePosixPath(name).stem)
    if not match:
        return None, None
    stamp = STAMP.search(match.group(1))
    words = " ".join(match.group(2).replace("-", " ").split())
    return (stamp_date(stamp) if stamp else None), (words or None)


def linkedin_url(heading):
    """The article's address on LinkedIn, absolute, from the title's link."""
    link = heading.find("a", href=True) if heading is not None else None
    if link is None or not link["href"].strip():
        return None
    return urljoin(LINKEDIN + "/", link["href"].strip())


def pulse_id(url):
    match = PULSE.search(urlsplit(url).path) if url else None
    return match.group(1) if match else None


def body_markdown(soup, heading, pictures) -> str:
    """Everything in <body> except the title, the dates and the cover, as Markdown, pictures pointed at
    their copies."""
    root = soup.body or soup
    if heading is not None:
        heading.decompose()
    for element in root.find_all(class_=("created", "published")):
        element.decompose()
    for element in root.find_all(NOT_BODY):
        element.decompose()
    pictures.point_at_copies(root)
    return to_markdown(root.decode_contents())


class Pictures:
    """The article's pictures: ``images/linkedin/<slug>-<n>.<ext>`` in order of appearance; the first is the
    cover, taken out of the text when nothing comes before it (it would show twice)."""

    def __init__(self, slug):
        self.slug, self.targets, self.media = slug, {}, []

    def target(self, url):
        if url not in self.targets:
            suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
            extension = ".jpg" if suffix == ".jpeg" or suffix not in EXTENSIONS else suffix
            self.targets[url] = f"images/linkedin/{self.slug}-{len(self.targets) + 1}{extension}"
        return self.targets[url]

    def cover(self, soup):
        first = next((img for img in soup.find_all("img") if web_address(img.get("src"))), None)
        if first is None:
            return None
        url = first["src"].strip()
        cover = Media(url=url, target=self.target(url))
        if leads(first, soup.find("h1")):
            wrapper = first.parent
            empty_wrapper = wrapper.name in {"figure", "a", "p", "div"} and not wrapper.get_text(strip=True) \
                and len(wrapper.find_all(True)) == 1
            (wrapper if empty_wrapper else first).decompose()
        return cover

    def point_at_copies(self, root):
        """Each picture left in the text points at its copy and is listed in ``media``."""
        for img in root.find_all("img"):
            url = (img.get("src") or "").strip()
            if web_address(url):
                img["src"] = "{static}/" + self.target(url)
                if all(media.url != url for media in self.media):
                    self.media.append(Media(url=url, target=self.target(url)))


def web_address(url):
    return bool(url) and url.strip().startswith(("http://", "https://"))


def leads(img, heading):
    """Whether no text of the article comes before the picture (the title and the dates do not count)."""
    for text in img.find_all_previous(string=True):
        if type(text) is not NavigableString or not text.strip():
            continue  # the doctype, comments, blank space
        if heading is not None and heading in text.parents:
            return True
        if not any(parent.name in NOT_BODY or has_date_class(parent) for parent in text.parents):
            return False
    return True


def has_date_class(element):
    return bool(set(element.get("class") or ()) & {"created", "published"}) if hasattr(element, "get") else False
