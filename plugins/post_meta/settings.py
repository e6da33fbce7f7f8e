"""The POST_META setting: defaults and validation."""

from sitekit.settings import Option, Schema, Whole

POST_META = Schema("POST_META", {
    "authors_file": Option("data/authors.toml", "Authors' profiles (photo, bio per language, links), relative to PATH.",
                           kind="path"),
    "words_per_minute": Whole(220, "Reading speed used for \"5 min read\".",
                              "{key} must be a positive whole number, not {value!r}"),
}, example={"words_per_minute": 220})
load = POST_META.load
