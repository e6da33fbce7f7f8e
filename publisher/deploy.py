"""Deploy the built site: put output/ where readers get it, moving only what changed.

    report = deploy("output", settings["DEPLOY"], dry_run=False)
    print(report.summary())

``DEPLOY`` (pelicanconf.py / publishconf.py) is merged over DEFAULTS and checked
before anything is written: a wrong value raises DeploySettingsError naming the
key and what to write; an unknown key is logged and ignored. Relative paths are
taken from ``root`` (the folder publish runs in, by default the current one).

Targets (``DEPLOY["target"]``):

- ``"folder"`` (the default; no network): syncs output/ into a local folder
  (``public/`` beside output/). A file is copied only when its bytes differ
  (size, then SHA-256; never the mtime), files no longer built are deleted, and
  unchanged files are not touched (same inode, same mtime). Every new or changed
  file is first written into a staging folder beside the target
  (``.public.deploy-XXXXXXXX``, same filesystem, never served); only when all
  are written does each go into place with os.replace (atomic per file): new
  files first, changed ones next, then stale files and folders go, so a page in
  place never links a missing file, even when the deploy is killed midway (the
  next deploy removes the staging folder a killed one left, and finishes). A
  failure while writing leaves the target as it was. Refuses a target that is,
  holds or lies inside output/, or that holds the project, your home folder or /
  (it deletes what is not built), or a git checkout.
- ``"rsync"``: runs ``rsync -rlpt --checksum --delete`` (with --delete-after and
  --delay-updates, so files move into place at the end, deletions last; to a local
  folder, files being received are written beside it, --temp-dir) to a local folder or,
  over SSH, to ``user@host:/path/`` with ``-e "ssh -p PORT -i KEY -o BatchMode=yes"``
  (never asks for a password). Counts come from rsync's --itemize-changes;
  dry_run is rsync's -n.
- ``"git"``: commits output/ (plus an empty ``.nojekyll`` for GitHub Pages) to a
  branch, like ghp-import, with git plumbing only (hash-object, a temporary
  index, write-tree, commit-tree, update-ref): the working tree, the index and
  the current branch are never touched. A commit is made only when the tree
  changed; with a ``remote``, the branch is pushed to it.

Any failure raises DeployError (exit status EXIT_DEPLOY) naming the target and
what to check. ``dry_run=True`` computes and reports what would change and
writes nothing (git writes no object; no push; rsync runs with -n).
"""

import contextlib
import copy
import hashlib
import logging
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sitekit.work_folder import scratch_folder

logger = logging.getLogger(__name__)

EXIT_DEPLOY = 4
TARGETS = ("folder", "rsync", "git")

DEFAULTS = {
    # Where the site goes: "folder", "rsync" or "git"; the options are in the dict of that name.
    "target": "folder",
    # The public address, shown in the report; None: the target's own address.
    "url": None,
    # A local folder, relative to the project (keep it in .gitignore).
    "folder": {"path": "public"},
    # "user@host:/var/www/site/" (or a local folder); SSH port; private key (None: ssh's default).
    "rsync": {"destination": None, "port": 22, "ssh_key": None},
    # A branch of a repository (relative to the project); remote: a name or URL to push
    # to, None to commit only; author: "Name <email>", None for git's configuration.
    "git": {"repository": ".", "branch": "gh-pages", "remote": None, "message": "Publish {date}",
            "author": None, "nojekyll": True},
}

EXAMPLES = {
    "folder": "{'path': 'public'}",
    "rsync": "{'destination': 'user@host:/var/www/site/', 'port': 22, 'ssh_key': None}",
    "git": "{'repository': '.', 'branch': 'gh-pages', 'remote': 'origin'}",
}


class DeployError(Exception):
    """The deploy failed; the message names the target and what to check."""

    exitcode = EXIT_DEPLOY

    def __init__(self, target, message):
        super().__init__(f"{target} deploy: {message}")
        self.target = target


class DeploySettingsError(DeployError, ValueError):
    """DEPLOY cannot be used; the message names the key and what to write."""

    def __init__(self, key, message):
        Exception.__init__(self, f"{key} {message}")
        self.target = "settings"
        self.key = key


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


def deploy(output_dir, target_settings, dry_run=False, root=None, progress=None):
    """Deploy ``output_dir`` to the target ``target_settings`` (the DEPLOY setting) names.

    ``progress(done, total)``, when given, is called as the folder target compares files
    (rsync and git each run as one command, and report nothing until done).
    """
    started = time.perf_counter()
    settings = load_settings(target_settings)
    root = Path(root or os.getcwd()).resolve()
    output = _checked_output(Path(output_dir), root)
    name = settings["target"]
    logger.info("Deploying %s with the %s target%s", output, name, " (dry run)" if dry_run else "")
    report = DEPLOYERS[name](output, settings[name], dry_run, root, progress or _no_progress)
    report.url = settings["url"] or report.url
    report.seconds = time.perf_counter() - started
    logger.info("%s", report.summary())
    return report


def reaches_network(target_settings):
    """Whether deploying to ``target_settings`` contacts another machine (even in a dry run)."""
    settings = load_settings(target_settings)
    return settings["target"] == "rsync" and _is_remote(settings["rsync"]["destination"])


def address(target_settings):
    """Where the site goes, in words: the public address, else the target's destination."""
    settings = load_settings(target_settings)
    options = settings[settings["target"]]
    return settings["url"] or options.get("destination") or options.get("path") or options.get("repository")


def _checked_output(output, root):
    output = (root / output.expanduser()).resolve()
    if not output.is_dir() or not any(output.iterdir()):
        raise DeployError("site", f"{output} is missing or empty: build the site first (invoke build); "
                                  "deploying an empty folder would delete the published site")
    return output


# --- settings ---------------------------------------------------------------------------

def load_settings(given):
    """Merge DEPLOY over DEFAULTS and check it; return the merged dict."""
    given = {} if given is None else given
    _require(isinstance(given, dict), "DEPLOY",
             "must be a dict, e.g. DEPLOY = {'target': 'folder', 'folder': {'path': 'public'}}")
    _warn_unknown("DEPLOY", given, DEFAULTS)
    merged = {key: copy.deepcopy(given.get(key, DEFAULTS[key])) for key in ("target", "url")}
    for name in TARGETS:
        merged[name] = _options(given, name)
    _require(merged["target"] in TARGETS, "DEPLOY['target']",
             f"must be 'folder', 'rsync' or 'git', not {merged['target']!r}")
    url = merged["url"]
    _require(url is None or (isinstance(url, str) and re.match(r"https?://\S+$", url)), "DEPLOY['url']",
             f"must be the site's public address, e.g. 'https://elise-marchand.example/', or None (not {url!r})")
    CHECKS[merged["target"]](merged[merged["target"]])
    return merged


def _options(given, name):
    options = given.get(name, {})
    _require(isinstance(options, dict), f"DEPLOY[{name!r}]", f"must be a dict of options, e.g. {EXAMPLES[name]}")
    _warn_unknown(f"DEPLOY[{name!r}]", options, DEFAULTS[name])
    known = {key: copy.deepcopy(value) for key, value in options.items() if key in DEFAULTS[name]}
    return {**copy.deepcopy(DEFAULTS[name]), **known}


def _check_folder(options):
    path = options["path"]
    _require(isinstance(path, (str, os.PathLike)) and str(path).strip(), "DEPLOY['folder']['path']",
             f"must be a folder, e.g. 'public' (beside output/), not {path!r}")


def _check_rsync(options):
    key = "DEPLOY['rsync']"
    destination, port, ssh_key = options["destination"], options["port"], options["ssh_key"]
    _require(isinstance(destination, str) and destination.strip(), f"{key}['destination']",
             f"is needed for the rsync target: write e.g. 'user@host:/var/www/site/' (not {destination!r})")
    if _is_remote(destination):
        remote_path = destination.split(":", 1)[1].strip().lstrip(":")
        _require(remote_path.rstrip("/") not in ("", "~", ".", "./"), f"{key}['destination']",
                 f"is {destination!r}: name the site's own folder, e.g. 'user@host:/var/www/site/' "
                 "(rsync deletes there whatever is not built)")
    _require(isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536, f"{key}['port']",
             f"must be a port number from 1 to 65535, e.g. 22 (not {port!r})")
    if ssh_key is not None:
        _require(isinstance(ssh_key, (str, os.PathLike)) and Path(ssh_key).expanduser().is_file(),
                 f"{key}['ssh_key']", f"names no file ({ssh_key!r}): write the path of your private key, "
                                      "e.g. '~/.ssh/id_ed25519', or None for ssh's default")


BRANCH_NAME = re.compile(r"(?!-)(?!/)(?!.*\.\.)(?!.*//)(?!.*@\{)[^\s~^:?*\[\\\x00-\x1f\x7f]+(?<!\.lock)(?<![/.])")
AUTHOR = re.compile(r"[^<>]+ <[^<>\s]+>")


def _check_git(options):
    key = "DEPLOY['git']"
    repository, branch, remote = options["repository"], options["branch"], options["remote"]
    _require(isinstance(repository, (str, os.PathLike)) and str(repository).strip(), f"{key}['repository']",
             f"must be the folder of a git repository, e.g. '.' (not {repository!r})")
    _require(isinstance(branch, str) and BRANCH_NAME.fullmatch(branch), f"{key}['branch']",
             f"must be a branch name, e.g. 'gh-pages' (not {branch!r})")
    _require(remote is None or (isinstance(remote, str) and remote.strip()), f"{key}['remote']",
             f"must be a remote's name or URL, e.g. 'origin', or None to commit without pushing (not {remote!r})")
    _check_message(options["message"])
    author = options["author"]
    _require(author is None or (isinstance(author, str) and AUTHOR.fullmatch(author)), f"{key}['author']",
             f"must be 'Name <email>', e.g. 'Élise Marchand <elise@example.org>', or None (not {author!r})")
    _require(isinstance(options["nojekyll"], bool), f"{key}['nojekyll']", "must be True or False")


def _check_message(message):
    hint = "must be a commit message that may use {date}, e.g. 'Publish {date}'"
    _require(isinstance(message, str) and message.strip(), "DEPLOY['git']['message']", f"{hint} (not {message!r})")
    try:
        message.format(date="")
    except (KeyError, IndexError, ValueError, AttributeError):
        raise DeploySettingsError("DEPLOY['git']['message']", f"{hint}; no other {{...}} (not {message!r})") from None


CHECKS = {"folder": _check_folder, "rsync": _check_rsync, "git": _check_git}


def _require(condition, key, message):
    if not condition:
        raise DeploySettingsError(key, message)


def _warn_unknown(where, given, known):
    for key in sorted(set(given) - set(known), key=str):
        logger.warning("%s: unknown key %r ignored (known keys: %s)", where, key, ", ".join(known))


def _refuse_dangerous(output, target, root, key):
    """A target that deploying would wreck: output itself, or a folder holding the project or home."""
    if target == output or output in target.parents:
        raise DeploySettingsError(key, f"is {target}, inside the build's output {output}: "
                                       "choose a folder outside it, e.g. 'public'")
    for what, place in (("the build's output", output), ("the project", root), ("your home folder", Path.home())):
        if target == place or target in place.parents:
            raise DeploySettingsError(key, f"is {target}, which holds {what} ({place}): deploying deletes "
                                           "whatever is not built there; choose a folder of its own, e.g. 'public'")
    if (target / ".git").exists():
        raise DeploySettingsError(key, f"is {target}, a git checkout (its .git would be deleted): "
                                       "choose another folder, or DEPLOY['target'] = 'git' to publish to a branch")


# --- folder -----------------------------------------------------------------------------

@dataclass
class _Plan:
    copied: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    make_dirs: list = field(default_factory=list)    # shallowest first
    remove_dirs: list = field(default_factory=list)  # deepest first
    unchanged: int = 0


def _no_progress(done, total):
    pass


def _deploy_folder(output, options, dry_run, root, progress):
    target = (root / Path(options["path"]).expanduser()).resolve()
    _refuse_dangerous(output, target, root, "DEPLOY['folder']['path']")
    if target.exists() and not target.is_dir():
        raise DeployError("folder", f"{target} is a file, not a folder: remove it or change DEPLOY['folder']['path']")
    try:
        plan = _plan_folder(output, target, progress)
        if not dry_run:
            _apply(plan, output, target)
    except OSError as exc:
        raise DeployError("folder", f"could not copy to {target} ({exc.filename}: {exc.strerror or exc}); it was "
                                    "left as it was: check the free space and who may write there") from exc
    return DeployReport("folder", str(target), target.as_uri() + "/", dry_run, plan.copied, plan.updated,
                        plan.deleted, plan.unchanged)


def _plan_folder(output, target, progress):
    src_files, src_dirs = _scan(output)
    dst_files, dst_dirs = _scan(target)
    plan = _Plan()
    for done, (rel, path) in enumerate(sorted(src_files.items()), 1):
        progress(done, len(src_files))
        if rel not in dst_files:
            plan.copied.append(rel)
        elif _same_bytes(path, dst_files[rel]):
            plan.unchanged += 1
        else:
            plan.updated.append(rel)
    plan.deleted = sorted(set(dst_files) - set(src_files))
    plan.make_dirs = sorted(src_dirs - dst_dirs, key=lambda rel: rel.count("/"))
    plan.remove_dirs = sorted(dst_dirs - src_dirs, key=lambda rel: rel.count("/"), reverse=True)
    return plan


def _scan(top):
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


def _same_bytes(source, existing):
    if existing.is_symlink() or source.stat().st_size != existing.stat().st_size:
        return False
    return _digest(source) == _digest(existing)


def _digest(path):
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").digest()


def _apply(plan, output, target):
    """Write every new or changed file into a folder beside the target, then move each into place.

    Staging beside the target keeps each os.replace on one filesystem (atomic) and puts no
    temporary file where readers are served; unchanged files are left alone. If writing fails,
    the target is as it was. The order keeps every page's links whole at each step (see
    _put_in_place), so a deploy killed midway leaves a site that works, which the next finishes.
    """
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    with scratch_folder(target, "deploy") as staging:  # a killed deploy's staging goes first
        try:
            staged = _stage(_arrival_order(plan), output, staging)
        except BaseException:
            if created:
                shutil.rmtree(target, ignore_errors=True)
            raise
        try:
            _put_in_place(plan, staged, target)
        except OSError as exc:
            raise DeployError("folder", f"{target} is partly updated ({exc.filename}: {exc.strerror}); "
                                        "fix the cause and deploy again") from exc


def _arrival_order(plan):
    """New files before changed ones, and within each, pages after what they may link to."""
    return sorted(plan.copied, key=_is_page) + sorted(plan.updated, key=_is_page)


def _is_page(rel):
    return rel.endswith((".html", ".htm"))


def _stage(paths, output, staging):
    staged = []
    for number, rel in enumerate(paths):
        copy_file(output / rel, staging / str(number))
        staged.append((rel, staging / str(number)))
    return staged


def copy_file(source, destination):
    """Bytes, permissions and times, as rsync -pt would."""
    shutil.copyfile(source, destination)
    shutil.copystat(source, destination)


def _put_in_place(plan, staged, target):
    """New files first, changed ones next, deletions last (pages before what they link to): a
    page in place never links a file that is not there (an old page links old files, still
    there; a new page, files put before it). Only what stands where the new site has the other
    kind (a folder become a file, a file become a folder) must go first.

    Pages that link each other and are all new (or all deleted) still arrive (or go) one by
    one: for that moment, the first one links a page not yet there (or already gone)."""
    in_the_way = _in_the_way(plan)
    departing = sorted(plan.deleted, key=_is_page, reverse=True)
    _delete([rel for rel in departing if rel in in_the_way],
            [rel for rel in plan.remove_dirs if rel in in_the_way], target)
    for rel in plan.make_dirs:
        (target / rel).mkdir()
    for rel, path in staged:
        os.replace(path, target / rel)
    _delete([rel for rel in departing if rel not in in_the_way],
            [rel for rel in plan.remove_dirs if rel not in in_the_way], target)


def _in_the_way(plan):
    """Old files at the path of a new folder, and old files and folders at or under the path
    of a new file."""
    new_files, new_dirs = set(plan.copied), set(plan.make_dirs)

    def at_or_under_a_new_file(rel):
        parts = rel.split("/")
        return any("/".join(parts[:depth]) in new_files for depth in range(1, len(parts) + 1))

    return ({rel for rel in plan.deleted if rel in new_dirs or at_or_under_a_new_file(rel)}
            | {rel for rel in plan.remove_dirs if at_or_under_a_new_file(rel)})


def _delete(files, folders, target):
    for rel in files:
        (target / rel).unlink()
    for rel in folders:  # deepest first, emptied above
        (target / rel).rmdir()


# --- rsync ------------------------------------------------------------------------------

ITEM = re.compile(r"([<>ch.][fdLDS].{9}|\*deleting  ) (.*)")


def _deploy_rsync(output, options, dry_run, root, progress):
    destination = options["destination"]
    if not shutil.which("rsync"):
        raise DeployError("rsync", "the rsync command is not installed: install Debian's rsync package "
                                   "(apt-get install rsync), or set DEPLOY['target'] = 'folder'")
    local = None if _is_remote(destination) else (root / Path(destination).expanduser()).resolve()
    if local:
        _refuse_dangerous(output, local, root, "DEPLOY['rsync']['destination']")
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
    if _is_remote(options["destination"]):
        command += ["-e", _ssh_command(options)]
    destination = options["destination"]
    return command + [f"{output}/", destination if _is_remote(destination) else os.path.expanduser(destination)]


def _ssh_command(options):
    ssh = ["ssh", "-p", str(options["port"])]
    if options["ssh_key"]:
        ssh += ["-i", str(Path(options["ssh_key"]).expanduser())]
    return shlex.join(ssh + ["-o", "BatchMode=yes", "-o", "ConnectTimeout=30"])


def _is_remote(destination):
    """rsync's own rule: a colon before the first slash means a host (or rsync://)."""
    return destination.startswith("rsync://") or ":" in destination.split("/", 1)[0]


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
    if _is_remote(destination):
        check = (f"check that `ssh -p {options['port']} {destination.split(':', 1)[0]}` logs in without a password "
                 "(the key in DEPLOY['rsync']['ssh_key']) and that the folder exists and is writable")
    else:
        check = f"check that the folder above {destination} exists and is writable"
    return f"rsync to {destination} failed (exit status {result.returncode}): {said}; {check}"


# --- git --------------------------------------------------------------------------------

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


def _deploy_git(output, options, dry_run, root, progress):
    repository = (root / Path(options["repository"]).expanduser()).resolve()
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
    files = sorted(_scan(output)[0].items())
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


DEPLOYERS = {"folder": _deploy_folder, "rsync": _deploy_rsync, "git": _deploy_git}
