"""The "git" target: commits output/ (plus an empty ``.nojekyll`` for GitHub Pages) to a branch,
like ghp-import, with git plumbing only (hash-object, a temporary index,
write-tree, commit-tree, update-ref): the working tree, the index and the
current branch are never touched. A commit is made only when the tree changed;
with a ``remote``, the branch is pushed to it.
"""

import logging
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from publisher.deploy.base import DeployError, DeployReport, Target, scan

logger = logging.getLogger(__name__)


class _Git:
    """git plumbing on one repository, with no working tree and no prompt."""

    def __init__(self, repository):
        self.repository = repository
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
        self.env.update(GIT_TERMINAL_PROMPT="0")
        self.git_dir = None
        found = self.run("rev-parse", "--absolute-git-dir",
                         hint="check DEPLOY['git']['repository'] names a git repository (git init there)")
        self.git_dir = os.fsdecode(found.strip())

    def run(self, *args, stdin=b"", env=None, hint="", check=True):
        command = ["git"] + ([f"--git-dir={self.git_dir}"] if self.git_dir else []) + list(args)
        result = subprocess.run(command, cwd=self.repository, input=stdin, capture_output=True,
                                env={**self.env, **(env or {})})
        if check and result.returncode:
            said = " ".join(result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]) or "no message"
            raise DeployError("git", f"`git {args[0]}` failed in {self.repository}: {said}; {hint}".rstrip("; "))
        return result.stdout if check else result


class GitTarget(Target):
    name = "git"
    where = "repository"

    def deploy(self, output, dry_run, progress):
        options, repository = self.options, self.local_path()
        if not shutil.which("git"):
            raise DeployError("git", "the git command is not installed: install Debian's git package")
        if not repository.is_dir():
            raise DeployError("git", f"DEPLOY['git']['repository'] is {repository}, which is not a folder")
        git, branch = _Git(repository), options["branch"]
        destination = f"{repository} ({branch})"
        _refuse_checked_out(git, branch)
        wanted = _wanted_entries(git, output, options["nojekyll"], write=not dry_run)
        local = _tip(git, f"refs/heads/{branch}")
        parent = local or (_tip(git, f"refs/remotes/{options['remote']}/{branch}") if options["remote"] else None)
        report = _diff_entries(wanted, _tree_entries(git, parent) if parent else {},
                               DeployReport("git", destination, destination, dry_run))
        if dry_run:
            return report
        new = _commit_if_changed(git, wanted, parent, options)
        if new != local:
            git.run("update-ref", "-m", "deploy", f"refs/heads/{branch}", new, local or "")
        report.commit = new if new != parent else None
        if options["remote"]:
            _push(git, options["remote"], branch)
            report.pushed = True
        return report


def _refuse_checked_out(git, branch):
    for block in git.run("worktree", "list", "--porcelain").decode("utf-8", "replace").split("\n\n"):
        if f"branch refs/heads/{branch}" in block.splitlines():
            where = block.splitlines()[0].removeprefix("worktree ")
            raise DeployError("git", f"the branch {branch} is checked out in {where}: deploying would change it "
                                     "under that working tree; switch it to another branch (git switch main)")


def _wanted_entries(git, output, nojekyll, write):
    """{path: (mode, blob)} for every file of output/ (hashed byte for byte, no filter)."""
    files = sorted(scan(output)[0].items())
    if any("\n" in rel for rel, _ in files):
        raise DeployError("git", "a file name in output/ holds a line break; rename it")
    write_flag = ["-w"] if write else []
    listed = b"".join(os.fsencode(path) + b"\n" for _, path in files)
    blobs = git.run("hash-object", "--no-filters", *write_flag, "--stdin-paths", stdin=listed).split()
    entries = {rel: (_git_mode(path), blob.decode()) for (rel, path), blob in zip(files, blobs)}
    if nojekyll and ".nojekyll" not in entries:
        entries[".nojekyll"] = ("100644", git.run("hash-object", *write_flag, "--stdin").strip().decode())
    return entries


def _git_mode(path):
    return "100755" if os.stat(path).st_mode & 0o100 else "100644"


def _tip(git, ref):
    result = git.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return result.stdout.strip().decode() if result.returncode == 0 else None


def _tree_entries(git, commit):
    entries = {}
    for record in git.run("ls-tree", "-r", "-z", "--full-tree", commit).split(b"\0"):
        if record:
            info, path = record.split(b"\t", 1)
            mode, _, blob = info.decode().split()
            entries[os.fsdecode(path)] = (mode, blob)
    return entries


def _diff_entries(wanted, current, report):
    report.copied_paths = sorted(set(wanted) - set(current))
    report.deleted_paths = sorted(set(current) - set(wanted))
    both = sorted(set(wanted) & set(current))
    report.updated_paths = [path for path in both if wanted[path] != current[path]]
    report.unchanged = len(both) - len(report.updated_paths)
    return report


def _commit_if_changed(git, wanted, parent, options):
    """The new commit, or ``parent`` itself when its tree is already this one."""
    tree = _write_tree(git, wanted)
    if parent and git.run("rev-parse", f"{parent}^{{tree}}").strip().decode() == tree:
        logger.info("The %s branch already holds this site: no commit", options["branch"])
        return parent
    message = options["message"].format(date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    hint = "set DEPLOY['git']['author'] = 'Name <email>' or `git config user.email` in the repository"
    commit = git.run("commit-tree", tree, *(["-p", parent] if parent else []), "-F", "-",
                     stdin=message.encode() + b"\n", env=_identity(options["author"]), hint=hint)
    return commit.strip().decode()


def _write_tree(git, wanted):
    """A temporary index holds the tree: the repository's own index is never read or written."""
    listing = b"".join(f"{mode} {blob}\t".encode() + os.fsencode(path) + b"\0"
                       for path, (mode, blob) in sorted(wanted.items()))
    with tempfile.TemporaryDirectory(prefix="deploy-index-") as folder:
        env = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        git.run("update-index", "-z", "--add", "--index-info", stdin=listing, env=env)
        return git.run("write-tree", env=env).strip().decode()


def _identity(author):
    if not author:
        return {}
    name, email = author[:-1].rsplit(" <", 1)
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}


def _push(git, remote, branch):
    hint = (f"the commit is on the local {branch} branch; check that {remote} exists and that you can push to it "
            f"(git push {remote} {branch}); if it was rejected, someone else published: "
            f"git fetch {remote} {branch}:{branch}, then deploy again")
    git.run("push", "--porcelain", remote, f"refs/heads/{branch}:refs/heads/{branch}", hint=hint,
            env=_batch_ssh(git))


def _batch_ssh(git):
    """ssh that fails instead of asking for a password, unless the user chose their own ssh command."""
    configured = git.run("config", "--get", "core.sshCommand", check=False).returncode == 0
    if configured or {"GIT_SSH", "GIT_SSH_COMMAND"} & set(os.environ):
        return {}
    return {"GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=30"}
