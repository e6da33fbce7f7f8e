"""The ledger: what was created and sent, per issue, language and provider.

A JSON file committed with the content (content/newsletter/ledger.json by
default). Every change is written atomically (a temporary file beside it,
flushed, then renamed over it) *before* the provider call it announces, so a
run killed at any point leaves an intent the next run can reconcile.

Readers of a CSV list (SMTP) are recorded in an append-only journal, one
line per recipient, so a run cut off half-way resumes where it was. The
journal holds addresses, so the SMTP backend keeps it beside the subscribers
file, outside the repository (``Journal.moved_to``); a journal an older
version wrote beside the ledger (``ledger.d/``) is moved there on the first
run. The ledger itself holds no address: a test send records how many
recipients it had, not who.
"""

import fcntl
import json
import logging
import os
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

logger = logging.getLogger(__name__)

VERSION = 1

# States of an entry. The -ing ones are intents: the call may or may not have happened.
CREATING, DRAFT, SCHEDULING, SCHEDULED, SENDING, SENT = (
    "creating", "draft", "scheduling", "scheduled", "sending", "sent")


class LedgerError(RuntimeError):
    """The ledger file cannot be read or is held by another run."""


class Ledger:
    def __init__(self, path):
        self.path = Path(path)
        self._data = None

    @contextmanager
    def locked(self):
        """One publishing run at a time: a second one stops instead of racing the first."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LedgerError(f"{self.path} is in use by another publishing run; wait for it to finish") from None
            self._data = self._read()
            try:
                yield self
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def entry(self, key, provider):
        return self.data["entries"].get(key, {}).get(provider)

    def entries(self):
        """(key, provider, entry) for every entry, in key order."""
        for key in sorted(self.data["entries"]):
            for provider, entry in sorted(self.data["entries"][key].items()):
                yield key, provider, entry

    def record(self, key, provider, **changes):
        """Apply ``changes`` to the entry, stamp the time, and write the file before returning."""
        now = _now()
        entry = self.data["entries"].setdefault(key, {}).setdefault(provider, {"created_at": now})
        entry.update(changes)
        entry["updated_at"] = now
        if changes.get("state") == SENT:
            entry.setdefault("sent_at", now)
        self._write()
        return entry

    def journal(self, key, provider):
        return Journal(self.path.with_name(f"{self.path.stem}.d") / f"{key}.{provider}.jsonl")

    @property
    def data(self):
        if self._data is None:
            self._data = self._read()
        return self._data

    def _read(self):
        if not self.path.exists():
            return {"version": VERSION, "entries": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise LedgerError(f"{self.path} cannot be read ({exc}); restore it from git before publishing") from None
        if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
            raise LedgerError(f"{self.path} is not a ledger (no 'entries'); restore it from git before publishing")
        return data

    def _write(self):
        text = json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        atomic_write(self.path, text.encode("utf-8"))


class Journal:
    """Recipients of one campaign sent one by one: 'sending' before, 'sent' after each."""

    def __init__(self, path):
        self.path = Path(path)
        self._states = self._read()

    def moved_to(self, folder):
        """This journal kept in ``folder`` instead; a file already written here is moved there first.

        The move is a copy made durable, then the old file removed: a run killed in between
        finds both, and the lines are merged again (every line is a state, the last one counts).
        """
        target = Path(folder) / self.path.name
        if self.path.absolute() == target.absolute():
            return self
        if self.path.exists():
            older = self.path.read_bytes()
            newer = target.read_bytes() if target.exists() else b""
            if older and not older.endswith(b"\n"):
                older += b"\n"  # a line torn by a crash stays unreadable, and the next one whole
            atomic_write(target, older + newer, mode=0o600)
            self.path.unlink()
            try:
                self.path.parent.rmdir()  # ledger.d/, once empty
            except OSError:
                pass
            logger.warning("moved the journal %s to %s: readers' addresses are kept beside the subscribers file, "
                           "out of the repository", self.path, target)
        return Journal(target)

    def is_sent(self, address):
        return self._states.get(address.lower()) == SENT

    def sending(self, address):
        self._append(address, SENDING)

    def sent(self, address):
        self._append(address, SENT)

    def counts(self):
        sent = sum(1 for state in self._states.values() if state == SENT)
        return {"sent": sent, "interrupted": len(self._states) - sent}

    def _append(self, address, state):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": address.lower(), "state": state, "at": _now()}) + "\n"
        # Owner only: the lines name readers.
        with os.fdopen(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "w",
                       encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self._states[address.lower()] = state

    def _read(self):
        states = {}
        if not self.path.exists():
            return states
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line torn by a crash: that recipient was not confirmed
            states[record["to"]] = record["state"]
        return states


def atomic_write(path, data, mode=0o644):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _now():
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
