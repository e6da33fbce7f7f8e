"""sitekit.work_folder, unit by unit: who holds a folder, which are leftovers, the swap into place."""

import logging
import os
import shutil
import stat
import subprocess
import threading

import pytest

from sitekit.work_folder import (WorkFolder, delete_detached, retired_name, retired_prefix, scratch_folder,
                                 swap_into_place, work_prefix)


def beside(folder):
    return sorted(path.name for path in folder.iterdir())


def test_the_prefix_is_hidden_and_named_after_target_and_purpose(tmp_path):
    assert work_prefix(tmp_path / "output", "building") == ".output.building-"
    assert work_prefix("public", "deploy") == ".public.deploy-"
    assert retired_prefix(tmp_path / "output") == ".output.old-"
    name = retired_name(tmp_path / "output")
    assert name.parent == tmp_path and name.name.startswith(".output.old-") and len(name.name) == 20
    assert retired_name(tmp_path / "output") != name


def test_a_work_folder_is_made_beside_its_target_and_held_until_released(tmp_path):
    first = WorkFolder(tmp_path / "output", "building")
    assert first.path.parent == tmp_path and first.path.name.startswith(".output.building-")
    assert first.path.is_dir() and first.leftovers == []
    second = WorkFolder(tmp_path / "output", "building")
    assert second.leftovers == []          # the first is held: not a leftover
    first.release()
    first.release()                        # twice is harmless
    third = WorkFolder(tmp_path / "output", "building")
    assert third.leftovers == [first.path]
    second.release()
    third.release()


def test_leaving_the_with_block_releases_the_folder(tmp_path):
    with WorkFolder(tmp_path / "public", "deploy") as work:
        assert isinstance(work, WorkFolder)
        path = work.path
    assert WorkFolder(tmp_path / "public", "deploy").leftovers == [path]


def test_leftovers_are_unheld_folders_with_the_prefix_only_sorted(tmp_path, caplog):
    for name in (".out.building-b", ".out.building-a", ".out.deploy-c", ".other.building-d"):
        (tmp_path / name).mkdir()
    (tmp_path / ".out.building-file").write_text("not a folder")
    (tmp_path / ".out.building-link").symlink_to(tmp_path / ".out.building-a")
    with caplog.at_level(logging.INFO, logger="sitekit.work_folder"):
        work = WorkFolder(tmp_path / "out", "building")
    assert work.leftovers == [tmp_path / ".out.building-a", tmp_path / ".out.building-b"]
    assert [record.getMessage() for record in caplog.records] == [
        "Removing 2 folder(s) left by a command that was stopped: .out.building-a, .out.building-b"]
    work.remove_leftovers()
    assert beside(tmp_path) == sorted([".other.building-d", ".out.building-file", ".out.building-link",
                                       ".out.deploy-c", work.path.name])
    work.release()


def test_nothing_is_logged_when_there_is_no_leftover(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="sitekit.work_folder"):
        WorkFolder(tmp_path / "out", "building").release()
    assert caplog.records == []


def test_a_target_name_with_glob_characters_finds_its_own_leftovers_only(tmp_path):
    (tmp_path / ".site[x].building-old").mkdir()
    (tmp_path / ".sitex.building-other").mkdir()
    with WorkFolder(tmp_path / "site[x]", "building") as work:
        assert work.leftovers == [tmp_path / ".site[x].building-old"]


def test_a_leftover_removed_meanwhile_is_no_error(tmp_path):
    (tmp_path / ".out.building-gone").mkdir()
    with WorkFolder(tmp_path / "out", "building") as work:
        (tmp_path / ".out.building-gone").rmdir()
        work.remove_leftovers()
    assert beside(tmp_path) == [work.path.name]


def test_a_scratch_folder_removes_leftovers_first_and_itself_at_the_end(tmp_path):
    (tmp_path / ".public.deploy-old").mkdir()
    (tmp_path / ".public.deploy-old" / "page.html").write_text("half")
    with scratch_folder(tmp_path / "public", "deploy") as path:
        assert beside(tmp_path) == [path.name]
        (path / "staged").write_text("x")
        with WorkFolder(tmp_path / "public", "deploy") as other:
            assert other.leftovers == []   # held while in use: not taken for a leftover
    assert beside(tmp_path) == [other.path.name]
    assert not path.exists()


def test_a_scratch_folder_goes_even_when_the_block_fails_or_removed_it(tmp_path):
    with pytest.raises(RuntimeError):
        with scratch_folder(tmp_path / "public", "deploy") as path:
            raise RuntimeError("cut short")
    assert not path.exists()
    with scratch_folder(tmp_path / "public", "deploy") as path:
        path.rmdir()
    assert not path.exists()


def site(folder, text):
    folder.mkdir()
    (folder / "index.html").write_text(text)
    return folder


def test_the_swap_puts_staging_in_place_and_deletes_the_old_site_before_returning(tmp_path):
    output = site(tmp_path / "output", "old")
    swap_into_place(site(tmp_path / "staging", "new"), output)
    assert beside(tmp_path) == ["output"]
    assert (output / "index.html").read_text() == "new"


def test_the_first_swap_has_no_old_site_to_delete(tmp_path):
    swap_into_place(site(tmp_path / "staging", "new"), tmp_path / "output")
    assert beside(tmp_path) == ["output"]
    swap_into_place(site(tmp_path / "again", "newer"), tmp_path / "output", delete_in_background=True)
    assert (tmp_path / "output" / "index.html").read_text() == "newer"


@pytest.fixture
def fake_rm(tmp_path, monkeypatch):
    """An `rm` first on PATH that reports, through a FIFO, its arguments, session, standard streams, then
    runs the real rm; reading the FIFO waits for it."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    fifo = tmp_path / "rm-report"
    os.mkfifo(fifo)
    real_rm = "/bin/rm"
    script = bin_folder / "rm"
    script.write_text(f"""#!/bin/sh
echo "rm says this on stdout"
echo "rm says this on stderr" >&2
{{ echo "args: $*"; echo "session: $(ps -o sid= -p $$ | tr -d ' ')"; \
echo "stdin: $(readlink /proc/$$/fd/0)"; }} > "{fifo}"
exec {real_rm} "$@"
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")

    def report():
        found = {}

        def read():
            with open(fifo, encoding="utf-8") as stream:
                found.update(line.rstrip("\n").split(": ", 1) for line in stream)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(120)  # not a time limit: an rm never started would leave the read waiting for ever
        if reader.is_alive():
            open(fifo, "w", encoding="utf-8").close()  # lets the reader go
            reader.join()
            pytest.fail("rm was never started")
        return found
    return report


def test_deleting_in_background_leaves_it_to_a_detached_rm(tmp_path, fake_rm, capfd):
    output = site(tmp_path / "output", "old")
    swap_into_place(site(tmp_path / "staging", "new"), output, delete_in_background=True)
    retired = [path for path in tmp_path.iterdir() if path.name.startswith(".output.old-")]
    assert len(retired) == 1            # still there: rm waits to report before it deletes
    report = fake_rm()
    assert report["args"] == f"-rf -- {retired[0]}"
    assert report["session"] != str(os.getsid(0))
    assert report["stdin"] == "/dev/null"
    assert capfd.readouterr() == ("", "")


def test_delete_detached_passes_every_folder_to_rm(tmp_path, fake_rm):
    folders = [tmp_path / "a b", tmp_path / "c"]
    for folder in folders:
        folder.mkdir()
    delete_detached(folders)
    assert fake_rm()["args"] == f"-rf -- {folders[0]} {folders[1]}"


def test_a_folder_gone_before_it_could_be_tried_is_not_a_leftover(tmp_path):
    from sitekit.work_folder import _held

    assert _held(tmp_path / ".out.building-gone") is True
    (tmp_path / ".out.building-free").mkdir()
    assert _held(tmp_path / ".out.building-free") is False


@pytest.fixture
def undeletable(tmp_path):
    """Makes a file that not even root may delete (chattr +i), where the filesystem allows it; undone after."""
    def make(path):
        path.write_text("stuck")
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("chattr +i is not available here")
    yield make
    subprocess.run(["chattr", "-R", "-i", str(tmp_path)], capture_output=True)   # wherever the file went


def test_an_old_site_that_cannot_be_fully_deleted_does_not_fail_the_swap(tmp_path, undeletable):
    output = site(tmp_path / "output", "old")
    undeletable(output / "stuck.txt")
    swap_into_place(site(tmp_path / "staging", "new"), output)
    assert (output / "index.html").read_text() == "new"
    [retired] = [path for path in tmp_path.iterdir() if path.name.startswith(".output.old-")]
    assert beside(retired) == ["stuck.txt"]
