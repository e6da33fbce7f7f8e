"""schema.org BlogPosting data of a post, as JSON for a <script type="application/ld+json">."""

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
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": _plain(article.title),
        "description": _plain(getattr(article, "summary", "")),
        "inLanguage": article.lang,
        "datePublished": article.date.isoformat(),
        "dateModified": (getattr(article, "modified", None) or article.date).isoformat(),
        "url": _absolute(siteurl, article.url),
        "mainEntityOfPage": _absolute(siteurl, article.url),
        "author": [_person(author, article, siteurl, profiles) for author in getattr(article, "authors", [])],
        "keywords": [tag.name for tag in getattr(article, "tags", [])],
    }
    cover = (getattr(article, "cover", None) or {}).get("url")
    image = getattr(article, "social_image_url", None) or _absolute(siteurl, cover)
    if image:
        data["image"] = image
    if getattr(article, "category", None):
        data["articleSection"] = article.category.name
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
