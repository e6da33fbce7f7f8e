"""An export's readers brought in exactly once: into a CSV file or to the configured provider.

    destination = destination_from("provider", pelican_settings)    # or "csv:../private/subscribers.csv"
    counts = import_subscribers(export.subscribers, destination, Path("cache/imports"), dry_run=False)

The CSV is the list the SMTP backend reads (newsletter/delivery/subscribers.py):
new readers are appended to the file's own bytes, which are otherwise kept,
and the whole is written aside and renamed (mode 0600). A provider gets one
creation per reader and language through its backend's ``add_subscriber``
(the delivery's HTTP client, error mapping and retries); an address it holds
already counts as already there.

Exactly once: a journal per destination in ``state_dir`` gets a line right
after each reader is done (fsync'd); nothing is written before the request, as
a kill between the request and the line is covered by the provider's "already
exists". Run again, an import skips what its journal lists. A reader the
journal lists but the CSV no longer holds was removed by hand: not added back.

Readers who unsubscribed go to a suppression list (in ``state_dir``, and
beside a CSV destination) and are never subscribed by this import or a later
one; unconfirmed readers are not imported (they need a new double opt-in).
Nobody is sent anything.

Addresses are personal data: they are never logged or put in a message, and
the journals and suppression lists hold only keyed hashes (HMAC-SHA256, with
a random key kept beside each list), never an address.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from importers.model import ImporterError
from newsletter.delivery import config as delivery_config
from newsletter.delivery.base import ADDED, BaseBackend
from newsletter.delivery.errors import AuthenticationError, DeliveryError, InvalidRequest, blank
from newsletter.delivery.subscribers import LANG, normalise_address
from sitekit.file_aside import write_aside

logger = logging.getLogger(__name__)

CSV_COLUMNS = ("email", "lang", "consent_date", "source")
SUPPRESSED = "suppressed"       # the suppression list's name in state_dir
MAX_FAILURES_IN_A_ROW = 5       # refusals one after another: the settings, not the readers, are wrong
MAX_ERRORS_LISTED = 5


class SubscriberImportError(ImporterError):
    """The destination cannot be used (a path under content/, bad settings, an unreadable list)."""


@dataclass
class SubscriberCounts:
    added: int = 0
    already_there: int = 0
    suppressed: int = 0          # unsubscribed: never subscribed again
    unconfirmed: int = 0         # never confirmed: they need a new double opt-in, not an import
    no_consent: int = 0          # no consent date in the export: nothing is sent without consent
    invalid: int = 0             # not an address, an unknown language or status
    failed: int = 0
    not_reached: int = 0         # left for the next run after a failure stopped this one
    errors: list[str] = field(default_factory=list)   # the providers' one-line errors, without addresses
    dry_run: bool = False

    @property
    def stopped(self):
        return self.not_reached > 0

    def summary(self):
        """One line of counts, for the command's report (never an address)."""
        verb = "would be added" if self.dry_run else "added"
        parts = [f"{self.added} {verb}", f"{self.already_there} already there",
                 f"{self.suppressed} suppressed (unsubscribed)",
                 f"{self.unconfirmed} unconfirmed (need a new double opt-in)"]
        for count, what in ((self.no_consent, "without a consent date"), (self.invalid, "invalid"),
                            (self.failed, "failed"), (self.not_reached, "left for the next run")):
            if count:
                parts.append(f"{count} {what}")
        return "subscribers: " + ", ".join(parts)


# Where they go.

class CsvList:
    """The readers' CSV the SMTP backend reads: email,lang,consent_date (and source)."""

    def __init__(self, path):
        self.path = Path(path)

    @property
    def journal_name(self):
        return "csv-" + _short_hash(str(self.path.resolve()))

    @property
    def suppression_path(self):
        return self.path.with_name(f"{self.path.stem}.{SUPPRESSED}.jsonl")

    def read(self):
        """(raw bytes, delimiter, column names, {(address, lang)}) of the file as it is."""
        if not self.path.exists():
            return b"", ",", list(CSV_COLUMNS), set()
        raw = self.path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SubscriberImportError(f"{self.path}: not UTF-8 text; cannot add readers to it") from None
        delimiter = _delimiter(text)
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                if any(cell.strip() for cell in row)]
        names = [cell.strip().lower() for cell in rows[0]] if rows else []
        if rows and ("email" not in names or "lang" not in names):
            raise SubscriberImportError(f"{self.path}: not a list of readers (its first line names no email and "
                                        "lang columns)")
        if not rows:
            return raw, delimiter, list(CSV_COLUMNS), set()
        present = {(_comparable(row[names.index("email")]), row[names.index("lang")].strip().lower())
                   for row in rows[1:] if len(row) == len(names)}
        return raw, delimiter, names, present

    def write(self, raw, delimiter, names, new_rows):
        """The file's bytes as they were, the new rows after them, renamed into place (mode 0600)."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        if not raw:
            writer.writerow(names)
        for row in new_rows:
            writer.writerow([row.get(name, "") for name in names])
        if raw and not raw.endswith(b"\n"):
            raw += b"\n"
        _private_folder(self.path.parent)
        write_aside(self.path, raw + out.getvalue().encode("utf-8"), permissions=0o600, durable=True)


def destination_from(spec, pelican_settings):
    """A CsvList for "csv:PATH", the configured delivery backend (not opened) for "provider"."""
    kind, _, rest = spec.partition(":")
    if kind == "csv" and rest:
        return csv_destination(rest, pelican_settings, explicit=True)
    if spec == "provider":
        return _configured_provider(pelican_settings)
    raise SubscriberImportError(f"{spec!r}: the readers' destination is csv:PATH or provider")


def csv_destination(path, pelican_settings, explicit):
    """A CsvList, refused under the site's content folder (it would be published and committed),
    and inside the git work tree unless the editor named the path."""
    path = Path(path).expanduser()
    resolved = path.resolve()
    content = Path(pelican_settings.get("PATH") or "content").resolve()
    if resolved == content or content in resolved.parents:
        raise SubscriberImportError(f"{path}: inside the site's content folder; readers' addresses must never be "
                                    "published or committed: choose a path outside it, e.g. "
                                    "../private/subscribers.csv")
    tree = _work_tree(resolved.parent)
    if tree is not None and not explicit:
        raise SubscriberImportError(f"{path}: inside the git work tree {tree}, where it could be committed; give "
                                    "csv:PATH to write there anyway, or a path outside it")
    return CsvList(path)


def _configured_provider(pelican_settings):
    newsletter = pelican_settings.get("NEWSLETTER") or {}
    given = newsletter.get("delivery") if isinstance(newsletter, dict) else None
    try:
        settings = delivery_config.load(given)
    except DeliveryError as error:
        raise SubscriberImportError(f"NEWSLETTER['delivery']: {error}") from None
    backend = settings["backend"]
    if backend == "smtp":
        if not settings["smtp"].get("subscribers"):
            raise SubscriberImportError("NEWSLETTER['delivery']['smtp']['subscribers'] names no CSV file; set it "
                                        "or give csv:PATH")
        return csv_destination(settings["smtp"]["subscribers"], pelican_settings, explicit=False)
    if backend == "outbox":
        raise SubscriberImportError("NEWSLETTER['delivery']['backend'] is 'outbox', which keeps no readers: "
                                    "configure a provider or give csv:PATH")
    return delivery_config.open_backend(settings)


# The lists of hashes: the journals and the suppression lists.

class HashList:
    """A JSON-lines file of keyed hashes (HMAC-SHA256), its random key in a ``.key`` file beside it.

    ``write=False`` (a dry run) keeps the additions in memory and writes nothing.
    """

    def __init__(self, path, write=True):
        self.path = Path(path)
        self.key_path = self.path.with_suffix(".key")
        self.write = write
        self._key = self._load_key()
        self._hashes, self._torn = self._load()

    def __contains__(self, text):
        return self._digest(text) in self._hashes

    def add(self, text, **fields):
        """Record ``text`` (fsync'd) unless it is there already."""
        digest = self._digest(text)
        if digest in self._hashes:
            return
        self._hashes.add(digest)
        if not self.write:
            return
        line = ("\n" if self._torn else "") + json.dumps({"hash": digest, **fields}) + "\n"
        self._torn = False
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def _digest(self, text):
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def _load_key(self):
        if self.key_path.exists():
            try:
                return bytes.fromhex(self.key_path.read_text().strip())
            except ValueError:
                raise SubscriberImportError(f"{self.key_path}: not a key (hexadecimal)") from None
        if self.path.exists() and self.path.stat().st_size:
            raise SubscriberImportError(f"{self.path}: its key {self.key_path.name} is missing, so the list cannot "
                                        "be read; restore the key from a backup")
        key = secrets.token_bytes(32)
        if self.write:
            _private_folder(self.key_path.parent)
            write_aside(self.key_path, key.hex().encode() + b"\n", permissions=0o600, durable=True)
        return key

    def _load(self):
        """The hashes, and whether the last line was cut short (a kill in the middle of a write)."""
        if not self.path.exists():
            return set(), False
        text = self.path.read_text(encoding="utf-8", errors="replace")
        hashes = set()
        for line in text.splitlines():
            try:
                hashes.add(json.loads(line)["hash"])
            except (ValueError, KeyError, TypeError):
                continue   # a torn line: its subscriber was not recorded, so is asked for again
        return hashes, bool(text) and not text.endswith("\n")


class SendingSuppression:
    """The suppression list every SMTP send honours (newsletter/delivery/suppression.py), beside the
    CSV: the export's unsubscribed readers go there, so a send skips them even if someone puts them
    back in the CSV by hand."""

    def __init__(self, listed, write=True):
        self.listed, self.write, self.added = listed, write, set()

    def __contains__(self, address):
        return address in self.added or address in self.listed

    def add(self, address, **fields):
        self.added.add(address)
        if self.write:
            self.listed.add(address, "unsubscribe")


def _sending_suppression(destination, dry_run):
    """The sends' own list when NEWSLETTER_SECRET is set (it keys that list), else None."""
    from newsletter.delivery import suppression

    try:
        secret = suppression.secret_from_environment()
    except DeliveryError:
        return None
    path = suppression.default_path(destination.path)
    if not dry_run:
        suppression.prepare_private_folder(path.parent)
    return SendingSuppression(suppression.SuppressionList(path, secret), write=not dry_run)


class Suppression:
    """Addresses never to be subscribed again, in every list given (state_dir's, the CSV's)."""

    def __init__(self, lists):
        self.lists = lists

    def add(self, address):
        for hashes in self.lists:
            hashes.add(_comparable(address), date=date.today().isoformat())

    def __contains__(self, address):
        return any(_comparable(address) in hashes for hashes in self.lists)


# The import.

def import_subscribers(subscribers, destination, state_dir: Path, dry_run: bool) -> SubscriberCounts:
    """Each subscribed reader once into ``destination`` (a CsvList, a CSV path or a delivery backend)."""
    if isinstance(destination, (str, Path)):
        destination = CsvList(destination)
    state_dir = Path(state_dir)
    if not dry_run:
        _private_folder(state_dir)
    counts = SubscriberCounts(dry_run=dry_run)
    lists = [HashList(state_dir / f"{SUPPRESSED}.jsonl", write=not dry_run)]
    if isinstance(destination, CsvList):
        lists.append(_sending_suppression(destination, dry_run) or
                     HashList(destination.suppression_path, write=not dry_run))
    todo = _sorted_out(subscribers, Suppression(lists), counts)
    journal = HashList(state_dir / f"subscribers-{_journal_name(destination)}.jsonl", write=not dry_run)
    if isinstance(destination, CsvList):
        _into_csv(todo, destination, journal, counts, dry_run)
    else:
        _to_provider(todo, destination, journal, counts, dry_run)
    logger.info("%s", counts.summary())
    return counts


@dataclass
class _Reader:
    address: str
    lang: str
    consent_date: datetime
    source: str

    @property
    def key(self):
        """What the journal hashes: a reader of both languages is two readers."""
        return f"{self.lang} {_comparable(self.address)}"


def _sorted_out(subscribers, suppression, counts):
    """The readers to import; the unsubscribed recorded first, so that another entry of the
    same address (in this export or a later one) is never subscribed."""
    checked = []
    for subscriber in subscribers:
        address = _address(subscriber.email)
        lang = (subscriber.lang or "").strip().lower()
        if address is None or not LANG.match(lang) or \
                subscriber.status not in ("subscribed", "unsubscribed", "unconfirmed"):
            counts.invalid += 1
        elif subscriber.status == "unsubscribed":
            suppression.add(address)
            counts.suppressed += 1
        else:
            checked.append((address, lang, subscriber))
    todo = []
    for address, lang, subscriber in checked:
        if address in suppression:
            counts.suppressed += 1
        elif subscriber.status == "unconfirmed":
            counts.unconfirmed += 1
        elif not _consented(subscriber.consent_date):
            counts.no_consent += 1
        else:
            todo.append(_Reader(address, lang, subscriber.consent_date, subscriber.source or ""))
    return todo


def _into_csv(todo, destination, journal, counts, dry_run):
    raw, delimiter, names, present = destination.read()
    new_rows, done = [], []
    for reader in todo:
        if reader.key in journal or (_comparable(reader.address), reader.lang) in present:
            counts.already_there += 1
            continue
        present.add((_comparable(reader.address), reader.lang))
        new_rows.append({"email": reader.address, "lang": reader.lang,
                         "consent_date": _stamp(reader.consent_date), "source": reader.source})
        done.append(reader)
        counts.added += 1
    if new_rows and not dry_run:
        destination.write(raw, delimiter, names, new_rows)
    # After the rename: the file is the record, and the journal follows it.
    for reader in done:
        journal.add(reader.key, outcome=ADDED, at=_today())


def _to_provider(todo, backend, journal, counts, dry_run):
    if dry_run:
        for reader in todo:
            if reader.key in journal:
                counts.already_there += 1
            else:
                journal.add(reader.key)   # in memory: a second entry of the same reader
                counts.added += 1
        return
    with _opened(backend), _urls_unlogged():
        failures_in_a_row = 0
        for index, reader in enumerate(todo):
            if reader.key in journal:
                counts.already_there += 1
                continue
            error = _add_one(backend, reader, journal, counts)
            failures_in_a_row = failures_in_a_row + 1 if error else 0
            if error and (_stops(error) or failures_in_a_row >= MAX_FAILURES_IN_A_ROW):
                counts.not_reached = len(todo) - index - 1
                logger.error("subscribers: stopped after a failure; run the import again to resume")
                return


def _add_one(backend, reader, journal, counts):
    """One reader to the provider, journaled right after its answer; the error, if any."""
    try:
        outcome = backend.add_subscriber(reader.address, reader.lang, reader.consent_date, reader.source)
    except DeliveryError as error:
        counts.failed += 1
        _note(counts, error, reader)
        return error
    journal.add(reader.key, outcome=outcome, at=_today())
    if outcome == ADDED:
        counts.added += 1
    else:
        counts.already_there += 1
    return None


@contextlib.contextmanager
def _opened(backend):
    """The backend opened; no credentials (say) is one line for the editor, before any reader."""
    try:
        backend.open()
    except DeliveryError as error:
        raise SubscriberImportError(f"NEWSLETTER['delivery']: {error}") from None
    try:
        yield backend
    finally:
        backend.close()


@contextlib.contextmanager
def _urls_unlogged():
    """urllib3 logs each URL at DEBUG, query included, and a look-up of a held reader
    (Buttondown's, listmonk's) carries their address in it: not while importing."""
    pool = logging.getLogger("urllib3.connectionpool")
    previous = pool.level
    pool.setLevel(max(previous, logging.INFO))
    try:
        yield
    finally:
        pool.setLevel(previous)


def _stops(error):
    """A refusal of one reader (a 400 for a blocked address) lets the others go on; anything
    else (credentials, settings, an unreachable or overloaded provider, a wrong URL) stops."""
    return not isinstance(error, InvalidRequest) or isinstance(error, AuthenticationError) or error.status == 404


def _note(counts, error, reader):
    message = blank(str(error), [reader.address, _comparable(reader.address)])
    message = " ".join(message.split())
    if message not in counts.errors and len(counts.errors) < MAX_ERRORS_LISTED:
        counts.errors.append(message)


# Small helpers.

def _address(text):
    try:
        return normalise_address(text or "")
    except ValueError:
        return None


def _comparable(address):
    """Addresses compared as the SMTP list compares them (newsletter/delivery/subscribers.py)."""
    return address.strip().lower()


def _consented(moment):
    """A consent date, and not in the future (the SMTP backend's list would refuse the file)."""
    if moment is None:
        return False
    if isinstance(moment, datetime):
        moment = (moment.astimezone(timezone.utc) if moment.tzinfo else moment).date()
    return moment <= datetime.now(timezone.utc).date() + timedelta(days=1)


def _stamp(moment):
    return moment.isoformat(timespec="seconds") if isinstance(moment, datetime) else moment.isoformat()


def _today():
    return datetime.now(timezone.utc).date().isoformat()


def _journal_name(destination):
    if isinstance(destination, CsvList):
        return destination.journal_name
    if isinstance(destination, BaseBackend):
        where = destination.config.get("base_url") or destination.config.get("url") or ""
        return f"{destination.name}-{_short_hash(str(where))}"
    raise TypeError(f"not a destination for readers: {destination!r}")


def _short_hash(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _delimiter(text):
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _private_folder(folder):
    """Made readable by its owner only when it is new; an existing folder is left as it is."""
    Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)


def _work_tree(folder):
    """The git work tree holding ``folder``, or None."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None
