"""What the language runs of one build share: settings, the issues read, the emails rendered."""

from pathlib import Path

from newsletter.render import in_language
from sitekit.build_context import RenderedEmails, build_of, report
from sitekit.problems import ERROR, WARNING


class NewsletterState(RenderedEmails):
    """Kept in the build context of every language run; reset at each main run."""

    def __init__(self, config, settings):
        self.config = config
        self.settings = settings
        site = config["site_url"] or settings.get("FEED_DOMAIN") or settings.get("SITEURL") or ""
        self.site_url = site.rstrip("/")
        config["site_url"] = self.site_url  # the email's links start here
        self.reset()

    def reset(self):
        self.issues = {}     # lang -> [Issue], oldest first
        self.rendered = []   # RenderedIssue, once every language is built
        # issue key -> its Sent-By line: sent by another platform before the import,
        # archived on the site but never rendered into the outbox (so never delivered).
        self.archive_only = {}

    @property
    def build(self):
        return build_of(self.settings)

    @property
    def languages(self):
        build = self.build
        return build.languages if build is not None else [self.settings["DEFAULT_LANG"]]

    def prefix(self, lang):
        build = self.build
        return build.prefix(lang) if build is not None else ""

    def name(self, lang):
        return in_language(self.config["name"], lang)

    def relative(self, path):
        build = self.build
        return build.relative_path(path) if build is not None else path

    def outbox(self, output):
        """Where the .eml files of a build into ``output`` go (NEWSLETTER['outbox'], else beside it)."""
        configured = self.config["outbox"]
        return Path(configured).resolve() if configured else Path(output).resolve().parent / "outbox"

    def record(self, lang, issues):
        self.issues[lang] = issues

    def report(self, path, field, message, warning=False):
        report(self.settings, path, field, message, WARNING if warning else ERROR)
