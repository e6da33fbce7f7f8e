"""Pelican's own lines about problems the build reports better, left out."""

import logging
import os


class AlreadyReported(logging.Filter):
    """Drops Pelican's own lines about problems this plugin reports better.

    Pelican says "Skipping <file>: could not find information about 'date'",
    "Unable to find '<link>'", "Cannot get modification stamp for <a missing
    image>" or "There are 2 items with slug ..."; the plugin names the file,
    the field and the fix instead: one line per problem.
    """

    LOGGERS = ("pelican.contents", "pelican.utils", "pelican.generators", "pelican.readers", "pelican.cache")
    REPORTED_BY_CHECKS = (
        "Unable to find '%s', skipping url replacement",  # the link check names the file
        "Empty alt attribute for image %s in %s",         # the media plugin names the file
        "There are %s items",                             # duplicate slugs: the slug check
        "There are %s original (not translated) items",
    )

    def __init__(self, build):
        super().__init__()
        self.build = build

    def filter(self, record):
        message = str(record.msg)
        if message.startswith(self.REPORTED_BY_CHECKS):
            return False
        if message.startswith("Cannot get modification stamp for %s") and record.args:
            return not self._missing_content_file(record.args[0])
        if message.startswith("Skipping %s") and record.args:
            return not self.build.problems.about(_relative(record.args[0], self.build))
        return True

    def _missing_content_file(self, filename):
        """A {static} link to a file the content folder lacks: Pelican's static generator asks for
        its date before copying it; the link check reports the link, naming the post."""
        content = os.path.realpath(self.build.content_path)
        path = os.path.realpath(filename)
        return not os.path.exists(path) and os.path.commonpath([content, path]) == content

    @classmethod
    def install(cls, build):
        for name in cls.LOGGERS:
            target = logging.getLogger(name)
            for old in [f for f in target.filters if isinstance(f, cls)]:
                target.removeFilter(old)
            target.addFilter(cls(build))


def _relative(content, build):
    return build.relative_path(getattr(content, "source_path", str(content)))
