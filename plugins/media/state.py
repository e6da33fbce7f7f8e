"""What the media plugin keeps during a build: image sizes and the resized copies to write."""

import dataclasses
import hashlib
import os
from dataclasses import dataclass

from . import images


@dataclass(frozen=True)
class Variant:
    source: str      # original image on disk
    width: int
    requested_by: str  # content file whose image asked for it, for problems


class MediaState:
    """Shared by every language run of a build (stored in their settings).

    Each run reads every content file, so the same copy is asked for once
    per run; requests are keyed by their output path and written once.
    """

    def __init__(self, config):
        self.config = config
        self._sizes = {}     # path -> (modification time, (width, height))
        self.pending = {}    # output path -> Variant
        self._transformed = {}  # (digest of the HTML, where it goes) -> (HTML, problems reported)

    def transformed(self, fragment, page, transform):
        """``transform(fragment, page)``, kept for the next language run reading the same file.

        Every language run reads every file, so each post would otherwise be transformed once
        per language. An entry serves once, then goes: the HTML is not held for the rest of the
        build (a third language would transform again). The problems the first transform
        reported are reported again, as a new transform would (the build's list keeps one of each).
        """
        where = dataclasses.astuple(dataclasses.replace(page, state=None, report=None))
        key = (hashlib.blake2b(fragment.encode("utf-8"), digest_size=16).digest(), where)
        if key not in self._transformed:
            reports = []

            def recording(*problem):
                reports.append(problem)
                page.report(*problem)

            self._transformed[key] = (transform(fragment, dataclasses.replace(page, report=recording)), reports)
            return self._transformed[key][0]
        html, reports = self._transformed.pop(key)
        for problem in reports:
            page.report(*problem)
        return html

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
            if images.up_to_date(target, variant.source):
                continue
            try:
                images.write_variant(variant.source, target, variant.width, self.config["quality"])
                written += 1
            except images.UNREADABLE as exc:  # a truncated or unreadable image
                report(variant, f"could not be resized ({exc})")
        return written
