"""The "rsync" target: ``rsync -rlpt --checksum --delete`` to a local folder or, over SSH,
to ``user@host:/path/``.

--delete-after and --delay-updates move files into place at the end, deletions
last; to a local folder, files being received are written beside it
(--temp-dir). Over SSH: ``-e "ssh -p PORT -i KEY -o BatchMode=yes"`` (never asks
for a password). Counts come from rsync's --itemize-changes; dry_run is rsync's -n.
"""

import contextlib
import logging
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from publisher.deploy.base import DeployError, DeployReport, Target
from publisher.deploy.settings import is_remote, refuse_dangerous
from sitekit.work_folder import scratch_folder

logger = logging.getLogger(__name__)

ITEM = re.compile(r"([<>ch.][fdLDS].{9}|\*deleting  ) (.*)")


class RsyncTarget(Target):
    name = "rsync"
    where = "destination"

    @property
    def reaches_network(self):
        return is_remote(self.options["destination"])

    def deploy(self, output, dry_run, progress):
        options, root = self.options, self.root
        destination = options["destination"]
        if not shutil.which("rsync"):
            raise DeployError("rsync", "the rsync command is not installed: install Debian's rsync package "
                                       "(apt-get install rsync), or set DEPLOY['target'] = 'folder'")
        local = None if is_remote(destination) else self.local_path()
        if local:
            refuse_dangerous(output, local, root, "DEPLOY['rsync']['destination']")
        with _scratch_beside(local, dry_run) as scratch:
            command = rsync_command(output, options, dry_run, temp_dir=scratch)
            logger.debug("Running %s", shlex.join(command))
            result = subprocess.run(command, cwd=root, stdin=subprocess.DEVNULL, capture_output=True,
                                    encoding="utf-8", errors="replace")
        if result.returncode:
            raise DeployError("rsync", _rsync_failure(result, options))
        report = DeployReport("rsync", destination, destination, dry_run)
        _count_items(result.stdout, report)
        return report


@contextlib.contextmanager
def _scratch_beside(destination, dry_run):
    """A folder beside a local destination for rsync's files being received (--temp-dir), so
    that none is written among the served files; None for a remote one (rsync writes them
    beside each file there) or when nothing is written."""
    if destination is None or dry_run or not destination.parent.is_dir():
        yield None  # a missing parent: rsync's own error names it
        return
    with contextlib.ExitStack() as stack:
        try:  # an rsync that was killed left its own: removed first
            folder = stack.enter_context(scratch_folder(destination, "rsync"))
        except OSError as exc:
            raise DeployError("rsync", f"could not make a folder beside {destination} for the files being "
                                       f"received ({exc.filename}: {exc.strerror or exc}); let this user write in "
                                       f"{destination.parent}") from exc
        yield folder


def rsync_command(output, options, dry_run=False, temp_dir=None):
    """The rsync command line for the given DEPLOY['rsync'] options.

    --delay-updates: every received file waits in a ``.~tmp~`` folder beside its place until
    all are received, then all are renamed into place; --delete-after: what is no longer built
    goes only then. ``temp_dir``: where files being received are written (default: beside
    each file, as ``.name.XXXXXX``)."""
    command = ["rsync", "-rlpt", "--checksum", "--delete", "--delete-after", "--delay-updates",
               "--8-bit-output", "--itemize-changes", "--itemize-changes"]
    command += ["-n"] if dry_run else []
    command += [f"--temp-dir={temp_dir}"] if temp_dir else []
    if is_remote(options["destination"]):
        command += ["-e", _ssh_command(options)]
    destination = options["destination"]
    return command + [f"{output}/", destination if is_remote(destination) else os.path.expanduser(destination)]


def _ssh_command(options):
    ssh = ["ssh", "-p", str(options["port"])]
    if options["ssh_key"]:
        ssh += ["-i", str(Path(options["ssh_key"]).expanduser())]
    return shlex.join(ssh + ["-o", "BatchMode=yes", "-o", "ConnectTimeout=30"])


def _count_items(stdout, report):
    """One line per file with -ii: '>f+++++++++' new, '>fc.t......' changed, '.f' same, '*deleting'."""
    for line in stdout.splitlines():
        match = ITEM.fullmatch(line)
        if not match or match[2].endswith("/"):
            continue  # a folder, or a line that is no item
        code, path = match[1], match[2]
        if code.startswith("*"):
            report.deleted_paths.append(path)
        elif code[1] in "fL":
            _count_file(code, path.split(" -> ", 1)[0] if code[1] == "L" else path, report)


def _count_file(code, path, report):
    if code[0] in ".h":  # same bytes (at most its time or permissions set)
        report.unchanged += 1
    elif code.endswith("+" * 9):
        report.copied_paths.append(path)
    else:
        report.updated_paths.append(path)


def _rsync_failure(result, options):
    said = " ".join(line for line in result.stderr.strip().splitlines()[-3:]) or "no message"
    destination = options["destination"]
    if is_remote(destination):
        check = (f"check that `ssh -p {options['port']} {destination.split(':', 1)[0]}` logs in without a password "
                 "(the key in DEPLOY['rsync']['ssh_key']) and that the folder exists and is writable")
    else:
        check = f"check that the folder above {destination} exists and is writable"
    return f"rsync to {destination} failed (exit status {result.returncode}): {said}; {check}"
