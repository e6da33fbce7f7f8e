"""Pelican's Markdown reader, its conversions looked up in the cache first."""

import copy

from markdown import Markdown
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from .settings import STATE_KEY


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


class CachingMarkdownReader(MarkdownReader):
    def read(self, source_path):
        # MarkdownReader.read, with a Markdown that looks its conversions up.
        self._source_path = source_path
        self._md = CachingMarkdown(self.settings[STATE_KEY], **self.settings["MARKDOWN"])
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return content, metadata
