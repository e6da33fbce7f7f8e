"""Series of posts: part n of m, previous and next parts, "to be continued".

A post joins a series with `Series: <name>` and `Series-Part: <n>`;
`Series-Parts: <m>` announces how many parts are planned, so the last
published part can say the next one is coming.
"""

from pelican import signals

from .series import on_articles_listed


def register():
    signals.article_generator_finalized.connect(on_articles_listed)
