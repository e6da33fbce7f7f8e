"""Builds and deploys killed with SIGKILL midway, then run again: what readers and the next run find.

The command runs in a child process under CPython's audit hooks (sys.addaudithook, the
interpreter's own events; none of the project's code is replaced): at the n-th change to the
file system under a chosen folder (a folder made, a file opened for writing, copied, renamed,
removed) the child stops itself with SIGSTOP before that change. The test waits for the stop
(waitpid with WUNTRACED, no polling), looks at the files, then kills the child with SIGKILL.
Taking n = 1, 2, 3... stops the command at every one of its steps in turn.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from publisher.deploy import deploy
from small_project import SmallProject

STOP_AT_A_CHANGE = r"""
import os, re, runpy, signal, sys

_, where, count, *command = sys.argv
where, count, seen, main_process = re.compile(where), int(count), 0, os.getpid()
CHANGES = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "shutil.rmtree", "shutil.copyfile"}
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT


def _is_change(event, args):
    if event == "open":
        mode, flags = args[1], args[2]
        return bool(flags & WRITING) or (isinstance(mode, str) and any(c in mode for c in "wax+"))
    return event in CHANGES


def _stop_before_the_nth_change(event, args):
    global seen
    if os.getpid() != main_process or not _is_change(event, args):
        return  # a forked worker's own changes are not counted
    paths = [os.fsdecode(arg) for arg in args[:2] if isinstance(arg, (str, bytes, os.PathLike))]
    if any(where.search(os.fspath(path)) for path in paths):
        seen += 1
        if seen == count:
            os.kill(os.getpid(), signal.SIGSTOP)


sys.addaudithook(_stop_before_the_nth_change)
if command[0] == "-m":
    sys.argv = [command[1], *command[2:]]
    runpy.run_module(command[1], run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *command[2:]]
    exec(compile(command[1], "<command>", "exec"))
"""


class Run:
    """A command in a child process that stops itself before its ``count``-th change under ``where``."""

    def __init__(self, where, count, command, cwd):
        self.said = tempfile.TemporaryFile()  # not a pipe: a child stopped or waited for never blocks on it
        self.process = subprocess.Popen([sys.executable, "-c", STOP_AT_A_CHANGE, where, str(count), *command],
                                        cwd=cwd, env=child_environment(), start_new_session=True,
                                        stdin=subprocess.DEVNULL, stdout=self.said, stderr=subprocess.STDOUT)
        # waitpid itself (Popen.wait cannot report a stop); the exit, if it comes first, is recorded
        # on the Popen object so that it does not wait for a child already reaped.
        _, status = os.waitpid(self.process.pid, os.WUNTRACED)
        self.stopped = os.WIFSTOPPED(status)
        if not self.stopped:
            self.process.returncode = os.waitstatus_to_exitcode(status)

    def kill(self):
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # the command and any worker it forked
            self.process.wait()
        self.said.close()

    def resume(self):
        os.killpg(self.process.pid, signal.SIGCONT)
        self.process.wait()
        return self.finished()

    def finished(self):
        self.said.seek(0)
        output = self.said.read().decode("utf-8", "replace")
        self.said.close()
        return self.process.returncode, output


@pytest.fixture
def runs():
    """Starts Runs; one still stopped or running when the test ends (an assertion failed) is killed."""
    started = []

    def start(where, count, command, cwd):
        started.append(Run(where, count, command, cwd))
        return started[-1]

    yield start
    for run in started:
        run.kill()


def child_environment():
    paths = [str(ROOT), str(ROOT / "plugins"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}


# --- builds -----------------------------------------------------------------------------

INSIDE_A_BUILDING_FOLDER = r"/\.output\.building-[^/]+/"
BUILD = ["-m", "publisher.build", "--settings", "conf.py", "--output", "output"]


def building_folders(project):
    return sorted(project.folder.glob(".output.building-*"))


def killed_build(runs, project, count=3):
    """A build killed with SIGKILL after it wrote ``count - 1`` things into its folder."""
    run = runs(INSIDE_A_BUILDING_FOLDER, count, BUILD, project.folder)
    assert run.stopped, run.finished()
    run.kill()


def test_the_next_build_removes_the_folders_of_killed_builds(tmp_path, runs):
    project = SmallProject(tmp_path / "blog")
    killed_build(runs, project, count=3)
    [first] = building_folders(project)
    assert any(first.rglob("*"))  # what the build wrote before it was killed

    killed_build(runs, project, count=6)  # a build killed after its own sweep: its folder alone stays
    [second] = building_folders(project)
    assert second != first and any(second.rglob("*"))
    project.build()

    assert building_folders(project) == []
    assert project.page("").find("html")["lang"] == "fr"


def test_the_folder_of_a_build_still_running_is_left_alone(tmp_path, runs):
    project = SmallProject(tmp_path / "blog")
    killed_build(runs, project)
    [killed] = building_folders(project)
    running = runs(INSIDE_A_BUILDING_FOLDER, 3, BUILD, project.folder)
    assert running.stopped, running.finished()
    [in_use] = [folder for folder in building_folders(project) if folder != killed]
    written = sorted(in_use.rglob("*"))

    project.build()  # meanwhile, as an `invoke serve` rebuild would

    assert building_folders(project) == [in_use]
    assert sorted(in_use.rglob("*")) == written
    status, said = running.resume()
    assert status == 0, said
    assert building_folders(project) == []
    assert project.page("en/").find("html")["lang"] == "en"


def test_make_clean_removes_what_builds_leave_beside_output(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "requirements.txt").write_text("")
    left = ["output/index.html", ".output.building-k1ll3d0/index.html", ".output.old-0123abcd/index.html"]
    for rel in left + ["content/posts/fr/article.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")

    result = subprocess.run(["make", "clean"], cwd=tmp_path, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["Makefile", "content", "requirements.txt"]
    assert (tmp_path / "content/posts/fr/article.md").read_text() == "x"


# --- folder deploys ---------------------------------------------------------------------

LARGE = 8 * 1024 * 1024
OLD_SITE = {
    "index.html": '<a href="posts/old/">Old</a> <a href="/about/">About</a> <a href="big.bin">Data</a>',
    "about/index.html": '<a href="../">Home</a> <a href="/posts/old/index.html">Old</a>',
    "posts/old/index.html": '<img src="../../images/old.png"> <a href="/">Home</a>',
    "images/old.png": b"\x89PNG old",
    "big.bin": b"o" * LARGE,
    "robots.txt": "User-agent: *",
}
NEW_SITE = {
    "index.html": '<a href="posts/new/">New</a> <a href="/about/">About</a> <a href="big.bin">Data</a>',
    "about/index.html": '<a href="../">Home</a> <a href="/posts/new/index.html#top">New</a>',
    "posts/new/index.html": '<img src="../../images/new.png"> <a href="/?from=new">Home</a>',
    "images/new.png": b"\x89PNG new",
    "big.bin": b"n" * LARGE,
    "robots.txt": "User-agent: *",
}


def write_site(folder, files):
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def tree(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def missing_targets(served):
    """Every href and src of every HTML page of ``served`` that names no file there."""
    missing = []
    for page in served.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for element in soup.find_all(href=True) + soup.find_all(src=True):
            link = element.get("href") or element.get("src")
            path = unquote(urlsplit(link).path)
            target = served / path.lstrip("/") if path.startswith("/") else page.parent / path
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                missing.append(f"{page.relative_to(served)} -> {link}")
    return missing


def assert_served_whole(served, old=OLD_SITE, new=NEW_SITE):
    """Each page's links resolve, and every file is one version of a built file (no temporary file)."""
    assert missing_targets(served) == []
    versions = {rel: {expected(files[rel]) for files in (old, new) if rel in files} for rel in {**old, **new}}
    strangers = [rel for rel, data in tree(served).items() if data not in versions.get(rel, ())]
    assert strangers == [], "files of neither the old nor the new site (temporary files?)"


def expected(content):
    return content if isinstance(content, bytes) else content.encode()


DEPLOY_NEW = """
import sys
from publisher.deploy import deploy
deploy(sys.argv[1], {"target": "folder", "folder": {"path": "public"}}, root=sys.argv[2])
"""
FOLDER = {"target": "folder", "folder": {"path": "public"}}


def test_a_folder_deploy_killed_at_any_step_serves_whole_pages_and_the_next_one_finishes(tmp_path, runs):
    old, new = write_site(tmp_path / "old", OLD_SITE), write_site(tmp_path / "new", NEW_SITE)
    served = tmp_path / "public"
    anywhere_here = re.escape(f"{tmp_path}{os.sep}")
    stops = 0
    while True:
        deploy(old, FOLDER, root=tmp_path)
        assert tree(served) == {rel: expected(content) for rel, content in OLD_SITE.items()}
        run = runs(anywhere_here, stops + 1, ["-c", DEPLOY_NEW, str(new), str(tmp_path)], tmp_path)
        if not run.stopped:
            status, said = run.finished()
            assert status == 0, said
            break
        stops += 1
        assert_served_whole(served)  # as a reader finds it while the deploy runs
        run.kill()
        assert_served_whole(served)  # and as it stays once the deploy is killed

        deploy(new, FOLDER, root=tmp_path)

        assert tree(served) == tree(new), f"after a kill at change {stops}"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["new", "old", "public"]
    assert stops >= 10  # folders made, files staged, put in place, deleted: each one a stop
    assert tree(served) == tree(new)


# --- rsync deploys ----------------------------------------------------------------------

RSYNC_LARGE = 64 * 1024 * 1024  # long enough to receive that a loop watching the folders sees it
OLD_RSYNC_SITE = {**OLD_SITE, "big.bin": b"o" * RSYNC_LARGE}
NEW_RSYNC_SITE = {**NEW_SITE, "big.bin": b"n" * RSYNC_LARGE}
DEPLOY_WITH_RSYNC = """
import sys
from publisher.deploy import deploy
deploy(sys.argv[1], {"target": "rsync", "rsync": {"destination": sys.argv[2]}}, root=sys.argv[3])
"""


def rsync_to(path):
    return {"target": "rsync", "rsync": {"destination": str(path)}}


def large_file_being_received(top):
    """rsync's file being written for big.bin (``.big.bin.XXXXXX``, or ``big.bin.XXXXXX`` in --temp-dir)."""
    return [path for path in top.rglob("*big.bin.*") if path.is_file() and path.stat().st_size]


def wait_for(found, process, deadline_seconds=300):
    """Watch until ``found()`` holds; fails if the process ended first (the point was missed)."""
    deadline = time.monotonic() + deadline_seconds
    while not found():
        assert process.poll() is None, "the deploy ended before the point the test kills it at"
        assert time.monotonic() < deadline, "the deploy never reached the point the test kills it at"
        time.sleep(0.002)  # a polling interval only: what is awaited is the file itself


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (Debian: apt-get install rsync)")
def test_an_rsync_deploy_killed_while_receiving_a_large_file_serves_whole_pages_and_the_next_one_finishes(tmp_path):
    old, new = write_site(tmp_path / "old", OLD_RSYNC_SITE), write_site(tmp_path / "new", NEW_RSYNC_SITE)
    served = tmp_path / "site"
    deploy(old, rsync_to(served), root=tmp_path)
    deploying = subprocess.Popen([sys.executable, "-c", DEPLOY_WITH_RSYNC, str(new), str(served), str(tmp_path)],
                                 cwd=tmp_path, env=child_environment(), start_new_session=True,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: large_file_being_received(tmp_path), deploying)
    finally:
        with contextlib.suppress(ProcessLookupError):  # ended already: the assertion above says so
            os.killpg(deploying.pid, signal.SIGKILL)  # the deploy and its rsync processes
        deploying.wait()

    assert_served_whole(served, OLD_RSYNC_SITE, NEW_RSYNC_SITE)
    deploy(new, rsync_to(served), root=tmp_path)
    assert tree(served) == tree(new)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["new", "old", "site"]


def test_the_next_build_removes_an_outbox_folder_a_killed_build_left(tmp_path):
    """The outbox is written aside and swapped in too: a build killed while it wrote the .eml
    files leaves a hidden folder beside outbox/, which the next build removes."""
    from test_authoring import QUIET_COMMENTS

    project = SmallProject(tmp_path)
    project.write("content/newsletter/fr/lettre-1.md", "Title: Lettre 1\nDate: 2025-01-01\nIssue: 1\nLang: fr\n\nBonjour.\n")
    project.write("content/newsletter/en/letter-1.md", "Title: Letter 1\nDate: 2025-01-01\nIssue: 1\nLang: en\n\nHello.\n")
    killed = tmp_path / ".outbox.building-k1lled00"
    killed.mkdir()
    (killed / "issue-1-fr.eml").write_bytes(b"Subject: half of a mess")
    project.build(**QUIET_COMMENTS)
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".outbox")) == []
    assert sorted(path.name for path in (tmp_path / "outbox").iterdir()) == ["issue-1-en.eml", "issue-1-fr.eml"]
