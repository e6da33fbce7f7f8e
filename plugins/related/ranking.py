"""Which posts are related to a post: shared tags first, then the same category, then the newest.

Only the posts' header lines count (language, tags, category, date): an edit of a post's text
never changes which posts another post lists (the edit loop relies on it, publisher/preview).
"""

from collections import defaultdict


def _key(item):
    return str(getattr(item, "slug", "") or item).casefold()


def _tags(post):
    return {_key(tag) for tag in getattr(post, "tags", None) or ()}


def _category(post):
    category = getattr(post, "category", None)
    return _key(category) if category else None


class Ranking:
    """``candidates`` indexed by tag and category once, so ranking each post looks only at the
    posts it shares one with (a build ranks every post: comparing each with all is quadratic)."""

    def __init__(self, candidates):
        self.position, self.keys, self.sharing = {}, {}, defaultdict(list)
        for position, other in enumerate(candidates):
            if getattr(other, "untranslated_from", None):
                continue
            tags, category = _tags(other), _category(other)
            self.position[id(other)], self.keys[id(other)] = position, (tags, category)
            for key in [("tag", tag) for tag in tags] + ([("category", category)] if category else []):
                self.sharing[key].append(other)

    def related(self, post, count):
        """Up to ``count`` candidates related to ``post``: same language, never the post itself
        nor one of its translations, each sharing a tag or the category, best first."""
        tags, category = _tags(post), _category(post)
        lang = getattr(post, "lang", None)
        excluded = {id(post)} | {id(translation) for translation in getattr(post, "translations", None) or ()}
        keys = [("tag", tag) for tag in tags] + ([("category", category)] if category else [])
        found = {id(other): other for key in keys for other in self.sharing.get(key, ())}
        scored = []
        for other in sorted(found.values(), key=lambda other: self.position[id(other)]):
            if id(other) in excluded or getattr(other, "lang", None) != lang or other.source_path == post.source_path:
                continue
            other_tags, other_category = self.keys[id(other)]
            scored.append((len(tags & other_tags), category is not None and other_category == category,
                           other.date, other))
        scored.sort(key=lambda entry: entry[:3], reverse=True)
        return [entry[3] for entry in scored[:count]]


def related(post, candidates, count):
    """``post``'s related posts among ``candidates`` (see Ranking.related)."""
    return Ranking(candidates).related(post, count)
