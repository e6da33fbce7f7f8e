"""Each campaign to its provider exactly once, whatever fails in between.

The Dispatcher owns the ledger: it writes the intent ("creating",
"scheduling", "sending") before each call that changes something at the
provider, and the result after. A run that finds an intent left by a run
that died asks the provider what happened before doing anything else.
A creation that had to be tried again after a lost answer may still bring
the lost one to the provider later: the entry keeps ``twin_possible`` and the
backend looks for such a twin (``settle_twins``) before the run reports the
draft, and again at the start of the next run.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from . import ledger as states
from .base import DRAFT, SCHEDULED, SENDING, SENT
from .errors import ConfigurationError, ReconciliationNeeded

logger = logging.getLogger(__name__)

ACTIONS = ("draft", "test", "schedule", "send")


@dataclass(frozen=True)
class Action:
    kind: str = "draft"                 # one of ACTIONS
    test_to: tuple = ()                 # addresses, for "test"
    when: datetime | None = None        # aware datetime, for "schedule"

    def __post_init__(self):
        if self.kind not in ACTIONS:
            raise ValueError(f"unknown action {self.kind!r}; one of {', '.join(ACTIONS)}")


@dataclass
class Outcome:
    key: str
    provider: str
    state: str
    remote_id: str | None
    done: list = field(default_factory=list)   # what this run did, in words ("created the draft", ...)

    def summary(self):
        what = "; ".join(self.done) or "nothing to do"
        remote = f" (id {self.remote_id})" if self.remote_id else ""
        return f"{self.key} at {self.provider}{remote}: {what}; now {self.state}"


class Dispatcher:
    def __init__(self, backend, ledger):
        self.backend = backend
        self.ledger = ledger

    def deliver(self, campaign, action=Action()):
        if action.kind == "schedule" and not self.backend.can_schedule:
            raise ConfigurationError(f"{self.backend.name} cannot send later; use --send at the time",
                                     provider=self.backend.name)
        outcome = Outcome(campaign.key, self.backend.name, "", None)
        entry = self._entry(campaign)
        if entry and entry.get("twin_possible") and entry.get("remote_id"):
            self._settle_twins(campaign, entry["remote_id"], outcome)
            self._record(campaign, twin_possible=False)   # looked again a run later: settled
            entry = self._entry(campaign)
        if entry and entry["state"] == states.SENT:
            return self._already_sent(campaign, entry, outcome)
        remote = self._draft(campaign, entry, outcome)
        if remote.state in (SENDING, SENT):
            return self._finish(campaign, outcome)
        if remote.state == SCHEDULED and action.kind != "test":
            return self._finish(campaign, outcome)
        if action.kind == "test":
            self.backend.send_test(remote.id, campaign, list(action.test_to))
            # How many, not who: the ledger is committed, and a test address is someone's address.
            tests = list(self._entry(campaign).get("tests", [])) + [{"recipients": len(action.test_to)}]
            self._record(campaign, tests=tests)
            outcome.done.append(f"test sent to {', '.join(action.test_to)}")
        elif action.kind == "schedule":
            self._record(campaign, state=states.SCHEDULING, scheduled_for=action.when.isoformat())
            self.backend.schedule(remote.id, campaign, action.when)
            self._record(campaign, state=states.SCHEDULED)
            outcome.done.append(f"scheduled for {action.when.isoformat()}")
        elif action.kind == "send":
            self._record(campaign, state=states.SENDING)
            self.backend.send_now(remote.id, campaign, self.ledger.journal(campaign.key, self.backend.name))
            self._record(campaign, state=states.SENT)
            outcome.done.append("sent")
        return self._finish(campaign, outcome)

    def _draft(self, campaign, entry, outcome):
        """The provider's campaign for ``campaign``, created or reconciled, its content up to date."""
        state = entry["state"] if entry else None
        if state is None:
            return self._create(campaign, uuid.uuid4().hex, outcome)
        if state == states.CREATING:
            return self._reconcile_creation(campaign, entry, outcome)
        remote = self.backend.get(entry["remote_id"])
        if state in (states.SCHEDULING, states.SENDING) and remote.state != DRAFT:
            self._record(campaign, state=_ledger_state(remote.state))
            outcome.done.append(f"found it {remote.state} at the provider after an interrupted run")
            return remote
        if remote.state == SENT:
            self._record(campaign, state=states.SENT)
            return remote
        if state == states.SCHEDULING or (state == states.SENDING and self.backend.remote_drafts):
            # The interrupted call did not happen: back to draft until asked again.
            # (A half-sent SMTP list stays "sending": its journal says who has it.)
            self._record(campaign, state=states.DRAFT)
        if entry.get("content_hash") != campaign.content_hash:
            if state == states.SENDING and not self.backend.remote_drafts:
                raise ReconciliationNeeded(
                    f"{campaign.key} changed while it was half sent: some readers have the earlier version. "
                    f"Restore the earlier text to finish sending it, or mark the entry 'sent' in "
                    f"{self.ledger.path} and send the correction as a new issue", provider=self.backend.name)
            if remote.state == DRAFT:
                self.backend.update_draft(remote.id, campaign)
                self._record(campaign, content_hash=campaign.content_hash)
                outcome.done.append("updated the draft")
            else:
                logger.warning("%s: changed since it was scheduled at %s; the change is not sent. Unschedule it "
                               "there to send the new version.", campaign.key, self.backend.name)
        return remote

    def _create(self, campaign, idempotency_key, outcome):
        self._record(campaign, state=states.CREATING, issue=campaign.number, lang=campaign.lang,
                     idempotency_key=idempotency_key, content_hash=campaign.content_hash, remote_id=None)
        remote = self.backend.create_draft(campaign, idempotency_key)
        # twin_possible stays in the ledger until a later run has looked again: a lost request
        # can reach the provider after this run's own look.
        self._record(campaign, state=_ledger_state(remote.state), remote_id=remote.id, url=remote.url,
                     **({"twin_possible": True} if remote.twin_possible else {}))
        outcome.done.append("created the draft")
        if remote.twin_possible:
            remote = self._settle_twins(campaign, remote.id, outcome)
        return remote

    def _settle_twins(self, campaign, remote_id, outcome):
        """After a creation whose answer was lost: one campaign kept, stray drafts deleted, or stop."""
        remote, deleted = self.backend.settle_twins(campaign, remote_id)
        if deleted:
            outcome.done.append(f"deleted the duplicate draft{'s' if len(deleted) > 1 else ''} "
                                f"{', '.join(deleted)} made by a late creation")
        return remote

    def _reconcile_creation(self, campaign, entry, outcome):
        """A run died while creating: find the campaign it may have made before making one."""
        remote = self.backend.find(campaign)
        if remote is not None:
            self._record(campaign, state=_ledger_state(remote.state), remote_id=remote.id, url=remote.url)
            outcome.done.append("found the draft an interrupted run had created")
            return self._draft(campaign, self._entry(campaign), outcome)
        logger.info("%s: the interrupted creation did not reach %s; creating it now", campaign.key,
                    self.backend.name)
        return self._create(campaign, entry.get("idempotency_key") or uuid.uuid4().hex, outcome)

    def _already_sent(self, campaign, entry, outcome):
        if entry.get("content_hash") != campaign.content_hash:
            logger.warning("%s was sent by %s on %s; it has changed since, but a sent issue is never changed or "
                           "sent again (publish the correction as a new issue)", campaign.key,
                           self.backend.name, entry.get("sent_at", "an earlier run"))
        outcome.done.append("already sent, left alone")
        return self._finish(campaign, outcome)

    def _finish(self, campaign, outcome):
        entry = self._entry(campaign)
        outcome.state, outcome.remote_id = entry["state"], entry.get("remote_id")
        return outcome

    def _entry(self, campaign):
        return self.ledger.entry(campaign.key, self.backend.name)

    def _record(self, campaign, **changes):
        return self.ledger.record(campaign.key, self.backend.name, **changes)


def _ledger_state(remote_state):
    try:
        return {DRAFT: states.DRAFT, SCHEDULED: states.SCHEDULED, SENDING: states.SENT, SENT: states.SENT}[remote_state]
    except KeyError:
        raise ReconciliationNeeded(f"the provider reports an unknown state {remote_state!r}") from None
