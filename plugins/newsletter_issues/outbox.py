"""The outbox: one .eml per issue and language, ready for a delivery backend.

Written only by a build that succeeded, once the site is in place, into a
folder made aside and swapped in, so it never holds half of a build.
"""

import logging
import os

from newsletter.message import build_message
from sitekit.work_folder import WorkFolder, swap_into_place

from .settings import ARCHIVE_URL

logger = logging.getLogger(__name__)


def write(state, output):
    if not state.rendered and not state.archive_only:
        return None  # (only imported issues: an empty outbox, so no earlier .eml of theirs stays)
    target = state.outbox(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    with WorkFolder(target, "building") as work:
        work.remove_leftovers()  # of a build killed while it wrote the outbox
        _write_into(work.path, state, target)
    logger.info("Outbox: %s", ", ".join(sorted(os.listdir(target))))
    return target


def _write_into(staging, state, target):
    config = state.config
    for rendered in state.rendered:
        archive = f"{state.site_url}/{state.prefix(rendered.issue.lang)}{ARCHIVE_URL}"   # test sends link here
        message = build_message(rendered, config["sender"], config["reply_to"], archive_url=archive)
        (staging / f"{rendered.issue.key}.eml").write_bytes(message.as_bytes())
    staging.chmod(0o755)
    swap_into_place(staging, target)
