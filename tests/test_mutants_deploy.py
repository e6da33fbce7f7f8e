"""The deploy targets piece by piece: reports, scans, plans, rsync's command and items, git's plumbing."""

import locale
import logging
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from publisher.deploy.base import EXIT_DEPLOY, DeployError, DeployReport, Target, scan


def write_files(folder, files):
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


# --- base: the error, the target, the report, the scan ----------------------------------------------------

def test_a_deploy_error_names_its_target_and_exits_with_status_4():
    error = DeployError("rsync", "the folder is missing")
    assert str(error) == "rsync deploy: the folder is missing"
    assert error.target == "rsync" and error.exitcode == EXIT_DEPLOY == 4


class Somewhere(Target):
    name = "somewhere"
    where = "path"


def test_a_target_reads_its_address_and_resolves_its_local_path_from_the_root(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    target = Somewhere({"path": "site/../public"}, tmp_path)
    assert target.options == {"path": "site/../public"} and target.root == tmp_path
    assert target.address == "site/../public"
    assert target.local_path() == tmp_path / "public"
    assert Somewhere({"path": "~/www"}, tmp_path).local_path() == tmp_path / "home" / "www"
    assert Somewhere({"path": "/srv/www"}, tmp_path).local_path() == Path("/srv/www")
    assert target.reaches_network is False
    with pytest.raises(NotImplementedError):
        target.deploy(tmp_path, False, lambda done, total: None)


def test_a_base_target_has_no_name_and_no_option():
    assert Target.name is None and Target.where is None


def test_a_new_report_changed_nothing():
    report = DeployReport("folder", "/srv/public", "https://example.org/")
    assert (report.dry_run, report.copied_paths, report.updated_paths, report.deleted_paths) == (False, [], [], [])
    assert (report.unchanged, report.seconds, report.commit, report.pushed) == (0, 0.0, None, False)
    assert (report.copied, report.updated, report.deleted, report.changed_paths) == (0, 0, 0, [])
    other = DeployReport("folder", "/srv/public", "https://example.org/")
    other.copied_paths.append("a")
    assert report.copied_paths == []   # each report has its own lists


def test_a_report_counts_its_paths_and_sorts_them_all_together():
    report = DeployReport("git", "repo (gh-pages)", "https://example.org/", copied_paths=["b", "e"],
                          updated_paths=["a", "d", "f"], deleted_paths=["c"], unchanged=7, seconds=1.234)
    assert (report.copied, report.updated, report.deleted) == (2, 3, 1)
    assert report.changed_paths == ["a", "b", "c", "d", "e", "f"]
    assert report.summary() == ("Deployed to https://example.org/ (git: repo (gh-pages)): 2 copied, 3 updated, "
                                "1 deleted, 7 unchanged in 1.23 s")


def test_a_dry_run_report_says_what_it_would_deploy():
    report = DeployReport("rsync", "u@h:/www/", "u@h:/www/", True, ["a"], seconds=0.5)
    assert report.summary() == "Would deploy to u@h:/www/ (rsync: u@h:/www/): 1 copied, 0 updated, 0 deleted, " \
                               "0 unchanged in 0.50 s"


def test_a_scan_of_a_missing_folder_is_empty(tmp_path):
    assert scan(tmp_path / "missing") == ({}, set())


def test_a_scan_lists_files_and_folders_and_counts_folder_links_as_files(tmp_path):
    write_files(tmp_path / "site", {"index.html": "i", "en/index.html": "e", "en/deep/a.css": "a"})
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "site" / "linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "site" / "en" / "page.html").symlink_to(tmp_path / "site" / "index.html")
    files, dirs = scan(tmp_path / "site")
    assert files == {rel: tmp_path / "site" / rel
                     for rel in ("index.html", "en/index.html", "en/deep/a.css", "linked", "en/page.html")}
    assert dirs == {"en", "en/deep"}


def test_a_scan_of_something_that_is_no_folder_raises(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        scan(tmp_path / "file")


# --- rsync: the command line, the items it reports, its failures, the folder beside ---------------------

import shutil  # noqa: E402
import subprocess  # noqa: E402

from publisher.deploy import deploy  # noqa: E402
from publisher.deploy.rsync import RsyncTarget, _count_items, _rsync_failure, _scratch_beside, rsync_command  # noqa: E402

needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None,
                                 reason="rsync is not installed (Debian: apt-get install rsync)")
RSYNC_FLAGS = ["rsync", "-rlpt", "--checksum", "--delete", "--delete-after", "--delay-updates", "--8-bit-output",
               "--itemize-changes", "--itemize-changes"]


def test_the_rsync_command_to_a_local_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    options = {"destination": "~/www", "port": 22, "ssh_key": None}
    assert rsync_command(Path("/o"), options) == RSYNC_FLAGS + ["/o/", f"{tmp_path}/www"]
    assert rsync_command(Path("/o"), options, dry_run=True, temp_dir=tmp_path / "t") == \
        RSYNC_FLAGS + ["-n", f"--temp-dir={tmp_path / 't'}", "/o/", f"{tmp_path}/www"]


def test_the_rsync_command_over_ssh_with_and_without_a_key(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    options = {"destination": "u@h.example:~/www/", "port": 2200, "ssh_key": "~/.ssh/key"}
    assert rsync_command(Path("/o"), options) == RSYNC_FLAGS + [
        "-e", f"ssh -p 2200 -i {tmp_path}/.ssh/key -o BatchMode=yes -o ConnectTimeout=30", "/o/", "u@h.example:~/www/"]
    assert rsync_command(Path("/o"), {**options, "ssh_key": None, "port": 22})[-4:] == [
        "-e", "ssh -p 22 -o BatchMode=yes -o ConnectTimeout=30", "/o/", "u@h.example:~/www/"]


def test_a_remote_destination_reaches_the_network_a_local_one_does_not(tmp_path):
    assert RsyncTarget({"destination": "u@h:/www/"}, tmp_path).reaches_network is True
    assert RsyncTarget({"destination": "/srv/www"}, tmp_path).reaches_network is False


def items(stdout):
    report = DeployReport("rsync", "d", "d")
    _count_items(stdout, report)
    return report.copied_paths, report.updated_paths, report.deleted_paths, report.unchanged


def test_rsync_items_are_counted_by_their_change_codes():
    stdout = "\n".join([
        "cd+++++++++ en/",              # a folder: not counted
        ">f+++++++++ en/new page.html",
        ">fcs....... index.html",
        ">f..t...... touched.css",
        ".f          same.html",
        ".f...p..... mode.html",
        "hf          hard.html",
        "cL+++++++++ link -> index.html",
        "cLc.t...... moved -> elsewhere.html",
        "*deleting   old.html",
        "*deleting   gone/",
        "sending incremental file list",
        "",
        "total size is 1234  speedup is 1.00",
        ">d+++++++++ somedir",           # neither file nor link
    ])
    assert items(stdout) == (["en/new page.html", "link"], ["index.html", "touched.css", "moved"], ["old.html"], 3)


def test_an_item_line_is_matched_whole():
    assert items("x>f+++++++++ a") == ([], [], [], 0)
    assert items(">f+++++++++a") == ([], [], [], 0)
    assert items(">f+++++++ a") == ([], [], [], 0)
    assert items("<f+++++++++ sent") == (["sent"], [], [], 0)
    assert items(">S+++++++++ special") == ([], [], [], 0)


def failure(stderr, returncode=23):
    return subprocess.CompletedProcess(["rsync"], returncode, "", stderr)


def test_an_rsync_failure_quotes_its_last_three_lines_and_says_what_to_check():
    local = {"destination": "/srv/www", "port": 22}
    assert _rsync_failure(failure("one\ntwo\nthree\nfour\n"), local) == (
        "rsync to /srv/www failed (exit status 23): two three four; "
        "check that the folder above /srv/www exists and is writable")
    remote = {"destination": "u@h.example:/www/", "port": 2200}
    assert _rsync_failure(failure("  \n", 255), remote) == (
        "rsync to u@h.example:/www/ failed (exit status 255): no message; check that `ssh -p 2200 u@h.example` "
        "logs in without a password (the key in DEPLOY['rsync']['ssh_key']) and that the folder exists and is "
        "writable")


def test_no_folder_beside_a_remote_destination_a_dry_run_or_a_missing_parent(tmp_path):
    for destination, dry_run in ((None, False), (tmp_path / "site", True), (tmp_path / "missing" / "site", False)):
        with _scratch_beside(destination, dry_run) as folder:
            assert folder is None
    assert list(tmp_path.iterdir()) == []


def test_files_being_received_wait_in_a_folder_beside_the_destination(tmp_path):
    (tmp_path / ".site.rsync-old").mkdir()
    with _scratch_beside(tmp_path / "site", False) as folder:
        assert folder.parent == tmp_path and folder.name.startswith(".site.rsync-")
        assert [path.name for path in tmp_path.iterdir()] == [folder.name]
    assert list(tmp_path.iterdir()) == []


def test_a_folder_beside_that_cannot_be_made_is_a_deploy_error(tmp_path):
    destination = tmp_path / ("s" * 250)   # ".sss….rsync-XXXXXXXX" is over the 255 bytes of a file name
    with pytest.raises(DeployError) as caught:
        with _scratch_beside(destination, False):
            pass
    message = str(caught.value)
    assert message.startswith(f"rsync deploy: could not make a folder beside {destination} for the files being "
                              f"received ({tmp_path}/.{'s' * 250}.rsync-")
    assert message.endswith(f": File name too long); let this user write in {tmp_path}")


@needs_rsync
def test_rsync_runs_in_the_project_folder_and_reports_its_items(tmp_path):
    write_files(tmp_path / "output", {"index.html": "i", "en/a.html": "a"})
    write_files(tmp_path / "site", {"old.html": "o", "index.html": "x"})
    report = deploy(tmp_path / "output", {"target": "rsync", "rsync": {"destination": "site"}}, root=tmp_path)
    assert (report.target, report.destination, report.url, report.dry_run) == ("rsync", "site", "site", False)
    assert (report.copied_paths, report.updated_paths, report.deleted_paths) == (["en/a.html"], ["index.html"],
                                                                                 ["old.html"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output", "site"]


def test_without_rsync_installed_the_deploy_says_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    write_files(tmp_path / "output", {"index.html": "i"})
    with pytest.raises(DeployError) as caught:
        deploy(tmp_path / "output", {"target": "rsync", "rsync": {"destination": "site"}}, root=tmp_path)
    assert str(caught.value) == ("rsync deploy: the rsync command is not installed: install Debian's rsync package "
                                 "(apt-get install rsync), or set DEPLOY['target'] = 'folder'")


# --- folder: the plan, the order things arrive and go, the failures ------------------------------------

from publisher.deploy.folder import FolderTarget, _apply, _arrival_order, _Plan, _put_in_place  # noqa: E402


def folder_deploy(tmp_path, dry_run=False, path="public", progress=None):
    target = FolderTarget({"path": path}, tmp_path)
    calls = []
    report = target.deploy(tmp_path / "output", dry_run, progress or (lambda done, total: calls.append((done, total))))
    return report, calls


def test_the_folder_report_and_progress_count_every_file_once(tmp_path):
    write_files(tmp_path / "output", {"a.html": "a", "b/c.css": "c", "d.js": "d"})
    report, calls = folder_deploy(tmp_path, dry_run=True)
    public = tmp_path / "public"
    assert (report.target, report.destination, report.url, report.dry_run) == (
        "folder", str(public), public.as_uri() + "/", True)
    assert report.copied_paths == ["a.html", "b/c.css", "d.js"] and calls == [(1, 3), (2, 3), (3, 3)]
    assert not public.exists()
    report, _ = folder_deploy(tmp_path)
    assert report.dry_run is False and report.copied == 3
    write_files(tmp_path / "output", {"a.html": "A", "d.js": "longer"})
    (tmp_path / "output" / "b" / "c.css").unlink()
    write_files(tmp_path / "output", {"e.txt": "e"})
    report, _ = folder_deploy(tmp_path)
    assert (report.copied_paths, report.updated_paths, report.deleted_paths, report.unchanged) == (
        ["e.txt"], ["a.html", "d.js"], ["b/c.css"], 0)
    assert sorted(path.relative_to(public).as_posix() for path in public.rglob("*")) == ["a.html", "b", "d.js",
                                                                                         "e.txt"]


def test_a_file_where_the_folder_should_be_is_refused(tmp_path):
    write_files(tmp_path / "output", {"a.html": "a"})
    (tmp_path / "public").write_text("a file")
    with pytest.raises(DeployError) as caught:
        folder_deploy(tmp_path)
    assert str(caught.value) == (f"folder deploy: {tmp_path / 'public'} is a file, not a folder: remove it or change "
                                 "DEPLOY['folder']['path']")


def test_a_file_that_cannot_be_read_leaves_no_new_target_and_names_the_file(tmp_path):
    write_files(tmp_path / "output", {"a.html": "a"})
    (tmp_path / "output" / "dangling.css").symlink_to(tmp_path / "nowhere")
    with pytest.raises(DeployError) as caught:
        folder_deploy(tmp_path, path="deep/er/public")
    assert str(caught.value) == (
        f"folder deploy: could not copy to {tmp_path / 'deep/er/public'} ({tmp_path / 'output' / 'dangling.css'}: "
        "No such file or directory); it was left as it was: check the free space and who may write there")
    assert not (tmp_path / "deep" / "er" / "public").exists()
    assert sorted(path.name for path in (tmp_path / "deep" / "er").iterdir()) == []


def test_a_failure_on_a_later_deploy_leaves_the_existing_target(tmp_path):
    write_files(tmp_path / "output", {"a.html": "a"})
    folder_deploy(tmp_path, path="deep/er/public")       # the folders above are made too
    (tmp_path / "output" / "dangling.css").symlink_to(tmp_path / "nowhere")
    with pytest.raises(DeployError):
        folder_deploy(tmp_path, path="deep/er/public")
    assert [path.name for path in (tmp_path / "deep/er").iterdir()] == ["public"]
    assert [path.name for path in (tmp_path / "deep/er/public").iterdir()] == ["a.html"]


def test_a_link_in_the_target_is_replaced_even_by_the_same_bytes(tmp_path):
    write_files(tmp_path / "output", {"a.html": "same"})
    write_files(tmp_path / "elsewhere", {"a.html": "same"})
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "a.html").symlink_to(tmp_path / "elsewhere" / "a.html")
    report, _ = folder_deploy(tmp_path)
    assert report.updated_paths == ["a.html"] and not (tmp_path / "public" / "a.html").is_symlink()


def test_copies_keep_permissions_and_times(tmp_path):
    write_files(tmp_path / "output", {"run.sh": "#!/bin/sh"})
    source = tmp_path / "output" / "run.sh"
    source.chmod(0o751)
    os.utime(source, ns=(10**18, 10**18))
    folder_deploy(tmp_path)
    copied = (tmp_path / "public" / "run.sh").stat()
    assert (copied.st_mode & 0o777, copied.st_mtime_ns) == (0o751, 10**18)


def test_deep_new_folders_are_made_and_deep_old_ones_removed(tmp_path):
    deep = {"a/b/c/d/e.html": "e", "a/b/x/y.html": "y", "f/g/h.css": "h"}
    write_files(tmp_path / "output", deep)
    folder_deploy(tmp_path)
    assert {path.relative_to(tmp_path / "public").as_posix() for path in (tmp_path / "public").rglob("*")
            if path.is_file()} == set(deep)
    shutil.rmtree(tmp_path / "output")
    write_files(tmp_path / "output", {"index.html": "i"})
    report, _ = folder_deploy(tmp_path)
    assert report.deleted_paths == sorted(deep)
    assert [path.name for path in (tmp_path / "public").iterdir()] == ["index.html"]


def test_a_killed_deploys_staging_is_removed_by_the_next(tmp_path):
    write_files(tmp_path / "output", {"a.html": "a"})
    write_files(tmp_path / ".public.deploy-killed", {"0": "half"})
    folder_deploy(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output", "public"]


def test_new_files_arrive_before_changed_ones_and_pages_after_what_they_link():
    plan = _Plan(copied=["new.html", "new.css", "new.htm", "new.png"], updated=["old.html", "old.js"])
    assert _arrival_order(plan) == ["new.css", "new.png", "new.html", "new.htm", "old.js", "old.html"]


def test_pages_go_before_the_files_they_link_and_a_failure_midway_stops_the_deletions(tmp_path):
    write_files(tmp_path / "public", {"page.html": "p", "style.css": "s", "z.png": "z"})
    write_files(tmp_path / "output", {"index.html": "i"})
    # "missing.css" is in the plan but not in the target: deleting it fails after the pages went.
    plan = _Plan(copied=["index.html"], deleted=["missing.css", "page.html", "style.css", "z.png"])
    with pytest.raises(DeployError) as caught:
        _apply(plan, tmp_path / "output", tmp_path / "public")
    assert str(caught.value) == (f"folder deploy: {tmp_path / 'public'} is partly updated "
                                 f"({tmp_path / 'public' / 'missing.css'}: No such file or directory); "
                                 "fix the cause and deploy again")
    assert sorted(path.name for path in (tmp_path / "public").iterdir()) == ["index.html", "style.css", "z.png"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output", "public"]


def test_only_what_stands_in_the_way_goes_before_the_new_files_arrive(tmp_path):
    write_files(tmp_path / "public", {"feeds/atom.xml": "f", "old.html": "o", "keep.css": "k"})
    (tmp_path / "staged").mkdir()
    write_files(tmp_path / "staged", {"0": "now a file", "1": "new"})
    plan = _Plan(copied=["feeds", "new.png"], deleted=["feeds/atom.xml", "gone.css", "old.html"],
                 remove_dirs=["feeds"])
    staged = [("feeds", tmp_path / "staged" / "0"), ("new.png", tmp_path / "staged" / "1")]
    with pytest.raises(FileNotFoundError):   # gone.css: the deletions after the arrivals stop there
        _put_in_place(plan, staged, tmp_path / "public")
    assert sorted(path.name for path in (tmp_path / "public").iterdir()) == ["feeds", "keep.css", "new.png"]
    assert (tmp_path / "public" / "feeds").read_text() == "now a file"


def test_a_file_in_the_way_of_a_new_folder_goes_first(tmp_path):
    write_files(tmp_path / "public", {"sitemap.xml": "old", "about.html": "a"})
    (tmp_path / "staged").mkdir()
    write_files(tmp_path / "staged", {"0": "new"})
    plan = _Plan(copied=["sitemap.xml/index.html"], deleted=["about.html", "missing.css", "sitemap.xml"],
                 make_dirs=["sitemap.xml"])
    with pytest.raises(FileNotFoundError):
        _put_in_place(plan, [("sitemap.xml/index.html", tmp_path / "staged" / "0")], tmp_path / "public")
    assert (tmp_path / "public" / "sitemap.xml" / "index.html").read_text() == "new"
    assert not (tmp_path / "public" / "about.html").exists()   # pages go before the missing.css failure


def test_a_deeper_old_folder_under_a_new_file_goes_first(tmp_path):
    write_files(tmp_path / "public", {"a/b/c.html": "c"})
    (tmp_path / "staged").mkdir()
    write_files(tmp_path / "staged", {"0": "a is a file"})
    plan = _Plan(copied=["a"], deleted=["a/b/c.html", "missing.css"], remove_dirs=["a/b", "a"])
    with pytest.raises(FileNotFoundError):
        _put_in_place(plan, [("a", tmp_path / "staged" / "0")], tmp_path / "public")
    assert (tmp_path / "public" / "a").read_text() == "a is a file"


# --- git: the plumbing's environment, messages, modes, identities and ssh --------------------------------

AUTHOR = "Publisher Test <publisher@example.org>"


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """An empty repository on main, with no identity configured, and a site in output/ beside it."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_SSH", "GIT_SSH_COMMAND", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    git(tmp_path, "init", "-q", "-b", "main", "repo")
    write_files(tmp_path / "output", {"index.html": "<h1>i</h1>", "run.sh": "#!/bin/sh\n"})
    return tmp_path / "repo"


def git_deploy(tmp_path, dry_run=False, **options):
    return deploy(tmp_path / "output", {"target": "git", "git": {"repository": "repo", "author": AUTHOR, **options}},
                  dry_run=dry_run, root=tmp_path)


def test_git_ignores_the_callers_git_dir_and_index_and_never_prompts(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_WORK_TREE", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "an-index"))
    report = git_deploy(tmp_path)
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert git(repo, "rev-parse", "gh-pages") == report.commit
    assert not (tmp_path / "an-index").exists() and not (repo / ".git" / "index").exists()
    from publisher.deploy.git import _Git
    assert _Git(repo).env["GIT_TERMINAL_PROMPT"] == "0"


def test_git_records_modes_the_nojekyll_file_the_message_and_the_reflog(repo, tmp_path):
    (tmp_path / "output" / "run.sh").chmod(0o755)
    report = git_deploy(tmp_path, message="Site at {date}!")
    assert git(repo, "ls-tree", "gh-pages").splitlines() == [
        "100644 blob e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\t.nojekyll",
        f"100644 blob {git(repo, 'hash-object', str(tmp_path / 'output' / 'index.html'))}\tindex.html",
        f"100755 blob {git(repo, 'hash-object', str(tmp_path / 'output' / 'run.sh'))}\trun.sh"]
    assert re.fullmatch(r"Site at \d{4}-\d\d-\d\d \d\d:\d\d UTC!", git(repo, "log", "-1", "--format=%B", "gh-pages"))
    assert git(repo, "log", "-1", "--format=%an|%ae|%cn|%ce", "gh-pages") == (
        "Publisher Test|publisher@example.org|Publisher Test|publisher@example.org")
    assert git(repo, "reflog", "show", "--format=%gs", "gh-pages") == "deploy"
    assert (report.commit, report.pushed) == (git(repo, "rev-parse", "gh-pages"), False)


def test_a_nojekyll_file_of_the_site_is_kept_and_none_is_added_when_off(repo, tmp_path):
    write_files(tmp_path / "output", {".nojekyll": "mine"})
    git_deploy(tmp_path)
    assert git(repo, "show", "gh-pages:.nojekyll") == "mine"
    (tmp_path / "output" / ".nojekyll").unlink()
    report = git_deploy(tmp_path, nojekyll=False)
    assert report.deleted_paths == [".nojekyll"]
    assert git(repo, "ls-tree", "--name-only", "gh-pages").splitlines() == ["index.html", "run.sh"]


def test_without_an_author_git_uses_the_repositorys_identity(repo, tmp_path):
    git(repo, "config", "user.name", "Repo Person")
    git(repo, "config", "user.email", "repo@example.org")
    deploy(tmp_path / "output", {"target": "git", "git": {"repository": "repo"}}, root=tmp_path)
    assert git(repo, "log", "-1", "--format=%an <%ae>", "gh-pages") == "Repo Person <repo@example.org>"


def test_without_any_identity_the_commit_fails_saying_how_to_set_one(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("EMAIL", "")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    git(repo, "config", "user.useConfigOnly", "true")
    with pytest.raises(DeployError) as caught:
        deploy(tmp_path / "output", {"target": "git", "git": {"repository": "repo"}}, root=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"git deploy: `git commit-tree` failed in {repo}: ")
    assert message.endswith("; set DEPLOY['git']['author'] = 'Name <email>' or `git config user.email` in the "
                            "repository")


def test_a_dry_run_reports_against_the_branch_and_writes_nothing(repo, tmp_path):
    git_deploy(tmp_path)
    (tmp_path / "output" / "index.html").write_text("changed")
    write_files(tmp_path / "output", {"new.css": "n"})
    (tmp_path / "output" / "run.sh").unlink()
    tip = git(repo, "rev-parse", "gh-pages")
    report = git_deploy(tmp_path, dry_run=True)
    assert (report.copied_paths, report.updated_paths, report.deleted_paths, report.unchanged) == (
        ["new.css"], ["index.html"], ["run.sh"], 1)
    assert (report.commit, report.pushed, report.dry_run) == (None, False, True)
    assert git(repo, "rev-parse", "gh-pages") == tip
    assert subprocess.run(["git", "cat-file", "-e", git(repo, "hash-object", str(tmp_path / "output" / "new.css"))],
                          cwd=repo).returncode != 0


def test_a_first_deploy_starts_from_the_remotes_branch(repo, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    write_files(tmp_path / "other", {"index.html": "<h1>i</h1>"})
    published = deploy(tmp_path / "other", {"target": "git", "git": {"repository": str(remote), "author": AUTHOR,
                                                                      "nojekyll": False}}, root=tmp_path)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "fetch", "-q", "origin")
    report = git_deploy(tmp_path, remote="origin", nojekyll=False)
    assert (report.copied_paths, report.unchanged) == (["run.sh"], 1)
    assert git(repo, "rev-parse", "gh-pages^") == published.commit
    assert git(remote, "rev-parse", "gh-pages") == report.commit and report.pushed
    again = git_deploy(tmp_path, remote="origin", nojekyll=False)
    assert (again.commit, again.pushed) == (None, True)


def test_a_branch_checked_out_in_another_worktree_is_refused_naming_it(repo, tmp_path):
    git(repo, "-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-q", "--allow-empty", "-m", "start")
    git(repo, "worktree", "add", "-q", "-b", "pages", str(tmp_path / "pages-tree"))
    with pytest.raises(DeployError) as caught:
        git_deploy(tmp_path, branch="pages")
    assert str(caught.value) == (f"git deploy: the branch pages is checked out in {tmp_path / 'pages-tree'}: "
                                 "deploying would change it under that working tree; switch it to another branch "
                                 "(git switch main)")
    git_deploy(tmp_path, branch="pages-other")   # a branch whose name only starts the same is no conflict


def test_a_file_name_with_a_line_break_is_refused(repo, tmp_path):
    write_files(tmp_path / "output", {"a\nb.html": "x"})
    with pytest.raises(DeployError) as caught:
        git_deploy(tmp_path)
    assert str(caught.value) == "git deploy: a file name in output/ holds a line break; rename it"


def test_git_missing_or_a_repository_that_is_no_folder(repo, tmp_path, monkeypatch):
    with pytest.raises(DeployError) as caught:
        deploy(tmp_path / "output", {"target": "git", "git": {"repository": "nothing"}}, root=tmp_path)
    assert str(caught.value) == (f"git deploy: DEPLOY['git']['repository'] is {tmp_path / 'nothing'}, which is not "
                                 "a folder")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(DeployError) as caught:
        git_deploy(tmp_path)
    assert str(caught.value) == "git deploy: the git command is not installed: install Debian's git package"


def test_a_folder_that_is_no_repository_names_the_command_and_what_to_check(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    from publisher.deploy.git import _Git
    with pytest.raises(DeployError) as caught:
        _Git(tmp_path / "plain")
    message = str(caught.value)
    assert message.startswith(f"git deploy: `git rev-parse` failed in {tmp_path / 'plain'}: fatal: not a git "
                              "repository")
    assert message.endswith("; check DEPLOY['git']['repository'] names a git repository (git init there)")


@pytest.fixture
def fake_ssh(tmp_path, monkeypatch):
    """An `ssh` first on PATH that writes down how it was called and fails, as an unreachable host would."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    calls = tmp_path / "ssh-calls"
    script = folder / "ssh"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\necho "no route" >&2\nexit 255\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return lambda: calls.read_text().splitlines() if calls.exists() else []


def test_a_push_over_ssh_never_asks_for_a_password(repo, tmp_path, fake_ssh):
    with pytest.raises(DeployError) as caught:
        git_deploy(tmp_path, remote="ssh://git@host.example/site.git")
    [call] = fake_ssh()
    assert call.startswith("-o BatchMode=yes -o ConnectTimeout=30 ")
    assert str(caught.value).startswith(f"git deploy: `git push` failed in {repo}: ")


def test_the_users_own_ssh_command_is_left_alone(repo, tmp_path, fake_ssh, monkeypatch):
    git(repo, "config", "core.sshCommand", "ssh -o User=configured")
    with pytest.raises(DeployError):
        git_deploy(tmp_path, remote="ssh://git@host.example/site.git")
    git(repo, "config", "--unset", "core.sshCommand")
    monkeypatch.setenv("GIT_SSH_COMMAND", "ssh -o User=environment")
    with pytest.raises(DeployError):
        git_deploy(tmp_path, remote="ssh://git@host.example/site.git")
    calls = fake_ssh()
    assert [call.split(" git@")[0] for call in calls] == ["-o User=configured", "-o User=environment"]


@pytest.fixture
def fake_rsync(tmp_path, monkeypatch):
    """An `rsync` first on PATH that writes down its arguments, folder, standard input and whether its
    --temp-dir exists, prints one item and succeeds, touching nothing."""
    folder = tmp_path / "fake-rsync-bin"
    folder.mkdir()
    record = tmp_path / "rsync-call"
    script = folder / "rsync"
    script.write_text(f"""#!/bin/sh
{{ for arg in "$@"; do echo "arg $arg"; case "$arg" in --temp-dir=*) [ -d "${{arg#--temp-dir=}}" ] && \
echo "temp-dir exists";; esac; done; echo "cwd $(pwd)"; echo "stdin $(readlink /proc/$$/fd/0)"; }} > "{record}"
echo ">f+++++++++ index.html"
""")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    def call():
        lines = record.read_text().splitlines()
        return ([line[4:] for line in lines if line.startswith("arg ")],
                {key: value for key, _, value in (line.partition(" ") for line in lines if not line.startswith("arg "))})
    return call


def test_rsync_runs_in_the_project_with_no_input_and_a_folder_beside_for_what_it_receives(tmp_path, fake_rsync,
                                                                                          caplog):
    write_files(tmp_path / "output", {"index.html": "i"})
    reading, writing = os.pipe()     # this process's standard input, for the moment: a pipe rsync must not get
    saved = os.dup(0)
    os.dup2(reading, 0)
    try:
        with caplog.at_level(logging.DEBUG, logger="publisher.deploy.rsync"):
            report = deploy(tmp_path / "output", {"target": "rsync", "rsync": {"destination": "site"}}, root=tmp_path)
    finally:
        os.dup2(saved, 0)
        for descriptor in (saved, reading, writing):
            os.close(descriptor)
    args, seen = fake_rsync()
    [temp_dir] = [arg for arg in args if arg.startswith("--temp-dir=")]
    assert temp_dir.startswith(f"--temp-dir={tmp_path}/.site.rsync-")
    assert seen == {"cwd": str(tmp_path), "stdin": "/dev/null", "temp-dir": "exists"}
    assert args[-2:] == [f"{tmp_path / 'output'}/", "site"]
    assert report.copied_paths == ["index.html"]
    assert [record.getMessage() for record in caplog.records if record.name == "publisher.deploy.rsync"] == [
        "Running " + " ".join(["rsync", *args])]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fake-rsync-bin", "output", "rsync-call"]


def test_a_dry_run_or_a_remote_rsync_has_no_folder_beside(tmp_path, fake_rsync):
    write_files(tmp_path / "output", {"index.html": "i"})
    deploy(tmp_path / "output", {"target": "rsync", "rsync": {"destination": "site"}}, dry_run=True, root=tmp_path)
    args, seen = fake_rsync()
    assert "-n" in args and not any(arg.startswith("--temp-dir") for arg in args) and "temp-dir" not in seen
    # "host:site" names a folder on host: nothing is made beside a local "host:site"
    deploy(tmp_path / "output", {"target": "rsync", "rsync": {"destination": "host:site"}}, root=tmp_path)
    args, _ = fake_rsync()
    assert not any(arg.startswith("--temp-dir") for arg in args) and args[-1] == "host:site"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fake-rsync-bin", "output", "rsync-call"]


@needs_rsync
def test_a_file_name_that_is_not_utf8_is_reported_not_fatal(tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    (output / os.fsdecode(b"caf\xe9.html")).write_text("latin-1 name")
    report = deploy(output, {"target": "rsync", "rsync": {"destination": "site"}}, root=tmp_path)
    assert report.copied_paths == ["caf\ufffd.html"]


def test_link_and_folder_names_are_cut_at_the_first_arrow_only():
    stdout = "\n".join(["cL+++++++++ my link -> index.html", "cL+++++++++ odd -> a -> b"])
    assert items(stdout) == (["my link", "odd"], [], [], 0)


def test_the_ssh_host_of_a_failure_is_what_comes_before_the_first_colon():
    remote = {"destination": "u@h.example:/www/a:b/", "port": 22}
    assert "`ssh -p 22 u@h.example` logs in" in _rsync_failure(failure("x"), remote)


@needs_rsync
def test_rsync_output_is_read_as_utf8_whatever_the_locale(tmp_path):
    write_files(tmp_path / "output", {"été.html": "x"})
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        report = deploy(tmp_path / "output", {"target": "rsync", "rsync": {"destination": "site"}}, root=tmp_path)
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)
    assert report.copied_paths == ["été.html"]


def test_a_git_failure_without_message_or_hint_says_so_plainly(repo):
    from publisher.deploy.git import _Git
    with pytest.raises(DeployError) as caught:
        _Git(repo).run("rev-parse", "--verify", "--quiet", "no-such-ref")
    assert str(caught.value) == f"git deploy: `git rev-parse` failed in {repo}: no message"


def test_a_git_failure_quotes_its_last_three_lines_even_with_bytes_that_are_not_utf8(repo):
    from publisher.deploy.git import _Git
    with pytest.raises(DeployError) as caught:
        _Git(repo).run("ls-tree", os.fsdecode(b"caf\xe9"), hint="check it")
    assert str(caught.value) == (f"git deploy: `git ls-tree` failed in {repo}: fatal: Not a valid object name "
                                 "caf\ufffd; check it")
    assert _Git(repo).run("rev-parse", "--verify", "--quiet", "nothing", check=False).returncode == 1


def test_a_subfolder_that_became_a_file_goes_before_the_file_arrives(tmp_path):
    write_files(tmp_path / "output", {"a/b/c.html": "c", "a/d.css": "d"})
    folder_deploy(tmp_path)
    shutil.rmtree(tmp_path / "output" / "a" / "b")
    write_files(tmp_path / "output", {"a/b": "now a file"})
    report, _ = folder_deploy(tmp_path)
    assert (report.copied_paths, report.deleted_paths) == (["a/b"], ["a/b/c.html"])
    assert (tmp_path / "public" / "a" / "b").read_text() == "now a file"


def test_a_file_whose_name_holds_an_arrow_keeps_its_whole_name():
    assert items(">f+++++++++ a -> b.html") == (["a -> b.html"], [], [], 0)


def test_a_push_the_remote_refuses_quotes_the_remotes_words_and_gits_error(repo, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'no pushing here' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(DeployError) as caught:
        git_deploy(tmp_path, remote=str(remote))
    # git pads the remote's line with spaces; the porcelain output keeps "! [remote rejected]" out of it
    assert re.match(rf"git deploy: `git push` failed in {re.escape(str(repo))}: remote: no pushing here +error: "
                    rf"failed to push some refs to '{re.escape(str(remote))}'; the commit is on the local gh-pages "
                    "branch", str(caught.value)), str(caught.value)


def test_a_push_to_a_missing_remote_quotes_the_last_three_lines_git_said(repo, tmp_path):
    with pytest.raises(DeployError) as caught:
        git_deploy(tmp_path, remote=str(tmp_path / "nowhere.git"))
    # git's last lines: "", "Please make sure you have the correct access rights", "and the repository exists."
    assert str(caught.value).startswith(f"git deploy: `git push` failed in {repo}:  Please make sure you have the "
                                        "correct access rights and the repository exists.; the commit is on ")


def test_only_the_owners_execute_bit_makes_a_file_executable(repo, tmp_path):
    (tmp_path / "output" / "run.sh").chmod(0o645)
    git_deploy(tmp_path)
    assert git(repo, "ls-tree", "gh-pages", "run.sh").split()[0] == "100644"


def test_names_with_tabs_and_spaces_are_read_back_from_the_branch(repo, tmp_path, caplog):
    write_files(tmp_path / "output", {"a\tb c.html": "tab"})
    git_deploy(tmp_path)
    with caplog.at_level(logging.INFO, logger="publisher.deploy.git"):
        report = git_deploy(tmp_path)
    assert (report.changed_paths, report.unchanged, report.commit) == ([], 4, None)
    assert [record.getMessage() for record in caplog.records if record.name == "publisher.deploy.git"] == [
        "The gh-pages branch already holds this site: no commit"]


def test_the_users_git_ssh_program_is_left_alone(repo, tmp_path, fake_ssh, monkeypatch):
    mine = tmp_path / "fake-bin" / "my-ssh"
    mine.write_text(f'#!/bin/sh\necho "mine $*" >> "{tmp_path / "ssh-calls"}"\nexit 255\n')
    mine.chmod(0o755)
    monkeypatch.setenv("GIT_SSH", str(mine))
    with pytest.raises(DeployError):
        git_deploy(tmp_path, remote="ssh://git@host.example/site.git")
    calls = fake_ssh()    # git may first ask the program which ssh it is (-G)
    assert calls and all(call.startswith("mine ") and "BatchMode" not in call for call in calls), calls


def test_the_commit_date_is_in_utc_whatever_the_local_time_zone(repo, tmp_path):
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"   # UTC+9, no summer time
    time.tzset()
    try:
        before = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        git_deploy(tmp_path, message="Site of {date}")
        after = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()
    assert git(repo, "log", "-1", "--format=%s", "gh-pages") in (f"Site of {before}", f"Site of {after}")


def test_a_worktree_whose_path_is_not_utf8_does_not_stop_the_deploy(repo, tmp_path):
    git(repo, "-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-q", "--allow-empty", "-m", "start")
    subprocess.run([b"git", b"worktree", b"add", b"-q", b"-b", b"side", os.fsencode(tmp_path) + b"/caf\xe9"],
                   cwd=repo, check=True, capture_output=True)
    report = git_deploy(tmp_path)
    assert report.commit == git(repo, "rev-parse", "gh-pages")


def test_files_are_committed_byte_for_byte_whatever_the_attributes_say(repo, tmp_path):
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("* text\n")
    write_files(tmp_path / "output", {"dos.txt": b"line\r\n"})
    git_deploy(tmp_path)
    shown = subprocess.run(["git", "show", "gh-pages:dos.txt"], cwd=repo, capture_output=True, check=True).stdout
    assert shown == b"line\r\n"


def test_a_remote_named_none_is_not_taken_for_no_remote(repo, tmp_path):
    git(repo, "-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-q", "--allow-empty", "-m", "start")
    git(repo, "update-ref", "refs/remotes/None/gh-pages", "main")
    report = git_deploy(tmp_path)
    assert git(repo, "rev-list", "--count", "gh-pages") == "1"
    assert report.url == report.destination == f"{repo} (gh-pages)"


def test_a_branch_made_by_someone_else_meanwhile_is_not_overwritten(repo, tmp_path):
    git(repo, "-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-q", "--allow-empty", "-m", "start")
    hook = repo / ".git" / "hooks" / "post-index-change"   # runs as the deploy writes its tree
    hook.write_text("#!/bin/sh\ngit update-ref refs/heads/gh-pages refs/heads/main\n")
    hook.chmod(0o755)
    with pytest.raises(DeployError) as caught:
        git_deploy(tmp_path)
    assert str(caught.value).startswith(f"git deploy: `git update-ref` failed in {repo}: ")
    assert git(repo, "rev-parse", "gh-pages") == git(repo, "rev-parse", "main")


def test_without_a_hint_only_the_separator_is_cut_from_the_message(repo):
    from publisher.deploy.git import _Git
    with pytest.raises(DeployError) as caught:
        _Git(repo).run("ls-tree", "HEADX")
    assert str(caught.value) == f"git deploy: `git ls-tree` failed in {repo}: fatal: Not a valid object name HEADX"
