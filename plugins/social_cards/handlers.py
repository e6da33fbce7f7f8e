"""Signal handlers of the social cards plugin: glue between Pelican and the modules.

State is kept in one Cards object in the build context of every language
run (sitekit.build_context), never in module globals. Every run
gives every post and page its social_image attributes (a post's translations
link to their own cards); only the run of a language writes its cards. The
newsletter_issues plugin announces its issues with two signals of its own
(read, written), so that their pages are shared with a card too.
"""

import logging
import os
from collections import Counter

from sitekit.build_context import keep_state, setting_up, state_of

from . import cards
from .render import TITLE_SIZES
from .settings import load
from .state import Cards

logger = logging.getLogger(__name__)

ARTICLE_GROUPS = ("articles", "translations", "hidden_articles", "hidden_translations", "drafts", "drafts_translations")
PAGE_GROUPS = ("pages", "translations", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")


def on_initialized(pelican):
    settings = pelican.settings
    if not setting_up(settings, Cards):
        return
    state = Cards(load(settings))
    state.face_at(TITLE_SIZES[0])  # a font that cannot be used fails the build now
    keep_state(settings, state)


def on_articles_ready(generator):
    _prepare(generator, "article", _every_item(generator, ARTICLE_GROUPS))


def on_pages_ready(generator):
    _prepare(generator, "page", _every_item(generator, PAGE_GROUPS))


def _prepare(generator, kind, items, card_options=lambda item: {}):
    """Give every item its attributes; keep the cards of this run's language to write.
    ``card_options(item)``: what cards.attach takes besides (a card's slug and band)."""
    state = state_of(generator.settings, Cards)
    if state is None:
        return
    lang = generator.settings["DEFAULT_LANG"]
    pending = {}
    for item in items:
        card = cards.attach(item, kind, generator.settings, state.config, **card_options(item))
        if card is not None and card.lang == lang:
            pending.setdefault(card.relative_path, card)
    state.pending[(lang, kind)] = pending


def on_issues_read(generator, issues, newsletter_name):
    """The newsletter_issues plugin read this run's issues: each gets a card named
    after its number (its page is newsletter/<number>/), the newsletter in the band."""
    _prepare(generator, "issue", issues, lambda page: {"slug": str(page.issue_number), "band": newsletter_name})


def on_issues_written(generator):
    _write(generator, "issue")


def _every_item(generator, groups):
    """Each item of the generator's groups and their translations, once."""
    seen = set()
    for group in groups:
        for item in getattr(generator, group, []):
            for one in (item, *getattr(item, "translations", [])):
                if id(one) not in seen:
                    seen.add(id(one))
                    yield one


def on_articles_written(generator, writer=None):
    _write(generator, "article")


def on_pages_written(generator, writer=None):
    _write(generator, "page")


def _write(generator, kind):
    state = state_of(generator.settings, Cards)
    if state is None:
        return
    lang = generator.settings["DEFAULT_LANG"]
    pending = state.pending.pop((lang, kind), {})
    folder = os.path.join(generator.output_path, *state.config["folder"].split("/"))
    done, to_draw = Counter(), []
    for path, card in pending.items():
        target = os.path.join(folder, *path.split("/"))
        reused = cards.reuse(card, target, state)
        if reused:
            done[reused] += 1
        else:
            to_draw.append((card, target))
    cards.draw_all(to_draw, state)
    if pending:
        logger.info("Social cards (%s, %ss): %d drawn, %d copied from the cache, %d up to date",
                    lang, kind, len(to_draw), done["copied"], done["up to date"])
