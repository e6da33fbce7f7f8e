"""A reader in headless chromium switches from a French post to its English translation."""

import pytest

pytestmark = pytest.mark.browser


def test_switcher_leads_from_a_french_post_to_its_english_translation(browser, served_site):
    base, site = served_site
    page = browser.new_page()
    problems, requests = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

    page.goto(f"{base}/strategie-editoriale-en-5-etapes/")
    assert page.locator("html").get_attribute("lang") == "fr"
    with page.expect_navigation():
        page.locator(".language-switcher a.language-link").click()

    assert page.url == f"{base}/en/editorial-strategy-in-5-steps/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == site.html("en/editorial-strategy-in-5-steps/").h1.get_text()
    assert problems == []
    # The site, and its own comment server (Isso) on post pages.
    assert requests and all(url.startswith((base + "/", site.comment_server)) for url in requests), requests
    page.close()


def test_switcher_on_a_french_only_post_leads_home_with_a_note(browser, served_site):
    base, _ = served_site
    page = browser.new_page()
    page.goto(f"{base}/texte-alternatif-des-images/")
    assert page.locator(".language-note").is_visible()
    with page.expect_navigation():
        page.locator(".language-switcher a.language-link").click()
    assert page.url == f"{base}/en/"
    page.close()
