"""The newsletter on the site, per language: the list of issues, one page per
issue (the email's "view online" link), thank-you pages for the feedback
links, the subscribe and privacy pages (subscribe.py), and an Atom feed of the issues."""

import os
from datetime import datetime, timezone

from feedgen.feed import FeedGenerator

from newsletter.render import in_language

from . import subscribe
from .settings import ARCHIVE_URL, FEED_URL, FEEDBACK_URL

ANSWERS = ("yes", "no")


def write_pages(generator, writer):
    state, lang, context = generator.state, generator.lang, generator.context
    prefix = state.prefix(lang)
    archive_url = prefix + ARCHIVE_URL
    feed_url = prefix + FEED_URL
    common = {"newsletter_archive_url": archive_url, "newsletter_feed_url": feed_url,
              "newsletter_name": state.name(lang), "newsletter_tagline": in_language(state.config["tagline"], lang) or "",
              "newsletter_pitch": list(in_language(state.config["pitch"], lang) or [])}
    issue_template = generator.get_template("newsletter_issue")
    for page in generator.issues:
        writer.write_file(page.save_as, issue_template, context, page=page, issue=page.newsletter_issue,
                          relative_urls=generator.settings["RELATIVE_URLS"], **common)
    writer.write_file(archive_url + "index.html", generator.get_template("newsletter_index"), context,
                      issues=list(reversed(generator.issues)), relative_urls=generator.settings["RELATIVE_URLS"], **common)
    feedback_template = generator.get_template("newsletter_feedback")
    for answer in ANSWERS:
        url = prefix + FEEDBACK_URL.format(answer=answer)
        writer.write_file(url + "index.html", feedback_template, context, answer=answer,
                          relative_urls=generator.settings["RELATIVE_URLS"], **common)
    subscribe.write_pages(generator, writer, context, **common)
    _write_feed(generator, feed_url, archive_url)


def _write_feed(generator, feed_url, archive_url):
    state, lang = generator.state, generator.lang
    site = state.site_url
    feed = FeedGenerator()
    feed.id(f"{site}/{archive_url}")
    feed.title(state.name(lang))
    feed.link(href=f"{site}/{archive_url}", rel="alternate", type="text/html")
    feed.link(href=f"{site}/{feed_url}", rel="self", type="application/atom+xml")
    feed.language(lang)
    feed.updated(max((page.date for page in generator.issues), default=datetime(2000, 1, 1, tzinfo=timezone.utc)))
    for page in generator.issues:
        entry = feed.add_entry(order="prepend")
        entry.id(f"{site}/{page.url}")
        entry.title(page.newsletter_issue.subject)
        entry.link(href=f"{site}/{page.url}", rel="alternate", type="text/html")
        entry.published(page.date)
        entry.updated(page.date)
        entry.content(page.content, type="html")
    path = os.path.join(generator.output_path, feed_url)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(feed.atom_str(pretty=True))
