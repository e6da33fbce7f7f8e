"""What the mailbox command keeps between runs, beside the suppression list (outside the repository).

    {"soft_bounces": {"<hmac of the address>": {"letters": ["<digest>", …], "last": "2026-12-07"}}}

For each reader, by keyed hash (the suppression list's HMAC), never by
address: the letters their server deferred or gave up on with a temporary
failure, each by a digest of its Message-ID, so the same letter reported
twice (a "delayed" notice, then a final one; a run cut off before the move)
counts once. A reader is suppressed once the count reaches the threshold,
and their entry dropped; an entry not added to for ``KEEP_DAYS`` is dropped
too (the trouble has passed).

The file is written aside, fsync'd and renamed over the old one, so a crash
leaves either the old or the new state, never half of one.
"""

import json
import logging
from datetime import date, timedelta
from pathlib import Path

from ..delivery.errors import ConfigurationError
from ..delivery.ledger import atomic_write

logger = logging.getLogger(__name__)

FILE_NAME = "mailbox-state.json"
KEEP_DAYS = 90


class MailboxState:
    def __init__(self, path):
        self.path = Path(path)
        data = self._read()
        cutoff = (date.today() - timedelta(days=KEEP_DAYS)).isoformat()
        self.soft_bounces = {digest: entry for digest, entry in data.get("soft_bounces", {}).items()
                             if entry.get("last", "") >= cutoff}

    def count_soft_bounce(self, digest, letter, today):
        """Count ``letter`` (a digest) for the reader ``digest`` once: (the reader's count, whether it is new)."""
        entry = self.soft_bounces.setdefault(digest, {"letters": [], "last": today})
        if letter in entry["letters"]:
            return len(entry["letters"]), False
        entry["letters"].append(letter)
        entry["last"] = today
        return len(entry["letters"]), True

    def forget_soft_bounces(self, digest):
        """A suppressed reader needs no count any more."""
        self.soft_bounces.pop(digest, None)

    def save(self):
        data = {"soft_bounces": self.soft_bounces}
        try:
            atomic_write(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"), mode=0o600)
        except OSError as exc:
            raise ConfigurationError(f"{self.path}: cannot be written ({exc.strerror or exc})",
                                     provider="imap") from None

    def _read(self):
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"{self.path}: cannot be read ({exc}); restore it from a backup, or delete "
                                     "it to start the soft-bounce counts afresh", provider="imap") from None
        if not isinstance(data, dict):
            raise ConfigurationError(f"{self.path}: not a mailbox state file; restore it from a backup, or delete "
                                     "it to start the soft-bounce counts afresh", provider="imap")
        return data
