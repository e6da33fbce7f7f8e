"""The contract every deploy target meets (publisher/deploy/), run once per target, as the delivery
backends run tests/delivery_contract.py.

Each target's class provides a ``world`` fixture: an object with
    name          the target's name in DEPLOY["target"]
    settings      a DEPLOY setting that deploys there
    broken        a DEPLOY setting that the target refuses or fails on while deploying
    published()   {path: bytes} as readers get them
    state()       a value that changes whenever the target writes anything readers or the next
                  deploy see
Everything is observed where the site lands (a folder, rsync's folder, a bare repository's
branch), with real rsync and git on local paths.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from publisher.deploy import DeployError, deploy

SITE = {
    "index.html": b"<h1>Accueil</h1>",
    "en/index.html": b"<h1>Home</h1>",
    "feeds/atom.xml": b"<feed/>",
    "images/logo.png": bytes(range(256)) * 4,
}
AUTHOR = "Publisher Test <publisher@example.org>"


def write_files(folder, files):
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def files_under(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def snapshot(folder):
    """Every file's bytes, inode and mtime: a file written again, even with the same bytes, shows."""
    return {rel: (data, (folder / rel).stat().st_ino, (folder / rel).stat().st_mtime_ns)
            for rel, data in files_under(folder).items()}


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout


class DeployContract:
    """Subclass with a ``world`` fixture (see the module docstring)."""

    @pytest.fixture
    def output(self, tmp_path):
        write_files(tmp_path / "output", SITE)
        return tmp_path / "output"

    def test_a_first_deploy_writes_the_whole_tree(self, world, output, tmp_path):
        report = deploy(output, world.settings, root=tmp_path)
        assert world.published() == SITE
        assert report.target == world.name and sorted(report.copied_paths) == sorted(SITE)
        assert report.updated == report.deleted == 0

    def test_a_second_deploy_with_nothing_changed_writes_nothing(self, world, output, tmp_path):
        deploy(output, world.settings, root=tmp_path)
        before = world.state()
        report = deploy(output, world.settings, root=tmp_path)
        assert report.changed_paths == [] and report.unchanged == len(SITE)
        assert world.state() == before

    def test_a_changed_file_is_updated_a_new_one_copied_and_a_removed_one_deleted(self, world, output, tmp_path):
        deploy(output, world.settings, root=tmp_path)
        (output / "en/index.html").write_bytes(b"<h1>HOME</h1>")  # same size, other bytes
        (output / "feeds/atom.xml").unlink()
        write_files(output, {"en/about/index.html": b"<h1>About</h1>"})
        report = deploy(output, world.settings, root=tmp_path)
        assert (report.updated_paths, report.copied_paths, report.deleted_paths) == (
            ["en/index.html"], ["en/about/index.html"], ["feeds/atom.xml"])
        assert world.published() == files_under(output)

    def test_a_dry_run_reports_the_plan_and_writes_nothing(self, world, output, tmp_path):
        first = world.state()
        plan = deploy(output, world.settings, dry_run=True, root=tmp_path)
        assert plan.dry_run and sorted(plan.copied_paths) == sorted(SITE)
        assert world.state() == first

        deploy(output, world.settings, root=tmp_path)
        before = world.state()
        (output / "index.html").write_bytes(b"<h1>Nouvel accueil</h1>")
        plan = deploy(output, world.settings, dry_run=True, root=tmp_path)
        assert plan.updated_paths == ["index.html"] and plan.summary().startswith("Would deploy")
        assert world.state() == before and world.published() == SITE

    def test_a_failure_is_a_deploy_error_naming_the_target(self, world, output, tmp_path):
        with pytest.raises(DeployError) as caught:
            deploy(output, world.broken, root=tmp_path)
        assert caught.value.target == world.name
        assert str(caught.value).startswith(f"{world.name} deploy: ")


class FolderWorld:
    name = "folder"

    def __init__(self, tmp_path):
        self.place = tmp_path / "public"
        self.settings = {"target": "folder", "folder": {"path": "public"}}
        (tmp_path / "a-file").write_text("not a folder")
        self.broken = {"target": "folder", "folder": {"path": "a-file"}}

    def published(self):
        return files_under(self.place)

    def state(self):
        return snapshot(self.place)


class RsyncWorld(FolderWorld):
    name = "rsync"

    def __init__(self, tmp_path):
        super().__init__(tmp_path)
        self.settings = {"target": "rsync", "rsync": {"destination": str(self.place)}}
        self.broken = {"target": "rsync", "rsync": {"destination": str(tmp_path / "missing/deeper/site")}}


class GitWorld:
    """A source repository whose gh-pages branch is pushed to a bare one, as GitHub Pages is fed."""

    name = "git"

    def __init__(self, tmp_path):
        self.source, self.remote = tmp_path / "source", tmp_path / "remote.git"
        git(tmp_path, "init", "-q", "-b", "main", str(self.source))
        git(tmp_path, "init", "-q", "--bare", str(self.remote))
        options = {"repository": "source", "author": AUTHOR, "nojekyll": False}
        self.settings = {"target": "git", "git": {**options, "remote": str(self.remote)}}
        self.broken = {"target": "git", "git": {**options, "remote": str(tmp_path / "nowhere.git")}}

    def published(self):
        if not git(self.remote, "for-each-ref", "refs/heads/gh-pages"):
            return {}
        names = git(self.remote, "ls-tree", "-r", "-z", "--name-only", "gh-pages").split(b"\0")
        return {name.decode(): git(self.remote, "show", f"gh-pages:{name.decode()}") for name in names if name}

    def state(self):
        """The remote's files, the source's branches and the names of its objects (git may touch an
        object it already holds, which changes nothing)."""
        objects = sorted(path.relative_to(self.source).as_posix() for path in (self.source / ".git/objects").rglob("*"))
        return snapshot(self.remote), git(self.source, "for-each-ref"), objects


class TestFolderTarget(DeployContract):
    @pytest.fixture
    def world(self, tmp_path):
        return FolderWorld(tmp_path)


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (Debian: apt-get install rsync)")
class TestRsyncTarget(DeployContract):
    @pytest.fixture
    def world(self, tmp_path):
        return RsyncWorld(tmp_path)


class TestGitTarget(DeployContract):
    @pytest.fixture
    def world(self, tmp_path, monkeypatch):
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))  # no identity, no hooks
        monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        return GitWorld(tmp_path)
