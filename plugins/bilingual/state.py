"""What one build of every language shares: settings, problems, what exists where."""

import os
from collections import defaultdict
from dataclasses import dataclass, field

from . import checks
from .catalogue import load_translations
from .problems import Problems
from .taxonomy import Taxonomy
from .typeset_cache import TypesetCache


@dataclass
class LanguageIndex:
    """What one language's site holds, for links from the other languages.

    Categories and tags map their casefolded name to the name as written,
    since authors may write "strategy" in one post and "Strategy" in another.
    """

    categories: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    authors: set = field(default_factory=set)


@dataclass
class WrittenPage:
    path: str          # relative to the output folder
    url: str           # relative to SITEURL
    source: str | None  # source file, when the page renders one
    alternates: list
    lastmod: object = None


class Build:
    """State of one build across all its language runs; reset for each rebuild."""

    def __init__(self, config, base_patterns, content_path, typeset_cache=None):
        self.config = config
        self.base_patterns = base_patterns
        self.content_path = content_path
        self._typeset = TypesetCache(typeset_cache)  # kept across rebuilds, like the file it reads
        self.reset()

    def reset(self):
        """Start a build afresh (each rebuild of `invoke serve` calls this)."""
        self.taxonomy = Taxonomy.load(os.path.join(self.content_path, self.config["taxonomy_file"]))
        self.problems = Problems()
        self.index = defaultdict(LanguageIndex)
        self.written = defaultdict(list)
        self.listed_from_elsewhere = defaultdict(set)  # language -> URLs of other languages' posts
        self.unwritten = set()  # source paths never to write (a duplicate slug...)
        self._translations = {}
        self._typeset.start()

    def typeset(self, html):
        """French spacing of an HTML fragment, computed once per version of the fragment: every
        language run reads every post, and most posts have not changed since the last build."""
        return self._typeset.typeset(html)

    def save_caches(self):
        self._typeset.save()

    def check_links(self, output_dir, pages, siteurl):
        """Check the links of some built ``pages`` (each with .path and .source) into this build's problems:
        `invoke serve` checks the pages it rendered again after an edit."""
        checks.check_links(output_dir, pages, siteurl, self.problems)

    def translations(self, lang):
        """The theme's gettext catalogue of ``lang``, compiled once per build."""
        if lang not in self._translations:
            self._translations[lang] = load_translations(self.config["catalogue_dir"], lang)
        return self._translations[lang]

    @property
    def languages(self):
        return self.config["languages"]

    @property
    def primary(self):
        return self.languages[0]

    def prefix(self, lang):
        return self.config["paths"][lang]

    def url_in(self, site_lang, key, **values):
        """URL of a pattern (e.g. CATEGORY_URL) in the site of ``site_lang``."""
        pattern = self.base_patterns.get(key)
        if pattern is None:
            return None
        return self.prefix(site_lang) + pattern.format(**values)

    def reserved_folders(self):
        """First folders of the site's own URLs (en, archives, tag...), which a post's slug would clash with."""
        folders = {self.prefix(lang).strip("/") for lang in self.languages}
        for pattern in self.base_patterns.values():
            if pattern and "/" in pattern and not pattern.startswith("{"):
                folders.add(pattern.split("/", 1)[0])
        for name in ("archives", "tags", "categories", "authors"):
            folders.add(name)
        return folders - {""}

    def relative_path(self, path):
        """A path as the author sees it: relative to the working folder when inside it."""
        if not path:
            return str(path)
        relative = os.path.relpath(path)
        return path if relative.startswith("..") else relative
