"""YouTube and Vimeo links that become click-to-load players.

The page holds only a link to the video; the player (an iframe from the
provider) is made by theme/static/js/embeds.js when the reader clicks, so
no request reaches the provider before that.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
_VIMEO_PATH = re.compile(r"/(?:channels/[^/]+/|groups/[^/]+/videos/|video/)?(\d+)(?:/([0-9a-f]{6,}))?/?")


@dataclass(frozen=True)
class Embed:
    provider: str   # "youtube" or "vimeo"
    label: str      # the provider's name, shown as the caption
    player: str     # URL of the player, loaded on click


def embed_for(url):
    """The Embed of a YouTube or Vimeo video link, or None for any other URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    if host in _YOUTUBE_HOSTS or host == "youtu.be":
        video = _youtube_id(host, parts)
        return video and Embed("youtube", "YouTube", f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1")
    if host in ("vimeo.com", "www.vimeo.com", "player.vimeo.com"):
        return _vimeo(parts)
    return None


def _youtube_id(host, parts):
    if host == "youtu.be":
        candidate = parts.path.strip("/")
    elif parts.path == "/watch":
        candidate = parse_qs(parts.query).get("v", [""])[0]
    else:  # /shorts/ID, /embed/ID, /live/ID
        match = re.fullmatch(r"/(?:shorts|embed|live)/([^/]+)/?", parts.path)
        candidate = match.group(1) if match else ""
    return candidate if _YOUTUBE_ID.fullmatch(candidate) else None


def _vimeo(parts):
    match = _VIMEO_PATH.fullmatch(parts.path)
    if not match:
        return None
    video, private_hash = match.groups()
    # An unlisted video's link carries a hash that its player needs too.
    private_hash = private_hash or parse_qs(parts.query).get("h", [""])[0]
    if private_hash and not re.fullmatch(r"[0-9a-f]+", private_hash):
        return None
    query = f"h={private_hash}&autoplay=1" if private_hash else "autoplay=1"
    return Embed("vimeo", "Vimeo", f"https://player.vimeo.com/video/{video}?{query}")
