"""schema.org data of a post (BlogPosting) or of a newsletter issue's page (Article), as JSON
for a <script type="application/ld+json">."""

import json
import re

from markupsafe import Markup

from .authors import profile_for

TAG = re.compile(r"<[^>]+>")


def _plain(html):
    return " ".join(TAG.sub(" ", str(html or "")).split())


def _absolute(siteurl, path):
    return f"{siteurl.rstrip('/')}/{path}" if path else None


def blogposting(article, siteurl, profiles):
    data = _creative_work("BlogPosting", article, siteurl, profiles,
                          keywords=[tag.name for tag in getattr(article, "tags", [])])
    if getattr(article, "category", None):
        data["articleSection"] = article.category.name
    return _as_json(data)


def issue_article(page, siteurl, profiles, description, newsletter, publisher):
    """An issue's page: ``newsletter`` and ``publisher`` are (name, path relative to SITEURL),
    the newsletter's archive and the site's home in the page's language."""
    return _as_json(_creative_work(
        "Article", page, siteurl, profiles,
        description=_plain(description) or _plain(getattr(page, "summary", "")),
        isPartOf={"@type": "Periodical", "name": _plain(newsletter[0]), "url": _absolute(siteurl, newsletter[1])},
        # A home page's path is "" in the main language: the site's address then ends with "/".
        publisher={"@type": "Organization", "name": _plain(publisher[0]), "url": f"{siteurl.rstrip('/')}/{publisher[1]}"},
    ))


def _creative_work(kind, item, siteurl, profiles, **fields):
    """What posts and issues share (headline, language, dates, address, authors), ``fields``, then the image."""
    data = {
        "@context": "https://schema.org",
        "@type": kind,
        "headline": _plain(item.title),
        "description": _plain(getattr(item, "summary", "")),
        "inLanguage": item.lang,
        "datePublished": item.date.isoformat(),
        "dateModified": (getattr(item, "modified", None) or item.date).isoformat(),
        "url": _absolute(siteurl, item.url),
        "mainEntityOfPage": _absolute(siteurl, item.url),
        "author": [_person(author, item, siteurl, profiles) for author in getattr(item, "authors", [])],
    }
    data.update(fields)
    cover = (getattr(item, "cover", None) or {}).get("url")
    image = getattr(item, "social_image_url", None) or _absolute(siteurl, cover)
    if image:
        data["image"] = image
    return data


def _as_json(data):
    # "</" would end the <script> element early: JSON allows "<\/" instead.
    return Markup(json.dumps({k: v for k, v in data.items() if v}, ensure_ascii=False, indent=1).replace("</", "<\\/"))


def _person(author, article, siteurl, profiles):
    person = {"@type": "Person", "name": author.name, "url": _absolute(siteurl, author.url)}
    profile = profile_for(profiles, author)
    shown = profile.in_language(article.lang) if profile else {}
    title = getattr(article, "guest_title", None) or shown.get("title")
    organisation = getattr(article, "guest_organisation", None) or shown.get("organisation")
    if title:
        person["jobTitle"] = _plain(title)
    if organisation:
        person["worksFor"] = {"@type": "Organization", "name": _plain(organisation)}
    return person
