"""Comments in headless chromium, under the site's CSP: a reader writes a comment
through a live Isso; third-party widgets request nothing before the reader's click."""

import re

import pytest
from playwright.sync_api import expect

from conftest import comments_setting
from fake_mastodon import TOOT_ID, FakeMastodon, status
from publisher.comment_server import IssoServer
from publisher.local_server import LocalServer
from small_project import SmallProject

pytestmark = pytest.mark.browser

POST = "article-a-commenter/"


def watch(page):
    """(requests, errors) seen by the page from now on."""
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return requests, errors


def test_a_reader_comments_through_isso_and_the_next_build_shows_it(browser, tmp_path):
    project = SmallProject(tmp_path)
    with LocalServer(project.output) as server:
        server.start()
        with IssoServer(tmp_path / "isso", [server.url]) as isso:
            setting = comments_setting(tmp_path / "cache.json", isso={"url": isso.url})
            project.build(SITEURL=server.url, FEED_DOMAIN=server.url, COMMENTS=setting)
            page = browser.new_page()
            requests, errors = watch(page)
            try:
                page.goto(server.url + "/" + POST)
                page.locator("#isso-thread textarea").fill("Écrit dans le navigateur, avec <b>balise</b>.")
                page.get_by_label("Nom (optionnel)").fill("Lectrice")
                page.locator("#isso-thread input[type=submit]").click()
                expect(page.locator("#isso-root .isso-comment")).to_contain_text("Écrit dans le navigateur")
                expect(page.locator(".comments-empty")).to_be_hidden()  # the build-time copy steps aside
            finally:
                page.close()
            project.build(SITEURL=server.url, FEED_DOMAIN=server.url, COMMENTS=setting)
    comments = project.page(POST).select_one(".comment-list")
    assert comments.select_one(".comment-author").get_text() == "Lectrice"
    assert "Écrit dans le navigateur, avec <b>balise</b>." in comments.get_text()
    assert errors == []
    assert all(url.startswith((server.url + "/", isso.url)) for url in requests), requests


THIRD_PARTIES = {
    "giscus": ({"repo": "elise-marchand/blog", "repo_id": "R_kgDOtest", "category": "Comments",
                "category_id": "DIC_kwDOtest"}, "https://giscus.app/client.js"),
    "disqus": ({"shortname": "elise-marchand"}, "https://elise-marchand.disqus.com/embed.js"),
    "mastodon": (None, f"/api/v1/statuses/{TOOT_ID}/context"),
}


@pytest.mark.parametrize("provider", THIRD_PARTIES)
def test_a_third_party_widget_loads_only_after_the_click(browser, tmp_path, provider):
    options, expected = THIRD_PARTIES[provider]
    with FakeMastodon() as instance:
        toot = f"Mastodon: {instance.toot_url}\n" if provider == "mastodon" else ""
        project = SmallProject(tmp_path, original_extra=toot)
        setting = comments_setting(tmp_path / "cache.json", provider=provider,
                                   **{provider: options or {"instance": instance.url}})
        with LocalServer(project.output) as server:
            server.start()
            project.build(SITEURL=server.url, FEED_DOMAIN=server.url, COMMENTS=setting)
            instance.requests.clear()  # the build's own fetch
            instance.replies.append(status("113000000000000009", TOOT_ID, "Nour", "<p>Réponse du jour</p>"))
            page = browser.new_page()
            requests, errors = watch(page)
            # Nothing may leave loopback: the test answers for giscus and Disqus.
            page.route(re.compile(r"^https://"), lambda route: route.fulfill(
                status=200, content_type="text/javascript", body="/* stand-in for the provider's script */"))
            try:
                page.goto(server.url + "/" + POST, wait_until="networkidle")
                assert [url for url in requests if not url.startswith(server.url + "/")] == []
                assert instance.requests == []
                button = page.get_by_role("button", name="Afficher les commentaires")
                expect(button).to_be_visible()
                with page.expect_request(lambda request: expected in request.url):
                    button.click()
                expect(button).to_be_hidden()
                if provider == "giscus":
                    script = page.locator("script[src='https://giscus.app/client.js']")
                    assert script.get_attribute("data-term") == "article-a-commenter"
                    assert script.get_attribute("data-lang") == "fr"
                if provider == "mastodon":  # the newest replies, as text
                    expect(page.locator(".comment-list")).to_contain_text("Réponse du jour")
                    assert page.locator(".comment-list script, .comment-list img").count() == 0
            finally:
                page.close()
    assert errors == []
