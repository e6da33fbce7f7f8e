"""Files offered for download: their MIME type and a size label in the reader's language."""

from babel import Locale, UnknownLocaleError
from babel.units import format_unit

# Files a reader downloads rather than views as a page or image.
MIME_TYPES = {
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".epub": "application/epub+zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".csv": "text/csv",
    ".txt": "text/plain",
}


def size_label(size, lang):
    """A file size as readers of ``lang`` write it: "3 ko" in French, "3 kB" in English.

    Decimal units (1 kB = 1000 bytes), as CLDR names them; one decimal under
    10 so that small files do not all read "1 kB".
    """
    unit, value = "digital-kilobyte", _rounded(size / 1e3)
    if value >= 1000:  # 999,999 bytes read "1 MB", not "1,000 kB"
        unit, value = "digital-megabyte", _rounded(size / 1e6)
    return format_unit(value, unit, length="short", locale=_locale(lang))


def _rounded(value):
    value = round(value, 1) if value < 10 else round(value)
    value = max(value, 0.1)  # a 40-byte file is not "0 kB"
    return int(value) if value == int(value) else value


def _locale(lang):
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale.parse("en")  # an unknown Lang line is reported by the bilingual plugin
