"""The build of every language as this plugin runs it: the core's Build, with the theme's
catalogues, French typesetting and the link check."""

from sitekit.build_context import Build

from . import checks
from .catalogue import load_translations
from .typeset_cache import TypesetCache


class BilingualBuild(Build):
    def __init__(self, config, base_patterns, content_path, typeset_cache=None):
        self._typeset = TypesetCache(typeset_cache)  # kept across rebuilds, like the file it reads
        super().__init__(config, base_patterns, content_path)

    def reset(self):
        super().reset()
        self._translations = {}
        self._typeset.start()

    def typeset(self, html):
        """French spacing of an HTML fragment, computed once per version of the fragment: every
        language run reads every post, and most posts have not changed since the last build."""
        return self._typeset.typeset(html)

    def save_caches(self):
        self._typeset.save()

    def check_links(self, output_dir, pages, siteurl):
        """`invoke serve` checks the pages it rendered again after an edit."""
        checks.check_links(output_dir, pages, siteurl, self.problems)

    def translations(self, lang):
        """Compiled once per build."""
        if lang not in self._translations:
            self._translations[lang] = load_translations(self.config["catalogue_dir"], lang)
        return self._translations[lang]
