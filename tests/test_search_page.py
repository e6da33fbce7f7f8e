"""The search page as a reader sees it: the query in the heading, the count read out, results as
cards with the post's picture and date, in the page's language; and without JavaScript, a way on."""

import pytest
from playwright.sync_api import expect

from test_search import searched, written  # noqa: F401  (module fixtures: the sample site with search)

QUERY = {"fr": "newsletter", "en": "newsletter"}
HEADING = {"fr": "Résultats pour «\u00a0newsletter\u00a0»", "en": "Results for “newsletter”"}


def _search_page(lang):
    return "search/" if lang == "fr" else "en/search/"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_search_page_speaks_the_page_language(searched, lang):  # noqa: F811
    _, site = searched
    soup = site.html(_search_page(lang))
    heading = soup.select_one("h1.search-heading")
    assert heading["data-asked"].replace("{query}", QUERY[lang]) == HEADING[lang]
    results = soup.select_one(".search-results")
    assert "{count}" in results["data-many"] and "{query}" in results["data-none"]
    if lang == "fr":
        assert "articles trouvés" in results["data-many"]
        assert "JavaScript" in soup.noscript.get_text() and "archives" in soup.noscript.get_text()
        assert soup.select_one(".search-form label").get_text(strip=True) == "Rechercher dans les articles"


def _pictures_of(site, url):
    """The pictures a post stands for: its og:image (social card or Image:) and the images of the post."""
    soup = site.html(site.local(url))
    pictures = {soup.select_one('meta[property="og:image"]')["content"]}
    pictures |= {image["src"] for image in soup.select("article.post img[src]")}
    return {picture for picture in pictures if "/images/authors/" not in picture}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_query_shows_in_the_heading_and_results_are_cards_with_picture_and_date(browser, searched, lang):  # noqa: F811
    base, site = searched
    page = browser.new_page()
    try:
        page.goto(f"{base}/{_search_page(lang)}")
        field = page.locator('input[name="q"]')
        field.fill(QUERY[lang])
        field.press("Enter")
        cards = page.locator(".search-list > li.search-result")
        expect(cards.first).to_be_visible()
        count = cards.count()
        expect(page.locator("h1.search-heading")).to_have_text(HEADING[lang])
        status = page.locator('.search-status[role="status"]')
        many = page.locator(".search-results").get_attribute("data-many").replace("{count}", str(count))
        one = page.locator(".search-results").get_attribute("data-one")
        expect(status).to_have_text(one if count == 1 else many)
        for index in range(count):
            card = cards.nth(index)
            expect(card.locator("h2 a")).to_have_count(1)  # one link per card: the title
            image = card.locator("img.search-thumb")
            src = image.evaluate("i => i.src")
            assert "/images/authors/" not in src, "the thumbnail is the author's photo, not the post's picture"
            href = card.locator("h2 a").evaluate("a => a.href")
            assert src in _pictures_of(site, href), (href, src)
            assert image.get_attribute("alt") == "" and image.get_attribute("width") and image.get_attribute("height")
            assert card.locator(".search-result-date").inner_text().strip()
        # The words found are tinted with the accent, not the browser's yellow.
        mark = page.locator(".search-results mark").first
        expect(mark).to_be_visible()
        assert mark.evaluate("m => getComputedStyle(m).backgroundColor") not in ("rgb(255, 255, 0)", "yellow")
    finally:
        page.close()


@pytest.mark.browser
def test_without_javascript_the_page_says_so_and_leads_to_the_archives(browser, searched):  # noqa: F811
    base, _ = searched
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base}/search/?q=newsletter")
        note = page.locator(".search-note")
        expect(note).to_be_visible()
        link = note.locator("a")
        expect(link).to_have_attribute("href", f"{base}/archives/")
        link.click()
        assert page.url == f"{base}/archives/"
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_the_results(browser, searched, scheme):  # noqa: F811
    from test_pages_in_browser import axe_violations

    base, _ = searched
    page = browser.new_page(color_scheme=scheme, bypass_csp=True)  # axe is injected inline
    try:
        page.goto(f"{base}/search/?q=newsletter")
        expect(page.locator(".search-list > li img").first).to_be_visible()
        expect(page.locator(".search-results mark").first).to_be_visible()
        assert axe_violations(page) == []
    finally:
        page.close()
