"""Each language run keeps its own language's posts and pages; the others stay in Pelican's lists
of translations, pointing at the URL their own language's run gives them, unwritten."""

from . import checks

ARTICLE_GROUPS = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts", "drafts_translations")
PAGE_GROUPS = ("pages", "translations", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")


def keep_posts(generator, build, lang):
    """Before categories and tags are counted: keep this language's posts only."""
    if lang == build.primary:
        _index_languages(build, generator.articles + generator.translations)
    moved = _keep_language(generator, ARTICLE_GROUPS, "post", build, lang)
    generator.bilingual_untranslated = [item for item in moved["articles"] if not _has_version_in(item, lang)]


def keep_pages(generator, build, lang):
    _keep_language(generator, PAGE_GROUPS, "page", build, lang)


def _keep_language(generator, groups, kind, build, lang):
    """Check the collection, then keep the items of ``lang`` in each group (in
    place: Pelican's context holds these lists). Returns the others, by group."""
    checks.check_collection([item for group in groups for item in getattr(generator, group)], build, kind)
    moved = {}
    for group in groups:
        items = getattr(generator, group)
        kept, moved[group] = _split(items, lang, build)
        items[:] = kept
    return moved


def _index_languages(build, published):
    for item in published:
        index = build.index[item.lang]
        if getattr(item, "category", None):
            index.categories[item.category.name.casefold()] = item.category.name
        index.tags.update((tag.name.casefold(), tag.name) for tag in getattr(item, "tags", []))
        index.authors.update(author.name for author in getattr(item, "authors", []))


def _split(items, lang, build):
    """(items of this language, the others): the others link to their own site, unwritten."""
    kept, moved = [], []
    for item in items:
        if item.source_path in build.unwritten:
            item.override_save_as = ""
        if item.lang == lang:
            kept.append(item)
            continue
        if item.lang in build.languages:
            item.override_url = _url_in_own_site(item, build)
        item.override_save_as = ""
        moved.append(item)
    return kept, moved


def _url_in_own_site(item, build):
    """The URL ``item`` gets in the run of its own language, which writes it.

    This run's settings are those of another language: Pelican would give the
    item this language's prefix or its *_LANG_URL pattern. A URL line in the
    item's metadata is the one Pelican uses as it is in every run, so it wins
    over the pattern (else the links to the item lead to nothing).
    """
    own = item.metadata.get("url")
    if own is not None:
        return own
    return build.url_in(item.lang, _url_key(item), **item.url_format)


def _url_key(item):
    kind = type(item).__name__.upper()  # ARTICLE or PAGE
    if item.status == "draft":
        return "DRAFT_URL" if kind == "ARTICLE" else "DRAFT_PAGE_URL"
    return f"{kind}_URL"


def _has_version_in(item, lang):
    return any(t.lang == lang for t in item.translations)


def list_untranslated(generator, build, lang):
    """List the other language's untranslated posts too, with a badge."""
    listed = [item for item in generator.bilingual_untranslated if item.lang in build.languages and item.status == "published"]
    for item in listed:
        item.untranslated_from = item.lang
        build.listed_from_elsewhere[lang].add(item.url)
    for group in (generator.articles, generator.dates):
        group.extend(listed)
        group.sort(key=lambda item: item.date, reverse=True)


def keep_feed_language(feed, build, lang):
    """Feeds hold their own language only, even when lists show the other one; each names its
    language and its language's home (Pelican gives every feed the site's root as link and
    id, and feed readers that go by the id would merge the French and English feeds)."""
    foreign = build.listed_from_elsewhere[lang]
    if foreign:
        feed.items = [item for item in feed.items if not any(item["link"].endswith("/" + url) for url in foreign)]
    if feed.feed.get("id") == feed.feed["link"]:
        feed.feed["id"] = feed.feed["link"] + build.prefix(lang)
    feed.feed["link"] += build.prefix(lang)
    feed.feed["language"] = lang
