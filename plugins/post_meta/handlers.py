"""Signal handlers of the post_meta plugin; state lives in one PostMeta object
kept in the build context of every run."""

import logging
import os

from jinja2 import pass_context
from pelican.contents import Article, Page

from sitekit.build_context import keep_state, setting_up, state_of
from sitekit.cache_file import CacheFile, ComputedByText, code_digest

from . import authors, code_blocks, details, jsonld
from .settings import load

logger = logging.getLogger(__name__)
MINUTES_FILE = "reading-minutes.json"


class PostMeta:
    """``minutes_file``: where reading times are kept from one build to the next (None: not kept)."""

    def __init__(self, config, content_path, minutes_file=None):
        self.config = config
        self.content_path = content_path
        # Counting a thousand posts' words takes half a second; most texts did not change.
        self._minutes = ComputedByText(
            CacheFile(minutes_file, _minutes_fingerprint(config), "counting every post's words again"),
            lambda html: details.reading_minutes(html, config["words_per_minute"]))
        self._sizes = {}    # image path -> (modification time, size)
        self.reload()

    def reload(self):
        """Read the authors file again (each rebuild of `invoke serve`)."""
        self.profiles = authors.load_profiles(os.path.join(self.content_path, self.config["authors_file"]))

    def reading_minutes(self, html):
        """Counted once per text: every language run reads every post, and most texts are those
        of the previous build."""
        return self._minutes.get(html or "")

    @property
    def counted(self):
        """Texts whose words this build counted (the others' times were kept)."""
        return self._minutes.computed

    def save(self):
        """Keep the reading times this build used, unless the file holds exactly those."""
        self._minutes.save()

    def image_size(self, path):
        """(width, height) of an image, or (None, None); read once per version of the file."""
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            return None, None
        if self._sizes.get(path, (None,))[0] != stamp:
            self._sizes[path] = (stamp, details.image_size(path))
        return self._sizes[path][1]


def _minutes_fingerprint(config):
    """What decides a count besides the text: the reading speed and how words are counted."""
    return f"{config['words_per_minute']} {code_digest(details.__file__)}"


def on_initialized(pelican):
    settings = pelican.settings
    if setting_up(settings, PostMeta):
        minutes_file = os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", MINUTES_FILE))
        keep_state(settings, PostMeta(load(settings), settings["PATH"], minutes_file))


def on_finalized(pelican):
    state = state_of(pelican.settings, PostMeta)
    if state is not None:
        state.save()


def on_run_start(pelican):
    state = state_of(pelican.settings, PostMeta)
    if state is not None:
        state.reload()


def on_generator_init(generator):
    state = state_of(generator.settings, PostMeta)
    if state is None:
        return

    @pass_context
    def author_profile(context, author):
        profile = authors.profile_for(state.profiles, author)
        return profile.in_language(context.get("SITE_LANG", context.get("DEFAULT_LANG"))) if profile else None

    @pass_context
    def blogposting_json(context, article):
        return jsonld.blogposting(article, context.get("SITEURL", ""), state.profiles)

    @pass_context
    def issue_article_json(context, page, description, newsletter_name, newsletter_url):
        """A newsletter issue's page (theme/templates/newsletter_issue.html)."""
        publisher = (context.get("SITENAME", ""), context.get("LANG_HOME", ""))
        return jsonld.issue_article(page, context.get("SITEURL", ""), state.profiles, description,
                                    (newsletter_name, newsletter_url), publisher)

    generator.env.globals.update(author_profile=author_profile, blogposting_json=blogposting_json,
                                 issue_article_json=issue_article_json)
    generator.env.filters["focusable_code"] = code_blocks.focusable


def on_content_init(content):
    state = state_of(content.settings, PostMeta)
    if state is None or not isinstance(content, (Article, Page)):
        return
    content.reading_minutes = state.reading_minutes(content._content)
    content.cover = details.cover(content, state.content_path, state.image_size)
