"""Where a redirect's target lives in this build: its URL (relative to SITEURL) and language."""

import os
from dataclasses import dataclass

from pelican.urlwrappers import Category, Tag

KINDS = {"category": ("categories", Category, "CATEGORY_URL"), "tag": ("tags", Tag, "TAG_URL")}
HOW_TO_FIX = ("write a file under content/ (\"posts/fr/my-post.md\"), \"category:<slug>\", "
              "\"tag:<slug>\" or \"feed:<lang>\", or remove the line")


@dataclass(frozen=True)
class Target:
    url: str    # relative to SITEURL, e.g. "en/my-post/"
    lang: str   # the language of the page it leads to


class Resolver:
    def __init__(self, build, settings):
        self.build = build
        self.settings = settings
        self.content = os.path.abspath(settings["PATH"])
        self.by_source = {}  # absolute source path -> Target, for every published page written
        for lang, written in build.written.items():
            for page in written:
                if page.source:
                    self.by_source.setdefault(os.path.abspath(page.source), Target(page.url, lang))

    def resolve(self, target, old=""):
        """The Target of the old address ``old``, or the message saying what is wrong and what to do
        (a str)."""
        kind, colon, rest = target.partition(":")
        if colon and kind in KINDS:
            return self.taxonomy(kind, rest.strip(), self.language_of(old))
        if colon and kind == "feed":
            return self.feed(rest.strip())
        return self.source(target)

    def source(self, target):
        path = os.path.abspath(os.path.join(self.content, target))
        found = self.by_source.get(path)
        if found is not None:
            return found
        if not os.path.isfile(path):
            return (f"leads to {target}, which is not a file under content/ "
                    f"(moved or renamed?); {HOW_TO_FIX}")
        return f"leads to {target}, which is not published (a draft or hidden?); publish it or remove the line"

    def language_of(self, old):
        """The language whose folder an old address is in ("/en/tag/x/": en), else the first one."""
        path = old.lstrip("/")
        for lang in self.build.languages:
            prefix = self.build.prefix(lang)
            if prefix and path.startswith(prefix):
                return lang
        return self.build.primary

    def taxonomy(self, kind, slug, lang_first):
        """The category or tag page of ``slug``: in the old address's language when it has one there
        (a bilingual blog's /en/category/strategy/ leads to the English page), else the first built."""
        kind_plural, wrapper, url_key = KINDS[kind]
        for lang in sorted(self.build.languages, key=lambda code: code != lang_first):
            for name in getattr(self.build.index[lang], kind_plural).values():
                item = wrapper(name, self.settings)
                if slug in (item.slug, self.build.taxonomy.key_for(kind_plural, name, lang)):
                    return Target(self.build.url_in(lang, url_key, **item.as_dict()), lang)
        return (f"leads to {kind}:{slug}, but no {kind} page of that slug was built in any language; "
                f"use the slug of a {kind} of content/data/taxonomy.toml that has posts, or remove the line")

    def feed(self, lang):
        if lang not in self.build.languages:
            return (f"leads to feed:{lang}, but {lang!r} is not a language of this site "
                    f"({', '.join(self.build.languages)}); write one of them")
        key = "FEED_ATOM" if self.build.base_patterns.get("FEED_ATOM") else "FEED_RSS"
        url = self.build.url_in(lang, key)
        if not url:
            return f"leads to feed:{lang}, but the site writes no feed (FEED_ATOM and FEED_RSS are off)"
        return Target(url, lang)
