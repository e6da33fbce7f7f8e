"""The numbers last read, per campaign, with the time they were read (cache/stats/stats.json).

Kept so that the table can be shown again without asking the provider, and so
that a provider that fails still leaves the editor the last numbers, dated.
An entry serves only the campaign id it was read for: a campaign sent again
under a new id is read afresh. An unreadable file is ignored with a warning.
"""

import json
import logging
from pathlib import Path

from ..delivery.ledger import atomic_write
from .model import Figures

logger = logging.getLogger(__name__)

VERSION = 1
FILE_NAME = "stats.json"


class StatsCache:
    def __init__(self, folder):
        self.path = Path(folder) / FILE_NAME
        self._entries = self._read()

    def get(self, campaign):
        """(Figures, read_at) last read for ``campaign``, or None."""
        entry = self._entries.get(_name(campaign))
        if not entry or entry.get("campaign_id") != campaign.remote_id:
            return None
        try:
            return Figures.from_json(entry["figures"]), entry["read_at"]
        except (KeyError, TypeError):
            return None

    def put(self, campaign, figures, read_at):
        self._entries[_name(campaign)] = {"campaign_id": campaign.remote_id, "read_at": read_at,
                                          "figures": figures.to_json()}

    def save(self):
        text = json.dumps({"version": VERSION, "campaigns": self._entries}, ensure_ascii=False, indent=2,
                          sort_keys=True) + "\n"
        atomic_write(self.path, text.encode("utf-8"))

    def _read(self):
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION or not isinstance(data.get("campaigns"), dict):
                raise ValueError("not a stats cache of this version")
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("%s ignored (%s): the numbers will be read again", self.path, exc)
            return {}
        return data["campaigns"]


def _name(campaign):
    return f"{campaign.key}.{campaign.provider}"
