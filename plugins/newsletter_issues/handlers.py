"""Signal handlers of the newsletter_issues plugin: glue between Pelican and newsletter/."""

import gettext
import logging
import os
from pathlib import Path

from newsletter.checks import check_email
from newsletter.links import LinkMaker
from newsletter.render import IssueLinks, Renderer, RenderError
from sitekit.build_context import is_main_run, keep_state, language_of_run, setting_up, state_of
from sitekit.content import exists_in_output
from sitekit.csp import add_sources
from sitekit.typography import french_html

from . import outbox, subscribe
from .brand import email_brand
from .generator import NewsletterGenerator
from .settings import ARCHIVE_URL, FEEDBACK_URL, load
from .state import NewsletterState

logger = logging.getLogger(__name__)


def on_initialized(pelican):
    settings = pelican.settings
    if not setting_up(settings, NewsletterState, __package__):
        return
    state = keep_state(settings, NewsletterState(load(settings), settings))
    # The subscribe form posts to the mailing provider: the policy must let it.
    origins = subscribe.form_origins(state.config["subscribe"])
    settings["CONTENT_SECURITY_POLICY"] = add_sources(settings.get("CONTENT_SECURITY_POLICY"), {"form-action": origins})
    # publisher.build calls these once the new site is in place.
    settings.setdefault("AFTER_BUILD", []).append(lambda output: outbox.write(state, output))


def on_generator_init(generator):
    """Templates of every generator get the subscribe form of the run's language (newsletter_subscribe)."""
    state = state_of(generator.settings, NewsletterState)
    if state is None:
        return
    lang = language_of_run(generator.settings)
    generator.env.globals["newsletter_subscribe"] = subscribe.form_for(state, lang)


def add_generator(pelican):
    state = state_of(pelican.settings, NewsletterState)
    if state is None:
        return None
    if is_main_run(pelican.settings):
        state.reset()
    return NewsletterGenerator


def on_all_languages_written(pelican):
    """Every language is on disk: render each issue's email and check it against the site."""
    state = state_of(pelican.settings, NewsletterState)
    if state is None:
        return
    _warn_missing_translations(state)
    renderer = Renderer([os.path.join(pelican.settings["THEME"], "newsletter")], state.config,
                        state.build.translations if state.build else _no_translations, _typography,
                        brand=email_brand(pelican.settings, state.site_url))
    output = pelican.settings["OUTPUT_PATH"]
    state.rendered = []
    for lang in state.languages:
        for issue in state.issues.get(lang, []):
            if issue.key in state.archive_only:
                continue  # Sent-By: the old platform sent it; no email, only the archive page
            rendered = _render(state, renderer, issue, output)
            if rendered is not None:
                state.rendered.append(rendered)
    if state.archive_only:
        logger.info("Newsletter: %d imported issue(s) archive-only (Sent-By), not rendered into the outbox",
                    len(state.archive_only))


def _render(state, renderer, issue, output):
    links = issue_links(state, issue)
    try:
        rendered = renderer.render(issue, links)
    except RenderError as error:
        state.report(issue.source_path, "template", str(error))
        return None
    maker = LinkMaker(state.site_url, state.config["utm"], number=issue.number, lang=issue.lang)
    exists = lambda path: path is not None and exists_in_output(Path(output), path.lstrip("/"))  # noqa: E731
    for problem in check_email(rendered, maker, state.config["unsubscribe_placeholder"], exists,
                               state.config["html_limit"]):
        state.report(issue.source_path, "email", problem)
    return rendered


def issue_links(state, issue):
    prefix = state.prefix(issue.lang)
    feedback = prefix + FEEDBACK_URL + f"?issue={issue.number}"
    return IssueLinks(
        view_online=issue.url, archive=prefix + ARCHIVE_URL,
        feedback_yes=feedback.format(answer="yes"), feedback_no=feedback.format(answer="no"),
        subscribe=prefix + ARCHIVE_URL + "#subscribe",
    )


def _warn_missing_translations(state):
    numbers = {lang: {issue.number: issue for issue in issues} for lang, issues in state.issues.items()}
    for lang, issues in numbers.items():
        for number, issue in issues.items():
            if issue.key in state.archive_only:
                continue  # never emailed: a missing translation changes nothing
            for other in state.languages:
                if other != lang and number not in numbers.get(other, {}):
                    state.report(issue.source_path, "Issue", f"issue {number} has no {other} version; write one "
                                 f"in {state.config['path']}/{other}/ with 'Issue: {number}' (or leave it "
                                 f"{lang} only)", warning=True)


def _no_translations(lang):
    return gettext.NullTranslations()


def _typography(lang):
    """The site's typography of ``lang`` for the text part, as the bilingual plugin typesets a French post
    (the HTML part gets it from the typeset post and the catalogue's words)."""
    return french_html if lang.startswith("fr") else None
