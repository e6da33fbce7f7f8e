"""The home page, the post cards and the list pages (issue 23, item 3): the featured post,
the cards' fields in both languages, the taxonomy's descriptions, the pagination."""

import re
import textwrap

import pytest

from small_project import SmallProject
from sitekit.taxonomy import Taxonomy, TaxonomyError

SAMPLE_HOMES = {"fr": "", "en": "en/"}
READING_TIME = {"fr": re.compile(r"^\d+ min de lecture$"), "en": re.compile(r"^\d+ min read$")}

TAXONOMY = """\
[categories.conseils]
fr = "Conseils"
en = "Advice"
description.fr = "Des idées pratiques : une par article."
description.en = "Practical ideas, one per post."

[tags.outils]
fr = "Outils"
en = "Tools"
description.fr = "Les outils du quotidien."
"""


def post(title, slug, date, lang="fr", extra=""):
    return textwrap.dedent(f"""\
        Title: {title}
        Date: {date}
        Lang: {lang}
        Slug: {slug}
        Category: {"Conseils" if lang == "fr" else "Advice"}
        Summary: Résumé de {title}.
        """) + extra + "\nUn texte.\n"


def project_with(tmp_path, posts, **overrides):
    """The small project plus ``posts`` ((relative path, text) pairs), built."""
    project = SmallProject(tmp_path, original_extra="Category: Conseils\nTags: Outils\n",
                           translation_extra="Category: Advice\nTags: Tools\n")
    project.write("content/data/taxonomy.toml", TAXONOMY)
    for relative, text in posts:
        project.write(relative, text)
    project.build(**overrides)
    return project


def card_links(soup):
    return [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in soup.select(".card .card-title a")]


# --- The featured post ------------------------------------------------------------------

def test_a_featured_post_comes_first_and_large_else_the_latest(tmp_path):
    project = project_with(tmp_path, [
        ("content/posts/fr/a-la-une.md", post("À la une", "a-la-une", "2024-06-01 09:00", extra="Featured: yes\n")),
        ("content/posts/fr/recent.md", post("Récent", "recent", "2025-06-01 09:00")),
        ("content/posts/en/newest.md", post("Newest", "newest", "2025-07-01 09:00", lang="en")),
    ])
    french = project.page("")
    large = french.select(".card--large")
    assert len(large) == 1 and card_links(large[0]) == ["a-la-une"], "the featured post, though older"
    assert card_links(french)[0] == "a-la-une" and card_links(french).count("a-la-une") == 1, "first, once"
    assert set(card_links(french)) == {"a-la-une", "recent", "article-a-commenter"}
    assert large[0].select_one(".card-title").name == "h2"
    assert all(card.select_one(".card-title").name == "h3" for card in french.select(".card-grid .card"))
    # No "Featured: yes" in English: the latest post is the large one.
    english = project.page("en/")
    assert card_links(english.select_one(".card--large")) == ["newest"]
    assert card_links(english) == ["newest", "post-to-comment-on"]


def test_the_lead_picture_is_fetched_first_and_the_others_lazily(site):
    for home in SAMPLE_HOMES.values():
        soup = site.html(home)
        lead = soup.select_one(".card--large .card-media img")
        assert lead is not None, "the sample's featured post has a picture"
        assert lead.get("fetchpriority") == "high" and lead.get("loading") != "lazy"
        others = soup.select(".card-grid .card-media img")
        assert others and all(img["loading"] == "lazy" and "fetchpriority" not in img.attrs for img in others)


def test_card_pictures_offer_their_resized_copies_at_the_card_s_width(site):
    """A 1,200 px picture in a 22rem card: the phone takes the 480 px copy (srcset, sizes)."""
    for home in SAMPLE_HOMES.values():
        soup = site.html(home)
        lead = soup.select_one(".card--large .card-media img")
        others = soup.select(".card-grid .card-media img")
        assert "43rem" in lead["sizes"] and others and all("22rem" in img["sizes"] for img in others)
        for img in [lead, *others]:
            candidates = [entry.split() for entry in img["srcset"].split(", ")]
            assert candidates[0][1] == "480w" and candidates[-1][0] == img["src"]
            assert all((site.output / site.local(url)).is_file() for url, _ in candidates)


def test_the_sample_features_its_newsletter_post_in_both_languages(site):
    assert card_links(site.html("").select_one(".card--large")) == ["newsletter-qui-se-fait-lire"]
    assert card_links(site.html("en/").select_one(".card--large")) == ["a-newsletter-people-actually-read"]


def test_the_home_page_has_the_pitch_the_cards_then_the_subscribe_band(site):
    for lang, home in SAMPLE_HOMES.items():
        soup = site.html(home)
        main = soup.find("main")
        order = [el for el in main.select(".home-intro, .card--large, .card-grid, #subscribe")]
        assert [el.get("id") or el["class"][0] for el in order] == ["home-intro", "card", "card-grid", "subscribe"]
        assert main.select_one(".home-intro h1").get_text(strip=True)
        cta = main.select_one(".home-intro a[href='#subscribe']")
        assert cta.get_text() == {"fr": "Recevoir la newsletter", "en": "Get the newsletter"}[lang]


# --- The cards --------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_card_has_a_picture_or_its_panel_a_category_one_link_a_date_and_a_reading_time(site, lang):
    pages = [SAMPLE_HOMES[lang], f"{SAMPLE_HOMES[lang]}author/elise-marchand/",
             "category/strategie/" if lang == "fr" else "en/category/strategy/"]
    fallbacks = 0
    for page in pages:
        cards = site.html(page).select("main .card")
        assert len(cards) >= 2, page
        for card in cards:
            picture = card.select_one(".card-media img")
            if picture is not None:
                assert picture["width"].isdigit() and picture["height"].isdigit() and picture["alt"] == ""
                assert (site.output / site.local(picture["src"])).is_file()
            else:
                panel = card.select_one(".card-media .card-fallback[aria-hidden=true]")
                assert panel is not None and panel.get_text(strip=True) == card.select_one(".card-category").get_text()
                fallbacks += 1
            assert card.select_one(".card-category").get_text(strip=True)
            links = card.find_all("a")
            assert len(links) == 1 and links[0].parent is card.select_one(".card-title"), "the title is the one link"
            assert (site.output / site.local(links[0]["href"]) / "index.html").is_file()
            assert card.select_one(".meta time[datetime]").get_text(strip=True)
            assert any(READING_TIME[lang].match(span.get_text(strip=True)) for span in card.select(".meta span"))
    assert fallbacks, "a post without a picture gets the tinted panel (texte-alternatif-des-images)"


def test_a_card_shows_its_summary_and_a_guest_author(site):
    card = next(c for c in site.html("").select(".card")
                if c.select_one(".card-title a")["href"].endswith("/referencement-local-commerces/"))
    assert card.select_one(".card-excerpt").get_text().startswith("Une consultante invitée")
    assert card.select_one(".card-author").get_text() == "Nadia Ferrand"
    own = site.html("").select_one(".card--large")
    assert own.select_one(".card-author") is None, "the site's own author goes without saying"


def test_the_small_card_variant_drops_the_summary(tmp_path):
    """The post page's related posts set card_size = "small" before including the card."""
    project = SmallProject(tmp_path)
    project.write("theme/templates/index.html", """\
        {% for article in articles %}{% set card_size = "small" %}{% set card_heading = "h3" %}{% include "_summary.html" %}{% endfor %}
        """)
    overrides = {"THEME_TEMPLATES_OVERRIDES": [str(project.folder / "theme/templates")]}
    project.build(**overrides)
    card = project.page("").select_one(".card")
    assert "card--small" in card["class"] and card.select_one(".card-excerpt") is None
    assert card.select_one("h3.card-title a") is not None and card.select_one(".meta time") is not None


# --- List pages and the taxonomy's descriptions ------------------------------------------

def test_category_and_tag_pages_show_their_description_in_each_language(site):
    expected = {
        "category/strategie/": "Savoir quoi publier, pour qui et à quel rythme\u00a0: les fondations",
        "en/category/strategy/": "Deciding what to publish, for whom and how often: the groundwork",
        "tag/seo-local/": "Être trouvé par les clients de son quartier.",
        "en/tag/local-seo/": "Getting found by the customers in your neighbourhood.",
    }
    for page, start in expected.items():
        soup = site.html(page)
        lede = soup.select_one(".list-header .list-lede").get_text()
        assert lede.startswith(start), (page, lede)
        assert soup.find("meta", attrs={"name": "description"})["content"] == lede, "and the meta description"
        assert soup.select(".card-grid .card"), page
    categories = site.html("categories/").select(".topics .card")
    assert any("Savoir quoi publier" in t.get_text() for t in categories)
    assert any("Deciding what to publish" in t.get_text() for t in site.html("en/categories/").select(".topics .card"))


def test_an_author_page_shows_the_photo_and_bio_in_its_language(site):
    for page, words in (("author/elise-marchand/", "Consultante en marketing"), ("en/author/elise-marchand/", "A content marketing")):
        header = site.html(page).select_one(".list-header")
        assert header.select_one(".list-lede").get_text().startswith(words)
        photo = header.select_one("img.list-portrait")
        assert photo["width"] == "96" and (site.output / site.local(photo["src"])).is_file()


def test_a_description_missing_in_a_language_shows_nothing(tmp_path):
    project = project_with(tmp_path, [])
    assert project.page("tag/outils/").select_one(".list-lede").get_text() == "Les outils du quotidien."
    assert project.page("en/tag/tools/").select_one(".list-lede") is None, "no English description written"
    assert project.page("category/conseils/").select_one(".list-lede").get_text() == "Des idées pratiques\u00a0: une par article."


def test_archives_list_every_post_by_year_newest_first(site):
    for page, count in (("archives/", 7), ("en/archives/", 7)):
        years = site.html(page).select(".archive-year")
        assert [y.h2.get_text() for y in years] == ["2025", "2024"]
        dates = [t["datetime"] for y in years for t in y.select("li time")]
        assert len(dates) == count and dates == sorted(dates, reverse=True)


def test_the_taxonomy_reads_descriptions_and_keeps_them_out_of_the_names(tmp_path):
    path = tmp_path / "taxonomy.toml"
    path.write_text(TAXONOMY, encoding="utf-8")
    taxonomy = Taxonomy.load(path)
    assert taxonomy.entries("categories") == [{"fr": "Conseils", "en": "Advice"}]
    assert taxonomy.names("tags", "en") == {"outils": "Tools"}
    assert taxonomy.description("categories", "advice", "en") == "Practical ideas, one per post."
    assert taxonomy.description("tags", "Tools", "en") == ""
    assert taxonomy.description("tags", "Inconnu", "fr") == ""
    path.write_text('[tags.outils]\nfr = "Outils"\ndescription = "pas une table"\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"\[tags.outils\] description must map language codes"):
        Taxonomy.load(path)


# --- Pagination --------------------------------------------------------------------------

def test_the_pagination_links_every_page_and_marks_the_current_one(tmp_path):
    posts = [(f"content/posts/fr/p{n}.md", post(f"Article {n}", f"p{n}", f"2025-0{n}-01 09:00")) for n in range(1, 6)]
    project = project_with(tmp_path, posts, DEFAULT_PAGINATION=2)
    first = project.page("")
    nav = first.select_one("nav.pagination")
    assert nav["aria-label"] == "Pages"
    numbers = nav.select(".pagination-pages a")
    assert [a.get_text() for a in numbers] == ["1", "2", "3"]
    assert [a.get("aria-current") for a in numbers] == ["page", None, None]
    assert nav.select_one("a[rel=next]") is not None and nav.select_one("a[rel=prev]") is None
    second_url = numbers[1]["href"]
    second = project.page(second_url.split("://", 1)[-1].split("/", 1)[1] if "://" in second_url else second_url.lstrip("/"))
    nav2 = second.select_one("nav.pagination")
    assert [a.get("aria-current") for a in nav2.select(".pagination-pages a")] == [None, "page", None]
    assert nav2.select_one("a[rel=prev]")["href"] == numbers[0]["href"]
    assert second.select_one(".home-intro") is None and second.select_one(".card--large") is None
    assert second.h1.get_text().endswith("Page 2 sur 3")
    assert {card.select_one(".card-title").name for card in second.select(".card")} == {"h2"}, "no level skipped"
    shown = card_links(first) + card_links(second) + card_links(project.page(numbers[2]["href"].lstrip("/")))
    assert sorted(shown) == sorted(["article-a-commenter"] + [f"p{n}" for n in range(1, 6)]), "each post once"


# --- In chromium ---------------------------------------------------------------------------

@pytest.mark.browser
def test_the_whole_card_leads_to_the_post_and_the_grid_fits_the_screen(browser, served_site):
    base, _ = served_site
    for width, columns in ((375, 1), (1280, 3)):
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.goto(f"{base}/", wait_until="load")
            tracks = page.eval_on_selector(".card-grid", "g => getComputedStyle(g).gridTemplateColumns.split(' ').length")
            assert tracks == columns, width
            meta = page.eval_on_selector(".card-grid .card .meta", "m => parseFloat(getComputedStyle(m).fontSize)")
            assert meta >= 14
            card = page.locator(".card-grid .card").first
            href = card.locator(".card-title a").get_attribute("href")
            card.scroll_into_view_if_needed()
            box = card.locator(".card-media").bounding_box()  # the picture, not the title: the stretched link
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_url(href)
        finally:
            page.close()


def test_the_home_intro_shows_the_brand_pitch_and_cover_in_each_language(tmp_path):
    from PIL import Image

    project = SmallProject(tmp_path, original_extra="Category: Conseils\n", translation_extra="Category: Advice\n")
    project.write("content/data/taxonomy.toml", TAXONOMY)
    Image.new("RGB", (800, 600), "#a4361d").save(project.folder / "content/images/couverture.png")
    project.build(BRAND={"cover": "images/couverture.png", "cover_alt": {"fr": "Élise à son bureau", "en": "Élise at her desk"},
                         "pitch": {"fr": "J'aide les petites entreprises.", "en": "I help small businesses."}})
    for home, pitch, alt in (("", "J'aide les petites entreprises.", "Élise à son bureau"),
                             ("en/", "I help small businesses.", "Élise at her desk")):
        intro = project.page(home).select_one(".home-intro")
        assert intro.select_one(".home-pitch").get_text() == pitch
        cover = intro.select_one("img.home-cover")
        assert (cover["width"], cover["height"], cover["alt"]) == ("800", "600", alt)
        assert cover.get("fetchpriority") == "high" and cover.get("loading") != "lazy"
        assert (project.output / cover["src"].split("/", 3)[-1] if "://" in cover["src"] else project.output / cover["src"].lstrip("/")).is_file()
