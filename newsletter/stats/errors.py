"""What stops one campaign's numbers from being read, other than a provider failing.

A provider that fails (unreachable, 5xx, refused credentials) raises the
delivery errors (newsletter/delivery/errors.py); these name a campaign the
provider has no numbers for, and what the editor can do about it.
"""


class StatsProblem(Exception):
    """One line for the editor about one campaign; no numbers for it this time."""

    def __init__(self, key, message):
        self.key = key
        super().__init__(f"{key}: {message}")


class CampaignGone(StatsProblem):
    """The ledger names a campaign the provider no longer has (deleted there)."""


class NotYetAvailable(StatsProblem):
    """The campaign is still scheduled or being sent, or the provider has not counted it yet."""


class NoStats(StatsProblem):
    """The backend that sent it counts nothing (outbox, SMTP)."""
