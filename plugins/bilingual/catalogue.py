"""Theme strings and dates in the page's language.

Strings come from one gettext catalogue per language, kept as ``.po`` files
in the theme and compiled in memory at each build (no stale ``.mo`` files to
commit). Dates are formatted by Babel's CLDR data, so no system locale has to
be installed.
"""

import io
import logging
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from markupsafe import Markup

from sitekit.languages import language_name

logger = logging.getLogger(__name__)

DOMAIN = "messages"


def po_path(catalogue_dir, lang):
    return Path(catalogue_dir) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(catalogue_dir, lang):
    """gettext translations of the theme for ``lang`` (identity when none exist)."""
    path = po_path(catalogue_dir, lang) if catalogue_dir else None
    if path is None or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def install(env, lang, translations):
    """Give a Jinja environment the gettext functions and filters of ``lang``."""
    env.install_gettext_translations(translations, newstyle=True)
    # The same strings, remembered: a page asks for about fifty, every page of the build for the
    # same ones, and Jinja's own function formats each again (about a tenth of a page's rendering).
    env.globals["gettext"] = env.globals["_"] = remembered_gettext(translations.gettext)
    env.filters["localdate"] = lambda value, fmt="long": format_date(value, fmt, locale=lang) if value else ""
    env.globals["language_name"] = language_name


def remembered_gettext(translate):
    """Jinja's newstyle ``gettext`` (the same results: the translation made Markup when the
    template escapes, then formatted with its variables), each string without variables
    translated and formatted once."""
    remembered = {}

    @pass_context
    def gettext(context, string, **variables):
        autoescape = context.eval_ctx.autoescape
        if variables:
            text = translate(string)
            return (Markup(text) if autoescape else text) % variables
        key = (string, autoescape)
        if key not in remembered:
            text = translate(string)
            remembered[key] = (Markup(text) if autoescape else text) % {}
        return remembered[key]

    return gettext
