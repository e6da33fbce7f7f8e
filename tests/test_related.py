"""Related posts (plugins/related): at the end of a post, up to RELATED["count"] posts of its own
language, ranked by shared tags, then same category, then the newest; never itself nor its translation."""

from datetime import datetime
from types import SimpleNamespace

import pytest

from related.ranking import related
from related.settings import RELATED
from sitekit.settings import SettingsError
from small_project import SmallProject

FRENCH, ENGLISH = "article-a-commenter/", "en/post-to-comment-on/"

POST = """\
Title: {title}
Date: {date}
Lang: {lang}
Slug: {slug}
Category: {category}
{tags}
Un texte.
"""

TAXONOMY = """\
[categories.strategie]
fr = "Stratégie"
en = "Strategy"
[categories.autre]
fr = "Autre"
en = "Other"
[categories.cuisine]
fr = "Cuisine"
en = "Cooking"
[tags.seo]
fr = "SEO"
en = "SEO"
[tags.redaction]
fr = "Rédaction"
en = "Writing"
[tags.recettes]
fr = "Recettes"
en = "Recipes"
"""

# slug: (lang, date, category, tags)
OTHERS = {
    "deux-tags": ("fr", "2024-01-01", "Autre", "SEO, Rédaction"),
    "un-tag-meme-categorie": ("fr", "2024-02-01", "Stratégie", "SEO"),
    "un-tag-recent": ("fr", "2024-06-01", "Autre", "SEO"),
    "un-tag-ancien": ("fr", "2024-03-01", "Autre", "SEO"),
    "meme-categorie-seulement": ("fr", "2024-12-01", "Stratégie", ""),
    "sans-rapport": ("fr", "2025-01-01", "Cuisine", "Recettes"),
    "english-seo": ("en", "2024-05-01", "Strategy", "SEO"),
    "english-unrelated": ("en", "2024-05-02", "Cooking", "Recipes"),
}


def related_project(folder):
    project = SmallProject(folder, original_extra="Category: Stratégie\nTags: SEO, Rédaction",
                           translation_extra="Category: Strategy\nTags: SEO, Writing")
    project.write("content/data/taxonomy.toml", TAXONOMY)
    for slug, (lang, date, category, tags) in OTHERS.items():
        project.write(f"content/posts/{lang}/{slug}.md", POST.format(
            title=slug.replace("-", " ").capitalize(), date=f"{date} 09:00", lang=lang, slug=slug,
            category=category, tags=f"Tags: {tags}" if tags else ""))
    return project


def related_slugs(page):
    section = page.select_one("section.related")
    if section is None:
        return []
    links = [heading.find("a")["href"] for heading in section.select(".related-cards article :is(h2, h3)")]
    return [href.rstrip("/").rsplit("/", 1)[-1] for href in links]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = related_project(tmp_path_factory.mktemp("related"))
    project.build()
    return project


def test_a_post_lists_the_posts_sharing_most_tags_then_its_category_then_the_newest(built):
    assert related_slugs(built.page(FRENCH)) == ["deux-tags", "un-tag-meme-categorie", "un-tag-recent"]


def test_related_posts_are_in_the_posts_language_only_and_never_the_post_or_its_translation(built):
    assert related_slugs(built.page(ENGLISH)) == ["english-seo"]
    for slug, (lang, *_rest) in OTHERS.items():
        page = built.page(("en/" if lang == "en" else "") + slug + "/")
        found = related_slugs(page)
        assert slug not in found
        assert all(OTHERS.get(other, (lang,))[0] == lang for other in found), (slug, found)
        assert "post-to-comment-on" not in found or lang == "en"
        assert "article-a-commenter" not in found or lang == "fr"


def test_a_post_sharing_nothing_shows_no_related_section(built):
    assert built.page("sans-rapport/").select_one("section.related") is None


def test_the_related_cards_are_headed_in_the_page_language(built):
    assert built.page(FRENCH).select_one("#related-title").get_text() == "À lire aussi"
    assert built.page(ENGLISH).select_one("#related-title").get_text() == "Read next"


def test_the_count_setting_and_the_switch(tmp_path):
    project = related_project(tmp_path)
    project.build(RELATED={"count": 4})
    assert related_slugs(project.page(FRENCH)) == ["deux-tags", "un-tag-meme-categorie", "un-tag-recent",
                                                   "un-tag-ancien"]
    project.build(RELATED={"enabled": False})
    assert project.page(FRENCH).select_one("section.related") is None


@pytest.mark.parametrize("value", [0, "3", 13, True])
def test_a_count_that_is_not_a_small_whole_number_is_refused(value):
    with pytest.raises(SettingsError, match=r"RELATED\['count'\]|count"):
        RELATED.load({"RELATED": {"count": value}})


def post(slug, lang="fr", tags=(), category=None, date="2024-01-01", translations=()):
    return SimpleNamespace(slug=slug, lang=lang, tags=[SimpleNamespace(slug=t) for t in tags],
                           category=SimpleNamespace(slug=category) if category else None,
                           date=datetime.fromisoformat(date), translations=list(translations),
                           source_path=f"{lang}/{slug}.md")


def test_the_ranking_leaves_out_the_post_its_translations_and_the_other_language():
    translation = post("traduite", lang="fr", tags=["seo"])  # a translation, whatever its language
    me = post("moi", tags=["seo", "ux"], category="a", translations=[translation])
    others = [post("deux", tags=["seo", "ux"], date="2020-01-01"), post("cat", tags=["seo"], category="a"),
              post("recent", tags=["seo"], date="2024-05-01"), post("en", lang="en", tags=["seo", "ux"]),
              post("rien", tags=["cuisine"])]
    found = related(me, [me, translation, *others], 10)
    assert [p.slug for p in found] == ["deux", "cat", "recent"]
    assert [p.slug for p in related(me, [me, *others], 1)] == ["deux"]


def test_an_edited_text_renders_again_the_posts_showing_its_card(tmp_path, monkeypatch):
    """`invoke serve`'s fast path: a related card shows the post's reading time, made from its text."""
    from publisher.preview.incremental import Refresh
    from test_incremental import Project, assert_same_trees, tree

    project = Project(tmp_path)
    monkeypatch.chdir(project.folder)
    project.preview.build()
    shown, showing = "strategie-editoriale-en-5-etapes", "linkedin-sans-s-epuiser/index.html"
    assert shown in related_slugs(built_page(project.output / showing))
    before = (project.output / showing).read_text(encoding="utf-8")

    report = project.rebuild(project.append(f"content/posts/fr/{shown}.md", "\n\n" + "Un mot de plus. " * 400 + "\n"))

    assert isinstance(report, Refresh), report
    assert showing in report.written
    assert (project.output / showing).read_text(encoding="utf-8") != before
    assert_same_trees(tree(project.output), project.full_build())


def built_page(path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
