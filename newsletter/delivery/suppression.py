"""The suppression list: readers who must never be written to again.

An unsubscribe (the one-click endpoint, the mailto), a hard bounce, a
complaint or the editor's own decision each add one line to a JSON Lines
file kept beside the subscribers file, in its private folder (outside the
repository):

    {"hmac": "3f1c…", "reason": "unsubscribe", "date": "2026-12-07"}

The address itself is never written: only an HMAC-SHA256 of it (the address
with its domain in ASCII, all in lower case), keyed with a secret from the
environment (``NEWSLETTER_SECRET``). Whoever reads the file cannot tell who is
on it; whoever holds the secret and an address can tell whether it is.
The same secret signs the unsubscribe links (``newsletter.unsubscribe``), each
use with its own derived key.

API (for the sending backend, the unsubscribe endpoint and the mailbox
command):

    secret = secret_from_environment()                 # ConfigurationError when unset
    path = default_path("../private/subscribers.csv")  # ../private/subscribers.private/suppressed.jsonl
    suppressed = SuppressionList(path, secret)
    suppressed.add("claire@example.org", "bounce")     # True: added; False: already there
    "Claire@Example.org" in suppressed                 # True
    suppressed.add_digest(digest, "unsubscribe")       # by HMAC (hex), as the endpoint's token carries it
    suppressed.digest("claire@example.org")            # that HMAC; suppressed.digests(): all, read once
    suppressed.counts()                                # {"bounce": 1}
    prepare_private_folder(path.parent)                # created owner-only; refused where git would add it

Lines are appended under an exclusive ``flock`` and fsync'd, so the endpoint
(several threads) and the mailbox command may add at the same time; a line
torn by a crash is skipped when read. A long-running reader (the endpoint)
sees other processes' additions: the file is read again when it changed.

When the endpoint runs on another machine, fetch its file beside this one
under another name (``suppressed.endpoint.jsonl``: any ``suppressed.*.jsonl``):
those copies are read with it, never written, so nobody's line is lost by a
copy made over another.
"""

import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

from .errors import ConfigurationError
from .subscribers import normalise_address

logger = logging.getLogger(__name__)

SECRET_VARIABLE = "NEWSLETTER_SECRET"
# Shorter secrets are refused: the HMAC is only as strong as the key.
MIN_SECRET_LENGTH = 16
FILE_NAME = "suppressed.jsonl"
HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
REASONS = ("unsubscribe", "bounce", "soft-bounce", "complaint", "manual")


class SuppressionError(ConfigurationError):
    """The suppression list cannot be read or written."""


def secret_from_environment(environ=None):
    """The secret (bytes) behind the suppression list and the unsubscribe tokens."""
    environ = os.environ if environ is None else environ
    secret = environ.get(SECRET_VARIABLE, "")
    if not secret:
        raise ConfigurationError(
            f"{SECRET_VARIABLE} is not set: export a long random secret (e.g. the output of "
            "`openssl rand -hex 32`), the same for sending, the unsubscribe endpoint and the mailbox command",
            provider="smtp")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(f"{SECRET_VARIABLE} is {len(secret)} characters long; use at least "
                                 f"{MIN_SECRET_LENGTH} random ones (e.g. `openssl rand -hex 32`)", provider="smtp")
    return secret.encode("utf-8")


def derived_key(secret, purpose):
    """A key of its own for each use of the one secret (suppression, unsubscribe tokens)."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    return hmac.new(secret, f"newsletter/{purpose}".encode("ascii"), hashlib.sha256).digest()


def private_folder(subscribers_path, configured=None):
    """Where the files about readers live: ``configured`` or ``<stem>.private/`` beside the CSV."""
    if configured:
        return Path(configured)
    subscribers_path = Path(subscribers_path)
    return subscribers_path.with_name(f"{subscribers_path.stem}.private")


def default_path(subscribers_path, configured_folder=None):
    """The suppression list of a subscribers file."""
    return private_folder(subscribers_path, configured_folder) / FILE_NAME


def canonical_address(address):
    """The form that is hashed: the domain in ASCII, everything in lower case."""
    try:
        address = normalise_address(address)
    except ValueError:
        address = address.strip()
    return address.lower()


def address_digest(secret, address):
    """The HMAC (hex) that stands for ``address`` in a suppression list kept with ``secret``."""
    return _hmac_hex(derived_key(secret, "suppression"), address)


def _hmac_hex(key, address):
    return hmac.new(key, canonical_address(address).encode("utf-8"), hashlib.sha256).hexdigest()


class SuppressionList:
    """Readers not to be written to, by keyed hash. ``key``: the secret (bytes or str)."""

    def __init__(self, path, key):
        self.path = Path(path)
        self._key = derived_key(key, "suppression")
        self._entries = {}
        self._seen_state = None

    def digest(self, address):
        """The HMAC (hex) that stands for ``address`` in the file."""
        return _hmac_hex(self._key, address)

    def __contains__(self, address):
        self._refresh()
        return self.digest(address) in self._entries

    def __len__(self):
        self._refresh()
        return len(self._entries)

    def add(self, address, reason="manual", when=None):
        """Add a reader; True when added, False when already there (the first reason and date are kept)."""
        return self.add_digest(self.digest(address), reason, when)

    def digests(self):
        """Every HMAC on the list now (copies included), to test many readers with one read."""
        self._refresh()
        return frozenset(self._entries)

    def has_digest(self, digest):
        """Whether the reader whose HMAC is ``digest`` (as ``digest()`` gives it) is on the list."""
        self._refresh()
        return digest in self._entries

    def add_digest(self, digest, reason="manual", when=None):
        """``add`` for a reader known by HMAC only (the unsubscribe endpoint never sees the address)."""
        if reason not in REASONS:
            raise ValueError(f"reason {reason!r}: one of {', '.join(REASONS)}")
        if not HEX_DIGEST.match(digest):
            raise ValueError("not an HMAC-SHA256 in hexadecimal")
        record = {"hmac": digest, "reason": reason, "date": _day(when)}
        try:
            added = self._append(digest, record)
        except (OSError, UnicodeDecodeError) as exc:
            raise SuppressionError(f"{self.path}: cannot be written ({getattr(exc, 'strerror', None) or exc})",
                                   provider="smtp") from None
        if added:
            logger.info("%s: one reader added (%s)", self.path, reason)
        return added

    def _append(self, digest, record):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # another process may be adding the same reader
            try:
                text = handle.read()
                self._load("\n".join([text.decode("utf-8"), *(copy.read_text(encoding="utf-8")
                                                                for copy in self.copies())]))
                if digest in self._entries:
                    return False
                # A line torn by a crash may lack its line end: start on a line of our own.
                lead = b"\n" if text and not text.endswith(b"\n") else b""
                handle.write(lead + json.dumps(record).encode("utf-8") + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
                self._entries[digest] = record
                self._seen_state = None  # read again, copies included, when next asked
                return True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def counts(self):
        """How many readers per reason."""
        self._refresh()
        counts = {}
        for record in self._entries.values():
            reason = record.get("reason", "manual")
            counts[reason] = counts.get(reason, 0) + 1
        return counts

    def copies(self):
        """Copies fetched from elsewhere beside the file (``suppressed.*.jsonl``): read, never written."""
        if not self.path.parent.is_dir():
            return []
        return sorted(self.path.parent.glob(f"{self.path.stem}.*{self.path.suffix}"))

    def _refresh(self):
        sources = [self.path, *self.copies()]
        state = tuple((source, _state(source)) for source in sources)
        if state == self._seen_state:
            return
        texts = []
        for source, seen in state:
            try:
                texts.append(source.read_text(encoding="utf-8") if seen else "")
            except (OSError, UnicodeDecodeError) as exc:
                raise SuppressionError(f"{source}: cannot be read ({exc}); restore it from a backup before sending: "
                                       "the readers on it must not be written to", provider="smtp") from None
        self._load("\n".join(texts))
        self._seen_state = state

    def _load(self, text):
        entries = {}
        for line in text.splitlines():
            try:
                record = json.loads(line)
                digest = record["hmac"]
            except (ValueError, TypeError, KeyError):
                continue  # a line torn by a crash: its reader was not confirmed
            entries.setdefault(digest, record)
        self._entries = entries


def _state(path):
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def _day(when):
    if when is None:
        return datetime.now(timezone.utc).date().isoformat()
    if isinstance(when, datetime):
        return (when.astimezone(timezone.utc) if when.tzinfo else when).date().isoformat()
    if isinstance(when, date):
        return when.isoformat()
    return date.fromisoformat(str(when)[:10]).isoformat()


def prepare_private_folder(folder):
    """Create the folder (owner only) and refuse it inside a git work tree that would pick it up.

    Readers' addresses (the sends' journals) and the suppression list live there: a site
    repository is often public, so a folder git would add is a ConfigurationError.
    """
    folder = Path(folder).resolve()
    refuse_inside_repository(folder / FILE_NAME, "NEWSLETTER['delivery']['smtp']['private_folder']")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"{folder}: cannot be created ({exc.strerror or exc})", provider="smtp") from None
    return folder


def refuse_inside_repository(path, setting):
    """ConfigurationError when git would pick up ``path`` (a file about readers) by default."""
    path = Path(path).resolve()  # "../private" is outside, whatever the spelling
    repository = _work_tree(path.parent)
    if repository is not None and not _ignored(repository, path):
        raise ConfigurationError(
            f"{path.parent} is inside the git repository {repository} and not ignored: readers' addresses would "
            f"be committed. Keep the subscribers file outside the repository (e.g. ../private/subscribers.csv), "
            f"set {setting} outside it, or add the folder to .gitignore", provider="smtp")


def _work_tree(folder):
    for parent in (folder, *folder.parents):
        if (parent / ".git").exists():
            return parent
    return None


def _ignored(repository, path):
    """Whether git ignores ``path`` (asked to git itself, which knows every ignore file)."""
    try:
        done = subprocess.run(["git", "-C", str(repository), "check-ignore", "-q", "--no-index", str(path)],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False  # cannot tell: assume the worst
    return done.returncode == 0
