"""A post's comments as an Atom feed, for readers who follow a conversation."""

from datetime import timezone
from html import escape
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

from .sanitize import clean_html, plain_text, without_bidi_controls


def tag_uri(site_url, date, specific):
    """A tag: URI (RFC 4151): stable across builds and changes of address."""
    authority = urlsplit(site_url).hostname or "localhost"
    return f"tag:{authority},{date:%Y-%m-%d}:{specific}"


def comment_feed(post, thread, site_url, lang, gettext):
    """The Atom document (bytes) of ``thread``'s comments on ``post``."""
    page_url = f"{site_url}/{post.url}"
    title = plain_text(post.title)
    feed = FeedGenerator()
    feed.id(tag_uri(site_url, post.date, f"comments/{thread.id}/{lang}"))  # a pair has one feed per language
    feed.title(gettext("Comments on “%(title)s”") % {"title": title})
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.link(href=f"{site_url}/{thread.feed_url}", rel="self", type="application/atom+xml")
    feed.language(lang)
    feed.author({"name": post.author.name if getattr(post, "author", None) else ""})
    comments = thread.comments
    feed.updated(max((c.created for c in comments), default=_aware(post.date)))
    for comment in comments:
        entry = feed.add_entry(order="append")
        entry.id(tag_uri(site_url, comment.created, f"comments/{thread.id}/{comment.id}"))
        # A feed reader shows names without isolation: no control may reorder the text around them.
        author = without_bidi_controls(comment.author) or gettext("Anonymous")
        entry.title(gettext("%(author)s on “%(title)s”") % {"author": author, "title": title})
        entry.author({"name": author, **({"uri": comment.website} if comment.website else {})})
        entry.published(comment.created)
        entry.updated(comment.created)
        entry.link(href=f"{page_url}#comment-{comment.id}", rel="alternate", type="text/html")
        entry.content(_text(comment, thread.live_link(comment, page_url), gettext), type="html")
    return feed.atom_str(pretty=True)


def _text(comment, live_link, gettext):
    """The comment's HTML; when it was cut, a note and the link to where it is whole."""
    if not comment.cut:
        return comment.html
    note = f"<em>{escape(gettext('This comment is too long to show here in full.'))}</em>"
    if live_link:
        note += f' <a href="{escape(live_link)}">{escape(gettext("Read it all"))}</a>'
    return comment.html + clean_html(f"<p>{note}</p>")


def _aware(date):
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)
