"""sitekit.file_aside: a file is replaced whole or left as it was."""

import os
import stat

import pytest

from sitekit.file_aside import written_aside


def test_the_new_bytes_replace_the_file_in_a_folder_made_for_it(tmp_path):
    path = tmp_path / "made" / "cache.json"
    with written_aside(path) as stream:
        stream.write("é")
    assert path.read_text(encoding="utf-8") == "é"
    with written_aside(path, binary=True, permissions=0o644) as stream:
        stream.write(b"png")
    assert path.read_bytes() == b"png"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert os.listdir(path.parent) == ["cache.json"]


def test_a_failure_midway_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "cache.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with written_aside(path) as stream:
            stream.write("half")
            raise RuntimeError("cut short")
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["cache.json"]


@pytest.mark.parametrize("durable", [False, True])
def test_bytes_replace_a_file_with_the_permissions_asked_and_nothing_beside(tmp_path, durable):
    from sitekit.file_aside import write_aside

    target = tmp_path / "site" / "page.html"
    write_aside(target, b"<p>old</p>", permissions=0o644, durable=durable)
    write_aside(target, b"<p>new</p>", permissions=0o644, durable=durable)
    assert target.read_bytes() == b"<p>new</p>" and target.stat().st_mode & 0o777 == 0o644
    assert [path.name for path in target.parent.iterdir()] == ["page.html"]
