"""What the templates of a language run get: the theme's words in its language, the language
itself, and the links to the other languages' versions of the page."""

import re

from jinja2 import pass_context

from . import catalogue, links, sitemaps


def set_up(env, build, lang):
    env.add_extension("jinja2.ext.i18n")
    catalogue.install(env, lang, build.translations(lang))
    env.filters["plaintext"] = _plain_text
    env.globals.update(
        SITE_LANG=lang,
        SITE_LANGUAGES=build.languages,
        LANG_HOME=build.prefix(lang),
        language_alternates=pass_context(lambda context: links.alternates(context, build, lang)),
        hreflang_links=lambda found: sitemaps.hreflang_links(found, build.primary),
        # a category's or tag's description in this language (content/data/taxonomy.toml), or ""
        taxonomy_description=lambda kind, name: build.taxonomy.description(kind, str(name), lang),
    )


def _plain_text(html):
    """Text of an HTML fragment for <title> and meta tags; unlike Jinja's
    striptags, keeps the no-break spaces of French typography."""
    return re.sub(r"\s*<[^>]*>\s*", lambda m: " " if m.group().strip() != m.group() else "", str(html)).strip()
