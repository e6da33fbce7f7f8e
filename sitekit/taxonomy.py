"""Category and tag names across languages, from one TOML data file.

The file maps a shared key to the name shown in each language::

    [categories.strategie]
    fr = "Stratégie"
    en = "Strategy"

Authors write the name of their own language in ``Category:`` and ``Tags:``;
the key links the French and English pages of the same category or tag.
An entry may add a ``description`` per language, shown under the heading of
the category's or tag's page::

    description.fr = "Trouver quoi publier, pour qui et à quel rythme."
    description.en = "Deciding what to publish, for whom and how often."
"""

import logging
import tomllib
from pathlib import Path

from .typography import french_text

logger = logging.getLogger(__name__)

KINDS = ("categories", "tags")
DESCRIPTION = "description"  # the one key of an entry that is not a language


class TaxonomyError(ValueError):
    """The taxonomy file cannot be read; the message names the file and the entry."""


class Taxonomy:
    def __init__(self, entries=None, source="(none)", present=True):
        self.source = source
        self.present = present  # without the file, any name goes (and is not linked across languages)
        self._names = {kind: {} for kind in KINDS}
        self._descriptions = {kind: {} for kind in KINDS}  # key -> {language: text}
        for kind in KINDS:
            for key, names in (entries or {}).get(kind, {}).items():
                names = dict(names)
                self._descriptions[kind][key] = dict(names.pop(DESCRIPTION, {}))
                self._names[kind][key] = names
        self._keys = {kind: {} for kind in KINDS}
        for kind, table in self._names.items():
            for key, names in table.items():
                for lang, name in names.items():
                    self._keys[kind][(lang, name.casefold())] = key

    @classmethod
    def load(cls, path):
        path = Path(path)
        if not path.exists():
            logger.warning("%s: taxonomy file not found; categories and tags will not be linked across languages", path)
            return cls(source=str(path), present=False)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise TaxonomyError(f"{path}: not valid TOML ({exc}); fix the file or remove it") from None
        for kind in sorted(set(data) - set(KINDS)):
            logger.warning("%s: unknown table [%s] ignored (known: %s)", path, kind, ", ".join(KINDS))
        for kind in KINDS:
            if not isinstance(data.get(kind, {}), dict):
                raise TaxonomyError(f"{path}: {kind} must be a table of entries, e.g. [{kind}.my-key]")
            for key, names in data.get(kind, {}).items():
                if not isinstance(names, dict) or not all(
                        isinstance(v, str) for k, v in names.items() if k != DESCRIPTION):
                    raise TaxonomyError(f'{path}: [{kind}.{key}] must map language codes to names, e.g. fr = "..."')
                described = names.get(DESCRIPTION, {})
                if not isinstance(described, dict) or not all(isinstance(v, str) for v in described.values()):
                    raise TaxonomyError(f'{path}: [{kind}.{key}] description must map language codes to texts, '
                                        f'e.g. description.fr = "..."')
        return cls(data, source=str(path))

    def key_for(self, kind, name, lang):
        return self._keys[kind].get((lang, str(name).casefold()))

    def names(self, kind, lang):
        """Every name of ``kind`` ("categories" or "tags") written for ``lang``, by key."""
        return {key: names[lang] for key, names in self._names[kind].items() if lang in names}

    def entries(self, kind):
        """Each entry's names by language, in the file's order."""
        return list(self._names[kind].values())

    def keys(self, kind):
        return set(self._names[kind])

    def description(self, kind, name, lang):
        """The ``lang`` description of the category or tag named ``name`` in ``lang``, or ""
        (French text gets its no-break spaces, as posts do)."""
        key = self.key_for(kind, name, lang)
        text = "" if key is None else self._descriptions[kind][key].get(lang, "").strip()
        return french_text(text) if text and lang.startswith("fr") else text

    def translate(self, kind, name, from_lang, to_lang):
        """The name in ``to_lang`` of a category or tag named ``name`` in ``from_lang``."""
        key = self.key_for(kind, name, from_lang)
        if key is None:
            return None
        return self._names[kind][key].get(to_lang)
