"""Deploy the built site: put output/ where readers get it, moving only what changed.

    report = deploy("output", settings["DEPLOY"], dry_run=False)
    print(report.summary())

``DEPLOY`` (pelicanconf.py / publishconf.py) is merged over DEFAULTS and checked
before anything is written (settings.py): a wrong value raises
DeploySettingsError naming the key and what to write; an unknown key is logged
and ignored. Relative paths are taken from ``root`` (the folder publish runs in,
by default the current one).

``DEPLOY["target"]`` names one module here, each a Target (base.py): folder.py
(the default; no network), rsync.py, git.py. A new target is one more module
that passes tests/test_deploy_contract.py.

Any failure raises DeployError (exit status EXIT_DEPLOY) naming the target and
what to check. ``dry_run=True`` computes and reports what would change and
writes nothing (git writes no object; no push; rsync runs with -n).
"""

import logging
import os
import time
from pathlib import Path

from publisher.deploy.base import DeployError
from publisher.deploy.folder import FolderTarget
from publisher.deploy.git import GitTarget
from publisher.deploy.rsync import RsyncTarget, rsync_command
from publisher.deploy.settings import DeploySettingsError, load_settings

__all__ = ["DeployError", "DeploySettingsError", "address", "deploy", "load_settings", "reaches_network",
           "rsync_command"]

logger = logging.getLogger(__name__)

TARGETS = {target.name: target for target in (FolderTarget, RsyncTarget, GitTarget)}


def deploy(output_dir, target_settings, dry_run=False, root=None, progress=None):
    """Deploy ``output_dir`` to the target ``target_settings`` (the DEPLOY setting) names.

    ``progress(done, total)``, when given, is called as the folder target compares files
    (rsync and git each run as one command, and report nothing until done).
    """
    started = time.perf_counter()
    settings = load_settings(target_settings)
    root = Path(root or os.getcwd()).resolve()
    output = _checked_output(Path(output_dir), root)
    target = _target(settings, root)
    logger.info("Deploying %s with the %s target%s", output, target.name, " (dry run)" if dry_run else "")
    report = target.deploy(output, dry_run, progress or _no_progress)
    report.url = settings["url"] or report.url
    report.seconds = time.perf_counter() - started
    logger.info("%s", report.summary())
    return report


def reaches_network(target_settings):
    """Whether deploying to ``target_settings`` contacts another machine (even in a dry run)."""
    return _target(load_settings(target_settings)).reaches_network


def address(target_settings):
    """Where the site goes, in words: the public address, else the target's destination."""
    settings = load_settings(target_settings)
    return settings["url"] or _target(settings).address


def _checked_output(output, root):
    output = (root / output.expanduser()).resolve()
    if not output.is_dir() or not any(output.iterdir()):
        raise DeployError("site", f"{output} is missing or empty: build the site first (invoke build); "
                                  "deploying an empty folder would delete the published site")
    return output


def _target(settings, root=None):
    name = settings["target"]
    return TARGETS[name](settings[name], root)


def _no_progress(done, total):
    pass
