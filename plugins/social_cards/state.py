"""What every language run of one build shares: the settings, the fonts, the cards to write."""

import hashlib
import os

import PIL
from PIL import ImageFont

from .text import Face

LAYOUT_VERSION = "2"  # change it when the drawing changes, so every card is drawn again


class SocialCardsFontError(RuntimeError):
    """Pillow cannot draw text at a chosen size (it was built without FreeType)."""


class Cards:
    def __init__(self, config):
        self.config = config
        self.fingerprint = _fingerprint(config)
        self.pending = {}  # (language, "article" or "page") -> {output-relative path: Card}
        self._faces = {}

    def face_at(self, size):
        """The Face of the card font at ``size`` pixels, loaded once per build."""
        if size not in self._faces:
            self._faces[size] = Face(_load_font(self.config["font"], size))
        return self._faces[size]

    def cache_file(self, card, digest):
        """Where the cache keeps this version of a card, or None without a cache."""
        if not self.config["cache_dir"]:
            return None
        folder, name = os.path.split(card.relative_path)
        return os.path.join(self.config["cache_dir"], folder, f"{name[:-len('.png')]}.{digest}.png")


def _load_font(path, size):
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise SocialCardsFontError(
            "Pillow was built without FreeType, so its font cannot be scaled; "
            "install Pillow from its wheels (pip install pillow) or set SOCIAL_CARDS['font']")
    return font


def _fingerprint(config):
    """What, besides a card's own text, changes its pixels: layout, colours and font."""
    if config["font"]:
        stat = os.stat(config["font"])
        font = f"{config['font']}:{stat.st_size}:{stat.st_mtime_ns}"
    else:
        font = f"pillow-default:{PIL.__version__}"
    colours = [config[key] for key in ("background", "band", "text", "accent")]
    return hashlib.sha256(repr((LAYOUT_VERSION, font, colours)).encode()).hexdigest()[:16]
