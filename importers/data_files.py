"""The data files an import adds to, never changing what is there: the taxonomy's categories
and tags, the authors, and the import's manifest (content/data/imports.toml: per item of an
export, the file written and the SHA-256 of its bytes).

Entries are appended as text after the file's own, so its comments and layout stay; each
result is read back as TOML before it is written, so a writer bug cannot leave a file the
build cannot read.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sitekit.content import pelican_slug, slugify

from .model import ImporterError

MANIFEST = "data/imports.toml"
AUTHORS = "data/authors.toml"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def fold(value):
    """A header value on one line: a newline would end the field and start the text."""
    return " ".join(str(value).split())


class TermNames:
    """The name of each of the export's categories and tags in each language, and the entries to append.

    An export's term joins the site's entry of the same key, or of the same name in
    one language; else it is a new entry, named in every language of the site (a
    language the export does not name takes the name it has), so every post's
    Category and Tags lines are names the build knows.
    """

    def __init__(self, export, site, report):
        self.site, self.export = site, export
        self.path = site.taxonomy_file
        self.present = self.path.exists()
        self.text = self.path.read_text(encoding="utf-8") if self.present else ""
        data = tomllib.loads(self.text) if self.present else {}
        self.entries = {kind: {key: _names(entry) for key, entry in data.get(kind, {}).items()}
                        for kind in ("categories", "tags")}
        self.new = {"categories": {}, "tags": {}}
        self.chosen = {"categories": {}, "tags": {}}  # export slug -> key
        for kind in ("categories", "tags"):
            for slug, entry in getattr(export, kind).items():
                self._place(kind, slug, entry)

    def _place(self, kind, slug, entry):
        names = {lang: _term_name(kind, name) for lang, name in _names(entry).items() if _term_name(kind, name)}
        if not names:
            names = {self.site.languages[0]: _term_name(kind, slug)}
        key = self._existing_key(kind, slug, names)
        if key is None:
            key = slug if _BARE_KEY.match(slug or "") else slugify(slug) or slugify(next(iter(names.values())))
            filled = {}
            for lang in self.site.languages:
                name = names.get(lang) or next(iter(names.values()))
                if self._key_of(kind, name, lang) is None:
                    filled[lang] = name
            descriptions = entry.get("description") if isinstance(entry.get("description"), dict) else {}
            self.entries[kind][key] = filled
            self.new[kind][key] = (filled, {k: fold(v) for k, v in descriptions.items() if isinstance(v, str)})
        self.chosen[kind][slug] = key

    def _existing_key(self, kind, slug, names):
        if slug in self.entries[kind]:
            return slug
        for lang, name in names.items():
            key = self._key_of(kind, name, lang)
            if key is not None:
                return key
        return None

    def _key_of(self, kind, name, lang):
        folded = name.casefold()
        return next((key for key, names in self.entries[kind].items()
                     if names.get(lang, "").casefold() == folded), None)

    def name(self, kind, slug, lang):
        """The name a post in ``lang`` writes for the export's term ``slug``."""
        if not slug:
            return None
        if slug not in self.chosen[kind]:
            self._place(kind, slug, {})
        names = self.entries[kind][self.chosen[kind][slug]]
        return names.get(lang) or next(iter(names.values()), None)

    def appended_text(self):
        """The taxonomy file with the new entries at its end; None when there are none or no file."""
        if not self.present or not any(self.new.values()):
            return None
        lines = [f"\n# --- Added by `invoke import {self.export.format}` ({self.export.path.name}) ---\n"]
        for kind in ("categories", "tags"):
            for key, (names, descriptions) in self.new[kind].items():
                lines.append(f"\n[{kind}.{_toml_key(key)}]\n")
                lines += [f"{_toml_key(lang)} = {_toml_string(name)}\n" for lang, name in names.items()]
                lines += [f"description.{_toml_key(lang)} = {_toml_string(text)}\n"
                          for lang, text in descriptions.items() if text]
        return _checked(self.path, _ending(self.text) + "".join(lines))


class AuthorNames:
    """Each export author's name, and the profiles to append to authors.toml (keyed by the name's slug)."""

    def __init__(self, export, site):
        self.export, self.site = export, site
        self.path = site.content / AUTHORS
        self.text = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
        existing = tomllib.loads(self.text) if self.text else {}
        self.names, self.new = {}, {}
        for slug, info in export.authors.items():
            name = fold((info or {}).get("name") or slug)
            self.names[slug] = name
            key = pelican_slug(name, site.settings)
            if key and key not in existing and key not in self.new:
                self.new[key] = _profile(name, info or {})

    def name(self, slug):
        return self.names.get(slug, slug) if slug else None

    def appended_text(self):
        if not self.new:
            return None
        lines = [f"\n# --- Added by `invoke import {self.export.format}` ({self.export.path.name}) ---\n"]
        for key, profile in self.new.items():
            lines.append(f"\n[{_toml_key(key)}]\nname = {_toml_string(profile['name'])}\n")
            if profile.get("links"):
                links = ", ".join(f"{{ label = {_toml_string(link['label'])}, url = {_toml_string(link['url'])} }}"
                                  for link in profile["links"])
                lines.append(f"links = [{links}]\n")
            for table in ("bio", "title", "organisation"):
                if profile.get(table):
                    lines.append(f"\n[{_toml_key(key)}.{table}]\n")
                    lines += [f"{_toml_key(lang)} = {_toml_string(text)}\n" for lang, text in profile[table].items()]
        return _checked(self.path, _ending(self.text) + "".join(lines))


def _profile(name, info):
    """Only what a profile shows (no address, no login): name, links, and texts per language."""
    profile = {"name": name}
    links = [link for link in info.get("links", []) if isinstance(link, dict)
             and isinstance(link.get("label"), str) and isinstance(link.get("url"), str)]
    if links:
        profile["links"] = links
    for table in ("bio", "title", "organisation"):
        texts = info.get(table)
        if isinstance(texts, dict):
            profile[table] = {lang: fold(text) for lang, text in texts.items()
                              if isinstance(text, str) and text.strip()}
    return profile


def _names(entry):
    return {lang: name for lang, name in (entry or {}).items() if lang != "description" and isinstance(name, str)}


def _term_name(kind, name):
    """A name as a header line can hold it: one line, and no comma in a tag (commas separate tags)."""
    name = fold(name or "")
    return fold(name.replace(",", " ")) if kind == "tags" else name


def _ending(text):
    return text if not text or text.endswith("\n") else text + "\n"


def _checked(path, text):
    tomllib.loads(text)  # a writer bug must not leave a file the build cannot read
    return text


def _toml_string(text):
    # json.dumps escapes quotes, backslashes and control characters as TOML's basic strings do,
    # except DEL, which TOML wants escaped too.
    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key):
    return key if _BARE_KEY.match(key) else _toml_string(key)


# --- The manifest ----------------------------------------------------------------------------------

@dataclass
class Manifest:
    items: dict = field(default_factory=dict)   # source_id -> {"path": …, "sha256": …}
    media: dict = field(default_factory=dict)   # target -> {"sha256": …}

    @classmethod
    def load(cls, path):
        if not Path(path).exists():
            return cls()
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ImporterError(f"{path}: not valid TOML ({exc}); fix it, or remove it to import everything anew")
        return cls(dict(data.get("items", {})), dict(data.get("media", {})))

    def text(self):
        lines = ["# What `invoke import` wrote: per item of an export, the file and the SHA-256 of its bytes\n",
                 "# (per media file too). A file whose bytes differ was edited since: a new import leaves it\n",
                 "# alone unless given --force. Commit it with the content.\n"]
        for source_id in sorted(self.items):
            entry = self.items[source_id]
            lines.append(f"\n[items.{_toml_string(source_id)}]\npath = {_toml_string(entry['path'])}\n"
                         f"sha256 = {_toml_string(entry['sha256'])}\n")
            if isinstance(entry.get("issue"), int):
                lines.append(f"issue = {entry['issue']}\n")
        for target in sorted(self.media):
            lines.append(f"\n[media.{_toml_string(target)}]\nsha256 = {_toml_string(self.media[target]['sha256'])}\n")
        return "".join(lines)
