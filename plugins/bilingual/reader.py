"""Pelican's readers, made to report what they would fail on: an unreadable date, a file that is
not text the site can carry, names outside the taxonomy."""

import re

from pelican.readers import BaseReader
from pelican.utils import SafeDatetime

from sitekit.build_context import build_of

from . import checks

DATE_FIELDS = {"date": "Date", "modified": "Modified"}
# 2025-01-31, 2025-01-31 09:30, 2025-01-31T09:30:15: no zone, no fraction of a second.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")


def report_problems(readers):
    """Give each reader class of the run (but the static files', which have no dates) its reporting variant."""
    for extension, reader_class in list(readers.reader_classes.items()):
        if reader_class is not BaseReader:
            readers.reader_classes[extension] = _date_checking(reader_class)


def _date_checking(reader_class):
    """The reader class, reporting an unreadable date instead of failing on it, a file that is
    not text the site can carry instead of stopping the build, and names outside the taxonomy.

    Made once per reader class and kept on it: Pelican finds readers among
    the subclasses of BaseReader, so one made per build would pile up.
    """
    if getattr(reader_class, "reports_bad_dates", False):
        return reader_class
    if "_date_checking_variant" not in reader_class.__dict__:
        reader_class._date_checking_variant = type(reader_class.__name__, (reader_class,), {
            "reports_bad_dates": True, "read": _read_reporting_dates, "process_metadata": _process_reporting_dates})
    return reader_class._date_checking_variant


def _read_reporting_dates(self, source_path):
    build = build_of(self.settings)
    unreadable = checks.text_problem(source_path)
    if unreadable is not None:
        line, message = unreadable
        build.problems.add(build.relative_path(source_path), f"line {line}", message)
        # Pelican leaves a "skip" file out without a word; the build fails on the error above.
        return "", {"status": "skip"}
    self._bad_values = {}
    content, metadata = super(type(self), self).read(source_path)
    for name, raw in self._bad_values.items():
        metadata.pop(name, None)
        checks.report_bad_value(build, source_path, DATE_FIELDS[name], raw,
                                "is not a date; write it as 2025-01-31 or 2025-01-31 09:30")
    if metadata.get("status") != "skip":
        # The file's own lines only: Pelican adds DEFAULT_CATEGORY to the metadata after reading.
        language = str(metadata.get("lang") or build.of_file(source_path)).strip().lower()
        checks.check_taxonomy(build, source_path, metadata, language)
    return content, metadata


def _process_reporting_dates(self, name, value):
    if name in DATE_FIELDS and isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            # Pelican hands every date to dateutil's parser (about a tenth of reading a cached post);
            # the usual form gives the same naive SafeDatetime straight from fromisoformat.
            return SafeDatetime.fromisoformat(value)
        except ValueError:
            pass  # a 13th month: Pelican's own error, reported below
    try:
        return super(type(self), self).process_metadata(name, value)
    except ValueError:
        if name not in DATE_FIELDS:
            raise
        self._bad_values[name] = value
        return None
