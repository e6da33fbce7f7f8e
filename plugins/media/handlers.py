"""Signal handlers of the media plugin: glue between Pelican and the modules.

State is kept in one MediaState object in the build context of every
language run (sitekit.build_context), never in module globals.
"""

import logging
import os

from pelican.contents import Article, Page as PelicanPage

from sitekit.build_context import build_of, keep_state, report, setting_up, state_of
from sitekit.problems import WARNING

from .caches import TransformCache, VariantCache, transforms_fingerprint
from .settings import load
from .state import MediaState
from .transforms import Page, cover_srcset, shown, transform

logger = logging.getLogger(__name__)


def on_initialized(pelican):
    settings = pelican.settings
    if setting_up(settings, MediaState):
        keep_state(settings, _state(load(settings), settings))


def _state(config, settings):
    if not config["cache"]:
        return MediaState(config)
    folder = os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", "media"))
    transforms = TransformCache(os.path.join(folder, "transforms.json"), transforms_fingerprint(config))
    return MediaState(config, transforms, VariantCache(os.path.join(folder, "variants")))


def on_content_init(content):
    if not isinstance(content, (Article, PelicanPage)) or not getattr(content, "_content", None):
        return
    state = state_of(content.settings, MediaState)
    if state is None:
        return
    content._content = state.transformed(content._content, _page(content, state), transform)
    _give_cover_srcset(content, state)  # post_meta, listed before, has set the cover by now


def on_generator_finalized(generator):
    """Covers get their srcset as each post is read (below), and here those that were not:
    post_meta sets ``cover`` on the same signal as the transforms, and Pelican promises no
    order among one signal's handlers. The edit loop reads a post again without this signal."""
    state = state_of(generator.settings, MediaState)
    if state is None:
        return
    items = [*getattr(generator, "articles", []), *getattr(generator, "translations", []),
             *getattr(generator, "pages", []), *getattr(generator, "hidden_pages", [])]
    for content in items:
        _give_cover_srcset(content, state)


def _give_cover_srcset(content, state):
    cover = getattr(content, "cover", None)
    if cover and cover.get("width") and "srcset" not in cover:
        cover["srcset"] = cover_srcset(cover["url"], cover["width"], _page(content, state))


def _page(content, state):
    settings = content.settings
    return Page(
        source_path=content.source_path,
        lang=_language(content),
        content_root=settings["PATH"],
        output_path=settings["OUTPUT_PATH"],
        siteurl=settings.get("SITEURL", ""),
        static_url=settings.get("STATIC_URL", "{path}"),
        static_save_as=settings.get("STATIC_SAVE_AS", "{path}"),
        state=state,
        report=_reporter(settings, content.source_path),
    )


def _language(content):
    """The content's language, by the site's rule (Lang line, else its folder):
    Pelican calls the plugins' handlers of one signal in no set order, so the
    bilingual plugin may not have set content.lang yet."""
    given = content.metadata.get("lang")
    if given:
        return str(given).strip().lower()
    build = build_of(content.settings)
    if build is None:
        return content.settings.get("DEFAULT_LANG", "en")
    return build.of_file(content.source_path)


def _reporter(settings, source_path):
    """report(field, message, about): one warning line naming the content file."""
    def report_one(field, message, about):
        if about[0] == "missing" and build_of(settings) is not None:
            return  # the link check reports it, as an error: one line per missing image
        # One line per file, field and src; "about" is kept apart from the link check's own.
        report(settings, source_path, field, message, WARNING, ("media", about))
    return report_one


def on_finalized(pelican):
    """Write the resized copies the run's images asked for (each run may add some)."""
    state = state_of(pelican.settings, MediaState)
    if state is None:
        return
    state.transforms.save()
    written = state.write_pending(lambda variant, message: _reporter(pelican.settings, variant.requested_by)(
        "image", f"{shown(variant.source)} {message}", ("resize", variant.source)))
    if written:
        logger.info("media: wrote %s resized image(s)", written)
