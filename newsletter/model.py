"""An issue of the newsletter, and the email rendered from it."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class PostCard:
    """A post in an issue's digest."""

    title: str
    url: str            # absolute
    summary: str        # plain text
    image: str | None = None  # absolute URL of its cover or card
    image_alt: str = ""


@dataclass
class Issue:
    number: int
    lang: str
    subject: str        # the Title line
    date: datetime
    body_html: str      # rendered from the Markdown
    source_path: str    # relative to the project, for messages
    preheader: str = ""
    author: str = ""
    digest: bool = False
    posts: list = field(default_factory=list)   # PostCard, when digest
    url: str = ""       # the issue's page on the site, relative to SITEURL
    translations: list = field(default_factory=list)  # the same issue in other languages
    status: str = "published"

    @property
    def key(self):
        return f"issue-{self.number}-{self.lang}"


@dataclass
class RenderedIssue:
    issue: Issue
    subject: str
    mjml: str
    html: str
    text: str
    links: list = field(default_factory=list)    # every href of the HTML, in order
    images: list = field(default_factory=list)   # (src, alt) of every <img>
