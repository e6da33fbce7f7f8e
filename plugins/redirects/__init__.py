"""Old addresses keep working: the redirects of ``content/data/redirects.toml``.

The file maps an old address (a path such as "/2021/02/07/mon-article/", or
"/?p=123") to what it leads to now: a source file under content/, or
"category:<slug>", "tag:<slug>", "feed:<lang>". `invoke import` writes it; an
editor may add lines by hand. Once every language is written, each target is
resolved to the URL the build gave it, and the plugin writes

- a small page at each old path (meta refresh, canonical link, noindex, a
  visible link in the target's language, no script), never over a page the
  build wrote;
- ``_redirects`` (Netlify, Cloudflare Pages) and ``.htaccess`` (Apache) at the
  output's root, real 301s for the hosts that read them;
- an nginx ``map`` in ``cache/redirects/nginx-map.conf``, outside the output
  so it is never served (README: "Old addresses").
"""

import blinker
from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
    signals.get_generators.connect(handlers.on_run_start)
    # Sent by the bilingual plugin once every language is written.
    blinker.signal("bilingual.all_languages_written").connect(handlers.on_all_languages_written)
