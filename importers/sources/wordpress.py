"""Reader of WordPress exports (WXR): the XML that WordPress.com and self-hosted WordPress
write, as one file, split files (``*.000.xml``, ``*.001.xml``) in a folder, or a zip of them.

The file is streamed item by item (lxml ``iterparse``, each item cleared once read), so an
export of any size holds only the items kept. Two passes: the first collects each item's
fields, attachments and reusable blocks (an item may name an attachment written after
it); the second makes the Export: dates, languages (Polylang, WPML's export add-on, or the
link), slugs, taxonomy, bodies in Markdown, comments and old addresses.

An export is refused, with one line naming the file and the line where it goes wrong,
when it is not XML, not a WXR, declares a DOCTYPE (entities are never expanded) or ends
early. Control characters XML forbids (old exports hold some) are removed and reported.
"""

import html
import logging
import posixpath
import re
import zipfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from lxml import etree

from importers.html_markdown import to_markdown
from importers.model import Comment, Export, FormatError, Item, Media, ReadOptions, Skipped
from importers.sources.wordpress_html import Attachment, BodyContext, prepare_body, prepare_comment
from sitekit.content import SLUG_SHAPE, slugify

FORMAT = "wordpress"
logger = logging.getLogger(__name__)

_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.\d+/$")
_EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$")
_FORBIDDEN_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What a forbidden character becomes while the XML is parsed: a private-use character
# (valid XML, never typed by an author), removed and reported item by item afterwards.
_MARK = "\U0010fffd"
_MARK_BYTES = _MARK.encode("utf-8")
_CHUNK = 1 << 16

KINDS = {"post": "post", "page": "page"}
STATUSES = {"publish": "published", "draft": "draft", "pending": "draft", "future": "draft", "private": "draft"}
SILENT_STATUSES = {"trash", "auto-draft", "inherit"}
SILENT_TYPES = {"attachment", "nav_menu_item", "revision", "wp_template", "wp_template_part", "wp_navigation",
                "feedback", "wp_block", "wp_global_styles", "custom_css", "customize_changeset", "oembed_cache",
                "user_request", "wp_font_family", "wp_font_face", "jp_pay_order", "jp_pay_product"}
UNCATEGORIZED = {"uncategorized", "uncategorised", "non-classe", "sans-categorie"}
LANGUAGES = ("fr", "en")
COMMENT_STATUSES = {"1": "approved", "0": "pending", "spam": "spam", "trash": "trash"}
ZERO_DATE = "0000-00-00 00:00:00"
IMAGE_TYPES = ("jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "bmp", "tif", "tiff")
AUDIO_TYPES = ("mp3", "ogg", "oga", "m4a", "wav", "flac")
VIDEO_TYPES = ("mp4", "m4v", "webm", "ogv", "flv", "mov")


def read(source: Path, options: ReadOptions) -> Export:
    """The Export of a WXR file, a folder of split WXR files or a WordPress.com zip."""
    source = Path(source)
    collected = _Collected()
    for name, opener in _wxr_files(source):
        with opener() as stream:
            _WxrParser(name, collected).parse(stream)
    return _Builder(source, collected, options).build()


# --- Where the XML is -----------------------------------------------------------------

def _wxr_files(source):
    """(name for messages, opener) of each XML file of the export, in order."""
    if not source.exists():
        raise FormatError(source, "no such file or folder")
    if source.is_dir():
        files = sorted(source.glob("*.xml")) or sorted(source.glob("*/*.xml"))
        if not files:
            raise FormatError(source, "no WordPress export (.xml file) in this folder")
        return [(path, lambda path=path: open(path, "rb")) for path in files]
    if zipfile.is_zipfile(source):
        return _zip_members(source)
    return [(source, lambda: open(source, "rb"))]


def _zip_members(source):
    with zipfile.ZipFile(source) as archive:
        names = sorted(n for n in archive.namelist()
                       if n.lower().endswith(".xml") and not n.startswith("__MACOSX/"))
    if not names:
        raise FormatError(source, "no WordPress export (.xml file) in this zip")

    @contextmanager
    def opener(member):
        with zipfile.ZipFile(source) as archive, archive.open(member) as stream:
            yield stream
    return [(f"{source}:{name}", lambda name=name: opener(name)) for name in names]


class _CleanStream:
    """The bytes of an export with the control characters XML refuses made harmless.

    Only for encodings where such a byte is always that character (UTF-8, Latin-1…);
    a UTF-16 file is passed through as it is.
    """

    def __init__(self, raw, first):
        self.raw, self.pending = raw, first
        self.lines, self.ended = first.count(b"\n"), False
        self.clean = not first.startswith((b"\xff\xfe", b"\xfe\xff"))

    def read(self, size=_CHUNK):
        if self.pending:
            chunk, self.pending = self.pending, b""
        else:
            chunk = self.raw.read(size)
            self.lines += chunk.count(b"\n")
        if not chunk:
            self.ended = True
            return b""
        return _FORBIDDEN_CONTROLS.sub(_MARK_BYTES, chunk) if self.clean else chunk


# --- First pass: the XML --------------------------------------------------------------

@dataclass
class _Collected:
    """Everything the first pass keeps: raw items, attachments, blocks and the channel's lists."""
    records: list = field(default_factory=list)
    attachments: dict = field(default_factory=dict)      # id -> Attachment
    blocks: dict = field(default_factory=dict)           # wp_block id -> content
    authors: dict = field(default_factory=dict)          # login -> display name
    term_descriptions: dict = field(default_factory=dict)  # (taxonomy, slug) -> description
    term_ids: dict = field(default_factory=dict)           # term id -> (taxonomy, slug)
    term_translations: list = field(default_factory=list)  # Polylang's {language: term id} of each term
    base_url: str = ""
    exported_at: datetime | None = None
    damaged: list = field(default_factory=list)          # source ids with control characters removed


class _WxrParser:
    """Streams one WXR file into a _Collected."""

    def __init__(self, name, collected):
        self.name, self.collected = name, collected
        self.keys = {}            # lxml tag -> "wp:post_id", "content:encoded", "title", …
        self.saw_wordpress = False
        self.damaged = False      # whether the item being read held forbidden characters

    def parse(self, raw):
        first = raw.read(_CHUNK)
        self._check_prolog(first)
        stream = _CleanStream(raw, first)
        events = etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True,
                                 huge_tree=True, load_dtd=False, remove_comments=True, remove_pis=True)
        try:
            self._walk(events)
        except etree.XMLSyntaxError as exc:
            raise FormatError(self.name, _syntax_problem(exc, stream)) from None
        if not self.saw_wordpress:
            raise FormatError(self.name, "an RSS feed without WordPress's wp: elements, not a WordPress export (WXR)")

    def _check_prolog(self, first):
        if not first.strip():
            raise FormatError(self.name, "the file is empty")
        head = first[:4096].lower()
        root_at = re.search(rb"<[a-z]", head)
        prolog = head[:root_at.start()] if root_at else head
        if b"<!doctype html" in prolog or (root_at and head[root_at.start():].startswith(b"<html")):
            raise FormatError(self.name, "an HTML page, not a WordPress export (WXR)")
        if b"<!doctype" in prolog or b"<!entity" in prolog:
            raise FormatError(self.name, "declares a DOCTYPE; a WordPress export never does, "
                                         "and its entities are refused")

    def _walk(self, events):
        root = None
        for event, element in events:
            if event == "start":
                if root is None:
                    root = element
                    self._check_root(element)
                continue
            key = self._key(element.tag)
            if key.startswith("wp:"):
                self.saw_wordpress = True
            parent = element.getparent()
            if key == "item":
                self._item(element)
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
            elif parent is not None and parent.tag == "channel":
                self._channel_element(key, element)

    def _check_root(self, element):
        if not isinstance(element.tag, str) or etree.QName(element).localname != "rss":
            name = etree.QName(element).localname if isinstance(element.tag, str) else "?"
            raise FormatError(self.name, f"its root element is <{name}>, not <rss>: not a WordPress export (WXR)")
        if element.getroottree().docinfo.doctype:  # one hidden past the first bytes
            raise FormatError(self.name, "declares a DOCTYPE; a WordPress export never does, and its entities are refused")

    def _key(self, tag):
        key = self.keys.get(tag)
        if key is None:
            key = self.keys[tag] = _key_of(tag)
        return key

    # --- the channel ---

    def _channel_element(self, key, element):
        collected = self.collected
        if key == "wp:author":
            fields = self._fields(element)
            login = fields.get("wp:author_login", "")
            if login:
                collected.authors[login] = fields.get("wp:author_display_name") or login
        elif key in ("wp:category", "wp:tag", "wp:term"):
            self._term(key, self._fields(element))
        elif key in ("wp:base_site_url", "wp:base_blog_url") and element.text and not collected.base_url:
            collected.base_url = element.text.strip().rstrip("/")
        elif key == "pubDate" and element.text:
            collected.exported_at = _rfc822(element.text)
        if key.startswith("wp:"):
            element.clear()

    def _term(self, key, fields):
        if key == "wp:category":
            taxonomy, slug, description = "category", fields.get("wp:category_nicename"), fields.get("wp:category_description")
        elif key == "wp:tag":
            taxonomy, slug, description = "post_tag", fields.get("wp:tag_slug"), fields.get("wp:tag_description")
        else:
            taxonomy, slug, description = (fields.get("wp:term_taxonomy"), fields.get("wp:term_slug"),
                                           fields.get("wp:term_description"))
        if not slug:
            return
        slug = unquote(slug)
        if fields.get("wp:term_id"):
            self.collected.term_ids[fields["wp:term_id"].strip()] = (taxonomy, slug)
        if taxonomy == "term_translations":  # Polylang: a PHP array language -> term id
            self.collected.term_translations.append(dict(re.findall(r's:\d+:"([\w-]+)";i:(\d+);', description or "")))
        elif description:
            self.collected.term_descriptions[(taxonomy, slug)] = html.unescape(description.strip())

    def _fields(self, element):
        return {self._key(child.tag): self._text(child) for child in element}

    def _text(self, element):
        text = element.text or ""
        if _MARK in text:
            self.damaged = True
            text = text.replace(_MARK, "")
        return text

    # --- items ---

    def _item(self, element):
        self.damaged = False
        record = {"categories": [], "meta": defaultdict(list), "comments": []}
        for child in element:
            key = self._key(child.tag)
            if key == "category":
                record["categories"].append((child.get("domain", ""), unquote(child.get("nicename", "")),
                                             html.unescape(self._text(child).strip())))
            elif key == "wp:postmeta":
                meta = self._fields(child)
                record["meta"][meta.get("wp:meta_key", "")].append(meta.get("wp:meta_value", ""))
            elif key == "wp:comment":
                record["comments"].append(self._fields(child))
            else:
                record[key] = self._text(child)
        record["source_id"] = f"wordpress:{record.get('wp:post_id', '').strip()}"
        if self.damaged:
            self.collected.damaged.append(record["source_id"])
        self._keep(record)

    def _keep(self, record):
        post_type = record.get("wp:post_type", "post")
        post_id = record.get("wp:post_id", "").strip()
        if post_type == "attachment":
            self.collected.attachments[post_id] = _attachment(record)
        elif post_type == "wp_block":
            self.collected.blocks[post_id] = record.get("content:encoded", "")
        elif post_type not in SILENT_TYPES:
            self.collected.records.append(record)


def _key_of(tag):
    """"wp:post_id", "content:encoded", "excerpt:encoded", "dc:creator" or the plain name."""
    if not isinstance(tag, str):
        return ""
    qname = etree.QName(tag)
    namespace, name = qname.namespace or "", qname.localname
    if not namespace:
        return name
    if _WP_NAMESPACE.match(namespace):
        return f"wp:{name}"
    if _EXCERPT_NAMESPACE.match(namespace):
        return f"excerpt:{name}"
    if "purl.org/rss/1.0/modules/content" in namespace:
        return f"content:{name}"
    if "purl.org/dc/elements" in namespace:
        return f"dc:{name}"
    return f"{namespace}:{name}"


def _attachment(record):
    meta = record["meta"]
    return Attachment(id=record.get("wp:post_id", "").strip(), url=record.get("wp:attachment_url", "").strip(),
                      title=html.unescape(record.get("title", "")),
                      alt=(meta.get("_wp_attachment_image_alt") or [""])[0],
                      caption=html.unescape(record.get("excerpt:encoded", "").strip()),
                      parent=record.get("wp:post_parent", "0").strip() or "0",
                      order=int(record.get("wp:menu_order", "0").strip() or 0))


def _syntax_problem(exc, stream):
    line = exc.lineno or (exc.position[0] if exc.position else 0)
    message = str(exc.msg or exc).split(", line ")[0].strip()
    if stream.ended and ("Premature end" in message or "not found" in message or line >= stream.lines):
        return f"the export ends early at line {line} ({message}): cut short? export it again"
    if "encoding" in message.lower():
        return f"unknown or wrong encoding at line {line} ({message})"
    return f"malformed XML at line {line}: {message}"


def _rfc822(text):
    try:
        return parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None


# --- Second pass: the Export -------------------------------------------------------------

class _Builder:
    """Makes the Export of what the first pass collected."""

    def __init__(self, source, collected, options):
        self.collected, self.options = collected, options
        self.export = Export(format=FORMAT, path=source, exported_at=collected.exported_at)
        self.zone = ZoneInfo(options.site_timezone)
        self.prefixed_languages = set()   # languages whose links start with /<lang>/ (Polylang, WPML)
        self.term_languages = defaultdict(set)  # ("category", slug) -> languages of the items using it

    def build(self):
        for source_id in self.collected.damaged:
            self.export.skipped.append(Skipped(source_id, "character", "control characters XML refuses removed"))
        items = [item for item in map(self._item, self.collected.records) if item is not None]
        self.export.items = items
        _unique_slugs(items, self.export.skipped)
        _merge_translated_terms(items, self.export, self.options.lang, self.collected)
        self._taxonomy_addresses()
        logger.debug("%s: %d items read", self.export.path, len(items))
        return self.export

    # --- one item ---

    def _item(self, record):
        post_type = record.get("wp:post_type", "post")
        source_id = record["source_id"]
        status = record.get("wp:status", "publish").strip()
        if post_type not in KINDS:
            self.export.skipped.append(Skipped(source_id, post_type, f"content type '{post_type}' is not imported"))
            return None
        if status in SILENT_STATUSES:
            return None
        if record.get("wp:post_password", "").strip():
            self.export.skipped.append(Skipped(source_id, post_type, "password-protected: not imported"))
            return None
        lang, group = self._language(record)
        title = html.unescape(record.get("title", "")).strip()
        item = Item(kind=KINDS[post_type], source_id=source_id, title=title, date=self._date(record, "post_date"),
                    lang=lang, slug=_slug(record, title, post_type), body="",
                    status=STATUSES.get(status, "draft"), translation_group=group,
                    modified=self._date(record, "post_modified", required=False),
                    author=self._author(record.get("dc:creator", "")))
        item.summary = _plain_text(record.get("excerpt:encoded", "")) or None
        self._terms(item, record)
        item.body = self._body(item, record)
        item.cover = self._cover(record)
        item.comments = self._comments(record)
        if item.status == "published":
            item.old_urls = self._old_urls(record, post_type)
        return item

    def _date(self, record, name, required=True):
        """``<name>_gmt`` as UTC; a draft's zero date falls back to ``<name>`` in the site's zone."""
        gmt = record.get(f"wp:{name}_gmt", "").strip()
        if gmt and gmt != ZERO_DATE:
            parsed = _parse_date(gmt)
            if parsed:
                return parsed.replace(tzinfo=timezone.utc)
        local = _parse_date(record.get(f"wp:{name}", "").strip())
        if local:
            return local.replace(tzinfo=self.zone)
        if not required:
            return None
        # Never dated (a draft): the export's date keeps a second import identical.
        return self.collected.exported_at or datetime(1970, 1, 1, tzinfo=timezone.utc)

    def _language(self, record):
        """(language, translation group): Polylang's terms, WPML's export postmeta, then the link."""
        lang = group = None
        for domain, slug, _ in record["categories"]:
            if domain == "language":
                lang = slug
            elif domain == "post_translations":
                group = slug
        meta = record["meta"]
        lang = lang or (meta.get("_wpml_import_language_code") or [None])[0]
        wpml_group = (meta.get("_wpml_import_translation_group") or [None])[0]
        group = group or (f"wpml-{wpml_group}" if wpml_group else None)
        linked = _language_of_link(record.get("link", ""))
        if linked and urlsplit(record.get("link", "")).path.startswith(f"/{linked}/"):
            self.prefixed_languages.add(linked)
        return (lang or linked or self.options.lang).lower(), group

    def _author(self, login):
        login = login.strip()
        if not login:
            return None
        name = self.collected.authors.get(login, login)
        slug = slugify(name) or slugify(login)
        self.export.authors.setdefault(slug, {"name": name})
        return slug

    def _terms(self, item, record):
        for domain, slug, name in record["categories"]:
            if not slug:
                continue
            if domain == "category":
                if slug in UNCATEGORIZED:
                    continue
                self._add_term(self.export.categories, "category", slug, name, item.lang)
                item.category = item.category or slug
            elif domain in ("post_tag", "tag") and slug not in item.tags:
                self._add_term(self.export.tags, "post_tag", slug, name, item.lang)
                item.tags.append(slug)

    def _add_term(self, table, taxonomy, slug, name, lang):
        entry = table.setdefault(slug, {})
        entry.setdefault(lang, name or slug)
        self.term_languages[(taxonomy, slug)].add(lang)
        description = self.collected.term_descriptions.get((taxonomy, slug))
        if description:
            entry.setdefault("description", {}).setdefault(lang, description)

    # --- the body ---

    def _body(self, item, record):
        def unknown_shortcode(name):
            self.export.skipped.append(Skipped(item.source_id, "shortcode", f"[{name}] left as text: no equivalent"))
        context = BodyContext(post_id=record.get("wp:post_id", "").strip(), attachments=self.collected.attachments,
                              blocks=self.collected.blocks, unknown_shortcode=unknown_shortcode)
        found = {}

        def rewrite(url):
            media = media_of(url, self.collected.base_url)
            if media is None:
                return None
            found.setdefault(media.target, media)
            return "{static}/" + media.target
        body = to_markdown(prepare_body(record.get("content:encoded", ""), context), rewrite)
        item.media = list(found.values())
        return body

    def _cover(self, record):
        thumbnail = (record["meta"].get("_thumbnail_id") or [""])[0].strip()
        attachment = self.collected.attachments.get(thumbnail)
        if attachment is None or not attachment.url:
            if thumbnail:
                self.export.skipped.append(Skipped(record["source_id"], "image",
                                                   f"featured image {thumbnail} is not in the export"))
            return None
        return media_of(attachment.url, self.collected.base_url) or Media(
            url=attachment.url, target=f"images/wordpress/{_file_name(urlsplit(attachment.url).path)}")

    # --- comments ---

    def _comments(self, record):
        comments, skipped_ids = [], set()
        for fields in record["comments"]:
            comment_id = fields.get("wp:comment_id", "").strip()
            kind = fields.get("wp:comment_type", "").strip()
            if kind in ("pingback", "trackback"):
                skipped_ids.add(comment_id)
                self.export.skipped.append(Skipped(f"{record['source_id']}:comment:{comment_id}", "pingback",
                                                   f"{kind} from {fields.get('wp:comment_author_url', '').strip()}"))
                continue
            comments.append(self._comment(comment_id, fields))
        kept = {c.id for c in comments}
        for comment in comments:
            if comment.parent not in kept:
                comment.parent = None   # it answered a pingback or a comment the export lacks
        return comments

    def _comment(self, comment_id, fields):
        date = self._date({"wp:comment_date_gmt": fields.get("wp:comment_date_gmt", ""),
                           "wp:comment_date": fields.get("wp:comment_date", "")}, "comment_date")
        parent = fields.get("wp:comment_parent", "0").strip()
        return Comment(id=comment_id, parent=None if parent in ("", "0") else parent,
                       author=html.unescape(fields.get("wp:comment_author", "").strip()), date=date,
                       text=prepare_comment(fields.get("wp:comment_content", "")).strip(),
                       email=fields.get("wp:comment_author_email", "").strip() or None,
                       website=fields.get("wp:comment_author_url", "").strip() or None,
                       status=COMMENT_STATUSES.get(fields.get("wp:comment_approved", "0").strip(), "pending"))

    # --- old addresses ---

    def _old_urls(self, record, post_type):
        post_id = record.get("wp:post_id", "").strip()
        urls = []
        link = urlsplit(record.get("link", "").strip())
        path = link.path or "/"
        if link.query and (path == "/" or "lang=" in link.query):
            urls.append(f"{path if path != '/' else ''}?{link.query}")  # ?p=12, /slug/?lang=en
        elif path != "/":
            urls.append(path)
        urls.append(f"?page_id={post_id}" if post_type == "page" else f"?p={post_id}")
        current = record.get("wp:post_name", "").strip()
        for old_slug in record["meta"].get("_wp_old_slug", []):
            urls.extend(_with_old_slug(path, current, old_slug.strip()))
        for old_date in record["meta"].get("_wp_old_date", []):
            urls.extend(_with_old_date(urls, record.get("wp:post_date", ""), old_date.strip()))
        return list(dict.fromkeys(urls))

    def _taxonomy_addresses(self):
        old = self.export.old_urls
        for base, taxonomy, table in (("category", "category", self.export.categories),
                                      ("tag", "post_tag", self.export.tags)):
            for slug, names in table.items():
                for original in [slug] + names.pop("_aliases", []):
                    old[f"/{base}/{original}/"] = f"{base}:{slug}"
                    # A language shown under /en/ had its term pages there too.
                    for lang in sorted(self.prefixed_languages & self.term_languages[(taxonomy, original)]):
                        old[f"/{lang}/{base}/{original}/"] = f"{base}:{slug}"
        old["/feed/"] = f"feed:{self.options.lang}"
        for lang in sorted(self.prefixed_languages):
            old[f"/{lang}/feed/"] = f"feed:{lang}"


# --- Helpers of the second pass ------------------------------------------------------------

def _parse_date(text):
    if not text or text == ZERO_DATE:
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _language_of_link(link):
    parts = urlsplit(link.strip())
    match = re.match(r"^/([a-z]{2})(?:/|$)", parts.path)
    if match and match.group(1) in LANGUAGES:
        return match.group(1)
    query_lang = re.search(r"(?:^|&)lang=([a-z]{2})\b", parts.query)
    return query_lang.group(1) if query_lang and query_lang.group(1) in LANGUAGES else None


def _slug(record, title, post_type):
    """``wp:post_name`` percent-decoded; made of the title when empty; folded to the
    project's slug shape (a-z, 0-9, hyphens) when WordPress kept accents."""
    slug = unquote(record.get("wp:post_name", "").strip())
    if not slug or not SLUG_SHAPE.match(slug):
        slug = slugify(slug or title)
    return slug or f"{post_type}-{record.get('wp:post_id', '').strip()}"


def _plain_text(fragment):
    if not fragment.strip():
        return ""
    return " ".join(BeautifulSoup(fragment, "html.parser").get_text(" ").split())


def _with_old_slug(path, current, old_slug):
    """The link's path with the post's slug segment replaced by an earlier slug."""
    segments = path.split("/")
    if not current or not old_slug or current not in segments:
        return []
    segments[len(segments) - 1 - segments[::-1].index(current)] = old_slug
    return ["/".join(segments)]


def _with_old_date(urls, post_date, old_date):
    """Each address with the post's date folders (/2021/02/07/) replaced by its old date's."""
    now, then = post_date[:10].split("-"), old_date[:10].split("-")
    if len(now) != 3 or len(then) != 3:
        return []
    changed = []
    for depth in (3, 2, 1):
        current, previous = "/" + "/".join(now[:depth]) + "/", "/" + "/".join(then[:depth]) + "/"
        for url in urls:
            if current in url and current != previous:
                changed.append(url.replace(current, previous, 1))
        if changed:
            return changed
    return changed


def _unique_slugs(items, skipped):
    """A slug repeated within one language gets -2, -3…; each renaming is reported."""
    owners = {}
    for item in items:
        slug, number = item.slug, 1
        while (item.lang, slug) in owners:
            number += 1
            slug = f"{item.slug}-{number}"
        if slug != item.slug:
            skipped.append(Skipped(item.source_id, "slug", f"slug '{item.slug}' is also "
                                   f"{owners[(item.lang, item.slug)]}'s; this one is written as '{slug}'"))
            item.slug = slug
        owners[(item.lang, slug)] = item.source_id


def _merge_translated_terms(items, export, main_lang, collected):
    """Polylang copies each category and tag per language (``strategie`` and ``strategy``).

    Two terms become one entry, named in both languages, when Polylang's own links
    (its ``term_translations`` terms) say so; in an export without them, when items of
    one translation group use them at the same place (their first category, or their
    only tag: WordPress lists terms by name, so the n-th of several tags proves nothing)
    and nothing contradicts it (each used in one language only, never paired otherwise).
    The entry keeps the main language's slug; the other slug stays as an old address.
    """
    groups = defaultdict(list)
    for item in items:
        if item.translation_group:
            groups[item.translation_group].append(item)
    linked = _linked_terms(collected, main_lang)
    for taxonomy, table, pairs_of in (("category", export.categories, _category_pairs),
                                      ("post_tag", export.tags, _tag_pairs)):
        if linked[taxonomy]:
            aliases = {alias: key for alias, key in linked[taxonomy].items() if alias in table and key in table}
        else:
            aliases = _consistent_pairs(pairs_of, groups, table, main_lang)
        for alias, key in aliases.items():
            entry, merged = table[key], table.pop(alias)
            for lang, name in merged.items():
                if lang == "description":
                    for dlang, text in name.items():
                        entry.setdefault("description", {}).setdefault(dlang, text)
                elif lang != "_aliases":
                    entry.setdefault(lang, name)
            entry.setdefault("_aliases", []).append(alias)
        for item in items:
            if table is export.categories and item.category in aliases:
                item.category = aliases[item.category]
            elif table is export.tags:
                item.tags = list(dict.fromkeys(aliases.get(tag, tag) for tag in item.tags))


def _linked_terms(collected, main_lang):
    """{taxonomy: {other language's slug: main language's slug}} from Polylang's term links."""
    linked = {"category": {}, "post_tag": {}}
    for languages in collected.term_translations:
        terms = {lang: collected.term_ids.get(term_id) for lang, term_id in languages.items()}
        main = terms.get(main_lang) or next((t for t in terms.values() if t), None)
        for term in terms.values():
            if term and main and term != main and term[0] == main[0] and term[0] in linked:
                linked[term[0]][term[1]] = main[1]
    return linked


def _category_pairs(main, other):
    return [(other.category, main.category)] if main.category and other.category else []


def _tag_pairs(main, other):
    return list(zip(other.tags, main.tags)) if len(main.tags) == len(other.tags) == 1 else []


def _consistent_pairs(pairs_of, groups, table, main_lang):
    proposed = defaultdict(set)
    for members in groups.values():
        main = next((m for m in members if m.lang == main_lang), members[0])
        for other in members:
            if other is not main and other.lang != main.lang:
                for alias, key in pairs_of(main, other):
                    if alias != key:
                        proposed[alias].add(key)
    keys = defaultdict(set)
    for alias, targets in proposed.items():
        for key in targets:
            keys[key].add(alias)
    aliases = {}
    for alias, targets in proposed.items():
        key = next(iter(targets))
        if len(targets) != 1 or len(keys[key]) != 1 or alias not in table or key not in table:
            continue   # contradicting pairs: both stay apart
        alias_languages = set(table[alias]) - {"description"}
        key_languages = set(table[key]) - {"description"}
        if alias_languages & key_languages or alias in proposed.get(key, ()):
            continue   # the same language on both sides: two distinct terms
        aliases[alias] = key
    return aliases


def media_of(url, base_url=""):
    """The Media of an uploaded file's URL (``wp-content/uploads``, ``files.wordpress.com``,
    ``i0.wp.com``), its original size; None for any other URL."""
    url = html.unescape(url.strip())
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path
    if re.fullmatch(r"i\d\.wp\.com", host):  # Jetpack's image CDN: /<site>/<path of the original>
        site, _, rest = path.lstrip("/").partition("/")
        host, path = site, "/" + rest
    if not (host.endswith("files.wordpress.com") or "/wp-content/uploads/" in path):
        return None
    if not host and base_url:
        site = urlsplit(base_url)
        host, scheme = site.netloc, site.scheme or "https"
    else:
        scheme = parts.scheme or "https"
    name = _original_name(posixpath.basename(path))
    folder = posixpath.dirname(path)
    original = f"{scheme}://{host}{folder}/{name}" if host else f"{folder}/{name}"
    dated = re.search(r"/(\d{4})/(\d{2})$", folder)
    kind, base = _kind_of(name)
    target_name = unquote(name).replace(" ", "-")
    target = f"{base}/wordpress/{dated.group(1)}/{dated.group(2)}/{target_name}" if dated else f"{base}/wordpress/{target_name}"
    return Media(url=original, target=target, kind=kind)


def _original_name(name):
    """photo-300x200.jpg, photo-scaled.jpg, photo-scaled-1024x683.jpg -> photo.jpg."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return name
    stem = re.sub(r"-\d+x\d+$", "", stem)
    stem = re.sub(r"-scaled$", "", stem)
    return f"{stem}.{extension}"


def _file_name(path):
    return unquote(_original_name(posixpath.basename(path))).replace(" ", "-")


def _kind_of(name):
    extension = name.rpartition(".")[2].lower()
    if extension in IMAGE_TYPES:
        return "image", "images"
    if extension in AUDIO_TYPES:
        return "audio", "media"
    if extension in VIDEO_TYPES:
        return "video", "media"
    return "file", "files"
