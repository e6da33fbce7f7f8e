"""Each post's and page's URL worked out once, when the content is final.

Pelican works a URL out of its pattern (ARTICLE_URL, PAGE_LANG_URL...) each time
it is asked: a copy of the metadata and three path resolutions, some 30 µs. The
templates ask on every page listing a post, and the links between posts ask
again: about 30,000 times in a build of 1,000 posts, 5 to 10 % of it. Once every
generator of a language run has read its content (``all_generators_finalized``),
this plugin keeps each answer as the object's ``override_url``, the attribute
Pelican itself gives a post whose metadata sets its URL, and which its ``url``
returns as it is. A URL the metadata or another plugin set is left alone.

``save_as`` is not kept: Pelican reads an ``override_save_as`` as leave to write
over another file.
"""

from pelican import signals

from . import handlers


def register():
    signals.all_generators_finalized.connect(handlers.on_generators_finalized)
