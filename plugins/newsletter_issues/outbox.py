"""The outbox: one .eml per issue and language, ready for a delivery backend.

Written only by a build that succeeded, once the site is in place, into a
folder made aside and swapped in, so it never holds half of a build.
"""

import logging
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from newsletter.message import build_message

logger = logging.getLogger(__name__)


def folder(state, output):
    configured = state.config["outbox"]
    return Path(configured).resolve() if configured else Path(output).resolve().parent / "outbox"


def write(state, output):
    if not state.rendered:
        return None
    target = folder(state, output)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    config = state.config
    for rendered in state.rendered:
        message = build_message(rendered, config["sender"], config["reply_to"])
        (staging / f"{rendered.issue.key}.eml").write_bytes(message.as_bytes())
    staging.chmod(0o755)
    retired = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
    logger.info("Outbox: %s", ", ".join(sorted(os.listdir(target))))
    return target
