"""Where the page being written lives in the other languages.

One function serves the language switcher, the hreflang links and the
sitemaps, so the three never disagree. URLs are relative to SITEURL.
"""

from dataclasses import dataclass

from pelican.urlwrappers import Author, Category, Tag


@dataclass(frozen=True)
class Alternate:
    lang: str
    url: str
    exists: bool     # False: the page has no version here; url is that language's home
    current: bool


def own_url(context):
    """The URL of the page being written, from the file it is written to."""
    output_file = context.get("output_file", "")
    if output_file.endswith("index.html"):
        return output_file[: -len("index.html")]
    return output_file


def alternates(context, build, lang):
    """One Alternate per language of the site, for the page described by ``context``."""
    page = context.get("articles_page")
    # Page 3 of a list has no counterpart: the other language has other posts.
    found = {} if page is not None and page.number > 1 else _counterparts(context, build, lang)
    result = []
    for other in build.languages:
        if other == lang:
            result.append(Alternate(other, own_url(context), True, True))
        elif found.get(other) is not None:  # "" is the root's home
            result.append(Alternate(other, found[other], True, False))
        else:
            result.append(Alternate(other, build.prefix(other), False, False))
    return result


def _counterparts(context, build, lang):
    # Pelican does not tell templates which kind of page they render: the
    # variables it passes do. A post's page also gets its "category".
    content = context.get("article") or context.get("page")
    if content is not None:
        return {t.lang: t.url for t in getattr(content, "translations", []) if t.status == "published"}
    if context.get("tag") is not None:
        return _taxonomy_counterparts(build, lang, "tags", context["tag"], Tag, "TAG_URL", context)
    if context.get("category") is not None:
        return _taxonomy_counterparts(build, lang, "categories", context["category"], Category, "CATEGORY_URL", context)
    if context.get("author") is not None:
        author = context["author"]
        return {other: build.url_in(other, "AUTHOR_URL", **Author(author.name, context).as_dict())
                for other in build.languages if author.name in build.index[other].authors}
    # Lists every language has (home, archives...): same place under the other prefix.
    return _same_place(context, build, lang)


def _taxonomy_counterparts(build, lang, kind, item, wrapper, key, context):
    found = {}
    for other in build.languages:
        names = getattr(build.index[other], kind)  # casefolded -> as written
        name = item.name if other == lang else build.taxonomy.translate(kind, item.name, lang, other)
        if name is None:
            name = item.name  # the same word in both languages, e.g. "SEO"
        if name.casefold() in names:
            found[other] = build.url_in(other, key, **wrapper(names[name.casefold()], context).as_dict())
    return found


def _same_place(context, build, lang):
    url = context.get("url")
    if url is None:
        url = own_url(context)
    prefix = build.prefix(lang)
    if not url.startswith(prefix):
        return {}
    rest = url[len(prefix):]
    if rest.endswith("index.html"):
        rest = rest[: -len("index.html")]
    return {other: build.prefix(other) + rest for other in build.languages}
