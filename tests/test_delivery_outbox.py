"""The outbox backend (the default, no network) under the shared delivery contract."""

import email
from email import policy

import pytest

from delivery_contract import BackendContract
from newsletter.delivery.backends.outbox import OutboxBackend


class OutboxWorld:
    name = "outbox"

    def __init__(self, folder, ledger):
        self.folder = folder
        self.ledger = ledger  # the outbox's drafts exist only in the ledger

    def backend(self):
        return OutboxBackend({"folder": str(self.folder)})

    def _messages(self, kind):
        return {path.stem: email.message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted((self.folder / kind).glob("*.eml"))}

    def campaigns(self, lang):
        drafted = {key for key, _, entry in self.ledger.entries()}
        keys = set(self._messages("sent")) | set(self._messages("tests")) | drafted
        return [{"key": key, "subject": None, "html": None} for key in sorted(keys) if key.endswith(f"-{lang}")]

    def sent(self, key):
        return 1 if key in self._messages("sent") else 0

    def tests_received(self, key):
        message = self._messages("tests").get(key)
        return [address.strip() for address in str(message["To"]).split(",")] if message else []


class TestOutboxContract(BackendContract):
    @pytest.fixture
    def world(self, tmp_path, ledger):
        return OutboxWorld(tmp_path / "delivered", ledger)
