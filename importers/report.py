"""What an import did, or would do: counts per kind, the files, and each thing not converted.

The command prints ``lines()``: the counts per kind first, then every thing not
converted (its id or address and why) as the last lines, where a terminal
leaves them in sight; ``--report FILE`` writes ``as_json()``, the same facts.
"""

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field

# The kinds counted, in the order they are printed.
KINDS = ("posts", "pages", "drafts", "issues", "comments", "images", "redirects", "subscribers")


@dataclass
class Planned:
    """One file the import writes, or leaves, and why."""
    path: str            # relative to the project's content folder
    action: str          # create, update, unchanged, kept
    kind: str            # one of KINDS, or "data" for the data files
    source_id: str = ""


@dataclass
class NotConverted:
    id: str
    what: str
    reason: str


@dataclass
class Report:
    format: str
    source: str
    dry_run: bool = True
    counts: dict = field(default_factory=dict)    # kind -> Counter of outcomes
    files: list = field(default_factory=list)     # Planned
    not_converted: list = field(default_factory=list)  # NotConverted
    notes: list = field(default_factory=list)     # lines worth saying once (renumbered issues, a step not run)
    provider_failed: bool = False                 # the mailing provider stopped the subscribers' import

    def count(self, kind, outcome, number=1):
        if number:
            self.counts.setdefault(kind, Counter())[outcome] += number

    def add_counts(self, kind, counts):
        """A helper's counts (a dataclass, a dict or an object of whole numbers) under ``kind``."""
        for outcome, number in _as_dict(counts).items():
            if isinstance(number, int) and not isinstance(number, bool):
                self.count(kind, outcome, number)

    def planned(self, path, action, kind, source_id=""):
        self.files.append(Planned(path, action, kind, source_id))
        self.count(kind, action)

    def skip(self, source_id, what, reason):
        self.not_converted.append(NotConverted(str(source_id), what, reason))

    def note(self, line):
        if line not in self.notes:
            self.notes.append(line)

    # --- output -----------------------------------------------------------------------

    def plan_lines(self):
        """What a dry run would write: one line per file created, updated or kept."""
        verbs = {"create": "create", "update": "replace", "kept": "keep"}
        return [f"{verbs[item.action]:<7} content/{item.path}" + (f"  ({item.source_id})" if item.source_id else "")
                for item in self.files if item.action in verbs]

    def lines(self):
        """The counts per kind, notes, then each thing not converted (last)."""
        head = "Dry run: nothing was written (add --write to import)." if self.dry_run else "Imported."
        lines = [f"{head} {self.format} export {self.source}"]
        for kind in KINDS:
            lines.append(f"  {kind + ':':<13}{_outcomes(self.counts.get(kind), self.dry_run)}")
        lines += [f"  note: {note}" for note in self.notes]
        if self.not_converted:
            lines.append(f"Not converted ({len(self.not_converted)}):")
            lines += [f"  {item.id} ({item.what}): {item.reason}" for item in self.not_converted]
        return lines

    def as_json(self):
        return {
            "format": self.format, "source": self.source, "dry_run": self.dry_run,
            "counts": {kind: dict(self.counts.get(kind, {})) for kind in KINDS},
            "files": [dataclasses.asdict(item) for item in self.files],
            "notes": list(self.notes),
            "not_converted": [dataclasses.asdict(item) for item in self.not_converted],
        }

    def write_json(self, path):
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(self.as_json(), stream, ensure_ascii=False, indent=2)
            stream.write("\n")


# How an outcome reads in a dry run (what would happen) and after --write.
_WORDS = {
    "create": ("to create", "created"), "update": ("to replace", "replaced"), "unchanged": ("unchanged", "unchanged"),
    "kept": ("kept (edited since the import)", "kept (edited since the import)"),
    "fetch": ("to download", "downloaded"), "missing": ("missing", "missing"),
    "imported": ("to import", "imported"), "added": ("to add", "added"),
    "already": ("already there", "already there"), "already_there": ("already there", "already there"),
    "not_imported": ("not imported (see the notes)", "not imported (see the notes)"),
}


def _outcomes(counter, dry_run):
    if not counter:
        return "0"
    parts = []
    for outcome, number in counter.items():
        words = _WORDS.get(outcome)
        parts.append(f"{number} {words[0 if dry_run else 1] if words else outcome.replace('_', ' ')}")
    return ", ".join(parts)


def _as_dict(counts):
    if counts is None:
        return {}
    if dataclasses.is_dataclass(counts):
        return dataclasses.asdict(counts)
    if isinstance(counts, dict):
        return dict(counts)
    return {name: value for name, value in vars(counts).items() if not name.startswith("_")}
