"""Which posts are related to a post: shared tags first, then the same category, then the newest.

Only the posts' header lines count (language, tags, category, date): an edit of a post's text
never changes which posts another post lists (the edit loop relies on it, publisher/preview).
"""


def _key(item):
    return str(getattr(item, "slug", "") or item).casefold()


def _tags(post):
    return {_key(tag) for tag in getattr(post, "tags", None) or ()}


def _category(post):
    category = getattr(post, "category", None)
    return _key(category) if category else None


def related(post, candidates, count):
    """Up to ``count`` of ``candidates`` related to ``post``: same language, never the post itself
    nor one of its translations, each sharing a tag or the category, best first."""
    tags, category = _tags(post), _category(post)
    lang = getattr(post, "lang", None)
    excluded = {id(post)} | {id(translation) for translation in getattr(post, "translations", None) or ()}
    scored = []
    for other in candidates:
        if id(other) in excluded or getattr(other, "lang", None) != lang:
            continue
        if getattr(other, "untranslated_from", None) or other.source_path == post.source_path:
            continue
        shared = len(tags & _tags(other))
        same_category = category is not None and _category(other) == category
        if shared or same_category:
            scored.append((shared, same_category, other.date, other))
    scored.sort(key=lambda entry: entry[:3], reverse=True)
    return [entry[3] for entry in scored[:count]]
