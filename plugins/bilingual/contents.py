"""What each post and page gets as Pelican reads it: its language and translation key, the checks
of its fields, French typography; and, once written, its entry in the build's list of pages."""

import os

import placeholders
from sitekit.build_context import WrittenPage
from sitekit.typography import french_text

from . import checks, links


def prepare(content, build, is_article):
    _expose_hyphenated_fields(content)
    content.lang = str(content.metadata.get("lang", build.of_file(content.source_path))).strip().lower()
    content.in_default_lang = content.lang == content.settings["DEFAULT_LANG"]
    content.translation_key = getattr(content, "translation_of", None) or getattr(content, "slug", None) or content.source_path
    checks.check_fields(content, build, is_article)
    # Template text of publisher/authoring.py (newsletter issues too): a draft may hold it, nothing published may.
    left = content.status != "draft" and placeholders.left_in(content.source_path, content._content,
                                                              *content.metadata.values())
    if left:
        build.problems.add(build.relative_path(content.source_path), *left)
    if content.lang.startswith("fr"):
        _apply_french_typography(content, build)


def _expose_hyphenated_fields(content):
    """'Translation-Of:' becomes content.translation_of (Pelican keeps the hyphen)."""
    for key, value in content.metadata.items():
        if "-" in key:
            setattr(content, key.replace("-", "_"), value)


def _apply_french_typography(content, build):
    if content._content:
        content._content = build.typeset(content._content)
    if getattr(content, "title", None):
        content.title = french_text(content.title)
    if getattr(content, "_summary", None):
        content._summary = build.typeset(content._summary)


def note_written(path, context, build, lang):
    """Keep a published page written at ``path`` for the sitemaps, the link check and the counts."""
    content = context.get("article") or context.get("page")
    if content is not None and content.status != "published":
        return  # drafts and hidden pages stay out of sitemaps and counts
    build.written[lang].append(WrittenPage(
        path=os.path.relpath(path, context["OUTPUT_PATH"]),
        url=links.own_url(context),
        source=build.relative_path(content.source_path) if content is not None else None,
        alternates=links.alternates(context, build, lang),
        lastmod=getattr(content, "modified", None) or getattr(content, "date", None),
    ))
