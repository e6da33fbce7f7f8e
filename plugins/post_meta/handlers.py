"""Signal handlers of the post_meta plugin; state lives in one PostMeta object
kept in the settings of every run."""

import logging
import os

from jinja2 import pass_context
from pelican.contents import Article, Page

from . import authors, details, jsonld
from .settings import load

logger = logging.getLogger(__name__)
STATE_KEY = "POST_META_STATE"


class PostMeta:
    def __init__(self, config, content_path):
        self.config = config
        self.content_path = content_path
        self.reload()

    def reload(self):
        """Read the authors file again (each rebuild of `invoke serve`)."""
        self.profiles = authors.load_profiles(os.path.join(self.content_path, self.config["authors_file"]))


def on_initialized(pelican):
    if STATE_KEY not in pelican.settings:
        pelican.settings[STATE_KEY] = PostMeta(load(pelican.settings), pelican.settings["PATH"])


def on_run_start(pelican):
    state = pelican.settings.get(STATE_KEY)
    if state is not None:
        state.reload()


def on_generator_init(generator):
    state = generator.settings.get(STATE_KEY)
    if state is None:
        return

    @pass_context
    def author_profile(context, author):
        profile = authors.profile_for(state.profiles, author)
        return profile.in_language(context.get("SITE_LANG", context.get("DEFAULT_LANG"))) if profile else None

    @pass_context
    def blogposting_json(context, article):
        return jsonld.blogposting(article, context.get("SITEURL", ""), state.profiles)

    generator.env.globals.update(author_profile=author_profile, blogposting_json=blogposting_json)


def on_content_init(content):
    state = content.settings.get(STATE_KEY)
    if state is None or not isinstance(content, (Article, Page)):
        return
    content.reading_minutes = details.reading_minutes(content._content, state.config["words_per_minute"])
    content.cover = details.cover(content, state.content_path)
