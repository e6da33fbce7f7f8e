"""giscus: comments stored as GitHub Discussions (https://giscus.app).

Third party: nothing is requested from giscus.app until the reader clicks
"Show comments". Its comments are not read at build time (GitHub's API needs
a token). Each post maps to one discussion by its thread id ("specific").
"""

from . import BaseProvider

ORIGIN = "https://giscus.app"


class Provider(BaseProvider):
    name = "giscus"
    label = "giscus (GitHub)"
    privacy_url = "https://github.com/giscus/giscus/blob/main/PRIVACY-POLICY.md"
    defaults = {"reactions": True, "theme": "preferred_color_scheme", "input_position": "bottom"}
    required = ("repo", "repo_id", "category", "category_id")

    def csp_sources(self):
        # client.js adds giscus's stylesheet to the page, then its iframe.
        return {"script-src": [ORIGIN], "style-src": [ORIGIN], "frame-src": [ORIGIN]}

    def widget(self, thread, lang, page_url, title):
        options = self.options
        script = {
            "src": f"{ORIGIN}/client.js",
            "data-repo": options["repo"], "data-repo-id": options["repo_id"],
            "data-category": options["category"], "data-category-id": options["category_id"],
            "data-mapping": "specific", "data-term": thread.id, "data-strict": "1",
            "data-reactions-enabled": "1" if options["reactions"] else "0",
            "data-emit-metadata": "0", "data-input-position": options["input_position"],
            "data-theme": options["theme"], "data-lang": lang, "crossorigin": "anonymous",
        }
        return {"loader": "script", "attrs": {}, "script": script}
