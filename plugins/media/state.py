"""What the media plugin keeps during a build: image sizes and the resized copies to write."""

import dataclasses
import os
from dataclasses import dataclass

from sitekit.build_context import PendingFiles

from . import images
from .caches import Consulted, TransformCache


@dataclass(frozen=True)
class Variant:
    source: str      # original image on disk
    width: int
    requested_by: str  # content file whose image asked for it, for problems


class MediaState(PendingFiles):
    """Shared by every language run of a build (kept in its build context).

    Each run reads every content file: the second run finds the first one's transforms in
    ``transforms``, as the next build does when it is kept in a file. Resized copies are
    keyed by their output path and written once; with a ``variants`` folder, each copy is
    made once for all builds and linked into the site.
    """

    def __init__(self, config, transforms=None, variants=None):
        self.config = config
        self.transforms = transforms if transforms is not None else TransformCache(None)
        self.variants = variants  # a VariantCache, or None: each build resizes again
        self._sizes = {}     # path -> (modification time, (width, height))
        self.pending = {}    # output path -> Variant

    def transformed(self, fragment, page, transform):
        """``transform(fragment, page)``, or the result recorded for the same HTML and page while
        the files it looked at are unchanged; its problems and copies asked for are replayed."""
        key = self.transforms.key(fragment, page)
        entry = self.transforms.get(key)
        if entry is None:
            entry = _record(fragment, page, transform)
            self.transforms.put(key, entry)
        for field, message, about in entry["reports"]:
            page.report(field, message, tuple(about))
        for relative, source, width in entry["variants"]:
            page.request_variant(relative, source, width)
        return fragment if entry["html"] is None else entry["html"]

    def image_size(self, path):
        """(width, height) as displayed, read once per version of the file."""
        stamp = os.stat(path).st_mtime_ns
        cached = self._sizes.get(path)
        if cached is None or cached[0] != stamp:
            cached = self._sizes[path] = (stamp, images.displayed_size(path))
        return cached[1]

    def request(self, target, variant):
        self.pending.setdefault(str(target), variant)

    def write_pending(self, report):
        """Write the copies asked for so far, skipping those already up to date.

        ``report(variant, message)`` is told about an image Pillow cannot read.
        """
        pending, self.pending = self.pending, {}
        written = 0
        for target, variant in sorted(pending.items()):
            try:
                written += self._write(target, variant)
            except images.UNREADABLE as exc:  # a truncated or unreadable image
                report(variant, f"could not be resized ({exc})")
        return written

    def _write(self, target, variant):
        """Put the copy at ``target``; 1 if it had to be resized, else 0."""
        quality = self.config["quality"]
        if self.variants is None:
            if images.up_to_date(target, variant.source):
                return 0
            images.write_variant(variant.source, target, variant.width, quality)
            return 1
        return self.variants.put(target, variant, quality)


def _record(fragment, page, transform):
    """Run the transform, noting what it reports, the files it looks at and the copies it asks for."""
    consulted, reports = Consulted(), []
    html = transform(fragment, dataclasses.replace(
        page, consulted=consulted, report=lambda *problem: reports.append(list(problem))))
    return {"html": None if html == fragment else html, "files": consulted.files,
            "reports": reports, "variants": consulted.variants}
