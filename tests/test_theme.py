"""What readers see on the sample site's pages: bylines, author box, series, metadata."""

import json

import pytest

GUEST_FR = "referencement-local-commerces/"
GUEST_EN = "en/local-seo-for-neighbourhood-shops/"
SERIES = ["audit-seo-inventaire/", "audit-seo-priorites/"]


def test_a_guest_post_is_signed_with_the_guests_title_and_organisation(site):
    french = site.html(GUEST_FR).select_one(".byline")
    assert french.select_one('a[rel="author"]').get_text() == "Nadia Ferrand"
    assert "Consultante en référencement local" in french.select_one(".guest-title").get_text()
    assert french.select_one(".guest-organisation").get_text() == "Atelier Boussole"
    english = site.html(GUEST_EN).select_one(".guest-title").get_text()
    assert "Local search consultant" in english


@pytest.mark.parametrize("page, lang_marker", [("strategie-editoriale-en-5-etapes/", "Consultante en marketing de contenu"),
                                               ("en/editorial-strategy-in-5-steps/", "A content marketing consultant")])
def test_the_author_box_shows_photo_bio_in_the_page_language_and_links(site, page, lang_marker):
    box = site.html(page).select_one(".author-box")
    assert box.h2.get_text() == "Élise Marchand"
    assert box.select_one(".author-bio").get_text().startswith(lang_marker)
    photo = box.select_one("img.author-photo")
    assert photo["width"] == "96" and photo["height"] == "96"
    assert (site.output / site.local(photo["src"])).is_file()
    hrefs = [a["href"] for a in box.select(".author-links a")]
    assert f"{site.siteurl}/{'en/' if page.startswith('en/') else ''}author/elise-marchand/" in hrefs
    assert any("linkedin" in href for href in hrefs)


def test_series_navigation_gives_the_part_the_others_and_what_is_coming(site):
    first, second = (site.html(page) for page in SERIES)
    assert first.select_one(".series p").get_text() == "Épisode 1 sur 3"
    assert second.select_one(".series p").get_text() == "Épisode 2 sur 3"
    assert site.local(first.select_one('.series a[rel="next"]')["href"]) == SERIES[1]
    assert site.local(second.select_one('.series a[rel="prev"]')["href"]) == SERIES[0]
    assert second.select_one('.series [aria-current="page"]').get_text().startswith("Audit SEO pas à pas (2)")
    assert not first.select(".to-be-continued"), "part 2 is published"
    assert "La suite au prochain épisode" in second.select_one(".to-be-continued").get_text()


def test_posts_show_their_reading_time(site):
    meta = site.html("strategie-editoriale-en-5-etapes/").select_one(".post .meta").get_text()
    assert "min de lecture" in meta
    assert "min read" in site.html("en/editorial-strategy-in-5-steps/").select_one(".post .meta").get_text()


def test_hashtags_link_to_tag_pages_in_the_page_language(site):
    tags = site.html("en/editorial-strategy-in-5-steps/").select(".post-footer .tags a")
    assert tags and all(a.get_text().startswith("#") for a in tags)
    for a in tags:
        assert site.local(a["href"]).startswith("en/tag/")
        assert (site.output / site.local(a["href"]) / "index.html").is_file()


@pytest.mark.parametrize("page", [GUEST_FR, GUEST_EN, SERIES[0]])
def test_posts_carry_opengraph_and_twitter_tags_with_absolute_urls(site, page):
    soup = site.html(page)
    og = {m["property"]: m["content"] for m in soup.select("meta[property]")}
    assert og["og:type"] == "article"
    assert og["og:url"] == f"{site.siteurl}/{page}"
    assert og["og:title"] and og["og:description"]
    assert og["og:locale"] == ("en_GB" if page.startswith("en/") else "fr_FR")
    assert og["og:image"].startswith(site.siteurl + "/")
    assert (site.output / site.local(og["og:image"])).is_file()
    twitter = {m["name"]: m["content"] for m in soup.select('meta[name^="twitter:"]')}
    assert twitter["twitter:card"] == "summary_large_image"
    assert twitter["twitter:image"] == og["og:image"]


@pytest.mark.parametrize("page, lang", [(GUEST_FR, "fr"), (GUEST_EN, "en")])
def test_posts_carry_valid_blogposting_json_ld(site, page, lang):
    [script] = site.html(page).select('script[type="application/ld+json"]')
    data = json.loads(script.string)
    assert data["@context"] == "https://schema.org" and data["@type"] == "BlogPosting"
    assert data["inLanguage"] == lang
    assert data["datePublished"].startswith("2025-08-20T")
    assert data["url"] == f"{site.siteurl}/{page}"
    [author] = data["author"]
    assert author["@type"] == "Person" and author["name"] == "Nadia Ferrand"
    assert author["worksFor"]["name"] == "Atelier Boussole"
    assert data["image"].startswith(site.siteurl + "/")
    assert "</" not in script.string


def test_lists_show_summaries_with_cover_images(site):
    summaries = site.html("index.html").select(".card")
    covers = [s.select_one(".card-media img") for s in summaries]
    assert sum(cover is not None for cover in covers) >= 4
    for cover in filter(None, covers):
        assert cover["width"] and cover["height"] and cover["alt"] == ""
        assert (site.output / site.local(cover["src"])).is_file()


@pytest.mark.parametrize("page", ["pages/a-propos/", "en/pages/about/"])
def test_pages_carry_their_social_card(site, page):
    og = {m["property"]: m["content"] for m in site.html(page).select("meta[property]")}
    assert og["og:type"] == "website"
    assert (site.output / site.local(og["og:image"])).is_file()


def test_a_post_whose_first_media_is_a_sound_takes_its_first_picture_as_cover():
    """The media plugin makes a player of ![...](x.wav) after the cover is chosen: the text's first
    <img> may be a sound, which cannot be a cover (its card, its search thumbnail)."""
    from types import SimpleNamespace

    from post_meta.details import cover

    sizes = {"media/carillon.wav": (None, None), "images/plan.png": (640, 360)}
    post = SimpleNamespace(image=None, title="T", _content='<p><img src="{static}/media/carillon.wav" alt="a sound">'
                                                           '<img src="/images/plan.png" alt="A plan"></p>')
    found = cover(post, "/content", lambda path: sizes[path.relative_to("/content").as_posix()])
    assert found == {"url": "images/plan.png", "alt": "A plan", "width": 640, "height": 360}
    assert cover(SimpleNamespace(image=None, title="T", _content='<img src="media/carillon.wav">'), "/content",
                 lambda path: (None, None)) is None
