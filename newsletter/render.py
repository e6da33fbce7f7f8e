"""An issue, in one language, to its email: MJML source, HTML and text parts."""

from dataclasses import dataclass

import jinja2
from babel.dates import format_date
from lxml import html as lxml_html
from markupsafe import Markup
from mjml import mjml2html

from .blocks import FONT_TEXT, FONT_UI, email_blocks, text_styles
from .links import LinkMaker
from .mjml_check import check_mjml
from .model import RenderedIssue
from .text import html_to_text

MJML_TEMPLATE = "issue.mjml"
TEXT_TEMPLATE = "issue.text.html"


# The brand as the email draws it (the template's ``brand``): colours that reach 4.5:1 on the
# email's backgrounds, web-safe faces, the logo as a PNG (SVG shows in no Outlook nor Gmail).
DEFAULT_BRAND = {
    "wordmark": "",
    "logo": None,            # {"url": absolute URL of a PNG, "width": px shown, "height": px shown, "alt": text}
    "accent": "#a4361d",     # links and rules, on the light backgrounds
    "accent_fill": "#a4361d",  # button fill, behind on_accent
    "on_accent": "#ffffff",
    "accent_dark": "#f2a48f",  # links and buttons where the client honours prefers-color-scheme: dark
    "on_accent_dark": "#17171a",
    "text": "#1d1d1f", "muted": "#5b5b66", "background": "#f5eee5", "card": "#ffffff", "line": "#e4e0d8",
    "dark_background": "#17171a", "dark_card": "#222126", "dark_text": "#ecebe7", "dark_muted": "#b3b1aa",
    "font_text": FONT_TEXT,
    "font_ui": FONT_UI,
    "social": [],            # [{"name": "LinkedIn", "url": absolute URL}], shown as text links
}


class RenderError(Exception):
    """The template or its MJML cannot make an email; the message names the template and line."""


@dataclass
class IssueLinks:
    """Where an issue's email points, relative to the site (see plugins/newsletter_issues)."""

    view_online: str
    archive: str
    feedback_yes: str
    feedback_no: str
    subscribe: str


class Renderer:
    def __init__(self, template_dirs, config, translations_for, typography_for=None, brand=None):
        """``translations_for(lang)`` gives the gettext catalogue of a language; ``typography_for(lang)``
        its typography for the text part (a function of an HTML fragment, or None); ``brand`` what
        changes from DEFAULT_BRAND."""
        self.brand = {**DEFAULT_BRAND, **(brand or {})}
        self.styles = text_styles(self.brand["accent"], self.brand["font_ui"])
        self.template_dirs = list(template_dirs)
        self.config = config
        self.translations_for = translations_for
        self.typography_for = typography_for or (lambda lang: None)
        self._environments = {}

    def environment(self, lang):
        if lang not in self._environments:
            env = jinja2.Environment(loader=jinja2.FileSystemLoader(self.template_dirs), autoescape=True,
                                     extensions=["jinja2.ext.i18n"], undefined=jinja2.StrictUndefined,
                                     keep_trailing_newline=True)
            env.install_gettext_translations(self.translations_for(lang), newstyle=True)
            env.filters["localdate"] = lambda value, fmt="long": format_date(value, fmt, locale=lang)
            self._environments[lang] = env
        return self._environments[lang]

    def render(self, issue, links):
        env = self.environment(issue.lang)
        values = {"number": issue.number, "lang": issue.lang}
        maker = LinkMaker(self.config["site_url"], self.config["utm"], **values)
        context = self._context(issue, links, maker)
        mjml = self._render_template(env, MJML_TEMPLATE, context)
        problems = check_mjml(mjml)
        if problems:
            raise RenderError(f"{self._template_path(env, MJML_TEMPLATE)}: MJML rendered for {issue.key}, "
                              f"{problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        # fonts={}: no web font is fetched (MRML would link Google Fonts for "Roboto").
        html = mjml2html(mjml, disable_comments=True, fonts={})
        text_source = self._render_template(env, TEXT_TEMPLATE, context)
        text = html_to_text(text_source, links_heading=self.translations_for(issue.lang).gettext("Links:"),
                            typeset=self.typography_for(issue.lang))
        # lxml rather than BeautifulSoup: this parse of the whole email was a third of the render time.
        document = lxml_html.document_fromstring(html)
        return RenderedIssue(
            issue=issue, subject=issue.subject, mjml=mjml, html=html, text=text,
            links=[a.get("href") for a in document.iter("a") if a.get("href") is not None],
            images=[(img.get("src", ""), img.get("alt")) for img in document.iter("img")],
        )

    def _context(self, issue, links, maker):
        lang = issue.lang
        config = self.config
        return {
            "issue": issue,
            "lang": lang,
            "name": in_language(config["name"], lang),
            "tagline": in_language(config["tagline"], lang),
            "postal_address": config["postal_address"],
            "powered_by": config["powered_by"],
            "site_url": maker.link(""),
            "view_online_url": maker.link(links.view_online),
            "archive_url": maker.link(links.archive),
            "feedback_yes_url": maker.link(links.feedback_yes),
            "feedback_no_url": maker.link(links.feedback_no),
            "subscribe_url": maker.link(links.subscribe),
            "unsubscribe_url": config["unsubscribe_placeholder"],
            "brand": self.brand,
            "blocks": [_markup(block) for block in email_blocks(issue.body_html, maker, self.styles)],
            "posts": [_with_link(card, maker) for card in issue.posts],
        }

    def _render_template(self, env, name, context):
        try:
            return env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as error:
            raise RenderError(f"{error.filename or name}, line {error.lineno}: {error.message}") from None
        except jinja2.TemplateNotFound as error:
            raise RenderError(f"newsletter template {error.name!r} not found in {', '.join(self.template_dirs)}") from None
        except jinja2.UndefinedError as error:
            raise RenderError(f"{self._template_path(env, name)}: {error.message}") from None

    def _template_path(self, env, name):
        source = env.loader.get_source(env, name)[1]
        return source or name


def in_language(value, lang):
    """A setting given per language ({"fr": ..., "en": ...}) or once for all."""
    return value.get(lang, next(iter(value.values()), "")) if isinstance(value, dict) else value


def _markup(block):
    if block.kind == "text":
        block.html = Markup(block.html)
    return block


def _with_link(card, maker):
    card.url = maker.link(card.url)
    return card

