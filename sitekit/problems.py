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
