"""The default backend: no network. Each delivery is written as an .eml file.

Drafts are the outbox itself; a test goes to <folder>/tests/ ("[TEST]" before
the subject, its unsubscribe link to the archive page), a send to
<folder>/sent/ (delivered/ by default), one file per campaign, written atomically.
"""

import copy
from pathlib import Path

from ..base import DRAFT, SENT, BaseBackend, Remote
from ..ledger import atomic_write


class OutboxBackend(BaseBackend):
    name = "outbox"
    remote_drafts = False
    idempotent_create = True
    can_schedule = False
    DEFAULTS = {"folder": "delivered"}  # beside outbox/, which each build replaces

    @property
    def folder(self):
        return Path(self.config["folder"])

    def describe_audience(self, lang):
        return f"a file in {self.folder / 'sent'}/"

    def create_draft(self, campaign, idempotency_key):
        return Remote(campaign.key, DRAFT)

    def find(self, campaign):
        return self.get(campaign.key)

    def get(self, remote_id):
        state = SENT if (self.folder / "sent" / f"{remote_id}.eml").exists() else DRAFT
        return Remote(remote_id, state)

    def update_draft(self, remote_id, campaign):
        pass  # the draft is the outbox file, rebuilt by each build

    def send_test(self, remote_id, campaign, addresses):
        self._write("tests", campaign.as_test(), ", ".join(addresses))

    def schedule(self, remote_id, campaign, when):
        raise NotImplementedError("the outbox backend sends nothing later; use --send")

    def send_now(self, remote_id, campaign, journal):
        self._write("sent", campaign, "undisclosed-recipients:;")

    def _write(self, kind, campaign, to):
        message = copy.deepcopy(campaign.message)
        del message["To"]
        message["To"] = to
        atomic_write(self.folder / kind / f"{campaign.key}.eml", message.as_bytes())
