"""The "folder" target (the default; no network): syncs output/ into a local folder
(``public/`` beside output/).

A file is copied only when its bytes differ (size, then SHA-256; never the
mtime), files no longer built are deleted, and unchanged files are not touched
(same inode, same mtime). Every new or changed file is first written into a
staging folder beside the target (``.public.deploy-XXXXXXXX``, same filesystem,
never served); only when all are written does each go into place with
os.replace (atomic per file): new files first, changed ones next, then stale
files and folders go, so a page in place never links a missing file, even when
the deploy is killed midway (the next deploy removes the staging folder a
killed one left, and finishes). A failure while writing leaves the target as it
was. Refuses a target that is, holds or lies inside output/, or that holds the
project, your home folder or / (it deletes what is not built), or a git checkout.
"""

import hashlib
import os
import shutil
from dataclasses import dataclass, field

from publisher.deploy.base import DeployError, DeployReport, Target, scan
from publisher.deploy.settings import refuse_dangerous
from sitekit.work_folder import scratch_folder


class FolderTarget(Target):
    name = "folder"
    where = "path"

    def deploy(self, output, dry_run, progress):
        target = self.local_path()
        refuse_dangerous(output, target, self.root, "DEPLOY['folder']['path']")
        if target.exists() and not target.is_dir():
            raise DeployError("folder", f"{target} is a file, not a folder: remove it or change "
                                        "DEPLOY['folder']['path']")
        try:
            plan = _plan_folder(output, target, progress)
            if not dry_run:
                _apply(plan, output, target)
        except OSError as exc:
            raise DeployError("folder", f"could not copy to {target} ({exc.filename}: {exc.strerror or exc}); it was "
                                        "left as it was: check the free space and who may write there") from exc
        return DeployReport("folder", str(target), target.as_uri() + "/", dry_run, plan.copied, plan.updated,
                            plan.deleted, plan.unchanged)


@dataclass
class _Plan:
    copied: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    make_dirs: list = field(default_factory=list)    # shallowest first
    remove_dirs: list = field(default_factory=list)  # deepest first
    unchanged: int = 0


def _plan_folder(output, target, progress):
    src_files, src_dirs = scan(output)
    dst_files, dst_dirs = scan(target)
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
