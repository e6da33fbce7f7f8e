"""Old addresses of an export and where they lead now: ``content/data/redirects.toml``.

The file is the editor's as much as the importer's: one line per old address,
its target a source file under content/ or ``category:<slug>``,
``tag:<slug>``, ``feed:<lang>``. An import only adds lines; the build
(plugins/redirects) turns them into pages and server rules.
"""

from __future__ import annotations

import json
import logging
import tomllib
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from .model import Export, FormatError, Item

logger = logging.getLogger(__name__)

FILE = "data/redirects.toml"  # under content/
HEADER = """\
# Old addresses (from an import) and where they lead now. Targets: a source file under content/,
# or category:<slug>, tag:<slug>, feed:<lang>. Edit freely; `invoke import` only adds lines.
"""


@dataclass
class RedirectCounts:
    added: int = 0
    already: int = 0      # the same line was there
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # (old, kept target, new target)


def normalised(address: str) -> str:
    """An old address as the file keeps it: path and query only, percent-decoded, with its leading
    slash ("?p=123" becomes "/?p=123", "https://old.example/a%C3%A9/" becomes "/aé/")."""
    parts = urlsplit(address.strip())
    path = unquote(parts.path) or "/"
    if not path.startswith("/"):
        path = "/" + path
    return f"{path}?{unquote(parts.query)}" if parts.query else path


def new_path(item: Item, primary: str = "fr") -> str | None:
    """Where the project's URL patterns put ``item`` (pelicanconf.py): an old address equal to it
    needs no redirect. None for kinds whose address depends on more than the slug."""
    prefix = "/" if item.lang == primary else f"/{item.lang}/"
    if item.kind == "post":
        return f"{prefix}{item.slug}/"
    if item.kind == "page":
        return f"{prefix}pages/{item.slug}/"
    return None


def redirects_for(export: Export, placed: dict[str, str], primary: str = "fr") -> dict[str, str]:
    """{old address: target} for the items written (``placed``: source_id -> the written file's path
    under content/) and the export's other old addresses (categories, tags, feeds)."""
    found = {}
    for item in export.items:
        target = placed.get(item.source_id)
        if target is None:
            continue  # not written (skipped): nothing to lead to
        for address in item.old_urls:
            old = normalised(address)
            if old != new_path(item, primary):
                found.setdefault(old, target)
    for address, target in export.old_urls.items():
        found.setdefault(normalised(address), target)
    return found


def _line(old: str, target: str) -> str:
    # JSON's string escapes are TOML's basic string escapes.
    return f"{json.dumps(old, ensure_ascii=False)} = {json.dumps(target, ensure_ascii=False)}\n"


def merged_redirects(existing_text: str | None, new: dict[str, str],
                     path: str = f"content/{FILE}") -> tuple[str, RedirectCounts]:
    """The file's text with the lines of ``new`` it lacks added, sorted, after its own lines and
    comments (kept as they are). An old address the file already leads elsewhere keeps the file's
    target (the editor's word) and is counted as a conflict. Raises FormatError for a file that is
    not TOML."""
    existing = {}
    if existing_text:
        try:
            existing = {normalised(old): target for old, target in tomllib.loads(existing_text).items()}
        except tomllib.TOMLDecodeError as error:
            raise FormatError(path, f"not valid TOML: {error}") from None
    counts = RedirectCounts()
    added = []
    for old, target in sorted(new.items()):
        kept = existing.get(old)
        if kept is None:
            added.append(_line(old, target))
            counts.added += 1
        elif kept == target:
            counts.already += 1
        else:
            counts.conflicts.append((old, kept, target))
    text = existing_text if existing_text else HEADER
    if added and not text.endswith("\n"):
        text += "\n"
    return text + "".join(added), counts
