"""What the language runs of one build share: settings, the issues read, the emails rendered."""

import os

from .settings import ARCHIVE_URL


class NewsletterState:
    """Stored in the settings of every language run; reset at each main run."""

    def __init__(self, config, settings):
        self.config = config
        self.settings = settings
        site = config["site_url"] or settings.get("FEED_DOMAIN") or settings.get("SITEURL") or ""
        self.site_url = site.rstrip("/")
        config["site_url"] = self.site_url  # the email's links start here
        self.root = os.path.dirname(os.path.abspath(settings["PATH"]))
        self.reset()

    def reset(self):
        self.issues = {}     # lang -> [Issue], oldest first
        self.rendered = []   # RenderedIssue, once every language is built

    @property
    def build(self):
        return self.settings.get("BILINGUAL_BUILD")

    @property
    def languages(self):
        build = self.build
        return build.languages if build is not None else [self.settings["DEFAULT_LANG"]]

    def prefix(self, lang):
        build = self.build
        return build.prefix(lang) if build is not None else ""

    def name(self, lang):
        name = self.config["name"]
        return name.get(lang, next(iter(name.values()))) if isinstance(name, dict) else name

    def archive_url(self, lang):
        return self.prefix(lang) + ARCHIVE_URL

    def relative(self, path):
        return os.path.relpath(path, self.root) if os.path.isabs(path) else path

    def record(self, lang, issues):
        self.issues[lang] = issues

    def report(self, path, field, message, warning=False):
        build = self.build
        relative = self.relative(path)
        if build is not None:
            (build.problems.warn if warning else build.problems.add)(relative, field, message)
        else:
            import logging

            (logging.getLogger(__name__).warning if warning else logging.getLogger(__name__).error)(
                "%s: %s: %s", relative, field, message)
