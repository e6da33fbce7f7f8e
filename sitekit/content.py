"""Rules of the content files that the build and the authoring commands both follow:
slugs, the Source-Hash a translation records of its original, and whether a page was built."""

import hashlib
import re
from pathlib import Path

from pelican.utils import slugify as pelican_slugify
from unidecode import unidecode

SLUG_LENGTH = 70
SLUG_SHAPE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text, length=SLUG_LENGTH):
    """A new slug: accents folded, lowercase, one hyphen between words: "L’été : œuvres" -> "l-ete-oeuvres"."""
    slug = re.sub(r"[^a-z0-9]+", "-", unidecode(str(text)).lower()).strip("-")
    if len(slug) > length:
        cut = slug[:length + 1]
        slug = cut[:cut.rfind("-")] if "-" in cut else slug[:length]
    return slug.strip("-")


def pelican_slug(text, settings):
    """The slug Pelican makes of ``text`` (a title without a Slug line) under these settings."""
    return pelican_slugify(text, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []),
                           preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
                           use_unicode=settings.get("SLUGIFY_USE_UNICODE", False))


def source_digest(path):
    """What a translation records in Source-Hash: 12 hex digits of its original's SHA-256."""
    return digest_of(Path(path).read_bytes())


def digest_of(data):
    """Source-Hash of an original's bytes (Windows line endings count as Unix ones)."""
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()[:12]


def exists_in_output(output_dir, local):
    """Whether a site path (a file, or a folder with index.html) was built inside ``output_dir``."""
    candidate = output_dir / local
    try:
        candidate.resolve().relative_to(output_dir.resolve())
    except ValueError:
        return False
    return candidate.is_file() or (candidate / "index.html").is_file()
