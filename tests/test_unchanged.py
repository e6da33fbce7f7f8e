"""A build keeps the previous build's file wherever the bytes are the same (sitekit/unchanged.py).

Unchanged files keep their inode and modification time; the files an edit changes are new;
the site in place is never written into while the next one is built; the output is a clean
build's, byte for byte."""

import os
from pathlib import Path

import pytest

from project_copy import assert_same_tree, build_copy, copy_project
from sitekit import unchanged
from sitekit.unchanged import Kept, keep_unchanged, write_output

EDITED = "content/posts/fr/linkedin-sans-s-epuiser.md"
EDITED_PAGE = Path("linkedin-sans-s-epuiser/index.html")
OTHER_PAGE = Path("texte-alternatif-des-images/index.html")


def _identities(folder):
    """Output-relative path -> (inode, modification time) of every file."""
    return {path.relative_to(folder): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in folder.rglob("*") if path.is_file()}


def _contents(folder):
    return {path.relative_to(folder): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_a_build_writes_only_the_files_whose_bytes_changed(tmp_path):
    project = copy_project(tmp_path)
    first = build_copy(project, "output")
    before = _identities(first.output)
    assert first.files == Kept(kept=0, changed=len(before))

    second = build_copy(project, "output")
    assert second.files == Kept(kept=len(before), changed=0)
    assert f"0 of {len(before)} files new or changed" in second.summary()
    assert _identities(second.output) == before

    # The site in place, seen through links to its files: were the next build to write into
    # one of them, these bytes would change.
    in_place = _contents(second.output)
    seen = tmp_path / "seen"
    for path in in_place:
        (seen / path).parent.mkdir(parents=True, exist_ok=True)
        os.link(second.output / path, seen / path)

    source = project / EDITED
    source.write_text(source.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", encoding="utf-8")
    third = build_copy(project, "output")
    after = _identities(third.output)
    changed = {path for path, identity in after.items() if before.get(path) != identity}
    assert EDITED_PAGE in changed and OTHER_PAGE not in changed
    assert b"Un paragraphe ajout" in (third.output / EDITED_PAGE).read_bytes()
    assert third.files == Kept(kept=len(after) - len(changed), changed=len(changed))
    assert _contents(seen) == in_place

    clean = build_copy(project, "clean")
    assert clean.files.kept == 0
    assert_same_tree(clean.output, third.output)


def test_write_output_links_the_previous_file_only_when_its_bytes_are_the_same(tmp_path):
    previous, staging = tmp_path / "previous", tmp_path / "staging"
    previous.mkdir()
    staging.mkdir()
    (previous / "same.html").write_bytes(b"<p>same</p>")
    (previous / "other.html").write_bytes(b"<p>then</p>")

    assert write_output(staging / "same.html", b"<p>same</p>", previous / "same.html") is False
    assert (staging / "same.html").stat().st_ino == (previous / "same.html").stat().st_ino
    assert write_output(staging / "other.html", b"<p>now!</p>", previous / "other.html") is True
    assert (staging / "other.html").read_bytes() == b"<p>now!</p>"
    assert write_output(staging / "new.html", b"<p>new</p>", previous / "new.html") is True
    assert (staging / "new.html").read_bytes() == b"<p>new</p>"

    # Written again (Pelican's override), the linked file is replaced, never written into.
    assert write_output(staging / "same.html", b"<p>later</p>", previous / "same.html") is True
    assert (staging / "same.html").read_bytes() == b"<p>later</p>"
    assert (previous / "same.html").read_bytes() == b"<p>same</p>"
    # A longer file starting with the same bytes is not the same file.
    assert write_output(staging / "longer.html", b"<p>same", previous / "same.html") is True
    # Nor is a file with other permissions, or a symbolic link to the same bytes.
    (previous / "private.html").write_bytes(b"<p>same</p>")
    (previous / "private.html").chmod(0o600)
    assert write_output(staging / "private.html", b"<p>same</p>", previous / "private.html") is True
    assert (staging / "private.html").stat().st_mode & 0o777 != 0o600
    (previous / "pointer.html").symlink_to(previous / "same.html")
    assert write_output(staging / "pointer.html", b"<p>same</p>", previous / "pointer.html") is True
    assert not (staging / "pointer.html").is_symlink()


def test_write_output_writes_the_file_where_no_hard_link_can_be_made(tmp_path):
    shared_memory = Path("/dev/shm")
    if not shared_memory.is_dir() or shared_memory.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs a second file system at /dev/shm")
    previous = shared_memory / f"unchanged-test-{os.getpid()}.html"
    previous.write_bytes(b"<p>same</p>")
    try:
        assert write_output(tmp_path / "page.html", b"<p>same</p>", previous) is True
    finally:
        previous.unlink()
    assert (tmp_path / "page.html").read_bytes() == b"<p>same</p>"


@pytest.mark.parametrize("shared_from", [1, unchanged.SHARED_FROM])
def test_keep_unchanged_links_the_same_bytes_with_the_same_permissions(tmp_path, monkeypatch, shared_from):
    monkeypatch.setattr(unchanged, "SHARED_FROM", shared_from)  # 1: the files are shared by processes
    previous, staging = tmp_path / "previous", tmp_path / "staging"
    for folder in (previous / "en", staging / "en"):
        folder.mkdir(parents=True)
    for name, then, now in [("en/same.html", b"same", b"same"), ("same-size.html", b"abcd", b"abce"),
                            ("longer.html", b"abc", b"abcd")]:
        (previous / name).write_bytes(then)
        (staging / name).write_bytes(now)
    (previous / "private.txt").write_bytes(b"x")
    (staging / "private.txt").write_bytes(b"x")
    (staging / "private.txt").chmod(0o600)
    (staging / "new.txt").write_bytes(b"new")
    (previous / "card.png").write_bytes(b"png")
    os.link(previous / "card.png", staging / "card.png")  # as the social cards come from cache/

    outcome = keep_unchanged(staging, previous, workers=2)

    assert outcome == Kept(kept=2, changed=4)
    assert (staging / "en/same.html").stat().st_ino == (previous / "en/same.html").stat().st_ino
    for name in ("same-size.html", "longer.html", "private.txt"):
        assert (staging / name).stat().st_ino != (previous / name).stat().st_ino
    assert (staging / "same-size.html").read_bytes() == b"abce"
    assert sorted(path.name for path in staging.rglob("*")) == [
        "card.png", "en", "longer.html", "new.txt", "private.txt", "same-size.html", "same.html"]


def test_keep_unchanged_without_a_previous_site_counts_every_file_new(tmp_path):
    (tmp_path / "staging/en").mkdir(parents=True)
    (tmp_path / "staging/en/index.html").write_bytes(b"<p>")
    assert keep_unchanged(tmp_path / "staging", tmp_path / "nothing") == Kept(kept=0, changed=1)
