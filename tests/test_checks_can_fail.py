"""The checks that walk every built page must fail when there is nothing to walk.

Each test here runs another module's test function against a build that lacks
what it checks (an empty folder, a single French page) and expects it to fail:
a loop over the pages of an empty site used to pass."""

import pytest

from conftest import Site

import test_bilingual_site
import test_page_weight
import test_security_policy
import test_subscribe

PAGE_WALKS = [
    test_bilingual_site.test_every_page_declares_the_language_of_its_folder,
    test_bilingual_site.test_every_page_has_a_canonical_url_of_its_own,
    test_security_policy.test_every_page_refuses_inline_scripts,
    test_security_policy.test_no_page_holds_inline_code,
    test_subscribe.test_the_policy_lets_forms_post_to_the_site_and_the_provider_only,
    test_page_weight.test_every_page_weighs_under_60_kb_and_loads_under_16_kb_of_script,
]

FRENCH_HOME = """<!doctype html><html lang="fr"><head>
<meta http-equiv="Content-Security-Policy" content="script-src 'self'; object-src 'none'">
<link rel="canonical" href="https://elise-marchand.example/"></head><body></body></html>"""


@pytest.mark.parametrize("check", PAGE_WALKS, ids=lambda check: check.__name__)
def test_a_page_walk_fails_on_an_empty_build(tmp_path, check):
    with pytest.raises(AssertionError, match="nothing to check"):
        check(Site(tmp_path, report=None))


@pytest.mark.parametrize("check", PAGE_WALKS, ids=lambda check: check.__name__)
def test_a_page_walk_fails_on_a_build_of_one_language(tmp_path, check):
    (tmp_path / "index.html").write_text(FRENCH_HOME, encoding="utf-8")
    with pytest.raises(AssertionError):
        check(Site(tmp_path, report=None))


@pytest.mark.parametrize("check", PAGE_WALKS, ids=lambda check: check.__name__)
def test_a_page_walk_fails_on_a_build_of_two_bare_homes(tmp_path, check):
    """Both homes but nothing else: the walks ask for the pages they exist to check."""
    (tmp_path / "en").mkdir()
    (tmp_path / "index.html").write_text(FRENCH_HOME, encoding="utf-8")
    english = FRENCH_HOME.replace('lang="fr"', 'lang="en"').replace('example/"', 'example/en/"')
    (tmp_path / "en" / "index.html").write_text(english, encoding="utf-8")
    with pytest.raises(AssertionError):
        check(Site(tmp_path, report=None))
