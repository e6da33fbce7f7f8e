"""Posts and pages whose metadata sets their own URL and Save_as, in one language or both.

The other language's version, its hreflang alternates and the sitemaps must lead to
where the page is really written, not to where the URL pattern would have put it.
"""

import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from bilingual.checks import source_digest
from project_copy import build_copy, copy_project
from sitekit.build_context import build_of

SITEURL = "https://elise-marchand.example"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"

# (source file, its own URL or None for the pattern's, the URL the pattern would give)
TRANSLATION_OWN = [("posts/fr/strategie-editoriale-en-5-etapes.md", None, "strategie-editoriale-en-5-etapes/"),
                   ("posts/en/editorial-strategy-in-5-steps.md", "some-own-path/", "en/editorial-strategy-in-5-steps/")]
ORIGINAL_OWN = [("posts/fr/linkedin-sans-s-epuiser.md", "reseaux/linkedin/", "linkedin-sans-s-epuiser/"),
                ("posts/en/linkedin-without-burning-out.md", None, "en/linkedin-without-burning-out/")]
BOTH_OWN = [("pages/fr/a-propos.md", "qui-suis-je/", "pages/a-propos/"),
            ("pages/en/about.md", "en/who-am-i/", "en/pages/about/")]
PAIRS = {"translation has its own URL": TRANSLATION_OWN,
         "original has its own URL": ORIGINAL_OWN,
         "both have their own URL (pages)": BOTH_OWN}
UNTOUCHED = ("audit-seo-priorites/", "en/seo-audit-setting-priorities/")


def _url(entry):
    _, own, pattern = entry
    return own or pattern


def _give_own_url(content, source, url):
    """Add URL and Save_as lines after the Title line of ``source``."""
    path = content / source
    title, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(f"{title}\nURL: {url}\nSave_as: {url}index.html\n{rest}", encoding="utf-8")


def _record_source_hash(content, original, translation):
    """The translation translates the edited original: no "changed after" warning."""
    path = content / translation
    lines = path.read_text(encoding="utf-8").split("\n")
    lines = [f"Source-Hash: {source_digest(content / original)}" if line.startswith("Source-Hash:") else line
             for line in lines]
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build of the sample site with the three pairs above given their own URLs."""
    project = copy_project(tmp_path_factory.mktemp("own-url"))
    content = project / "content"
    for (fr_source, fr_url, _), (en_source, en_url, _) in PAIRS.values():
        for source, url in ((fr_source, fr_url), (en_source, en_url)):
            if url:
                _give_own_url(content, source, url)
        _record_source_hash(content, fr_source, en_source)
    report = build_copy(project, "output")  # raises ContentErrors on any content error
    return report


def _html(report, url):
    return BeautifulSoup((report.output / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def _is_written(report, absolute_url):
    """Whether an absolute link of the site leads to a file of the output."""
    assert absolute_url.startswith(SITEURL + "/"), absolute_url
    local = report.output / absolute_url[len(SITEURL) + 1:]
    return local.is_file() or (local / "index.html").is_file()


def test_the_build_reports_no_problem_about_the_edited_files(built):
    problems = build_of(built.settings).problems
    assert problems.errors == []
    edited = {f"content/{source}" for pair in PAIRS.values() for source, _, _ in pair}
    assert [p for p in problems.warnings if p.path in edited] == []


@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_each_version_is_written_at_its_own_url_only(built, pair):
    for _, own, pattern in pair:
        assert (built.output / (own or pattern) / "index.html").is_file()
        if own:
            assert not (built.output / pattern).exists(), "written where its metadata says, not at the pattern's URL"


@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_switcher_and_hreflang_lead_to_the_other_version_where_it_is_written(built, pair):
    french, english = map(_url, pair)
    for here, there, there_lang in ((french, english, "en"), (english, french, "fr")):
        soup = _html(built, here)
        [switch] = soup.select(".language-switcher a.language-link")
        assert (switch["href"], switch["hreflang"], switch["data-exists"]) == (f"{SITEURL}/{there}", there_lang, "yes")
        alternates = {link["hreflang"]: link["href"] for link in soup.select('link[rel="alternate"][hreflang]')}
        assert alternates == {"fr": f"{SITEURL}/{french}", "en": f"{SITEURL}/{english}", "x-default": f"{SITEURL}/{french}"}
        assert soup.find("link", rel="canonical")["href"] == f"{SITEURL}/{here}"
        assert all(_is_written(built, url) for url in [switch["href"], *alternates.values()])


def _sitemap_entries(report, lang):
    root = ET.parse(report.output / f"sitemap-{lang}.xml").getroot()
    return {entry.find(f"{SITEMAP}loc").text: {link.get("hreflang"): link.get("href")
                                                for link in entry.findall(f"{XHTML}link")}
            for entry in root.findall(f"{SITEMAP}url")}


@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_sitemaps_list_each_version_at_its_url_with_the_other_as_alternate(built, pair):
    french, english = map(_url, pair)
    expected = {"fr": f"{SITEURL}/{french}", "en": f"{SITEURL}/{english}", "x-default": f"{SITEURL}/{french}"}
    assert _sitemap_entries(built, "fr")[f"{SITEURL}/{french}"] == expected
    assert _sitemap_entries(built, "en")[f"{SITEURL}/{english}"] == expected


def test_every_url_of_the_sitemaps_is_written(built):
    for lang in ("fr", "en"):
        for loc, alternates in _sitemap_entries(built, lang).items():
            assert _is_written(built, loc), loc
            assert all(_is_written(built, url) for url in alternates.values()), (loc, alternates)


def test_posts_without_an_own_url_still_link_through_the_pattern(built):
    french, english = UNTOUCHED
    [switch] = _html(built, french).select(".language-switcher a.language-link")
    assert switch["href"] == f"{SITEURL}/{english}"
    [switch] = _html(built, english).select(".language-switcher a.language-link")
    assert switch["href"] == f"{SITEURL}/{french}"
