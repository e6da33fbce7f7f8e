"""`invoke lighthouse`: what it measures and when it fails (the measuring itself is run by hand: it is heavy)."""

from conftest import ROOT
from publisher import lighthouse


def test_it_measures_the_pages_of_the_issue_in_both_languages():
    assert set(lighthouse.PAGES) == {"home", "post", "issue", "search", "tag"}
    assert all(set(paths) == {"fr", "en"} for paths in lighthouse.PAGES.values())
    for paths in lighthouse.PAGES.values():
        assert paths["en"].startswith("en/") and not paths["fr"].startswith("en/")
    assert set(lighthouse.CATEGORIES) == {"performance", "accessibility", "best-practices", "seo"}


def _row(name="fr home", scores=None, violations=()):
    scores = scores or dict.fromkeys(lighthouse.CATEGORIES, 100)
    return (name, "/", scores, [], list(violations))


def test_it_passes_only_on_four_hundreds_and_no_axe_violation():
    assert lighthouse.passed([_row(), _row("en home")])
    assert not lighthouse.passed([_row(), _row("en home", {**dict.fromkeys(lighthouse.CATEGORIES, 100), "seo": 99})])
    assert not lighthouse.passed([_row(violations=["dark: color-contrast: .meta"])])
    assert not lighthouse.passed([_row(scores={**dict.fromkeys(lighthouse.CATEGORIES, 100), "performance": None})])


def test_the_table_has_a_row_per_page_with_the_four_scores_and_the_axe_count():
    text = lighthouse.table([_row(), _row("en tag", {**dict.fromkeys(lighthouse.CATEGORIES, 100), "seo": 92},
                                          ["light: link-name: a.x"])])
    header, rule, first, second = text.splitlines()
    assert header.split(" | ")[0].strip() == "page" and "perf" in header and "axe" in header
    assert [cell.strip() for cell in first.split(" | ")] == ["fr home", "/", "100", "100", "100", "100", "0"]
    assert [cell.strip() for cell in second.split(" | ")] == ["en tag", "/", "100", "100", "100", "92", "1"]


def test_comments_point_at_the_local_isso_with_their_cache_aside(tmp_path):
    setting = lighthouse._comments_setting(ROOT / "publishconf.py", "http://127.0.0.1:9999/", tmp_path / "c.json")
    assert setting["provider"] == "isso"
    assert setting["isso"]["url"] == "http://127.0.0.1:9999/"
    assert setting["cache_file"] == str(tmp_path / "c.json")
