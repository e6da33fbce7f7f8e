"""Disqus (https://disqus.com): third party, loaded only after the reader's click.

Disqus reads its page settings from a window.disqus_config function, which
comments.js defines from the widget's data attributes (no inline script).
"""

import re

from sitekit.settings import SettingsError

from . import BaseProvider

SHORTNAME = re.compile(r"[a-z0-9-]+")


class Provider(BaseProvider):
    name = "disqus"
    label = "Disqus"
    privacy_url = "https://help.disqus.com/en/articles/1717103-disqus-privacy-policy"
    required = ("shortname",)

    def check(self):
        if not SHORTNAME.fullmatch(self.options["shortname"]):
            raise SettingsError("COMMENTS['disqus']['shortname'] must be your site's Disqus shortname "
                                f"(lower-case letters, digits, hyphens), not {self.options['shortname']!r}")

    @property
    def script_url(self):
        return f"https://{self.options['shortname']}.disqus.com/embed.js"

    def csp_sources(self):
        own = f"https://{self.options['shortname']}.disqus.com"
        return {
            "script-src": [own, "https://*.disqus.com", "https://*.disquscdn.com"],
            "frame-src": ["https://disqus.com", "https://*.disqus.com"],
            "img-src": ["https://*.disquscdn.com", "https://*.disqus.com"],
            "connect-src": ["https://*.disqus.com"],
            "style-src": ["https://*.disquscdn.com"],
        }

    def widget(self, thread, lang, page_url, title):
        attrs = {"id": "disqus_thread", "data-src": self.script_url, "data-identifier": thread.id,
                 "data-url": page_url, "data-title": title, "data-lang": lang}
        return {"loader": "disqus", "attrs": attrs, "script": None}
