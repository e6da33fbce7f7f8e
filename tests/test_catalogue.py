"""The theme's strings: all in the gettext catalogue, all translated, placeholders kept."""

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conftest import ROOT

CATALOGUES = ROOT / "theme/translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def template_strings():
    method_map = [("theme/templates/**.html", "jinja2.ext.babel_extract")]
    options = {"theme/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}}
    return {message for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, options)}


def catalogue(lang):
    with open(CATALOGUES / lang / "LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def test_templates_have_strings_to_translate():
    assert len(template_strings()) >= 20


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_template_string_is_in_the_catalogue(lang):
    ids = {message.id for message in catalogue(lang) if message.id}
    missing = template_strings() - ids
    assert not missing, f"run `invoke i18n-extract`, then translate: {sorted(missing)}"


def test_every_french_string_is_translated_with_its_placeholders():
    for message in catalogue("fr"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"
        # Plural forms: each translation keeps the placeholders of the plural msgid.
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(ids[-1])), message.id
