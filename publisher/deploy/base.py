"""What every deploy target shares: the interface, its report and its error."""

import os
from dataclasses import dataclass, field
from pathlib import Path

EXIT_DEPLOY = 4


class DeployError(Exception):
    """The deploy failed; the message names the target and what to check."""

    exitcode = EXIT_DEPLOY

    def __init__(self, target, message):
        super().__init__(f"{target} deploy: {message}")
        self.target = target


class Target:
    """One way of putting the built site where readers get it; DEPLOY["target"] names it.

    ``options`` is its dict of DEPLOY (merged over DEFAULTS and checked); relative
    paths in it are taken from ``root``.
    """

    name = None
    where = None  # the option naming where the site goes, shown when DEPLOY['url'] does not say

    def __init__(self, options, root):
        self.options = options
        self.root = root

    @property
    def address(self):
        return self.options[self.where]

    def local_path(self):
        """Where the site goes, as a local path (taken from the project when relative)."""
        return (self.root / Path(self.options[self.where]).expanduser()).resolve()

    @property
    def reaches_network(self):
        """Whether deploying contacts another machine (even in a dry run)."""
        return False

    def deploy(self, output, dry_run, progress):
        """Put ``output`` in place, moving only what changed (nothing when ``dry_run``); return a
        DeployReport, raise DeployError naming the target. ``progress(done, total)``: see deploy()."""
        raise NotImplementedError


@dataclass
class DeployReport:
    target: str          # "folder", "rsync" or "git"
    destination: str     # the folder, rsync destination or "repository (branch)"
    url: str             # the deployed address
    dry_run: bool = False
    copied_paths: list = field(default_factory=list)   # new files (relative, "/"-separated)
    updated_paths: list = field(default_factory=list)  # files whose bytes changed
    deleted_paths: list = field(default_factory=list)  # files no longer built
    unchanged: int = 0
    seconds: float = 0.0
    commit: str = None   # git: the new commit, None when the tree had not changed
    pushed: bool = False  # git: the branch was pushed to the remote

    @property
    def copied(self):
        return len(self.copied_paths)

    @property
    def updated(self):
        return len(self.updated_paths)

    @property
    def deleted(self):
        return len(self.deleted_paths)

    @property
    def changed_paths(self):
        return sorted(self.copied_paths + self.updated_paths + self.deleted_paths)

    def summary(self):
        verb = "Would deploy" if self.dry_run else "Deployed"
        return (f"{verb} to {self.url} ({self.target}: {self.destination}): {self.copied} copied, "
                f"{self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged "
                f"in {self.seconds:.2f} s")


def scan(top):
    """Files (symbolic links included) and real folders under ``top``, as "/"-separated relative paths."""
    files, dirs = {}, set()
    if not top.exists():
        return files, dirs
    for folder, subdirs, names in os.walk(top, onerror=_raise):
        base = Path(folder)
        for name in subdirs:
            path = base / name
            rel = path.relative_to(top).as_posix()
            if path.is_symlink():
                files[rel] = path
            else:
                dirs.add(rel)
        for name in names:
            path = base / name
            files[path.relative_to(top).as_posix()] = path
    return files, dirs


def _raise(error):
    raise error
