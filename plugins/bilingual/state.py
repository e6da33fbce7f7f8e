"""What one build of every language shares: settings, problems, what exists where."""

import os
from collections import defaultdict
from dataclasses import dataclass, field

from .problems import Problems
from .taxonomy import Taxonomy


@dataclass
class LanguageIndex:
    """What one language's site holds, for links from the other languages."""

    categories: set = field(default_factory=set)
    tags: set = field(default_factory=set)
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

    def __init__(self, config, base_patterns, content_path, taxonomy=None):
        self.config = config
        self.base_patterns = base_patterns
        self.content_path = content_path
        self.taxonomy = taxonomy or Taxonomy()
        self.reset()

    def reset(self):
        self.problems = Problems()
        self.index = defaultdict(LanguageIndex)
        self.written = defaultdict(list)
        self.foreign_urls = set()
        self.started_languages = []

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

    def relative_path(self, path):
        """A path as the author sees it: relative to the working folder when inside it."""
        if not path:
            return str(path)
        relative = os.path.relpath(path)
        return path if relative.startswith("..") else relative
