"""Reads the issues of one language run and writes their pages on the site."""

import logging
import os

import blinker
from bs4 import BeautifulSoup
from pelican.contents import Page, SkipStub
from pelican.generators import Generator

from newsletter.model import Issue, PostCard
from sitekit.build_context import language_of_run, state_of
from sitekit.metadata import positive_whole_number

from . import archive
from .settings import ISSUE_URL
from .state import NewsletterState

logger = logging.getLogger(__name__)

# For plugins that add to the issues' pages (social_cards): sent with the generator,
# once its issues are read (issues=, newsletter_name=) and once their pages are written.
ISSUES_READ = blinker.signal("newsletter_issues.issues_read")
ISSUES_WRITTEN = blinker.signal("newsletter_issues.issues_written")


class IssuePage(Page):
    """An issue as Pelican reads it: a page of its own kind (not in menus; its social card comes
    through ISSUES_READ, not the pages' signals)."""


class NewsletterGenerator(Generator):
    """One per language run: reads content/newsletter/, keeps this language's issues."""

    def generate_context(self):
        state = state_of(self.settings, NewsletterState)
        if state is None:
            return
        self.state = state
        self.lang = language_of_run(self.settings)
        pages = [page for page in self._read_all() if page is not None and not self._is_draft(page)]
        mine = sorted((p for p in pages if p.lang == self.lang), key=lambda p: p.issue_number)
        mine = self._link_translations(mine, pages)
        previous = None
        self.issues = []
        for page in mine:
            issue = self._issue(page, previous)
            page.newsletter_issue = issue
            self.issues.append(page)
            previous = page
        state.record(self.lang, [page.newsletter_issue for page in self.issues])
        ISSUES_READ.send(self, issues=self.issues, newsletter_name=state.name(self.lang))

    def _read_all(self):
        folder = self.state.config["path"]
        if not os.path.isdir(os.path.join(self.path, folder)):
            return []
        files = sorted(self.get_files([folder], extensions=self.readers.extensions))
        return [self._read(path) for path in files]

    def _read(self, path):
        page = self.readers.read_file(base_path=self.path, path=path, content_class=IssuePage, context=self.context)
        if isinstance(page, SkipStub):
            return None  # "Status: skip", or not text the site can carry (the bilingual plugin reports it)
        number = positive_whole_number(page.metadata.get("issue"))
        if number is None:
            self.state.report(page.source_path, "Issue", "missing or not a whole number; add a line such as 'Issue: 5'")
            return None
        page.issue_number = number
        page.override_url = self.state.prefix(page.lang) + ISSUE_URL.format(number=number)
        page.override_save_as = page.override_url + "index.html"
        return page

    def _is_draft(self, page):
        """A draft issue (Status: draft) is neither archived nor rendered, so it cannot be sent."""
        if getattr(page, "status", "published") != "draft":
            return False
        if page.lang == self.lang:
            logger.info("%s: a draft (Status: draft), left out until it says Status: published",
                        self.state.relative(page.source_path))
        return True

    def _link_translations(self, mine, pages):
        seen = {}
        for page in mine:
            if page.issue_number in seen:
                self.state.report(page.source_path, "Issue", f"issue {page.issue_number} in {page.lang} is also "
                                  f"{self.state.relative(seen[page.issue_number].source_path)}; give each issue its own number")
                continue
            seen[page.issue_number] = page
        kept = list(seen.values())
        for page in kept:
            page.translations = [p for p in pages if p.lang != page.lang and p.issue_number == page.issue_number]
        return kept

    def _issue(self, page, previous):
        config = self.state.config
        digest = str(page.metadata.get("digest", "")).strip().lower() in ("yes", "oui", "true", "1")
        issue = Issue(
            number=page.issue_number, lang=page.lang, subject=_plain(page.title), date=page.date,
            body_html="", source_path=self.state.relative(page.source_path),
            preheader=str(page.metadata.get("preheader", "")).strip(),
            author=", ".join(a.name for a in getattr(page, "authors", [])),
            digest=digest, url=page.url,
        )
        sent_by = str(page.metadata.get("sent-by", "")).strip()
        if sent_by:
            self.state.archive_only[issue.key] = sent_by
        if digest:
            since = previous.date if previous is not None else None
            page.digest_posts = self._digest(since, page.date, config["digest_limit"])
            if not page.digest_posts:
                self.state.report(page.source_path, "Digest", "no post in this language was published since the "
                                  "previous issue; remove the Digest line or publish a post first")
        return issue

    def _digest(self, since, until, limit):
        """The posts an issue's digest shows. Their cards are made only once Pelican has resolved the
        links of every summary: a summary read now would be kept (memoized) as it is, links unresolved."""
        posts = [post for post in self.context.get("articles", [])
                 if post.lang == self.lang and post.date <= until and (since is None or post.date > since)]
        return posts[:limit]

    def _card(self, post):
        """The post in the email's digest: its own picture (its Image: or first image), never its
        social card (which only repeats the title), else no picture at all."""
        cover = getattr(post, "cover", None) or {}
        image = f"{self.state.site_url}/{cover['url']}" if cover.get("url") and cover.get("width") else None
        return PostCard(title=_plain(post.title), url=f"{self.state.site_url}/{post.url}", summary=_plain(post.summary),
                        image=image, image_alt=cover.get("alt") or _plain(post.title) if image else "")

    def quotes(self, item):
        """Whether an issue's digest shows ``item``: an edit of it is then more than
        `invoke serve`'s fast path renders again (publisher/preview/incremental.py)."""
        return any(item is post for page in getattr(self, "issues", ()) for post in getattr(page, "digest_posts", ()))

    def generate_output(self, writer):
        if getattr(self, "state", None) is None:
            return
        for page in self.issues:
            # {static} and {filename} links resolve only once every generator has read its files.
            page.newsletter_issue.body_html = page.content
            page.newsletter_issue.posts = [self._card(post) for post in getattr(page, "digest_posts", ())]
        archive.write_pages(self, writer)
        ISSUES_WRITTEN.send(self)


def _plain(html):
    return BeautifulSoup(str(html or ""), "html.parser").get_text(" ", strip=True)

