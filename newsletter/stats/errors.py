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

    @classmethod
    def at(cls, campaign, provider, thing="campaign"):
        """The one line for ``campaign`` missing at ``provider`` (its ``thing``: campaign, email)."""
        return cls(campaign.key, f"{provider} has no {thing} {campaign.remote_id} any more (the ledger's "
                                 "remote_id); if it was deleted there on purpose, remove the entry from the ledger")


class NotYetAvailable(StatsProblem):
    """The campaign is still scheduled or being sent, or the provider has not counted it yet."""


class NoStats(StatsProblem):
    """The backend that sent it counts nothing (outbox, SMTP)."""
