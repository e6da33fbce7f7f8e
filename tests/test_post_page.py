"""The post page (issue 23, item 4): the lead picture loaded first, tables a keyboard can scroll,
share links with icons and names, the end of a post in order (related posts, the newsletter band,
the comments), and Isso's comment form in the page's language."""

import json

import pytest
import requests
from playwright.sync_api import expect

from conftest import comments_setting
from post_meta.code_blocks import focusable
from publisher.comment_server import IssoServer
from publisher.local_server import LocalServer
from small_project import SmallProject

POST_FR, POST_EN = "linkedin-sans-s-epuiser/", "en/linkedin-without-burning-out/"
TABLE = """
| Canal | Rythme |
|---|---|
| LinkedIn | deux fois par semaine |
| Newsletter | une fois par mois |
"""


# --- The sample site ----------------------------------------------------------------------


@pytest.mark.parametrize("page", [POST_FR, POST_EN])
def test_the_lead_picture_is_fetched_first_and_the_others_wait(site, page):
    images = site.html(page).select(".post .content img")
    assert images, "the sample post has a picture"
    lead = images[0]
    assert lead.get("fetchpriority") == "high" and "loading" not in lead.attrs
    assert lead.get("width") and lead.get("height")
    assert all(img.get("loading") == "lazy" and "fetchpriority" not in img.attrs for img in images[1:])


def test_share_links_have_a_hidden_icon_and_a_visible_name(site):
    links = site.html(POST_FR).select(".share a")
    assert [a.get_text(strip=True) for a in links] == ["LinkedIn", "Bluesky", "X", "Facebook", "E-mail"]
    for link in links:
        icon = link.find("svg")
        assert icon is not None and icon["aria-hidden"] == "true"
    assert all(not a.find("script") for a in links)


def test_a_post_ends_with_related_posts_then_the_newsletter_band_then_the_comments(site):
    main = site.html(POST_FR).find("main")
    order = [element for element in main.find_all(True)
             if element.get("id") in ("related-title", "subscribe", "comments")
             or "post-footer" in (element.get("class") or [])]
    assert [element.get("id") or "post-footer" for element in order] == [
        "post-footer", "related-title", "subscribe", "comments"]


@pytest.mark.parametrize("page, lang, placeholder", [(POST_FR, "fr", "Camille Dupont"), (POST_EN, "en", "Jane Doe")])
def test_the_isso_widget_is_told_the_page_language_and_its_words(site, page, lang, placeholder):
    script = json.loads(site.html(page).find(id="isso-thread")["data-script"])
    assert script["data-isso-lang"] == lang
    assert script[f"data-isso-postbox-author-placeholder-text-{lang}"] == placeholder
    widget = site.html(page).find(id="isso-thread")
    assert widget["data-label-upvote"] == {"fr": "Voter pour", "en": "Vote up"}[lang]


# --- A small project -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tabled(tmp_path_factory):
    project = SmallProject(tmp_path_factory.mktemp("tables"), original_extra="", translation_extra="")
    text = (project.folder / "content/posts/fr/article-a-commenter.md").read_text(encoding="utf-8")
    project.write("content/posts/fr/article-a-commenter.md", text + TABLE)
    project.build(COMMENTS=comments_setting(project.folder / "comments.json", fetch=False))
    return project


def test_a_table_sits_in_a_named_region_that_takes_the_focus(tabled):
    content = tabled.page("article-a-commenter/").select_one(".post .content")
    [wrapper] = content.select(".table-scroll")
    assert wrapper["role"] == "region" and wrapper["tabindex"] == "0" and wrapper["aria-label"] == "Tableau"
    assert wrapper.find("table") is not None and wrapper.find("table").find("td").get_text() == "LinkedIn"
    assert content.find("table").parent is wrapper


def test_the_filter_wraps_each_table_once_and_leaves_code_that_shows_a_table():
    html = "<table><tr><td>a</td></tr></table><pre><code>&lt;table&gt;&lt;/table&gt;</code></pre>"
    once = focusable(html, "Code", "Table")
    assert once.count('class="table-scroll"') == 1
    assert focusable(once, "Code", "Table") == once
    assert "table-scroll" not in focusable(html, "Code")  # without a table label, tables stay as they are


# --- In chromium, with a live Isso ------------------------------------------------------------


@pytest.mark.browser
def test_the_comment_form_is_french_on_a_french_page_and_the_votes_have_names(browser, tmp_path):
    project = SmallProject(tmp_path)
    with LocalServer(project.output) as server:
        server.start()
        with IssoServer(tmp_path / "isso", [server.url], {"guard.enabled": "false"}) as isso:
            response = requests.post(isso.url + "new", params={"uri": "article-a-commenter"},
                                     json={"title": "Un article", "author": "Ana", "text": "Premier !"},
                                     headers={"Origin": server.url}, timeout=10)
            assert response.status_code == 201, response.text
            project.build(SITEURL=server.url, FEED_DOMAIN=server.url,
                          COMMENTS=comments_setting(tmp_path / "cache.json", isso={"url": isso.url}))
            page = browser.new_page()
            try:
                page.goto(server.url + "/article-a-commenter/")
                form = page.locator("#isso-thread .isso-postbox").first
                expect(form).to_be_visible()
                assert form.locator("textarea").get_attribute("placeholder") == "Votre commentaire (3 caractères au moins)"
                assert form.locator("input[name=author]").get_attribute("placeholder") == "Camille Dupont"
                assert form.locator("input[name=email]").get_attribute("placeholder") == "camille@exemple.fr"
                assert form.locator("input[type=submit]").get_attribute("value") == "Publier le commentaire"
                upvote = page.locator("#isso-root .isso-upvote").first
                expect(upvote).to_have_attribute("aria-label", "Voter pour")
                assert upvote.evaluate("a => getComputedStyle(a).textDecorationLine") == "none"
            finally:
                page.close()


@pytest.mark.browser
def test_the_comment_server_is_asked_nothing_until_the_reader_nears_the_comments(browser, served_site):
    """A long post's first screen loads nothing from Isso's origin; scrolling to the comments
    loads its script, and its form appears."""
    base, site = served_site
    page = browser.new_page(viewport={"width": 412, "height": 800})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(f"{base}/{POST_FR}", wait_until="networkidle")
        assert requests and not [url for url in requests if url.startswith(site.comment_server)]
        with page.expect_request(lambda request: request.url.startswith(site.comment_server)
                                 and request.url.endswith("/js/embed.min.js")):
            page.locator("#comments").scroll_into_view_if_needed()
        expect(page.locator("#isso-thread .isso-postbox").first).to_be_visible()
    finally:
        page.close()
