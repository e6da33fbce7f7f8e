"""A newsletter issue's page, shared: its social card (og:image) and its schema.org Article data."""

import json

import pytest
from PIL import Image

ISSUES = {"fr": "newsletter/1/", "en": "en/newsletter/1/"}
SUBJECTS = {"fr": "Numéro 1 : écrire moins, mais mieux", "en": "Issue 1: write less, but better"}
NEWSLETTER_NAMES = {"fr": "La lettre d’Élise", "en": "Élise’s letter"}


def meta_tags(soup):
    return ({m["property"]: m["content"] for m in soup.select("meta[property]")},
            {m["name"]: m["content"] for m in soup.select("meta[name]")})


def words(text):
    """Text compared word by word: French typography puts no-break spaces before colons."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.mark.parametrize("lang", ISSUES)
def test_an_issue_page_is_shared_with_its_own_card(site, lang):
    og, named = meta_tags(site.html(ISSUES[lang]))
    assert og["og:type"] == "article"
    assert og["og:image"] == f"{site.siteurl}/images/cards/{lang}/newsletter/1.png"
    with Image.open(site.output / site.local(og["og:image"])) as card:
        assert (card.format, card.size) == ("PNG", (1200, 630))
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "630")
    assert words(og["og:image:alt"]) == words(SUBJECTS[lang])
    assert og["article:published_time"].startswith("2025-03-03T08:00")
    assert named["twitter:card"] == "summary_large_image" and named["twitter:image"] == og["og:image"]


def test_each_language_has_a_card_of_its_own(site):
    cards = [(site.output / f"images/cards/{lang}/newsletter/1.png").read_bytes() for lang in ISSUES]
    assert cards[0] != cards[1]


@pytest.mark.parametrize("lang", ISSUES)
def test_an_issue_page_describes_itself_as_an_article(site, lang):
    soup = site.html(ISSUES[lang])
    [script] = soup.select('script[type="application/ld+json"]')
    assert "</" not in script.string
    data = json.loads(script.string)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Article"
    assert words(data["headline"]) == words(SUBJECTS[lang])
    assert data["inLanguage"] == lang
    assert data["datePublished"].startswith("2025-03-03T08:00")
    assert data["url"] == data["mainEntityOfPage"] == f"{site.siteurl}/{ISSUES[lang]}"
    assert data["image"] == meta_tags(soup)[0]["og:image"]
    assert data["description"] == meta_tags(soup)[0]["og:description"]
    [author] = data["author"]
    assert author["@type"] == "Person" and author["name"] == "Élise Marchand"
    assert author["url"].startswith(site.siteurl + "/")
    assert data["publisher"] == {"@type": "Organization", "name": "Élise Marchand",
                                 "url": f"{site.siteurl}/{'en/' if lang == 'en' else ''}"}
    newsletter = data["isPartOf"]
    assert newsletter["@type"] == "Periodical" and words(newsletter["name"]) == words(NEWSLETTER_NAMES[lang])
    assert newsletter["url"] == f"{site.siteurl}/{ISSUES[lang][:-len('1/')]}"
    for url in (data["url"], data["image"], author["url"], newsletter["url"]):
        assert (site.output / site.local(url)).exists(), url
