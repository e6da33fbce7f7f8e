"""URLs kept once the content is final (plugins/url_memo): the same site byte for byte, and each
post and page holding the URL its pattern gives."""

import pelicanconf
from pelican.generators import ArticlesGenerator, PagesGenerator

from project_copy import assert_same_tree, build_copy, copy_project
from publisher.preview.incremental import Recorder


def _pattern_url(item):
    return item._expand_settings("url" if item.in_default_lang else "lang_url")


def test_kept_urls_are_the_patterns_and_the_site_is_the_same(tmp_path):
    project = copy_project(tmp_path)
    with Recorder() as recorder:
        kept = build_copy(project, "kept")
    without = build_copy(project, "without", PLUGINS=[p for p in pelicanconf.PLUGINS if p != "url_memo"])
    assert_same_tree(without.output, kept.output)

    items = [item for run in recorder.runs
             for item in run.generator(ArticlesGenerator).articles + run.generator(PagesGenerator).pages]
    assert len(items) >= 14  # seven posts in each language, and the pages
    for item in items:
        assert vars(item)["override_url"] == _pattern_url(item), item.source_path


def test_a_build_without_the_plugin_keeps_nothing(tmp_path):
    """Its handler stays connected once a build has loaded it: it must look at PLUGINS."""
    project = copy_project(tmp_path)
    build_copy(project, "kept")
    with Recorder() as recorder:
        build_copy(project, "without", PLUGINS=[p for p in pelicanconf.PLUGINS if p != "url_memo"])
    articles = recorder.runs[0].generator(ArticlesGenerator).articles
    assert articles and not any("override_url" in vars(item) for item in articles)
