"""Authors' profiles from one TOML data file, shown in each post's author box."""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pelican.utils import slugify


class AuthorsFileError(ValueError):
    """The authors file cannot be read; the message names the file and the entry."""


@dataclass
class Profile:
    name: str
    photo: str | None = None
    links: list = field(default_factory=list)
    bio: dict = field(default_factory=dict)           # language -> text
    title: dict = field(default_factory=dict)         # language -> job title
    organisation: dict = field(default_factory=dict)  # language -> organisation

    def in_language(self, lang):
        """The profile as shown on a page in ``lang``."""
        return {
            "name": self.name, "photo": self.photo, "links": self.links,
            "bio": self.bio.get(lang), "title": self.title.get(lang), "organisation": self.organisation.get(lang),
        }


def load_profiles(path):
    """{slug: Profile}; an absent file means no profiles."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AuthorsFileError(f"{path}: not valid TOML ({exc}); fix the file") from None
    return {slug: _profile(path, slug, entry) for slug, entry in data.items()}


def _profile(path, slug, entry):
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise AuthorsFileError(f'{path}: [{slug}] needs at least name = "..."')
    for key in ("bio", "title", "organisation"):
        if not isinstance(entry.get(key, {}), dict):
            raise AuthorsFileError(f'{path}: [{slug}.{key}] must give one text per language, e.g. fr = "..."')
    links = entry.get("links", [])
    if not all(isinstance(link, dict) and {"label", "url"} <= set(link) for link in links):
        raise AuthorsFileError(f'{path}: [{slug}] links must look like {{ label = "...", url = "https://..." }}')
    return Profile(entry["name"], entry.get("photo"), links, entry.get("bio", {}),
                   entry.get("title", {}), entry.get("organisation", {}))


def profile_for(profiles, author):
    """The profile of a Pelican Author, matched by the slug of its name."""
    return profiles.get(getattr(author, "slug", None) or slugify(str(author)))
