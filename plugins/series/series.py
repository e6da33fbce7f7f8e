"""Links each post of a series to the others, within one language's site."""

from collections import defaultdict
from dataclasses import dataclass

from sitekit.build_context import report
from sitekit.metadata import whole_number


@dataclass
class SeriesPosition:
    name: str
    part: int            # 1-based position among the published parts
    parts: list          # the published posts, in order
    planned: int         # parts announced (Series-Parts), at least the published ones

    @property
    def previous(self):
        return self.parts[self.part - 2] if self.part > 1 else None

    @property
    def next(self):
        return self.parts[self.part] if self.part < len(self.parts) else None

    @property
    def to_be_continued(self):
        """The last published part of a series announced longer."""
        return self.next is None and self.planned > len(self.parts)


def on_articles_listed(generator):
    """Runs once per language: generator.articles holds that language's posts only."""
    for name, posts in _series(generator.articles).items():
        posts.sort(key=lambda post: (_number(post, "series_part", post) or 0, post.date))
        planned = max([len(posts)] + [_number(post, "series_parts", post) or 0 for post in posts])
        for position, post in enumerate(posts, start=1):
            post.series_position = SeriesPosition(name, position, posts, planned)


def _series(articles):
    found = defaultdict(list)
    for article in articles:
        if getattr(article, "series", None) and not getattr(article, "untranslated_from", None):
            found[article.series.strip()].append(article)
    return found


def _number(post, attribute, source):
    value = getattr(post, attribute, None)
    if value is None:
        return None
    number = whole_number(value)
    if number is None:
        field = attribute.replace("_", "-").title()
        # An error: a wrong number reorders the whole series.
        report(source.settings, source.source_path, field, f"{value!r} is not a whole number; write e.g. 2")
    return number
