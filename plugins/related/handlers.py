"""Signal handlers of the related plugin: the RELATED setting loaded once per build (its state kept in
the build context), each language's posts given their related posts once that language is listed."""

from dataclasses import dataclass

from sitekit.build_context import keep_state, language_of_run, setting_up, state_of

from .ranking import Ranking
from .settings import load


@dataclass
class RelatedPosts:
    config: dict


def on_initialized(pelican):
    settings = pelican.settings
    if setting_up(settings, RelatedPosts, __package__):
        keep_state(settings, RelatedPosts(load(settings)))


def on_articles_listed(generator):
    """Runs once per language: generator.articles holds that language's published posts."""
    state = state_of(generator.settings, RelatedPosts)
    if state is None:
        return
    enabled, count = state.config["enabled"], state.config["count"]
    lang = language_of_run(generator.settings)
    ranking = Ranking([post for post in generator.articles if post.lang == lang])
    for group in ("articles", "translations", "hidden_articles", "hidden_translations", "drafts",
                  "drafts_translations"):
        for post in getattr(generator, group, None) or ():
            if post.lang == lang:  # the other language's run gives its own posts theirs
                post.related = ranking.related(post, count) if enabled else []
