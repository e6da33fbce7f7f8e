"""The settings layer (sitekit/settings.py) and the reference written from it (docs/settings.md)."""

import logging
import os

import pytest

from sitekit.settings import (CachePath, Choice, Flag, Invalid, Items, Number, Option, Schema, Section,
                              SettingsError, Text, Whole)
from publisher.settings_reference import COMMAND, DOC, declared_schemas, reference

EXAMPLE = Schema("EXAMPLE", {
    "on": Flag(True, "A switch."),
    "mode": Choice("a", "A mode.", ("a", "b")),
    "label": Text("x", "A label.", "{key} must be some text, e.g. 'x'"),
    "seconds": Number(5, "A delay.", "{key} must be a number of seconds above 0, e.g. 5"),
    "quality": Whole(80, "A quality.", "{key} must be a whole number from 1 to 95, not {value!r}", most=95),
    "workers": Whole(None, "Processes.", "{key} must be a whole number from 1, or None (got {value!r})",
                     when_none=lambda: 7),
    "widths": Items([2, 1], "Widths.", "{key} must list widths, not {value!r}",
                    each=lambda w: isinstance(w, int), finish=sorted),
    "file": CachePath("example.json", "A cache file.", "{key} must be a file path, None or False (got {value!r})"),
    "even": Option(2, "An even number.", "{key} must be even, not {value!r}", test=lambda n: n % 2 == 0),
    "half": Option(4, "Half of it is kept.", "{key} must be a whole number", check=lambda n, settings: n // 2),
    "inner": Section(Schema("EXAMPLE['inner']", {"depth": Whole(1, "How deep.", "{key} must be at least 1")},
                            example={"depth": 1}), "Options of their own."),
}, example={"on": False})


def test_docs_settings_md_is_what_the_schemas_say():
    assert DOC.read_text(encoding="utf-8") == reference(declared_schemas()), \
        f"docs/settings.md is stale: run `{COMMAND}` and commit the result"


def test_every_setting_dict_is_declared_once_and_every_key_is_documented():
    schemas = declared_schemas()
    names = [schema.name for schema, _ in schemas]
    assert len(names) == len(set(names))
    assert {"BILINGUAL", "COMMENTS", "DEPLOY", "MARKDOWN_CACHE", "MEDIA", "NEWSLETTER", "PARALLEL_RENDER",
            "POST_META", "SEARCH", "SOCIAL_CARDS"} <= set(names)
    for schema, _ in schemas:
        for key, option in schema.options.items():
            assert option.doc.strip() and "\n" not in option.doc, f"{schema.name}[{key!r}] needs a one-line doc"


def test_missing_keys_take_the_defaults_converted():
    config = EXAMPLE.load({"CACHE_PATH": "/tmp/c"})
    assert config == {"on": True, "mode": "a", "label": "x", "seconds": 5, "quality": 80, "workers": 7,
                      "widths": [1, 2], "file": "/tmp/c/example.json", "even": 2, "half": 2, "inner": {"depth": 1}}


def test_the_result_never_shares_a_default_or_a_given_value():
    given = {"inner": {"depth": 3}}
    config = EXAMPLE.load({"EXAMPLE": given})
    config["inner"]["depth"] = 9
    assert given == {"inner": {"depth": 3}} and EXAMPLE.load({})["inner"] == {"depth": 1}


def test_an_unknown_key_is_ignored_with_a_warning_naming_the_known_ones(caplog):
    with caplog.at_level(logging.WARNING):
        config = EXAMPLE.load({"EXAMPLE": {"mdoe": "b", "inner": {"dpeth": 2}}})
    assert "mdoe" not in config and config["mode"] == "a"
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["EXAMPLE: unknown key 'mdoe' ignored (known keys: on, mode, label, seconds, quality, "
                        "workers, widths, file, even, half, inner)",
                        "EXAMPLE['inner']: unknown key 'dpeth' ignored (known keys: depth)"]


@pytest.mark.parametrize("given", [["on"], "on", 3])
def test_a_value_that_is_not_a_dict_is_refused_with_an_example(given):
    with pytest.raises(SettingsError) as error:
        EXAMPLE.load({"EXAMPLE": given})
    assert str(error.value) == "EXAMPLE must be a dict, e.g. EXAMPLE = {'on': False}"


def test_none_is_refused_unless_a_false_value_means_the_defaults():
    with pytest.raises(SettingsError, match="EXAMPLE must be a dict"):
        EXAMPLE.load({"EXAMPLE": None})
    lenient = Schema("LENIENT", {"on": Flag(True, "A switch.")}, example={}, falsy_is_empty=True)
    assert lenient.load({"LENIENT": None}) == lenient.load({"LENIENT": []}) == {"on": True}


@pytest.mark.parametrize("given, message", [
    ({"on": "yes"}, "EXAMPLE['on'] must be True or False"),
    ({"mode": "c"}, "EXAMPLE['mode'] must be one of 'a', 'b', not 'c'"),
    ({"label": "  "}, "EXAMPLE['label'] must be some text, e.g. 'x'"),
    ({"seconds": True}, "EXAMPLE['seconds'] must be a number of seconds above 0, e.g. 5"),
    ({"seconds": 0}, "EXAMPLE['seconds'] must be a number of seconds above 0, e.g. 5"),
    ({"quality": 96}, "EXAMPLE['quality'] must be a whole number from 1 to 95, not 96"),
    ({"quality": 1.5}, "EXAMPLE['quality'] must be a whole number from 1 to 95, not 1.5"),
    ({"workers": 0}, "EXAMPLE['workers'] must be a whole number from 1, or None (got 0)"),
    ({"widths": [1, "2"]}, "EXAMPLE['widths'] must list widths, not [1, '2']"),
    ({"widths": 3}, "EXAMPLE['widths'] must list widths, not 3"),
    ({"file": ""}, "EXAMPLE['file'] must be a file path, None or False (got '')"),
    ({"even": 3}, "EXAMPLE['even'] must be even, not 3"),
    ({"inner": {"depth": 0}}, "EXAMPLE['inner']['depth'] must be at least 1"),
    ({"inner": 5}, "EXAMPLE['inner'] must be a dict, e.g. EXAMPLE['inner'] = {'depth': 1}"),
])
def test_each_kind_of_option_names_the_key_and_what_to_write(given, message):
    with pytest.raises(SettingsError) as error:
        EXAMPLE.load({"EXAMPLE": given})
    assert str(error.value) == message


def test_a_cache_path_is_made_absolute_or_turned_off(tmp_path):
    assert EXAMPLE.load({"EXAMPLE": {"file": False}})["file"] is None
    assert EXAMPLE.load({"EXAMPLE": {"file": "here.json"}})["file"] == os.path.abspath("here.json")
    assert EXAMPLE.load({})["file"] == os.path.abspath(os.path.join("cache", "example.json"))


def test_a_check_can_say_more_than_the_options_error():
    def exists(value, settings):
        raise Invalid("{key}: {path} is not there (not {value!r})", path="/{x}")

    schema = Schema("S", {"font": Option("a", "A file.", check=exists)}, example={})
    with pytest.raises(SettingsError) as error:
        schema.load({"S": {"font": "b"}})
    assert str(error.value) == "S['font']: /{x} is not there (not 'b')"
