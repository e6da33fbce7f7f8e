"""Pelican's Markdown reader, its conversions looked up in the cache first."""

import copy

from markdown import Markdown
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from sitekit.build_context import state_of

from .cache import ConversionCache


class CachingMarkdown(Markdown):
    def __init__(self, cache, **config):
        super().__init__(**config)
        self._cache = cache

    def convert(self, source):
        with_meta = "meta" in self.preprocessors
        key = self._cache.key(source, with_meta)
        entry = self._cache.get(key)
        if entry is None:
            html = super().convert(source)
            self._cache.put(key, html, copy.deepcopy(self.Meta) if with_meta else None)
            return html
        html, meta = entry
        if with_meta:
            self.Meta = copy.deepcopy(meta)
        return html


# Python-Markdown's meta extension registers its preprocessor at this priority.
META_PRIORITY = 27


class CachingMarkdownReader(MarkdownReader):
    """Reads with one Markdown per reader, reset between files: setting up a Markdown and
    its extensions costs more than reading a file whose conversion is in the cache."""

    def read(self, source_path):
        # MarkdownReader.read, with a Markdown that looks its conversions up.
        self._source_path = source_path
        self._md = self._markdown()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return content, metadata

    def _markdown(self):
        md = self.__dict__.get("_reused")
        if md is None:
            return self._new_markdown()
        md.reset()
        # MarkdownReader._parse_metadata took the front-matter preprocessor out: put it back.
        if "meta" not in md.preprocessors:
            md.preprocessors.register(self._meta_preprocessor, "meta", META_PRIORITY)
        if list(md.preprocessors) != self._preprocessors:
            # Another Markdown version ordering them otherwise: a new Markdown per file, as Pelican does.
            self._reused = None
            return self._new_markdown()
        return md

    def _new_markdown(self):
        md = CachingMarkdown(state_of(self.settings, ConversionCache), **self.settings["MARKDOWN"])
        if "meta" in md.preprocessors and "_reused" not in self.__dict__:
            self._reused = md
            self._meta_preprocessor = md.preprocessors["meta"]
            self._preprocessors = list(md.preprocessors)
        return md
