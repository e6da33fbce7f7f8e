"""Problems found in the content, reported one line each.

Each problem names the source file, the metadata field and what to do. Errors
stop the build once every problem has been listed; warnings do not.
"""

import logging
import os
from dataclasses import dataclass

logger = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    path: str
    field: str
    message: str
    severity: str = ERROR

    def __str__(self):
        return f"{self.path}: {self.field}: {self.message}"


class Problems:
    def __init__(self):
        self._seen = {}

    def add(self, path, field, message, severity=ERROR, about=None):
        """Record and log a problem once: one per file and field, or per ``about`` too."""
        key = (path, field, about)
        if key in self._seen:
            return
        problem = Problem(path, field, message, severity)
        self._seen[key] = problem
        log = logger.error if severity == ERROR else logger.warning
        log("%s", problem)

    def warn(self, path, field, message):
        self.add(path, field, message, WARNING)

    def has(self, path, field, about=None):
        return (path, field, about) in self._seen

    def mentions(self, about):
        return any(key[2] == about for key in self._seen)

    def about(self, path):
        return any(key[0] == path for key in self._seen)

    @property
    def errors(self):
        return [p for p in self._seen.values() if p.severity == ERROR]

    @property
    def warnings(self):
        return [p for p in self._seen.values() if p.severity == WARNING]


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
