"""Conversions kept by content: in memory, in the cache file, and made ahead in parallel."""

import functools
import hashlib
import importlib.metadata
import json
import logging
import os
from fnmatch import fnmatch

import markdown
from markdown import Markdown

from sitekit.cache_file import CacheFile
from sitekit.workers import in_workers

logger = logging.getLogger(__name__)

FORMAT = 1


# Called by extensions that highlight code (codehilite, fenced code with it): its releases change the HTML.
ALWAYS_USED = ("markdown", "pygments")


def fingerprint(markdown_config):
    """What, besides the text, decides a conversion: the MARKDOWN setting and the version of every
    package that converts (Markdown, each configured extension's package, Pygments)."""
    return json.dumps({"markdown": markdown.__version__, "packages": package_versions(markdown_config),
                       "config": markdown_config, "format": FORMAT}, sort_keys=True, default=repr)


def package_versions(markdown_config):
    """{distribution: version} of the packages the configured extensions come from."""
    versions = {}
    for module in sorted(set(ALWAYS_USED) | _extension_modules(markdown_config)):
        versions.update(_distributions_of(module))
    return versions


def _extension_modules(markdown_config):
    """The top-level modules of the extensions MARKDOWN names ("pymdownx.tilde" -> "pymdownx"),
    or of the extension objects it holds."""
    named = list((markdown_config or {}).get("extension_configs", {})) + list((markdown_config or {}).get("extensions", []))
    modules = set()
    for extension in named:
        dotted = extension if isinstance(extension, str) else type(extension).__module__
        modules.add(dotted.split(":")[0].split(".")[0])
    return modules


@functools.cache
def _distributions_of(module):
    """{distribution: version} of the installed distributions holding ``module`` (none for a
    module of the project or the standard library). Looked up once per process: the full
    table of installed packages takes about 60 ms to read."""
    try:
        return {module: importlib.metadata.version(module)}   # the usual case: named as its module
    except importlib.metadata.PackageNotFoundError:
        pass
    names = importlib.metadata.packages_distributions().get(module, [])
    return {name: importlib.metadata.version(name) for name in names}


class ConversionCache:
    """key -> [html, Meta or None]; the key hashes the fingerprint, the text and whether the
    front matter is read (Pelican converts Summary-like fields without it)."""

    def __init__(self, path, fingerprint):
        self.fingerprint = fingerprint
        self._file = CacheFile(path, fingerprint, "converting every file again")
        self.entries = self._file.read()
        self.kept = set()      # keys this build used or made: the next file holds these
        self.hits = self.misses = 0
        self.converted_ahead = 0

    def key(self, text, with_meta):
        digest = hashlib.sha256(self.fingerprint.encode("utf-8"))
        digest.update(b"\0meta\0" if with_meta else b"\0body\0")
        digest.update(text.encode("utf-8"))
        return digest.hexdigest()

    def get(self, key):
        entry = self.entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self.kept.add(key)
        return entry

    def put(self, key, html, meta):
        self.entries[key] = [html, meta]
        self.kept.add(key)

    def save(self):
        """Write the entries this build used, if they differ from the file's."""
        self._file.keep(self.entries, self.kept)


def markdown_files(root, extensions, ignore):
    """Every Markdown file under ``root``, skipping what Pelican's IGNORE_FILES skips."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not _ignored(name, ignore))
        found += [os.path.join(folder, name) for name in sorted(names)
                  if name.rsplit(".", 1)[-1] in extensions and not _ignored(name, ignore)]
    return found


def _ignored(name, patterns):
    return any(fnmatch(name, pattern) for pattern in patterns)


def convert_ahead(cache, texts, markdown_config, formatted_fields, workers, parallel_from):
    """Convert the texts the cache lacks, as Pelican's reader will ask: each body with its
    front matter, then each formatted field (Summary) without. Returns how many were converted."""
    todo = [text for text in dict.fromkeys(texts) if cache.key(text, True) not in cache.entries]
    convert = functools.partial(_convert_all, markdown_config=markdown_config, formatted_fields=formatted_fields)
    for conversions in in_workers(convert, todo, workers if len(todo) >= parallel_from else 1):
        for text, with_meta, html, meta in conversions:
            cache.put(cache.key(text, with_meta), html, meta)
    cache.converted_ahead += len(todo)
    # Files the cache already had are part of this build too: keep them in the next file.
    cache.kept.update(cache.key(text, True) for text in texts)
    return len(todo)


def _convert_all(texts, markdown_config, formatted_fields):
    return [conversion for text in texts for conversion in _convert(text, markdown_config, formatted_fields)]


def _convert(text, markdown_config, formatted_fields):
    """The conversions MarkdownReader.read makes of one file, in its order."""
    md = Markdown(**markdown_config)
    html = md.convert(text)
    meta = getattr(md, "Meta", {})
    conversions = [(text, True, html, meta)]
    md.preprocessors.deregister("meta")
    for name, value in meta.items():
        if name.lower() in formatted_fields:
            joined = "\n".join(value)
            md.reset()
            conversions.append((joined, False, md.convert(joined), None))
    return conversions
