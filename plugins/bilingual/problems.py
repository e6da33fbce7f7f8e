"""Problems found in the content, reported one line each.

Each problem names the source file, the metadata field and what to do. Errors
stop the build once every problem has been listed; warnings do not.
"""

import logging
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


class ContentErrors(Exception):
    """The content has errors; each was already logged on a line of its own."""

    exitcode = 1

    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"{len(problems)} content error(s) listed above; nothing was published")


class Problems:
    def __init__(self):
        self._seen = {}

    def add(self, path, field, message, severity=ERROR):
        key = (path, field)
        if key in self._seen:
            return
        problem = Problem(path, field, message, severity)
        self._seen[key] = problem
        log = logger.error if severity == ERROR else logger.warning
        log("%s", problem)

    def warn(self, path, field, message):
        self.add(path, field, message, WARNING)

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

    Pelican says "Skipping <file>: could not find information about 'date'"
    and "Unable to find '<link>'"; the plugin names the file, the field and the
    fix instead, so the reader gets one line per problem.
    """

    def __init__(self, build):
        super().__init__()
        self.build = build

    def filter(self, record):
        message = str(record.msg)
        if message.startswith("Skipping %s: could not find information about"):
            return not self.build.problems.about(_relative(record.args[0], self.build))
        if message.startswith("Unable to find '%s', skipping url replacement"):
            return False  # the output link check names the file that holds the link
        return True


def _relative(content, build):
    return build.relative_path(getattr(content, "source_path", str(content)))
