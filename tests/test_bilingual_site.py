"""The sample site built with publishconf.py: languages, links, feeds, sitemaps."""

import xml.etree.ElementTree as ET

import feedparser
import pytest

from conftest import build_sample

PAIRS = [  # (French page, English page) written by the sample content
    ("strategie-editoriale-en-5-etapes/", "en/editorial-strategy-in-5-steps/"),
    ("newsletter-qui-se-fait-lire/", "en/a-newsletter-people-actually-read/"),
    ("linkedin-sans-s-epuiser/", "en/linkedin-without-burning-out/"),
    ("referencement-local-commerces/", "en/local-seo-for-neighbourhood-shops/"),
    ("audit-seo-priorites/", "en/seo-audit-setting-priorities/"),
    ("pages/a-propos/", "en/pages/about/"),
    ("pages/mentions-legales/", "en/pages/legal-notice/"),
    ("", "en/"),
    ("archives/", "en/archives/"),
    ("tags/", "en/tags/"),
    ("category/strategie/", "en/category/strategy/"),
    ("tag/seo-local/", "en/tag/local-seo/"),
    ("tag/seo/", "en/tag/seo/"),
    ("author/elise-marchand/", "en/author/elise-marchand/"),
]
FRENCH_ONLY = ["texte-alternatif-des-images/"]
ENGLISH_ONLY = ["en/writing-for-non-native-readers/"]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def hreflangs(soup):
    return {link["hreflang"]: link["href"] for link in soup.select('link[rel="alternate"][hreflang]')}


def switcher_links(soup):
    return soup.select(".language-switcher a.language-link")


def test_both_homes_are_written_with_their_language(site):
    assert site.html("index.html").html["lang"] == "fr"
    assert site.html("en/index.html").html["lang"] == "en"


def test_every_page_declares_the_language_of_its_folder(site):
    checked = {"fr": 0, "en": 0}
    for page in site.pages():
        expected = "en" if page.startswith("en/") else "fr"
        assert site.html(page).html["lang"] == expected, page
        checked[expected] += 1
    assert min(checked.values()) >= 10, f"too few pages to check: {checked}"


def test_every_page_has_a_canonical_url_of_its_own(site):
    canonicals = set()
    for page in site.pages():
        canonical = site.html(page).find("link", rel="canonical")["href"]
        assert site.local(canonical) == page.removesuffix("index.html"), page
        canonicals.add(canonical)
    assert {f"{site.siteurl}/", f"{site.siteurl}/en/"} <= canonicals and len(canonicals) > 20, canonicals


@pytest.mark.parametrize("french, english", PAIRS)
def test_translated_pages_link_each_other_through_hreflang_and_switcher(site, french, english):
    fr_page, en_page = site.html(french), site.html(english)
    for soup in (fr_page, en_page):
        links = hreflangs(soup)
        assert site.local(links["fr"]) == french
        assert site.local(links["en"]) == english
        assert links["x-default"] == links["fr"]
    [to_english] = switcher_links(fr_page)
    [to_french] = switcher_links(en_page)
    assert to_english["href"] == f"{site.siteurl}/{english}" and to_english["data-exists"] == "yes"
    assert to_french["href"] == f"{site.siteurl}/{french}" and to_french["data-exists"] == "yes"
    assert not fr_page.select(".language-note") and not en_page.select(".language-note")


@pytest.mark.parametrize("page, other_home", [(p, "en/") for p in FRENCH_ONLY] + [(p, "") for p in ENGLISH_ONLY])
def test_untranslated_posts_lead_to_the_other_home_with_a_note(site, page, other_home):
    soup = site.html(page)
    [link] = switcher_links(soup)
    assert link["href"] == f"{site.siteurl}/{other_home}" and link["data-exists"] == "no"
    assert soup.select_one(".language-note").get_text(strip=True)
    assert set(hreflangs(soup)) == set(), "a page in one language only has no hreflang alternates"


def test_untranslated_posts_are_listed_in_their_own_language_only(site):
    french_home = site.html("index.html").get_text()
    english_home = site.html("en/index.html").get_text()
    french_only_title = site.html(FRENCH_ONLY[0]).h1.get_text()
    assert french_only_title in french_home and french_only_title not in english_home
    english_only_title = site.html(ENGLISH_ONLY[0]).h1.get_text()
    assert english_only_title in english_home and english_only_title not in french_home


def test_untranslated_posts_can_be_listed_in_the_other_language_with_a_badge(tmp_path):
    report = build_sample(tmp_path / "out", BILINGUAL={
        "languages": ["fr", "en"], "list_untranslated": True,
        "overrides": {"en": {"SITESUBTITLE": "Content marketing"}}})
    from conftest import Site

    site = Site(report.output, report)
    english_home = site.html("en/index.html")
    badges = english_home.select(".card .badge")
    assert badges and all("French" in b.get_text() for b in badges)
    linked = {a["href"] for b in badges for a in b.find_parent("article").select(".card-title a")}
    assert f"{site.siteurl}/{FRENCH_ONLY[0]}" in linked
    assert not (site.output / "en" / FRENCH_ONLY[0]).exists(), "listed, not copied"
    feed = feedparser.parse((site.output / "en/feeds/atom.xml").read_bytes())
    links = [entry.link for entry in feed.entries]
    assert all("/en/" in link for link in links), "feeds keep their own language"
    assert f"{site.siteurl}/{ENGLISH_ONLY[0]}" in links, "and all of it"


@pytest.mark.parametrize("lang, feed", [(l, f) for l in ("fr", "en") for f in ("atom", "rss")])
def test_each_feed_parses_and_holds_its_language_only(site, lang, feed):
    path = site.output / ("en/" if lang == "en" else "") / f"feeds/{feed}.xml"
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) >= 5
    for entry in parsed.entries:
        page = site.local(entry.link)
        assert page.startswith("en/") == (lang == "en"), entry.link
        assert site.html(page).html["lang"] == lang
    ids = [entry.id for entry in parsed.entries]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(("tag:elise-marchand.example,", site.siteurl)) for i in ids), ids


@pytest.mark.parametrize("feed", ["atom", "rss"])
def test_each_language_feed_names_its_language_and_its_home(site, feed):
    french, english = (feedparser.parse((site.output / prefix / f"feeds/{feed}.xml").read_bytes())
                       for prefix in ("", "en/"))
    assert (french.feed.language, english.feed.language) == ("fr", "en")
    assert (french.feed.link, english.feed.link) == (site.siteurl + "/", site.siteurl + "/en/")
    if feed == "atom":
        assert french.feed.id != english.feed.id


def test_feed_ids_are_stable_across_builds(site, tmp_path):
    again = build_sample(tmp_path / "again")
    for feed in ("feeds/atom.xml", "en/feeds/atom.xml"):
        first = [e.id for e in feedparser.parse((site.output / feed).read_bytes()).entries]
        second = [e.id for e in feedparser.parse((again.output / feed).read_bytes()).entries]
        assert first == second


def test_sitemap_index_lists_each_language_and_robots_names_it(site):
    index = ET.parse(site.output / "sitemap.xml").getroot()
    locations = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert locations == [f"{site.siteurl}/sitemap-fr.xml", f"{site.siteurl}/sitemap-en.xml"]
    assert f"Sitemap: {site.siteurl}/sitemap.xml" in (site.output / "robots.txt").read_text()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_language_sitemaps_list_their_pages_with_reciprocal_alternates(site, lang):
    root = ET.parse(site.output / f"sitemap-{lang}.xml").getroot()
    entries = {url.find(f"{SITEMAP}loc").text: url for url in root.iter(f"{SITEMAP}url")}
    # Every page but the 404 page (served for missing addresses, noindex).
    pages = [p for p in site.pages() if p.startswith("en/") == (lang == "en") and not p.endswith("404.html")]
    assert {site.local(loc) for loc in entries} == {p.removesuffix("index.html") for p in pages}
    for french, english in PAIRS:
        own = english if lang == "en" else french
        alternates = {link.get("hreflang"): link.get("href") for link in entries[f"{site.siteurl}/{own}"].iter(f"{XHTML}link")}
        assert alternates == {"fr": f"{site.siteurl}/{french}", "en": f"{site.siteurl}/{english}",
                              "x-default": f"{site.siteurl}/{french}"}


def test_dates_are_written_the_way_each_language_writes_them(site):
    french = site.html("newsletter-qui-se-fait-lire/").select_one(".post time").get_text()
    english = site.html("en/a-newsletter-people-actually-read/").select_one(".post time").get_text()
    assert french == "6 novembre 2024"
    assert english == "November 6, 2024"


def test_theme_strings_come_from_each_language_catalogue(site):
    french, english = site.html("index.html"), site.html("en/index.html")
    assert french.select_one(".skip-link").get_text() == "Aller au contenu"
    assert english.select_one(".skip-link").get_text() == "Skip to content"
    assert "Catégories" in [a.get_text(strip=True) for a in french.select(".menu-wide a")]
    assert "Categories" in [a.get_text(strip=True) for a in english.select(".menu-wide a")]


def test_categories_and_tags_have_pages_in_each_language_under_their_own_names(site):
    assert site.html("category/strategie/").h1.get_text() == "Catégorie\u00a0: Stratégie"
    assert site.html("en/category/strategy/").h1.get_text() == "Category: Strategy"
    english_post = site.html("en/editorial-strategy-in-5-steps/")
    assert english_post.select_one(".post-kicker a")["href"] == f"{site.siteurl}/en/category/strategy/"


def test_french_typography_is_applied_to_french_text_only(site):
    french = site.html("newsletter-qui-se-fait-lire/")
    text = french.select_one(".post .content").get_text()
    assert "\u202f?" in text or "\u202f!" in text or "\u00a0:" in text
    # Code and addresses are left as written, in every French post (that one post has no link).
    contents = [site.html(page).select_one(".post .content") for page in site.pages() if not page.startswith("en/")]
    codes = [code.get_text() for content in contents if content for code in content.select("code")]
    hrefs = [link["href"] for content in contents if content for link in content.select("a[href]")]
    assert len(codes) >= 3 and len(hrefs) >= 2, (codes, hrefs)  # a loop over nothing checks nothing
    for written in codes + hrefs:
        assert "\u202f" not in written and "\u00a0" not in written, written
    english = site.html("en/a-newsletter-people-actually-read/").select_one(".post .content").get_text()
    assert "\u202f" not in english


def test_summaries_keep_french_typography_where_a_newsletter_digest_quotes_them(site):
    """The digest of issue 2 lists audit-seo-inventaire; reading its summary before Pelican had
    settled it once left the page and the lists with the untypeset summary (the value is memoized)."""
    description = site.html("audit-seo-inventaire/").select_one('meta[name="description"]')["content"]
    assert "petit site\u00a0: dresser" in description
    excerpts = [card.get_text() for card in site.html("category/referencement/").select(".card .card-excerpt")]
    assert any("petit site\u00a0: dresser" in text for text in excerpts)


def test_the_build_reports_pages_per_language_and_its_duration(site):
    assert site.report.pages["fr"] == sum(1 for p in site.pages() if not p.startswith("en/"))
    assert site.report.pages["en"] == sum(1 for p in site.pages() if p.startswith("en/"))
    assert "pages in fr" in site.report.summary() and " s (" in site.report.summary()
