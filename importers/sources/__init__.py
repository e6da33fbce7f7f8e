"""One module per export format, each with ``FORMAT`` (its name on the command line) and
``read(source: Path, options: ReadOptions) -> Export``; see importers/model.py.

The readers are imported by name only when asked for, so a format whose module is
missing (or broken) stops that format alone, with one line saying so.
"""

import importlib
import logging
from pathlib import Path

from ..model import Export, ImporterError, ReadOptions

logger = logging.getLogger(__name__)

# Name on the command line -> module of this package. TypePad writes Movable Type's format.
READERS = {
    "wordpress": "wordpress",
    "typepad": "movabletype",
    "movabletype": "movabletype",
    "linkedin": "linkedin",
    "substack": "substack",
    "revue": "revue",
    "buttondown": "buttondown",
}


class UnknownFormat(ImporterError):
    """A format name no reader answers to."""


def formats():
    """The format names the command accepts, in a stable order."""
    return sorted(READERS)


def reader_for(name):
    """The reader module of format ``name``; UnknownFormat for a name not listed or a module not there."""
    key = (name or "").strip().lower()
    module_name = READERS.get(key)
    if module_name is None:
        raise UnknownFormat(f"{name}: unknown format (known: {', '.join(formats())})")
    qualified = f"{__name__}.{module_name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise  # the reader exists but lacks something it imports: a real error, with its traceback
        raise UnknownFormat(f"{name}: its reader (importers/sources/{module_name}.py) is not installed") from None


def read_export(name, source, options=None) -> Export:
    """Read the export at ``source`` with the reader of format ``name``."""
    reader = reader_for(name)
    return reader.read(Path(source), options or ReadOptions())
