"""Moving in from another platform: `invoke import FORMAT SOURCE`.

Each module of ``importers/sources/`` reads one platform's export into an
``Export`` (importers/model.py): items (posts, pages, newsletter issues) with
their Markdown, comments, old addresses and media, plus authors, taxonomy
and subscribers. The rest of the package writes an Export into the site,
the same way for every source: content files built aside and moved in whole
(writer.py), media (media.py), redirects (redirects.py), comments into the
comment server's store (comments.py), subscribers (subscribers.py) and the
report (report.py). The command is publisher/importing.py.

Layer: imports ``sitekit`` and ``newsletter`` (for the mail providers'
client), never ``plugins`` or ``publisher``.
"""
