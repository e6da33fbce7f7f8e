"""Signal handlers of the comments plugin: glue between Pelican, the provider and the theme.

State lives in one CommentsState kept in the build context of every language run
(sitekit.build_context), never in module globals.
"""

import os

from sitekit.build_context import build_of, is_main_run, keep_state, language_of_run, report, setting_up, state_of
from sitekit.csp import add_sources
from sitekit.unchanged import previous_file, write_output

from . import feeds, threads
from .providers import load_provider
from .settings import load
from .state import CommentsState


def on_initialized(pelican):
    settings = pelican.settings
    if not setting_up(settings, CommentsState, __package__):
        return
    config = load(settings)
    provider = load_provider(config)
    report = lambda kind, message, about=None: _report_service(settings, kind, message, about)  # noqa: E731
    keep_state(settings, CommentsState(config, provider, report))
    settings["CONTENT_SECURITY_POLICY"] = add_sources(settings.get("CONTENT_SECURITY_POLICY"), provider.csp_sources())


def on_run_start(pelican):
    state = state_of(pelican.settings, CommentsState)
    if state and is_main_run(pelican.settings):
        state.reset()


def on_articles_listed(generator):
    """Each post of this run gets its thread and comments (article.comment_thread)."""
    state = state_of(generator.settings, CommentsState)
    if state is None:
        return
    posts = [*generator.articles, *getattr(generator, "bilingual_untranslated", [])]
    posts = list({id(post): post for post in posts}.values())
    report = lambda post, field, message: _report_content(generator.settings, post, field, message)  # noqa: E731
    made = [(post, threads.make_thread(post, state.config, state.provider, report)) for post in posts]
    _check_unique_ids(made, state, report, generator.settings)
    state.fill([thread for _, thread in made])
    for post, thread in made:
        post.comment_thread = thread
        if state.config["feeds"] and state.provider.reads_comments and thread.state != "off" and thread.key:
            thread.feed_url, thread.feed_save_as = threads.feed_paths(post.url, post.save_as)


def _check_unique_ids(made, state, report, settings):
    """Two posts on one thread would mix their comments (a pair shares one in "pair" mode).
    Checked across languages: an English "intro.md" is not the French "intro.md"."""
    mode = state.config["thread_per"]
    for post, thread in made:
        if thread.state == "off":
            continue
        owner = threads.owner_of(post, mode)
        other = state.owners.setdefault(thread.id, (owner, post))
        if other[0] != owner:
            report(post, "Comments-Id", f"thread {thread.id!r} is already the thread of "
                   f"{_relative(settings, other[1].source_path)}; give this post its own line such as 'Comments-Id: another-name'")


def on_articles_written(generator, writer):
    """Write the comment feed of each post this run wrote."""
    state = state_of(generator.settings, CommentsState)
    if state is None:
        return
    settings = generator.settings
    site_url = settings.get("FEED_DOMAIN") or settings.get("SITEURL") or ""
    lang = language_of_run(settings)
    gettext = _gettext(settings, lang)
    for post in generator.articles:
        thread = getattr(post, "comment_thread", None)
        if thread is None or not thread.feed_save_as or not post.save_as or post.lang != lang:
            continue
        path = os.path.join(settings["OUTPUT_PATH"], thread.feed_save_as)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_output(path, feeds.comment_feed(post, thread, site_url, lang, gettext), previous_file(settings, path))


def _gettext(settings, lang):
    build = build_of(settings)
    return build.translations(lang).gettext if build is not None else (lambda text: text)


def _relative(settings, path):
    build = build_of(settings)
    return build.relative_path(path) if build is not None else path


def _report_content(settings, post, field, message):
    report(settings, post.source_path, field, message)


def _report_service(settings, kind, message, about=None):
    """A comment service problem: one line, counted by the build's report
    (``about`` tells apart several problems of the one provider)."""
    report(settings, "comments", state_of(settings, CommentsState).provider.name, message, kind, about)


