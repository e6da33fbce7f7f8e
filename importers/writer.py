"""An Export written into the site: content files, taxonomy, authors, media, redirects, the
import's manifest, then comments and subscribers, whole or not at all.

Everything is first written into a staging folder inside the project
(``cache/imports/.staging.import-XXXXXXXX/content/…``, on content's file system
and locked by this process, see sitekit/work_folder.py), then moved in by
renames. The list of renames is written to ``cache/imports/journal.json``
before the first one: a run killed during the moves leaves the journal, and the
next run replays what is left before anything else. A run killed before the
journal leaves content/ as it was; its staging folder is removed by the next.

Twice is once: ``content/data/imports.toml`` records, per item of an export,
the file written and the SHA-256 of its bytes (and of each media file). The same
bytes again are left alone; a file whose bytes differ from the recorded hash was
edited by the author and is kept unless ``force``. Nothing the manifest holds is
personal: source ids, paths and hashes.

Layer: imports ``importers`` and ``sitekit`` only.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sitekit.content import SLUG_SHAPE, digest_of, slugify
from sitekit.languages import Languages, base_patterns
from sitekit.languages import load as load_languages
from sitekit.work_folder import WorkFolder

from . import media as media_files
from .data_files import AUTHORS, MANIFEST, AuthorNames, Manifest, TermNames, fold
from .moving_in import JOURNAL, exit_here, finish_interrupted, import_lock, move_in, stage
from .model import Export
from .report import Planned, Report

logger = logging.getLogger(__name__)

FOLDERS = {"post": "posts", "page": "pages", "issue": "newsletter"}
REDIRECTS = "data/redirects.toml"
EDITED = "edited since the import; use --force to replace it"
DELETED = "deleted since the import; use --force to write it again"
# Header lines the writer composes itself; an item's metadata does not repeat them.
OWN_FIELDS = {"title", "date", "modified", "lang", "slug", "category", "tags", "author", "summary", "image",
              "translation-of", "source-hash", "status"}
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


# --- The site -------------------------------------------------------------------------------------

@dataclass
class Site:
    """What the writer needs of the project: its folders, languages, time zone and settings."""
    root: Path
    content: Path
    languages: list
    timezone: str
    settings: dict = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings_file):
        from pelican.settings import read_settings

        settings = read_settings(str(settings_file))
        config = load_languages(settings.get("BILINGUAL"))
        return cls(root=Path(settings_file).resolve().parent, content=Path(settings["PATH"]),
                   languages=list(config["languages"]), timezone=settings.get("TIMEZONE") or "UTC",
                   settings=settings)

    @property
    def work(self):
        """Where imports keep their staging folders, journal and state (not published, not committed)."""
        return self.root / "cache" / "imports"

    @property
    def taxonomy_file(self):
        bilingual = self.settings.get("BILINGUAL") or {}
        return self.content / bilingual.get("taxonomy_file", "data/taxonomy.toml")

    def reserved_folders(self):
        if not self.settings:
            return {"archives", "tags", "categories", "authors", "newsletter", "en", "images", "files", "media"}
        languages = Languages(load_languages(self.settings.get("BILINGUAL")), base_patterns(self.settings))
        return languages.reserved_folders() | {"newsletter", "drafts", "pages", "theme"} | set(
            self.settings.get("STATIC_PATHS", []))


@dataclass
class WriteOptions:
    media: Path | None = None      # the editor's media folder (--media)
    fetch_media: bool = False      # download what the folder lacks (--fetch-media)
    force: bool = False            # replace files edited since the import (--force)
    dry_run: bool = True           # plan and report only (no --write)


@dataclass
class Change:
    """One file of the import: its bytes (or the file to copy) and what happens to it."""
    path: str                    # relative to content/
    action: str                  # create, update, unchanged, kept
    kind: str                    # a report kind, or "data"
    data: bytes | None = None
    source: Path | None = None   # a media file to copy
    source_id: str = ""
    sha256: str = ""


# --- The command's entry point ---------------------------------------------------------------------

def import_export(export: Export, site: Site, options: WriteOptions, subscribers=None, report=None):
    """Write ``export`` into ``site`` (or, in a dry run, say what would be written); return the Report.

    ``subscribers``: the --subscribers spec ("csv:PATH" or "provider"), or None.
    """
    report = report or Report(export.format, str(export.path), options.dry_run)
    _report_export_skips(export, report)
    # A destination refused (a CSV under content/, no provider configured) stops before anything is written.
    destination = _subscriber_destination(site, subscribers) if subscribers else None
    if options.dry_run:
        if (site.work / JOURNAL).exists():
            report.note("an earlier import was stopped while moving its files in; the next --write finishes it")
        plan = Plan(export, site, options, report, staging=None)
        plan.make()
        placed = plan.placed
    else:
        site.work.mkdir(parents=True, exist_ok=True)
        with import_lock(site):
            finish_interrupted(site)
            with WorkFolder(site.work / "staging", "import") as work:
                work.remove_leftovers()
                try:
                    plan = Plan(export, site, options, report, staging=work.path / "content")
                    plan.make()
                    stage(plan.changes, work.path / "content")
                    exit_here("staged")
                    move_in(site, work.path, plan.changes)
                finally:
                    # A journal left by a failure midway still needs the staged files: the next run moves them.
                    if not (site.work / JOURNAL).exists():
                        shutil.rmtree(work.path, ignore_errors=True)
        placed = plan.placed
    _import_comments(export, site, placed, options.dry_run, report)
    _import_subscribers(export, site, destination, options.dry_run, report)
    return report


def _report_export_skips(export, report):
    for skipped in export.skipped:
        report.skip(skipped.source_id, skipped.what, skipped.reason)


# --- The plan --------------------------------------------------------------------------------------

class Plan:
    """Every file the import writes, worked out before anything is written."""

    def __init__(self, export, site, options, report, staging):
        self.export, self.site, self.options, self.report = export, site, options, report
        self.staging = staging
        self.tz = ZoneInfo(site.timezone)
        self.manifest = Manifest.load(site.content / MANIFEST)
        self.changes: list[Change] = []
        self.placed: dict[str, str] = {}
        self.planned_paths: set[str] = set()
        self.bodies: dict[str, str] = {}   # source_id -> body without its missing files

    def make(self):
        items = []
        for item in self.export.items:
            if item.kind not in FOLDERS:
                self.report.skip(item.source_id, item.kind, "unknown kind of item; not written")
            elif item.lang not in self.site.languages:
                self.report.skip(item.source_id, item.kind, f"its language {item.lang!r} is not one of the site's "
                                 f"({', '.join(self.site.languages)}); not written")
            else:
                items.append(item)
        self.terms = TermNames(self.export, self.site, self.report)
        self.authors = AuthorNames(self.export, self.site)
        media = self._media(items)
        paths = self._paths(items)
        self._items(items, paths, media)
        self._data_file(self.site.taxonomy_file, self.terms.appended_text())
        self._data_file(self.site.content / AUTHORS, self.authors.appended_text())
        self._redirects()
        self._data_file(self.site.content / MANIFEST, self.manifest.text())

    # --- where each item goes ---

    def _paths(self, items):
        """source_id -> content-relative path: the manifest's for an item imported before, else a free slug."""
        ours = {self.manifest.items[i.source_id]["path"] for i in items if i.source_id in self.manifest.items}
        existing = ExistingContent(self.site, ours)
        new_issues = [item for item in items if item.kind == "issue" and
                      "issue" not in self.manifest.items.get(item.source_id, {})]
        self.issue_offset = existing.issue_offset(new_issues)
        if self.issue_offset:
            self.report.note(f"imported issues renumbered from {self.issue_offset + 1}: the site has issues "
                             f"1 to {self.issue_offset} already")
        reserved = self.site.reserved_folders()
        assigned: dict[tuple, tuple] = {}   # (kind, slug) -> (translation group, languages)
        paths = {}
        for item in items:
            recorded = self.manifest.items.get(item.source_id, {}).get("path")
            if recorded:
                paths[item.source_id] = recorded
                continue
            paths[item.source_id] = self._free_path(item, existing, reserved, assigned)
        return paths

    def _free_path(self, item, existing, reserved, assigned):
        base = _slug_of(item)
        group = item.translation_group or item.source_id
        number = 1
        slug = base
        while True:
            path = f"{FOLDERS[item.kind]}/{item.lang}/{slug}.md"
            holder = assigned.get((item.kind, slug))
            clash = (path in self.planned_paths or (self.site.content / path).exists()
                     or (item.kind != "issue" and slug in existing.slugs[item.kind])
                     or (item.kind == "post" and slug in reserved)
                     or (holder is not None and (holder[0] != group or item.lang in holder[1])))
            if not clash:
                break
            number += 1
            slug = f"{base}-{number}"
        if slug != base:
            self.report.skip(item.source_id, item.kind,
                             f"slug {base!r} is taken (on the site, or by another item); written as {slug!r}")
        holder = assigned.setdefault((item.kind, slug), (group, set()))
        holder[1].add(item.lang)
        self.planned_paths.add(path)
        return path

    # --- media ---

    def _media(self, items):
        """target -> the file found for it ("fetch" in a dry run that would download it); the bodies
        of the items using a missing one get a link to its original address (self.bodies)."""
        folder = media_files.MediaFolder(self.options.media)
        export_folder = self.export.path if self.export.path.is_dir() else self.export.path.parent
        found, missing = {}, {}
        for item in items:
            for each in ([item.cover] if item.cover else []) + list(item.media):
                target = media_files.safe_target(each.target)
                if target is None:
                    missing[each.target] = f"its place {each.target!r} is outside content/"
                elif target not in found and target not in missing:
                    outcome = self._find_media(folder, export_folder, each, target)
                    (found if isinstance(outcome, Path) or outcome == "fetch" else missing)[target] = outcome
        self._media_changes(found)
        self._unlink_missing(items, missing)
        return found

    def _find_media(self, folder, export_folder, each, target):
        source = folder.find(each.url, export_folder)
        if source is not None:
            return source
        if (self.site.content / target).is_file():
            return self.site.content / target  # moved in by an earlier import: still there
        if not self.options.fetch_media:
            where = "the media folder" if self.options.media else "the export (no --media folder given)"
            return f"not found in {where}; --fetch-media downloads it"
        if not media_files.can_fetch(each.url):
            return "not found in the media folder, and not an http(s) address to download"
        if self.staging is None:
            return "fetch"
        try:
            media_files.fetch(each.url, self.staging / target)
        except media_files.MediaError as exc:
            return f"download failed ({exc})"
        return self.staging / target

    def _media_changes(self, found):
        for target, source in sorted(found.items(), key=lambda pair: pair[0]):
            if source == "fetch":  # a dry run: what would be downloaded
                self.report.files.append(Planned(target, "create", "images"))
                self.report.count("images", "fetch")
                continue
            data = source.read_bytes()
            recorded = self.manifest.media.get(target, {}).get("sha256")
            action, reason = self._decide(target, data, recorded)
            if action == "kept":
                self.report.skip(target, "image", reason)
            self.changes.append(Change(target, action, "images", source=source, sha256=_sha(data)))
            self.report.planned(target, action, "images")
            if action != "kept":
                self.manifest.media[target] = {"sha256": _sha(data)}

    def _unlink_missing(self, items, missing):
        """Bodies without the missing files: each use becomes a link to the original address."""
        for item in items:
            body = item.body
            for each in ([item.cover] if item.cover else []) + list(item.media):
                target = media_files.safe_target(each.target) or each.target
                if target in missing:
                    body = media_files.link_to_original(body, target, each.url)
            if body != item.body:
                self.bodies[item.source_id] = body
        urls = {media_files.safe_target(each.target) or each.target: each.url
                for item in items for each in ([item.cover] if item.cover else []) + list(item.media)}
        for target, reason in sorted(missing.items()):
            self.report.skip(urls.get(target, target), "image",
                             f"{reason}; the text links to the original address instead")
            self.report.count("images", "missing")

    # --- items ---

    def _items(self, items, paths, media):
        originals = _originals(items, self.site.languages[0], self.report)
        first = [item for item in items if item.source_id not in originals]
        then = [item for item in items if item.source_id in originals]
        written = {}  # source_id -> (slug, the bytes the import makes of it)
        for item in first + then:
            original = originals.get(item.source_id)
            translation_of = written.get(original.source_id) if original is not None else None
            path = paths[item.source_id]
            data = self._render(item, Path(path).stem, translation_of, media)
            recorded = self.manifest.items.get(item.source_id, {})
            action, reason = self._decide(path, data, recorded.get("sha256") if recorded.get("path") == path else None)
            kind = "drafts" if item.status == "draft" else f"{item.kind}s"
            if action == "kept":
                self.report.skip(path, item.kind, reason)
            self.changes.append(Change(path, action, kind, data=data, source_id=item.source_id, sha256=_sha(data)))
            self.report.planned(path, action, kind, item.source_id)
            if action != "kept":
                self.manifest.items[item.source_id] = {"path": path, "sha256": _sha(data), **_issue_of(data)}
            self.placed[item.source_id] = path
            # A translation records the original the export holds, even when the author's edit of it
            # is kept: the build then says the original changed since, which it did.
            written[item.source_id] = (Path(path).stem, data)

    def _render(self, item, slug, translation_of, media):
        lines = [("Title", item.title), ("Date", self._local(item.date))]
        if item.modified and self._local(item.modified) != self._local(item.date):
            lines.append(("Modified", self._local(item.modified)))
        metadata = {key: value for key, value in item.metadata.items()}
        if item.kind == "issue":
            number = _field(metadata, "issue")
            if number is not None and str(number).strip().isdigit():
                metadata = {k: v for k, v in metadata.items() if k.lower() != "issue"}
                # An issue imported before keeps its number, whatever was imported since.
                recorded = self.manifest.items.get(item.source_id, {}).get("issue")
                lines.append(("Issue", str(recorded or int(number) + self.issue_offset)))
        lines += [("Lang", item.lang)]
        if item.kind != "issue":
            lines.append(("Slug", slug))
        if item.kind == "post":
            lines.append(("Category", self.terms.name("categories", item.category, item.lang)))
            names = [self.terms.name("tags", tag, item.lang) for tag in item.tags]
            lines.append(("Tags", ", ".join(dict.fromkeys(name for name in names if name))))
        lines.append(("Author", self.authors.name(item.author)))
        lines.append(("Summary", item.summary))
        if item.cover is not None:
            target = media_files.safe_target(item.cover.target)
            if target in media:
                lines.append(("Image", "{static}/" + target))
        if translation_of is not None:
            lines += [("Translation-Of", translation_of[0]), ("Source-Hash", digest_of(translation_of[1]))]
        if item.status == "draft":
            lines.append(("Status", "draft"))
        for key, value in metadata.items():
            if key.lower() in OWN_FIELDS or not _FIELD_NAME.match(key):
                continue
            lines.append((key, value))
        header = "".join(f"{key}: {fold(value)}\n" for key, value in lines if value not in (None, "") and fold(value))
        body = self.bodies.get(item.source_id, item.body).replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        return (header + "\n" + body + "\n").encode("utf-8")

    def _local(self, moment):
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    # --- decisions ---

    def _decide(self, path, data, recorded):
        """(action, reason) for writing ``data`` at content/``path`` given the manifest's hash."""
        current = _read(self.site.content / path)
        if current == data:
            return "unchanged", ""
        if current is None:
            return ("create", "") if recorded is None or self.options.force else ("kept", DELETED)
        if self.options.force or (recorded is not None and _sha(current) == recorded):
            return "update", ""
        return "kept", EDITED if recorded is not None else "another file is already there; use --force to replace it"

    def _data_file(self, path, text):
        if text is None:
            return
        relative = path.relative_to(self.site.content).as_posix()
        data = text.encode("utf-8")
        current = _read(path)
        if current == data:
            return
        action = "create" if current is None else "update"
        self.changes.append(Change(relative, action, "data", data=data))
        self.report.files.append(Planned(relative, action, "data"))

    def _redirects(self):
        from . import redirects as rules

        new = rules.redirects_for(self.export, dict(self.placed), primary=self.site.languages[0])
        path = self.site.content / REDIRECTS
        existing = path.read_text(encoding="utf-8") if path.exists() else None
        if not new and existing is None:
            return
        text, counts = rules.merged_redirects(existing, new)
        self.report.add_counts("redirects", counts)
        for old, kept, given in getattr(counts, "conflicts", []):
            self.report.skip(old, "redirect", f"already leads to {kept} in {REDIRECTS}; kept ({given} not added)")
        if text != existing:
            self._data_file(path, text)


def _slug_of(item):
    slug = (item.slug or "").strip().lower()
    if not SLUG_SHAPE.match(slug):
        slug = slugify(slug) or slugify(item.title) or item.kind
    return slug


def _originals(items, primary, report):
    """translation's source_id -> its original Item: in each group, the one in the site's first language."""
    groups = {}
    for item in items:
        if item.translation_group and item.kind != "issue":
            groups.setdefault((item.kind, item.translation_group), []).append(item)
    originals = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        original = next((m for m in members if m.lang == primary), None) or min(members, key=lambda m: m.date)
        for member in members:
            if member is original:
                continue
            if member.lang == original.lang:
                report.skip(member.source_id, member.kind, f"in the same language as {original.source_id}, "
                            "its translation group's original; not linked as a translation")
                continue
            originals[member.source_id] = original
    return originals


def _issue_of(data):
    """{"issue": n} for an issue's bytes (its Issue line), else {}."""
    match = re.search(rb"^Issue: (\d+)$", data.split(b"\n\n", 1)[0], re.M)
    return {"issue": int(match.group(1))} if match else {}


def _field(metadata, name):
    return next((value for key, value in metadata.items() if key.lower() == name), None)


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _read(path):
    try:
        return Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


# --- What is on the site already ---------------------------------------------------------------------

class ExistingContent:
    """Slugs of the site's posts and pages, and the numbers its issues use (but this export's own)."""

    def __init__(self, site, ours):
        """``ours``: the files this export's items were written to before (their numbers are theirs)."""
        self.site = site
        self.slugs = {"post": set(), "page": set(), "issue": set()}
        imported = set(ours)
        self.issues = {}  # lang -> numbers of the issues not written by this export before
        for kind in ("post", "page"):
            for path in sorted((site.content / FOLDERS[kind]).rglob("*.md")):
                self.slugs[kind].add(_header(path).get("slug") or path.stem)
        for path in sorted((site.content / "newsletter").rglob("*.md")):
            if path.relative_to(site.content).as_posix() in imported:
                continue
            header = _header(path)
            number = (header.get("issue") or "").strip()
            if number.isdigit():
                lang = header.get("lang") or next((p for p in path.parts if p in site.languages), site.languages[0])
                self.issues.setdefault(lang, set()).add(int(number))

    def issue_offset(self, items):
        """0, or the highest number the site's own issues use when an imported issue would repeat one."""
        for item in items:
            number = _field(item.metadata, "issue") if item.kind == "issue" else None
            if number is not None and str(number).strip().isdigit() and int(number) in self.issues.get(item.lang, ()):
                return max(max(numbers) for numbers in self.issues.values())
        return 0


def _header(path):
    """A content file's header lines, lower-case keys (up to the first blank line)."""
    header = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            for line in stream:
                if not line.strip():
                    break
                key, colon, value = line.partition(":")
                if colon and _FIELD_NAME.match(key.strip()):
                    header[key.strip().lower()] = value.strip()
    except OSError:
        pass
    return header


# --- Comments and subscribers (imported when needed: Isso and the mail providers' client are heavy) ---

def _import_comments(export, site, placed, dry_run, report):
    comments = [c for item in export.items for c in item.comments]
    if not comments:
        return
    config = site.settings.get("COMMENTS") or {}
    provider = config.get("provider", "isso")
    isso_config = site.root / "comments" / "isso.cfg"
    reason = (f"COMMENTS['provider'] is {provider!r}; comments are imported into Isso only" if provider != "isso"
              else f"{isso_config} not found" if not isso_config.exists() else None)
    if reason:
        report.count("comments", "not_imported", len(comments))
        report.note(f"comments not imported: {reason}")
        return
    from .comments import import_comments

    counts = import_comments(export, dict(placed), isso_config, config.get("thread_per", "pair"), dry_run,
                             root=site.root)
    report.add_counts("comments", counts)
    for skipped in getattr(counts, "notes", []):
        report.skip(skipped.source_id, skipped.what, skipped.reason)


def _subscriber_destination(site, spec):
    from .subscribers import destination_from

    return destination_from(spec, site.settings)


def _import_subscribers(export, site, destination, dry_run, report):
    if destination is None:
        if export.subscribers:
            report.count("subscribers", "not_imported", len(export.subscribers))
            report.note("subscribers not imported: add --subscribers csv:PATH or --subscribers provider")
        return
    from .subscribers import import_subscribers

    counts = import_subscribers(export.subscribers, destination, site.work, dry_run)
    report.add_counts("subscribers", counts)
    for error in getattr(counts, "errors", []):
        report.note(f"subscribers: {error}")
    if getattr(counts, "stopped", False):
        report.note("subscribers: the provider stopped the import; what was done is recorded, run it again")
        report.provider_failed = True
