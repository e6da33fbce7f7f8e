"""The template_cache plugin: Jinja's compiled templates kept in CACHE_PATH/jinja between builds."""

import shutil

from bs4 import BeautifulSoup

from conftest import ROOT
from project_copy import build_copy, copy_project


def _kept(project):
    """Each compiled template file of the cache, with the time it was last written."""
    return {path.name: path.stat().st_mtime_ns for path in (project / "cache" / "jinja").iterdir()}


def test_templates_are_compiled_once_and_an_edited_one_again(tmp_path):
    project = copy_project(tmp_path)
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    build_copy(project, "output", THEME=str(theme))
    first = _kept(project)
    assert len(first) >= 10  # base, article, index, the listings, the includes...

    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "</footer>", '<p class="edited">Pied de page modifié</p></footer>', 1), encoding="utf-8")
    build_copy(project, "output", THEME=str(theme))

    second = _kept(project)
    assert set(second) == set(first)
    rewritten = [name for name in first if second[name] != first[name]]
    assert len(rewritten) == 1  # base.html's, compiled again; every other one was loaded
    for page in ("output/index.html", "output/en/index.html"):
        footer = BeautifulSoup((project / page).read_text(encoding="utf-8"), "html.parser").find("footer")
        assert footer.find(class_="edited").get_text() == "Pied de page modifié"


def test_settings_naming_their_own_bytecode_cache_are_left_alone(tmp_path):
    from jinja2 import FileSystemBytecodeCache

    project = copy_project(tmp_path)
    own = tmp_path / "own-cache"
    own.mkdir()
    build_copy(project, "output", JINJA_ENVIRONMENT={"autoescape": True,
                                                     "bytecode_cache": FileSystemBytecodeCache(str(own))})
    assert any(own.iterdir())
    assert not (project / "cache" / "jinja").exists()
