"""Pages rendered across processes (plugins/parallel_render): the same bytes, log lines and
problems as a serial build; a page that cannot be rendered is named, and nothing is published."""

import logging
import shutil
from types import SimpleNamespace

import jinja2
import pelicanconf
import pytest

from conftest import ROOT
from parallel_render.render import Page, RenderFailed, render_all
from parallel_render.settings import load
from parallel_render.writer import ParallelRendering
from project_copy import assert_same_tree, build_copy, copy_project
from publisher.build import main
from sitekit.build_context import start_build, state_of
from sitekit.problems import Problems
from sitekit.settings import SettingsError as ParallelRenderSettingsError


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path)


def test_pages_rendered_by_two_processes_are_the_serial_pages(project):
    """To regenerate nothing: the reference is a serial build, made in the test."""
    serial = build_copy(project, "serial", PARALLEL_RENDER={"workers": 1})
    parallel = build_copy(project, "parallel", PARALLEL_RENDER={"workers": 2, "parallel_from": 1})
    assert state_of(parallel.settings, ParallelRendering).config["workers"] == 2
    assert_same_tree(serial.output, parallel.output)
    without = build_copy(project, "without", PLUGINS=[p for p in pelicanconf.PLUGINS if p != "parallel_render"])
    assert state_of(without.settings, ParallelRendering) is None
    assert_same_tree(serial.output, without.output)


def test_a_page_that_cannot_be_rendered_is_named_and_nothing_is_published(project, capsys, monkeypatch):
    monkeypatch.chdir(project)  # the settings name content/ from there
    theme = project / "theme"
    shutil.copytree(ROOT / "theme", theme)
    article = theme / "templates/article.html"
    article.write_text(article.read_text(encoding="utf-8").replace("{% block title %}", (
        "{% block title %}{% if article.slug == 'strategie-editoriale-en-5-etapes' %}{{ article.nowhere.at_all }}"
        "{% endif %}"), 1), encoding="utf-8")
    conf, settings = project / "conf.py", (project / "conf.py").read_text()
    (project / "output").mkdir()
    (project / "output/index.html").write_text("the site as it was")

    # Whichever process the page falls to (the build's own, or a worker), the error names it.
    for workers in (1, 2, 3):
        conf.write_text(settings + f"THEME = {str(theme)!r}\nPARALLEL_RENDER = {{'workers': {workers}, "
                                   "'parallel_from': 1}\n")
        code = main(["--settings", str(conf), "--output", str(project / "output")])
        error = capsys.readouterr().err
        assert code == 2
        assert "strategie-editoriale-en-5-etapes/index.html could not be rendered" in error
        assert "'nowhere'" in error and "RenderFailed" in error
        assert (project / "output/index.html").read_text() == "the site as it was"
        assert not list(project.glob(".output.building-*"))


def _worker_pages(tmp_path, source, count=6):
    template = jinja2.Environment().from_string(source)
    return [Page(template, {"number": number}, str(tmp_path / f"page-{number}.html")) for number in range(count)]


def test_what_workers_log_is_logged_once_by_the_build(tmp_path, caplog):
    pages = _worker_pages(tmp_path, "{{ say(number) }}")
    spoken = logging.getLogger("tests.parallel_render")

    def say(number):
        spoken.warning("page %s rendered", number)
        return f"page {number}"

    for page in pages:
        page.context["say"] = say
    with caplog.at_level(logging.WARNING, logger="tests.parallel_render"):
        render_all(pages, {}, workers=3, parallel_from=1)
    assert sorted(r.getMessage() for r in caplog.records if r.name == "tests.parallel_render") == [
        f"page {number} rendered" for number in range(6)]
    assert [(tmp_path / f"page-{n}.html").read_text() for n in range(6)] == [f"page {n}" for n in range(6)]


def test_a_problem_found_while_rendering_lands_in_the_builds_list(tmp_path):
    """A worker's problems would die with it: its pages are rendered again by the build."""
    build = SimpleNamespace(problems=Problems(), primary="fr")
    settings = {}
    start_build(settings, build)
    pages = _worker_pages(tmp_path, "{{ check(number) }}")

    def check(number):
        if number % 2:
            build.problems.add(f"content/post-{number}.md", "Image", "does not exist")
        return f"page {number}"

    for page in pages:
        page.context["check"] = check
    render_all(pages, settings, workers=2, parallel_from=1)
    assert sorted(p.path for p in build.problems.errors) == ["content/post-1.md", "content/post-3.md",
                                                              "content/post-5.md"]
    assert [(tmp_path / f"page-{n}.html").read_text() for n in range(6)] == [f"page {n}" for n in range(6)]


def test_a_worker_failure_is_raised_after_every_worker_is_done(tmp_path):
    pages = _worker_pages(tmp_path, "{{ 1 // (number - 5) }}")
    with pytest.raises(RenderFailed) as raised:
        render_all(pages, {}, workers=2, parallel_from=1)  # page 5 falls to the worker
    assert raised.value.path == str(tmp_path / "page-5.html") and "ZeroDivisionError" in str(raised.value)


@pytest.mark.parametrize("given, key", [({"workers": 0}, "workers"), ({"parallel_from": True}, "parallel_from")])
def test_bad_settings_are_named(given, key):
    with pytest.raises(ParallelRenderSettingsError, match=rf"PARALLEL_RENDER\['{key}'\]"):
        load({"PARALLEL_RENDER": given})


def test_a_file_written_twice_follows_pelicans_rule(tmp_path):
    """A second write needs override=True and wins; a third is skipped; two overriding writes fail."""
    from pelican.settings import DEFAULT_CONFIG
    from pelican.writers import FileOverwriteFailedError

    from parallel_render.writer import DeferringWriter

    writer = DeferringWriter(str(tmp_path), settings={**DEFAULT_CONFIG, "OUTPUT_PATH": str(tmp_path)})
    template = jinja2.Template("{{ text }}")

    def write(text, **options):
        writer.write_file("page.html", template, {"text": text}, **options)
        return (tmp_path / "page.html").read_text()

    assert write("first") == "first"
    with pytest.raises(FileOverwriteFailedError, match="page.html: written twice"):
        write("second")
    assert write("overriding", override_output=True) == "overriding"
    assert write("skipped") == "overriding"
    with pytest.raises(FileOverwriteFailedError, match="only one may"):
        write("overriding again", override_output=True)
