"""Raster images with Pillow: their displayed size and resized copies."""

import os
from pathlib import Path

from PIL import Image, ImageOps

from sitekit.file_aside import written_aside

RASTER = (".jpg", ".jpeg", ".png", ".webp")

# EXIF orientations that turn the picture a quarter: browsers follow them,
# so the width and height they show are swapped.
_QUARTER_TURNS = {5, 6, 7, 8}
_ORIENTATION_TAG = 0x0112

# What Pillow cannot read: not an image, truncated, too large to be safe.
UNREADABLE = (OSError, ValueError, Image.DecompressionBombError)


def displayed_size(path):
    """(width, height) of the image as a browser shows it."""
    with Image.open(path) as image:
        width, height = image.size
        if image.getexif().get(_ORIENTATION_TAG) in _QUARTER_TURNS:
            width, height = height, width
    return width, height


def variant_path(relative, folder, width):
    """'images/plan.jpg' -> 'images/_w/plan-480.jpg' (a path relative to the site root)."""
    original = Path(relative)
    return (original.parent / folder / f"{original.stem}-{width}{original.suffix}").as_posix()


def up_to_date(target, source):
    try:
        return os.stat(target).st_mtime_ns >= os.stat(source).st_mtime_ns
    except FileNotFoundError:
        return False


def write_variant(source, target, width, quality):
    """Write ``source`` resized to ``width`` pixels wide, in its own format."""
    with Image.open(source) as original:
        kind = original.format
        icc_profile = original.info.get("icc_profile")
        upright = ImageOps.exif_transpose(original)  # the copy carries no EXIF
        if upright.mode == "P":
            upright = upright.convert("RGBA")  # palettes only resize with NEAREST
        height = max(1, round(upright.height * width / upright.width))
        resized = upright.resize((width, height), Image.Resampling.LANCZOS)
    if kind == "JPEG" and resized.mode not in ("RGB", "L"):
        resized = resized.convert("RGB")
    options = {"optimize": True}
    if kind in ("JPEG", "WEBP"):
        options["quality"] = quality
    if icc_profile:
        options["icc_profile"] = icc_profile
    # Written aside then renamed: an interrupted build leaves no half image
    # that a later build would take as up to date.
    with written_aside(target, binary=True, permissions=0o644) as stream:
        resized.save(stream, format=kind, **options)
