"""The sample content copied into a temporary folder with its own conf.py (the project's
publishconf.py, theme and plugins), built there; and a byte for byte comparison of two trees."""

import filecmp
import os
import shutil

from conftest import ROOT
from publisher.build import build_site

SETTINGS = """\
import sys
sys.path.insert(0, {root!r})
from publishconf import *
THEME = {theme!r}
PLUGIN_PATHS = [{plugins!r}]
COMMENTS = {{**COMMENTS, "isso": {{"url": "http://127.0.0.1:9/"}}}}
"""


def copy_project(tmp_path):
    folder = tmp_path / "blog"
    shutil.copytree(ROOT / "content", folder / "content")
    (folder / "conf.py").write_text(SETTINGS.format(root=str(ROOT), theme=str(ROOT / "theme"),
                                                    plugins=str(ROOT / "plugins")))
    return folder


def build_copy(project, output, **overrides):
    previous = os.getcwd()
    os.chdir(project)  # the caches and the comment cache go in the project's cache/
    try:
        return build_site(project / "conf.py", project / output, overrides)
    finally:
        os.chdir(previous)


def assert_same_tree(first, second):
    """Every file in both trees, with the same bytes."""
    first_files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    second_files = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert first_files == second_files
    _, mismatch, errors = filecmp.cmpfiles(first, second, [str(p) for p in first_files], shallow=False)
    assert (mismatch, errors) == ([], [])
