"""The ``MEDIA`` setting: defaults and validation, checked once when Pelican starts."""

from sitekit.settings import Flag, Items, Option, Schema, Text, Whole


def _is_folder_name(folder):
    return (isinstance(folder, str) and folder.strip() != "" and not any(c in folder for c in "/\\")
            and folder not in (".", ".."))


MEDIA = Schema("MEDIA", {
    "widths": Items([480, 800, 1200], "Widths (in pixels) of the resized copies offered in srcset; only those "
                                      "smaller than the original are made.",
                    "{key} must list widths in pixels, e.g. [480, 800, 1200], not {value!r}",
                    each=lambda w: isinstance(w, int) and not isinstance(w, bool) and w > 0,
                    finish=lambda widths: sorted(set(widths))),
    "sizes": Text("(min-width: 48rem) 44rem, 100vw", "How wide the image shows, for the browser to pick a copy: "
                                                     "the text column is 44rem wide from 48rem screens up.",
                  "{key} must be a sizes attribute, e.g. '(min-width: 48rem) 44rem, 100vw'"),
    "quality": Whole(82, "JPEG and WebP quality of the resized copies (PNG is lossless).",
                     "{key} must be a whole number from 1 to 95, not {value!r}", most=95),
    "folder": Option("_w", "Folder, next to each original, that holds its resized copies.",
                     "{key} must be one folder name such as '_w', not {value!r}", test=_is_folder_name,
                     kind="folder name"),
    "cache": Flag(True, "Keep the transformed posts and the resized copies in CACHE_PATH/media from one build to "
                        "the next (False: every build transforms and resizes again).",
                  "{key} must be True or False, not {value!r}"),
}, example={"widths": [480, 800, 1200]})
load = MEDIA.load
DEFAULTS = MEDIA.defaults
