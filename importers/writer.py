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

import contextlib
import fcntl
import hashlib
import importlib
import json
import logging
import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sitekit.content import SLUG_SHAPE, digest_of, pelican_slug, slugify
from sitekit.file_aside import write_aside
from sitekit.languages import Languages, base_patterns
from sitekit.languages import load as load_languages
from sitekit.work_folder import WorkFolder

from . import media as media_files
from .model import Export, ImporterError
from .report import Planned, Report

logger = logging.getLogger(__name__)

FOLDERS = {"post": "posts", "page": "pages", "issue": "newsletter"}
MANIFEST = "data/imports.toml"
AUTHORS = "data/authors.toml"
REDIRECTS = "data/redirects.toml"
JOURNAL = "journal.json"
# A test stops the process here, as a kill would: "staged" (before the journal) or "move:N".
EXIT_HOOK = "IMPORT_TEST_EXIT_AT"
EDITED = "edited since the import; use --force to replace it"
DELETED = "deleted since the import; use --force to write it again"
# Header lines the writer composes itself; an item's metadata does not repeat them.
OWN_FIELDS = {"title", "date", "modified", "lang", "slug", "category", "tags", "author", "summary", "image",
              "translation-of", "source-hash", "status"}
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


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
        with _import_lock(site):
            finish_interrupted(site)
            with WorkFolder(site.work / "staging", "import") as work:
                work.remove_leftovers()
                try:
                    plan = Plan(export, site, options, report, staging=work.path / "content")
                    plan.make()
                    _stage(plan.changes, work.path / "content")
                    _exit_here("staged")
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
        header = "".join(f"{key}: {_fold(value)}\n" for key, value in lines if value not in (None, "") and _fold(value))
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
        rules = _helper("redirects")
        if rules is None:
            self.report.note("redirects not written: importers/redirects.py is not installed")
            return
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


def _fold(value):
    """A header value on one line: a newline would end the field and start the text."""
    return " ".join(str(value).split())


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


# --- Taxonomy and authors: appended, never changed ------------------------------------------------------

class TermNames:
    """The name of each of the export's categories and tags in each language, and the entries to append.

    An export's term joins the site's entry of the same key, or of the same name in
    one language; else it is a new entry, named in every language of the site (a
    language the export does not name takes the name it has), so every post's
    Category and Tags lines are names the build knows.
    """

    def __init__(self, export, site, report):
        self.site, self.export = site, export
        self.path = site.taxonomy_file
        self.present = self.path.exists()
        self.text = self.path.read_text(encoding="utf-8") if self.present else ""
        data = tomllib.loads(self.text) if self.present else {}
        self.entries = {kind: {key: _names(entry) for key, entry in data.get(kind, {}).items()}
                        for kind in ("categories", "tags")}
        self.new = {"categories": {}, "tags": {}}
        self.chosen = {"categories": {}, "tags": {}}  # export slug -> key
        for kind in ("categories", "tags"):
            for slug, entry in getattr(export, kind).items():
                self._place(kind, slug, entry)

    def _place(self, kind, slug, entry):
        names = {lang: _term_name(kind, name) for lang, name in _names(entry).items() if _term_name(kind, name)}
        if not names:
            names = {self.site.languages[0]: _term_name(kind, slug)}
        key = self._existing_key(kind, slug, names)
        if key is None:
            key = slug if _BARE_KEY.match(slug or "") else slugify(slug) or slugify(next(iter(names.values())))
            filled = {}
            for lang in self.site.languages:
                name = names.get(lang) or next(iter(names.values()))
                if self._key_of(kind, name, lang) is None:
                    filled[lang] = name
            descriptions = entry.get("description") if isinstance(entry.get("description"), dict) else {}
            self.entries[kind][key] = filled
            self.new[kind][key] = (filled, {k: _fold(v) for k, v in descriptions.items() if isinstance(v, str)})
        self.chosen[kind][slug] = key

    def _existing_key(self, kind, slug, names):
        if slug in self.entries[kind]:
            return slug
        for lang, name in names.items():
            key = self._key_of(kind, name, lang)
            if key is not None:
                return key
        return None

    def _key_of(self, kind, name, lang):
        folded = name.casefold()
        return next((key for key, names in self.entries[kind].items()
                     if names.get(lang, "").casefold() == folded), None)

    def name(self, kind, slug, lang):
        """The name a post in ``lang`` writes for the export's term ``slug``."""
        if not slug:
            return None
        if slug not in self.chosen[kind]:
            self._place(kind, slug, {})
        names = self.entries[kind][self.chosen[kind][slug]]
        return names.get(lang) or next(iter(names.values()), None)

    def appended_text(self):
        """The taxonomy file with the new entries at its end; None when there are none or no file."""
        if not self.present or not any(self.new.values()):
            return None
        lines = [f"\n# --- Added by `invoke import {self.export.format}` ({self.export.path.name}) ---\n"]
        for kind in ("categories", "tags"):
            for key, (names, descriptions) in self.new[kind].items():
                lines.append(f"\n[{kind}.{_toml_key(key)}]\n")
                lines += [f"{_toml_key(lang)} = {_toml_string(name)}\n" for lang, name in names.items()]
                lines += [f"description.{_toml_key(lang)} = {_toml_string(text)}\n"
                          for lang, text in descriptions.items() if text]
        return _checked(self.path, _ending(self.text) + "".join(lines))


class AuthorNames:
    """Each export author's name, and the profiles to append to authors.toml (keyed by the name's slug)."""

    def __init__(self, export, site):
        self.export, self.site = export, site
        self.path = site.content / AUTHORS
        self.text = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
        existing = tomllib.loads(self.text) if self.text else {}
        self.names, self.new = {}, {}
        for slug, info in export.authors.items():
            name = _fold((info or {}).get("name") or slug)
            self.names[slug] = name
            key = pelican_slug(name, site.settings)
            if key and key not in existing and key not in self.new:
                self.new[key] = _profile(name, info or {})

    def name(self, slug):
        return self.names.get(slug, slug) if slug else None

    def appended_text(self):
        if not self.new:
            return None
        lines = [f"\n# --- Added by `invoke import {self.export.format}` ({self.export.path.name}) ---\n"]
        for key, profile in self.new.items():
            lines.append(f"\n[{_toml_key(key)}]\nname = {_toml_string(profile['name'])}\n")
            if profile.get("links"):
                links = ", ".join(f"{{ label = {_toml_string(link['label'])}, url = {_toml_string(link['url'])} }}"
                                  for link in profile["links"])
                lines.append(f"links = [{links}]\n")
            for table in ("bio", "title", "organisation"):
                if profile.get(table):
                    lines.append(f"\n[{_toml_key(key)}.{table}]\n")
                    lines += [f"{_toml_key(lang)} = {_toml_string(text)}\n" for lang, text in profile[table].items()]
        return _checked(self.path, _ending(self.text) + "".join(lines))


def _profile(name, info):
    """Only what a profile shows (no address, no login): name, links, and texts per language."""
    profile = {"name": name}
    links = [link for link in info.get("links", []) if isinstance(link, dict)
             and isinstance(link.get("label"), str) and isinstance(link.get("url"), str)]
    if links:
        profile["links"] = links
    for table in ("bio", "title", "organisation"):
        texts = info.get(table)
        if isinstance(texts, dict):
            profile[table] = {lang: _fold(text) for lang, text in texts.items()
                              if isinstance(text, str) and text.strip()}
    return profile


def _names(entry):
    return {lang: name for lang, name in (entry or {}).items() if lang != "description" and isinstance(name, str)}


def _term_name(kind, name):
    """A name as a header line can hold it: one line, and no comma in a tag (commas separate tags)."""
    name = _fold(name or "")
    return _fold(name.replace(",", " ")) if kind == "tags" else name


def _ending(text):
    return text if not text or text.endswith("\n") else text + "\n"


def _checked(path, text):
    tomllib.loads(text)  # a writer bug must not leave a file the build cannot read
    return text


def _toml_string(text):
    # json.dumps escapes quotes, backslashes and control characters as TOML's basic strings do,
    # except DEL, which TOML wants escaped too.
    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key):
    return key if _BARE_KEY.match(key) else _toml_string(key)


# --- The manifest ----------------------------------------------------------------------------------

@dataclass
class Manifest:
    items: dict = field(default_factory=dict)   # source_id -> {"path": …, "sha256": …}
    media: dict = field(default_factory=dict)   # target -> {"sha256": …}

    @classmethod
    def load(cls, path):
        if not Path(path).exists():
            return cls()
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ImporterError(f"{path}: not valid TOML ({exc}); fix it, or remove it to import everything anew")
        return cls(dict(data.get("items", {})), dict(data.get("media", {})))

    def text(self):
        lines = ["# What `invoke import` wrote: per item of an export, the file and the SHA-256 of its bytes\n",
                 "# (per media file too). A file whose bytes differ was edited since: a new import leaves it\n",
                 "# alone unless given --force. Commit it with the content.\n"]
        for source_id in sorted(self.items):
            entry = self.items[source_id]
            lines.append(f"\n[items.{_toml_string(source_id)}]\npath = {_toml_string(entry['path'])}\n"
                         f"sha256 = {_toml_string(entry['sha256'])}\n")
            if isinstance(entry.get("issue"), int):
                lines.append(f"issue = {entry['issue']}\n")
        for target in sorted(self.media):
            lines.append(f"\n[media.{_toml_string(target)}]\nsha256 = {_toml_string(self.media[target]['sha256'])}\n")
        return "".join(lines)


# --- Staging, the journal and the moves ---------------------------------------------------------------

def _stage(changes, staging):
    """Every file to create or replace, written under ``staging`` (content's layout)."""
    for change in changes:
        if change.action not in ("create", "update"):
            continue
        destination = staging / change.path
        destination.parent.mkdir(parents=True, exist_ok=True)
        if change.data is not None:
            destination.write_bytes(change.data)
        elif change.source is not None and Path(change.source) != destination:
            shutil.copyfile(change.source, destination)


def move_in(site, work_folder, changes):
    """Record the renames in the journal, then do them; the journal goes once all are done."""
    data_last = sorted((c for c in changes if c.action in ("create", "update")),
                       key=lambda c: (c.kind == "data", c.path == MANIFEST))
    moves = [[_relative(site, work_folder / "content" / c.path), _relative(site, site.content / c.path)]
             for c in data_last]
    journal = {"staging": _relative(site, work_folder), "moves": moves}
    write_aside(site.work / JOURNAL, json.dumps(journal, indent=1).encode(), durable=True)
    _replay(site, journal)


def finish_interrupted(site):
    """Replay the journal an import killed during its moves left behind; return how many moves it did."""
    path = site.work / JOURNAL
    if not path.exists():
        return 0
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImporterError(f"{path}: unreadable journal of a stopped import ({exc}); "
                            "check content/ and remove the file") from None
    logger.warning("Finishing the import stopped while moving its files in (%d files)", len(journal["moves"]))
    return _replay(site, journal)


def _replay(site, journal):
    limit = _exit_after_moves()
    done = 0
    for source, destination in journal["moves"]:
        source, destination = site.root / source, site.root / destination
        if not source.exists():
            continue  # moved before the stop
        if limit is not None and done >= limit:
            os._exit(3)  # a test's deterministic kill, midway
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, destination)
        done += 1
    (site.work / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(site.root / journal["staging"], ignore_errors=True)
    return done


def _relative(site, path):
    return Path(os.path.relpath(path, site.root)).as_posix()


def _exit_here(point):
    if os.environ.get(EXIT_HOOK) == point:
        os._exit(3)


def _exit_after_moves():
    value = os.environ.get(EXIT_HOOK, "")
    return int(value.split(":", 1)[1]) if value.startswith("move:") else None


@contextlib.contextmanager
def _import_lock(site):
    """One import at a time in a project: the second stops with one line."""
    descriptor = os.open(site.work / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImporterError(f"{site.work}: another import is running in this project; wait for it") from None
        yield
    finally:
        os.close(descriptor)


# --- Comments and subscribers: the other helpers' steps ------------------------------------------------

def _helper(name):
    """importers.<name>, or None when that module is not there (its step is then said not run)."""
    qualified = f"{__package__}.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise
        return None


def _import_comments(export, site, placed, dry_run, report):
    comments = [c for item in export.items for c in item.comments]
    if not comments:
        return
    config = site.settings.get("COMMENTS") or {}
    provider = config.get("provider", "isso")
    helper = _helper("comments")
    isso_config = site.root / "comments" / "isso.cfg"
    reason = (f"COMMENTS['provider'] is {provider!r}; comments are imported into Isso only" if provider != "isso"
              else "importers/comments.py is not installed" if helper is None
              else f"{isso_config} not found" if not isso_config.exists() else None)
    if reason:
        report.count("comments", "not_imported", len(comments))
        report.note(f"comments not imported: {reason}")
        return
    counts = helper.import_comments(export, dict(placed), isso_config, config.get("thread_per", "pair"), dry_run,
                                    root=site.root)
    report.add_counts("comments", counts)
    for skipped in getattr(counts, "notes", []):
        report.skip(skipped.source_id, skipped.what, skipped.reason)


def _subscriber_destination(site, spec):
    helper = _helper("subscribers")
    if helper is None:
        raise ImporterError(f"--subscribers {spec}: importers/subscribers.py is not installed")
    return helper.destination_from(spec, site.settings)


def _import_subscribers(export, site, destination, dry_run, report):
    if destination is None:
        if export.subscribers:
            report.count("subscribers", "not_imported", len(export.subscribers))
            report.note("subscribers not imported: add --subscribers csv:PATH or --subscribers provider")
        return
    counts = _helper("subscribers").import_subscribers(export.subscribers, destination, site.work, dry_run)
    report.add_counts("subscribers", counts)
    for error in getattr(counts, "errors", []):
        report.note(f"subscribers: {error}")
    if getattr(counts, "stopped", False):
        report.note("subscribers: the provider stopped the import; what was done is recorded, run it again")
        report.provider_failed = True
