"""One run over the list's mailbox: each message read, acted on, moved; a summary per kind.

For each message of each folder, oldest first:

1. it is fetched without being marked read and classified (``classify``);
2. a message that is not the list's business is left as it is, and a report
   that cannot be read is left too and listed, for the editor to look at;
3. the readers it names are added to the suppression list (an unsubscribe, a
   hard bounce, a complaint), or a soft bounce is counted (suppressed at the
   threshold);
4. it is moved to the handled folder.

Step 3 is idempotent, so a run cut off between 3 and 4 (the connection lost,
the process killed) does no harm: the next run finds the message again,
finds its readers already there (or its letter already counted) and moves
it. Nothing is counted or added twice, and a second run over a handled
mailbox finds nothing to do.
"""

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from . import classify as kinds

logger = logging.getLogger(__name__)

NAMES = {kinds.UNSUBSCRIBE: "unsubscribe request", kinds.BOUNCE: "hard bounce", kinds.SOFT_BOUNCE: "soft bounce",
         kinds.COMPLAINT: "complaint", kinds.NOTICE: "report that asks nothing"}


@dataclass
class Report:
    """What a run did (or, in a dry run, would do)."""

    threshold: int
    dry_run: bool = False
    messages: Counter = field(default_factory=Counter)       # kind -> messages moved
    added: Counter = field(default_factory=Counter)          # reason -> readers added to the suppression list
    already: Counter = field(default_factory=Counter)        # reason -> readers who were on it already
    soft_counted: int = 0                                    # soft bounces counted (reader, letter)
    malformed: list = field(default_factory=list)            # one line per report left in place
    unrelated: int = 0                                       # other messages, left alone

    def lines(self):
        """The summary: one line per kind."""
        verb = "would be added" if self.dry_run else "added"
        lines = []
        for kind, label in ((kinds.UNSUBSCRIBE, "unsubscribe requests"), (kinds.BOUNCE, "hard bounces"),
                            (kinds.COMPLAINT, "complaints")):
            lines.append(f"{label}: {self.messages[kind]} ({self.added[kind]} reader{_s(self.added[kind])} {verb} "
                         f"to the suppression list, {self.already[kind]} already on it)")
        suppressed = self.added[kinds.SOFT_BOUNCE]
        lines.append(f"soft bounces: {self.messages[kinds.SOFT_BOUNCE]} ({self.soft_counted} counted; "
                     f"{suppressed} reader{_s(suppressed)} {'would be ' if self.dry_run else ''}suppressed on "
                     f"reaching {self.threshold})")
        if self.messages[kinds.NOTICE]:
            lines.append(f"reports that ask nothing (delivered, not spam): {self.messages[kinds.NOTICE]}")
        lines.append(f"left in place: {len(self.malformed)} malformed report{_s(len(self.malformed))}"
                     f"{' (listed above)' if self.malformed else ''}, {self.unrelated} other "
                     f"message{_s(self.unrelated)}")
        return lines


class Processor:
    """Acts on the findings: ``suppression`` a SuppressionList, ``state`` a MailboxState."""

    def __init__(self, suppression, state, threshold, dry_run=False, today=None):
        self.suppression, self.state, self.dry_run = suppression, state, dry_run
        self.today = (today or date.today()).isoformat()
        self.report = Report(threshold, dry_run)

    def run(self, mailbox, folders, handled):
        for folder in folders:
            for uid in mailbox.uids(folder):
                self.handle(mailbox, folder, uid, handled)
        return self.report

    def handle(self, mailbox, folder, uid, handled):
        raw = mailbox.fetch(uid)
        if raw is None:
            return  # moved away by another client since the search
        message = kinds.parse(raw)
        finding = kinds.classify(message)
        if finding.kind == kinds.UNRELATED:
            self.report.unrelated += 1
            return
        if finding.kind == kinds.MALFORMED:
            line = f"{folder} #{uid} {kinds.describe(message)}: {finding.why}; left in {folder}, check it by hand"
            self.report.malformed.append(line)
            logger.debug("%s", line)  # the command lists them with the summary
            return
        for address, reason in finding.readers:
            self.act(address, reason, finding.original_id or kinds.fingerprint(raw))
        self.report.messages[finding.kind] += 1
        logger.info("%s #%d: %s, %d reader%s; %s %s", folder, uid, NAMES[finding.kind], len(finding.readers),
                    _s(len(finding.readers)), "would move it to" if self.dry_run else "moving it to", handled)
        if not self.dry_run:
            mailbox.move(uid, handled)

    def act(self, address, reason, letter):
        if reason == kinds.SOFT_BOUNCE:
            self.count_soft_bounce(address, letter)
        else:
            self.suppress(address, reason)

    def suppress(self, address, reason):
        if address in self.suppression:
            self.report.already[reason] += 1
            return
        if not self.dry_run:
            self.suppression.add(address, reason, self.today)
            self.state.forget_soft_bounces(self.suppression.digest(address))
            self.state.save()
        self.report.added[reason] += 1

    def count_soft_bounce(self, address, letter):
        """One more letter deferred for good; the reader is suppressed at the threshold."""
        if address in self.suppression:
            self.report.already[kinds.SOFT_BOUNCE] += 1
            return
        digest = self.suppression.digest(address)
        letter_key = hashlib.sha256(letter.encode("utf-8", "replace")).hexdigest()[:16]
        count, new = self.state.count_soft_bounce(digest, letter_key, self.today)
        self.report.soft_counted += new
        if count >= self.report.threshold:
            self.suppress(address, kinds.SOFT_BOUNCE)
        elif not self.dry_run:
            self.state.save()


def _s(count):
    return "" if count == 1 else "s"
