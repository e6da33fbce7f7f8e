"""The Markdown cache (plugins/markdown_cache): the site it builds is byte for byte the site
built without it, whether the conversions are made serially, in parallel, or found in the
cache after an edit; and an edit converts only the edited file. Also the bilingual plugin's
cache of French typesetting (plugins/bilingual/typeset_cache.py), which a warm build reads."""

import json

import pelicanconf
import pytest

from markdown_cache.cache import ConversionCache
from markdown_cache.settings import load
from sitekit.build_context import build_of, state_of
from project_copy import assert_same_tree, build_copy, copy_project
from sitekit.settings import SettingsError as MarkdownCacheSettingsError


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path)


def build(project, output, **cache):
    return build_copy(project, output, MARKDOWN_CACHE=cache)


def edit_a_post(project):
    post = project / "content/posts/fr/strategie-editoriale-en-5-etapes.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nUn paragraphe ajouté *après coup*.\n", encoding="utf-8")


def test_serial_parallel_and_warm_builds_write_the_same_bytes(project):
    """To regenerate nothing: the reference is a build with the cache off, made in the test."""
    reference = build(project, "reference", enabled=False)
    assert state_of(reference.settings, ConversionCache) is None
    parallel = build(project, "parallel", workers=2, parallel_from=1)
    cache = state_of(parallel.settings, ConversionCache)
    assert cache.converted_ahead > 20 and cache.misses == 0
    assert_same_tree(reference.output, parallel.output)
    serial = build(project, "serial", workers=1, file=False)
    assert_same_tree(reference.output, serial.output)

    edit_a_post(project)
    edited_reference = build(project, "edited-reference", enabled=False)
    warm = build(project, "warm", workers=2, parallel_from=1)
    cache = state_of(warm.settings, ConversionCache)
    assert cache.converted_ahead == 1 and cache.misses == 0 and cache.hits > 40
    assert_same_tree(edited_reference.output, warm.output)
    assert "après coup" in (warm.output / "strategie-editoriale-en-5-etapes/index.html").read_text()


def test_a_changed_markdown_setting_or_a_damaged_cache_converts_again(project, caplog):
    build(project, "first")
    cache_file = project / "cache/markdown-cache.json"
    assert cache_file.is_file()
    other = build_copy(project, "other", MARKDOWN={"extension_configs": {"markdown.extensions.extra": {}},
                                                   "output_format": "html5"})
    assert state_of(other.settings, ConversionCache).converted_ahead > 20  # another setting: nothing reused
    cache_file.write_text("{not json")
    damaged = build(project, "damaged")
    assert state_of(damaged.settings, ConversionCache).converted_ahead > 20
    assert any("markdown-cache.json cannot be read" in r.getMessage() for r in caplog.records)
    assert_same_tree(project / "first", damaged.output)


def test_a_later_build_without_the_plugin_in_the_same_process_is_left_alone(project):
    """Signals outlive a build: the handlers stay connected, and must look at PLUGINS."""
    assert state_of(build(project, "with").settings, ConversionCache) is not None
    without = build_copy(project, "without", PLUGINS=[p for p in pelicanconf.PLUGINS if p != "markdown_cache"])
    assert state_of(without.settings, ConversionCache) is None
    assert_same_tree(project / "with", without.output)


@pytest.mark.parametrize("given, key", [
    ({"workers": 0}, "workers"), ({"enabled": "yes"}, "enabled"), ({"file": 3}, "file"),
    ({"parallel_from": True}, "parallel_from")])
def test_bad_settings_are_named(given, key):
    with pytest.raises(MarkdownCacheSettingsError, match=f"MARKDOWN_CACHE\\[{key!r}\\]"):
        load({"MARKDOWN_CACHE": given})


def typesetting(report):
    return build_of(report.settings)._typeset


def test_french_typesetting_is_kept_between_builds_and_the_bytes_stay_the_same(project, caplog):
    """To regenerate nothing: each reference is a build without the typesetting file, made in the test."""
    cache_file = project / "cache/bilingual-typography.json"
    first = build(project, "first")
    assert typesetting(first).computed > 10 and cache_file.exists()
    warm = build(project, "warm")
    assert typesetting(warm).computed == 0
    assert_same_tree(first.output, warm.output)

    edit_a_post(project)
    edited = build(project, "edited")
    assert typesetting(edited).computed == 1  # the edited body; its summary did not change
    cache_file.unlink()
    edited_reference = build(project, "edited-reference")
    assert typesetting(edited_reference).computed > 10
    assert_same_tree(edited_reference.output, edited.output)

    cache_file.write_text("{not json", encoding="utf-8")
    damaged = build(project, "damaged")
    assert f"{cache_file} cannot be read" in caplog.text and typesetting(damaged).computed > 10
    assert_same_tree(edited_reference.output, damaged.output)

    data = json.loads(cache_file.read_text(encoding="utf-8"))
    cache_file.write_text(json.dumps({**data, "fingerprint": "typography.py as it was before"}), encoding="utf-8")
    assert typesetting(build(project, "other-rules")).computed > 10


def installed_extension(site_packages, module, distribution, version):
    """A Markdown extension package ``module`` installed as ``distribution`` ``version`` (dist-info)."""
    (site_packages / module).mkdir(parents=True, exist_ok=True)
    (site_packages / module / "__init__.py").write_text(
        "from markdown.extensions import Extension\n\n\nclass Nothing(Extension):\n    pass\n\n\n"
        "def makeExtension(**options):\n    return Nothing(**options)\n")
    info = site_packages / f"{distribution.replace('-', '_')}-{version}.dist-info"
    for old in site_packages.glob(f"{distribution.replace('-', '_')}-*.dist-info"):
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n")
    (info / "top_level.txt").write_text(f"{module}\n")


def test_a_new_release_of_an_extension_s_package_is_a_new_fingerprint(tmp_path, monkeypatch):
    """The conversions depend on the extensions' code, not only on Markdown's: a release of the
    package an extension comes from (here named unlike its module) converts everything again."""
    from markdown_cache.cache import _distributions_of, fingerprint

    site_packages = tmp_path / "site-packages"
    monkeypatch.syspath_prepend(str(site_packages))
    config = {**pelicanconf.MARKDOWN, "extension_configs": {**pelicanconf.MARKDOWN["extension_configs"],
                                                            "demo_footnotes_ext.notes": {}}}
    installed_extension(site_packages, "demo_footnotes_ext", "Demo-Footnotes", "1.0")
    before = json.loads(fingerprint(config))
    assert before["packages"]["Demo-Footnotes"] == "1.0" and "pygments" in before["packages"]

    installed_extension(site_packages, "demo_footnotes_ext", "Demo-Footnotes", "1.1")
    _distributions_of.cache_clear()  # a later build: a new process
    after = json.loads(fingerprint(config))
    assert after["packages"]["Demo-Footnotes"] == "1.1" and after != before
