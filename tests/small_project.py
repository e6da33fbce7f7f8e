"""A small bilingual project in a temporary folder, built with the real theme and plugins."""

import os
import textwrap
from pathlib import Path

from conftest import ROOT
from publisher.build import build_site

ORIGINAL = """\
Title: Un article à commenter
Date: 2025-01-31 09:30
Lang: fr
Slug: article-a-commenter
{extra}
Un texte ; des mots !
"""

TRANSLATION = """\
Title: A post to comment on
Date: 2025-01-31 09:30
Lang: en
Slug: post-to-comment-on
Translation-Of: article-a-commenter
Source-Hash: {digest}
{extra}
Some words.
"""


class SmallProject:
    """content/posts/fr/article-a-commenter.md and its English translation."""

    def __init__(self, folder, original_extra="", translation_extra=""):
        self.folder = Path(folder)
        for sub in ("content/posts/fr", "content/posts/en", "content/data", "content/images"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        (self.folder / "content/data/taxonomy.toml").write_text("")
        self.write("content/posts/fr/article-a-commenter.md", ORIGINAL.format(extra=original_extra))
        from bilingual.checks import source_digest

        digest = source_digest(self.folder / "content/posts/fr/article-a-commenter.md")
        self.write("content/posts/en/post-to-comment-on.md", TRANSLATION.format(extra=translation_extra, digest=digest))
        (self.folder / "conf.py").write_text(textwrap.dedent(f"""\
            import sys
            sys.path.insert(0, {str(ROOT)!r})
            from pelicanconf import *
            THEME = {str(ROOT / "theme")!r}
            PLUGIN_PATHS = [{str(ROOT / "plugins")!r}]
            SEARCH = {{"enabled": False}}
            """))
        self.output = self.folder / "output"

    def write(self, relative, text):
        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")

    def build(self, **overrides):
        """Build in-process (from the project folder) into output/; returns the BuildReport."""
        previous = os.getcwd()
        os.chdir(self.folder)
        try:
            return build_site(self.folder / "conf.py", self.output, overrides)
        finally:
            os.chdir(previous)

    def page(self, relative):
        from bs4 import BeautifulSoup

        path = self.output / relative
        if relative.endswith("/") or relative == "":
            path = path / "index.html"
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
