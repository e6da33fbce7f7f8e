"""Checks of the built site (a folder of HTML), run after the build and before deploying.

    problems = check_site("output", *site_arguments(report.settings))
    check_built_site(report.output, report.settings)   # logs each problem, raises SiteCheckFailed
    python -m publisher.site_checks [--settings publishconf.py] [--output output]

The build already stops on broken internal links and images and on newsletter
problems; these checks look at what only the finished output shows:

- every language was built: its home page, and pages declaring its <html lang>;
- every page declares the language of its folder and has a non-empty <title>;
- hreflang links are reciprocal: each version a page names exists, is in that
  language, and names the same versions in return (x-default included);
- every XML file (feeds, sitemaps) parses, and what the sitemaps and
  robots.txt list was built;
- each redirect page of an old address leads to a page or file that was built
  (it may declare its target's language wherever it lives).

Only the <head> of each page is parsed, so thousands of pages take seconds.
"""

import argparse
import functools
import logging
import posixpath
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import lxml.etree
import lxml.html
from pelican.settings import read_settings

from sitekit.build_context import build_of
from sitekit.languages import language_name, load

logger = logging.getLogger(__name__)

EXIT_SITE_CHECKS = 3
X_DEFAULT = "x-default"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"

HEAD_END = re.compile(rb"</head\s*>", re.I)
HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8")  # Pelican writes UTF-8
# Feeds and sitemaps are our own files: no entities, no network.
XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
OFF_SITE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


@dataclass(frozen=True)
class Problem:
    path: str     # relative to the output folder
    check: str    # "language", "title", "html", "hreflang", "xml", "sitemap"
    message: str  # what is wrong and what to do

    def __str__(self):
        return f"{self.path}: {self.check}: {self.message}"


class SiteCheckFailed(Exception):
    """The built site has problems, each already logged on a line of its own."""

    exitcode = EXIT_SITE_CHECKS

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the built site, listed above")


class SiteArguments(NamedTuple):
    """What check_site needs to know of the site, in its argument order."""

    siteurl: str
    languages: dict      # language code -> output folder ("" for the root, "en/")
    primary: str
    sources: dict = {}   # output path -> source file, to name in messages
    skip: tuple = ()     # output folders copied as they are (static files), not checked as pages


@dataclass
class Page:
    path: str
    lang: str | None
    title: str | None
    alternates: list = field(default_factory=list)  # (hreflang, href), as written
    refresh: str | None = None  # where a redirect page (an old address, plugins/redirects) leads


# --- Settings -----------------------------------------------------------------


def site_arguments(settings):
    """SiteArguments from a build's Pelican settings (BuildReport.settings) or a settings file's."""
    build = build_of(settings)
    if build is not None:
        languages = {code: build.prefix(code) for code in build.languages}
        primary = build.primary
        sources = {Path(page.path).as_posix(): page.source
                   for pages in build.written.values() for page in pages if page.source}
    elif settings.get("BILINGUAL"):
        config = load(settings)  # settings read without building (the command line)
        languages, primary, sources = dict(config["paths"]), config["languages"][0], {}
    else:
        languages, primary, sources = {settings["DEFAULT_LANG"]: ""}, settings["DEFAULT_LANG"], {}
    # Pelican copies static folders as they are: an attached HTML file is no page of ours.
    skip = tuple(folder.strip("/") + "/" for folder in settings.get("STATIC_PATHS", []) if folder.strip("/"))
    return SiteArguments(settings.get("SITEURL", "").rstrip("/"), languages, primary, sources, skip)


def _folders(languages, primary):
    """{code: folder} from a mapping, or from a list (the first at the root, others under code/)."""
    if isinstance(languages, dict):
        return {code: _as_folder(folder) for code, folder in languages.items()}
    return {code: "" if code == primary else code + "/" for code in languages}


def _as_folder(folder):
    folder = folder.strip("/")
    return folder + "/" if folder else ""


# --- Entry points ---------------------------------------------------------------


def check_site(output_dir, siteurl, languages, primary, sources=None, skip=()):
    """Every problem found in the built site at ``output_dir``, sorted by page.

    ``languages``: {code: output folder} (or a list of codes: the primary at
    the root, each other one under ``code/``). ``sources`` maps output paths
    to source files, so messages can name the file to edit.
    """
    site = _Site(Path(output_dir), siteurl.rstrip("/"), _folders(languages, primary),
                 sources or {}, tuple(_as_folder(folder) for folder in skip))
    problems = sorted(set(site.check()), key=lambda p: (p.path, p.check, p.message))
    logger.info("Checked %s pages and %s XML files in %s: %s problem(s)",
                len(site.pages), site.xml_count, output_dir, len(problems))
    return problems


def check_built_site(output_dir, settings):
    """Run check_site with a build's settings; log each problem and raise SiteCheckFailed if any.
    Returns the SiteArguments checked with (the languages, for a summary)."""
    arguments = site_arguments(settings)
    problems = check_site(output_dir, *arguments)
    for problem in problems:
        logger.error("%s", problem)
    if problems:
        raise SiteCheckFailed(problems)
    return arguments


# --- The checks ------------------------------------------------------------------


class _Site:
    def __init__(self, output, siteurl, folders, sources, skip):
        self.output = output
        self.siteurl = siteurl
        self.folders = folders
        self.sources = sources
        self.skip = skip
        self.pages = {}
        self.xml_count = 0

    def _built(self, pattern):
        """(path, output-relative path) of the built files matching ``pattern``, in order, skipped ones left out."""
        for path in sorted(self.output.rglob(pattern)):
            relative = path.relative_to(self.output).as_posix()
            if not relative.startswith(self.skip):
                yield path, relative

    def check(self):
        problems = []
        for path, relative in self._built("*.html"):
            page, problem = _read_page(path, relative)
            if problem:
                problems.append(problem)
            else:
                self.pages[relative] = page
        problems += self.check_languages_built()
        for page in self.pages.values():
            own = self.check_page(page)
            problems += own
            # A page in the wrong language would mislead every hreflang message it gets: its own comes first.
            if not any(problem.check == "language" for problem in own):
                problems += self.check_hreflang(page)
        problems += self.check_xml()
        problems += self.check_sitemaps()
        return problems

    # Languages and pages

    def check_languages_built(self):
        """Each language's home exists and declares its language (so the language has pages)."""
        problems = []
        counts = Counter(page.lang for page in self.pages.values())
        for code, folder in self.folders.items():
            home = self.pages.get(folder + "index.html")
            name = _language_name(code)
            if home is None:
                problems.append(Problem(folder + "index.html", "language",
                                        f"the {name} home page was not built ({counts[code]} page(s) declare "
                                        f"<html lang=\"{code}\">); check the build's messages and "
                                        "BILINGUAL in pelicanconf.py, then publish again"))
            elif home.lang != code:
                problems.append(Problem(home.path, "language",
                                        f"the {name} home page declares <html lang=\"{home.lang or ''}\">, not "
                                        f"\"{code}\"; check BILINGUAL['paths'] in pelicanconf.py"))
        return problems

    def expected_lang(self, path):
        """The language whose folder holds ``path`` (the longest folder wins)."""
        matches = [(len(folder), code) for code, folder in self.folders.items() if path.startswith(folder)]
        return max(matches)[1] if matches else None

    def check_page(self, page):
        problems = []
        expected = self.expected_lang(page.path)
        if not page.lang:
            problems.append(Problem(page.path, "language", "the page has no <html lang>; every template "
                                    "should extend base.html, which writes it"))
        elif page.lang not in self.folders:
            problems.append(Problem(page.path, "language", f"<html lang=\"{page.lang}\"> is not a language of "
                                    f"this site ({', '.join(self.folders)}){self.hint(page)}"))
        elif expected and page.lang != expected and page.refresh is None:
            problems.append(Problem(page.path, "language", f"the page declares <html lang=\"{page.lang}\"> but "
                                    f"lives in the {_language_name(expected)} site "
                                    f"({self.folders[expected] or 'at the root'}){self.hint(page)}"))
        if page.refresh is not None:
            problems += self.check_redirect(page)
        if not page.title:
            source = self.sources.get(page.path)
            fix = f"give {source} a Title line" if source else "check the template's title block"
            problems.append(Problem(page.path, "title", f"the page has no <title> or an empty one; {fix}"))
        return problems

    def check_redirect(self, page):
        """A redirect page's refresh URL is followed like a link: it must lead to something built."""
        target = self.resolve(page.refresh, page.path)
        if target is None or target in self.pages or (self.output / target).is_file():
            return []  # None: another site's address, not ours to check
        return [Problem(page.path, "redirect", f"this old address leads to {page.refresh}, which was not built "
                        f"({target} is missing); fix its line in content/data/redirects.toml, then publish again")]

    # hreflang

    def check_hreflang(self, page):
        """Each version a page names exists, is in its language and names the same versions back."""
        if not page.alternates:
            return []  # a page in one language only has no hreflang links, by design
        problems = []
        named = {}
        for hreflang, href in page.alternates:
            if hreflang in named:
                problems.append(Problem(page.path, "hreflang", f"names two {hreflang!r} versions "
                                        f"({named[hreflang][0]} and {href}); keep one"))
                continue
            named[hreflang] = (href, self.resolve(href, page.path))
        for hreflang, (href, target) in named.items():
            problems += self.check_alternate(page, hreflang, href, target, named)
        if page.lang in self.folders and page.lang not in named:
            # Search engines ignore hreflang links from a page that does not name itself too.
            problems.append(Problem(page.path, "hreflang", f"names other versions but not itself as the "
                                    f"{_language_name(page.lang)} version{self.hint(page)}"))
        return problems

    def check_alternate(self, page, hreflang, href, target, named):
        name = "default (x-default)" if hreflang == X_DEFAULT else _language_name(hreflang)
        where = f"links to {href} as its {name} version"
        if hreflang != X_DEFAULT and hreflang not in self.folders:
            return [Problem(page.path, "hreflang", f"{where}, but {hreflang!r} is not a language of this site "
                            f"({', '.join(self.folders)})")]
        if target is None:
            return [Problem(page.path, "hreflang", f"{where}, which is not an address of this site "
                            f"({self.siteurl or 'SITEURL is empty'}); check SITEURL")]
        if hreflang == page.lang:
            if target == page.path:
                return []
            return [Problem(page.path, "hreflang", f"{where}; in its own language a page names itself "
                            f"({self.url_of(page.path)}){self.hint(page)}")]
        other = self.pages.get(target)
        if other is None:
            return [Problem(page.path, "hreflang", f"{where}, but no such page was built ({target} is missing)"
                            f"{self.hint(page)}")]
        if hreflang == X_DEFAULT:
            if all(resolved != target for lang, (_, resolved) in named.items() if lang != X_DEFAULT):
                return [Problem(page.path, "hreflang", f"{where}, which is none of its language versions"
                                f"{self.hint(page)}")]
            return []
        if other.lang != hreflang:
            return [Problem(page.path, "hreflang", f"{where}, but that page declares "
                            f"<html lang=\"{other.lang or ''}\">{self.hint(page, other)}")]
        return self.check_reciprocal(page, other, href, name, named)

    def check_reciprocal(self, page, other, href, name, named):
        theirs = {}
        for hreflang, their_href in other.alternates:
            theirs.setdefault(hreflang, self.resolve(their_href, other.path))
        if theirs.get(page.lang) != page.path:
            return [Problem(page.path, "hreflang", f"links to {href} as its {name} version, but that page does "
                            f"not link back as its {_language_name(page.lang)} version"
                            f"{self.hint(page, other)}")]
        ours = {lang: resolved for lang, (_, resolved) in named.items()}
        if ours != theirs:
            return [Problem(page.path, "hreflang", f"names the versions {_describe(ours)} but its {name} version "
                            f"{other.path} names {_describe(theirs)}; the versions of a page must name each "
                            f"other alike{self.hint(page, other)}")]
        return []

    def resolve(self, href, from_path):
        """The output path a link leads to (a folder URL means its index.html), or None off the site."""
        if self.siteurl and (href == self.siteurl or href.startswith(self.siteurl + "/")):
            href = href[len(self.siteurl):] or "/"
        elif OFF_SITE.match(href):
            return None
        path = unquote(urlsplit(href).path)
        if not path.startswith("/"):  # relative URLs (RELATIVE_URLS = True)
            path = posixpath.join("/", posixpath.dirname(from_path), path)
        folder = path.endswith("/")
        path = posixpath.normpath(path).strip("/")
        if path in ("", "."):
            return "index.html"
        # A folder written without its final slash is still the folder.
        if folder or (path not in self.pages and path + "/index.html" in self.pages):
            return path + "/index.html"
        return path

    def url_of(self, path):
        return f"{self.siteurl}/{path.removesuffix('index.html')}"

    def hint(self, *pages):
        """What to do: check the source files behind the pages, when known."""
        files = [self.sources[p.path] for p in pages if p.path in self.sources]
        if files:
            return f"; check the Lang, Slug and Translation-Of lines of {' and '.join(files)}, then publish again"
        if self.sources:  # the build said which pages render a file: this one renders none
            return ("; this page renders no post or page of its own (a home, list, category or tag): check "
                    "the build's messages and content/data/taxonomy.toml, then publish again")
        return ("; check the Lang, Slug and Translation-Of lines of the posts or pages behind it (or "
                "content/data/taxonomy.toml for a category or tag), then publish again")

    # XML, sitemaps

    def check_xml(self):
        """Feeds and sitemaps must parse: feed readers and search engines drop a broken file whole."""
        problems = []
        for path, relative in self._built("*.xml"):
            self.xml_count += 1
            try:
                lxml.etree.parse(str(path), XML_PARSER)
            except lxml.etree.XMLSyntaxError as exc:
                problems.append(Problem(relative, "xml", f"is not well-formed XML ({exc}); feed readers "
                                        "and search engines will ignore it: check the plugin or template writing it"))
        return problems

    def check_sitemaps(self):
        """Everything the sitemap index, the language sitemaps and robots.txt name was built."""
        index, robots = self.output / "sitemap.xml", self.output / "robots.txt"
        named = [("sitemap.xml", url) for url in _sitemap_urls(index, "sitemap")] if index.is_file() else []
        if robots.is_file():
            lines = robots.read_text(encoding="utf-8").splitlines()
            named += [("robots.txt", line.split(":", 1)[1].strip()) for line in lines
                      if line.lower().startswith("sitemap:")]
        problems = []
        for where, url in named:
            target = self.resolve(url, "")
            if target is None or not (self.output / target).is_file():
                problems.append(Problem(where, "sitemap", f"names {url}, which was not built; check SITEURL"))
            elif target != "sitemap.xml":
                problems += self.check_language_sitemap(target)
        return problems

    def check_language_sitemap(self, relative):
        problems = []
        for url in _sitemap_urls(self.output / relative, "url"):
            target = self.resolve(url, "")
            if target is None or target not in self.pages:
                problems.append(Problem(relative, "sitemap", f"names {url}, but no such page was built; "
                                        "search engines would report it as missing"))
        return problems


def _read_page(path, relative):
    """A Page from the <head> of an HTML file (the body is never parsed), or a Problem."""
    data = path.read_bytes()
    end = HEAD_END.search(data)
    head = data[: end.end()] if end else data
    try:
        root = lxml.html.document_fromstring(head, parser=HTML_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None, Problem(relative, "html", "the file is empty or not HTML; publish again, and report "
                             "it if it stays so")
    title = root.find(".//title")
    alternates = [(link.get("hreflang", "").strip().lower(), link.get("href", "").strip())
                  for link in root.iterfind(".//link[@hreflang]")
                  if "alternate" in link.get("rel", "").lower().split()]
    lang = (root.get("lang") or "").strip().lower() or None
    return Page(relative, lang, title.text_content().strip() if title is not None else None, alternates,
                _refresh_url(root)), None


REFRESH_URL = re.compile(r"^\s*\d+\s*[;,]\s*url\s*=\s*['\"]?([^'\"]*)", re.I)


def _refresh_url(root):
    """The URL of a <meta http-equiv="refresh" content="0; url=..."> (a redirect page), or None."""
    for meta in root.iterfind(".//meta[@http-equiv]"):
        if meta.get("http-equiv", "").strip().lower() == "refresh":
            found = REFRESH_URL.match(meta.get("content", ""))
            if found:
                return found.group(1).strip()
    return None


def _sitemap_urls(path, element):
    """<loc> of each <url> (with its xhtml:link alternates) or <sitemap> of a sitemap file."""
    try:
        root = lxml.etree.parse(str(path), XML_PARSER).getroot()
    except (OSError, lxml.etree.XMLSyntaxError):
        return []  # check_xml reports a broken file
    urls = []
    for entry in root.iterfind(f"{{{SITEMAP_NS}}}{element}"):
        urls += [(loc.text or "").strip() for loc in entry.iterfind(f"{{{SITEMAP_NS}}}loc")]
        urls += [link.get("href", "") for link in entry.iterfind(f"{{{XHTML_NS}}}link")]
    return urls


def _describe(versions):
    return "{" + ", ".join(f"{lang}: {path}" for lang, path in sorted(versions.items())) + "}"


@functools.lru_cache(maxsize=None)  # asked for every hreflang link of thousands of pages
def _language_name(code):
    """'English' for "en": messages name languages as an editor says them."""
    try:
        return language_name(code, "en")
    except Exception:  # an unknown code is reported as it is
        return repr(code)


# --- Command line ------------------------------------------------------------------


def main(argv=None):
    """Check an existing output folder with a settings file; the exit status is 0 or 3."""
    parser = argparse.ArgumentParser(description="Check a built site before deploying it.")
    parser.add_argument("--settings", default="publishconf.py")
    parser.add_argument("--output", default="output")
    args = parser.parse_args(argv)
    settings = read_settings(args.settings)
    try:
        check_built_site(args.output, settings)
    except SiteCheckFailed as exc:
        logger.error("Site check failed: %s", exc)
        return exc.exitcode
    return 0


if __name__ == "__main__":
    # Configured here, not in main(): callers (tests, tasks) keep their own logging.
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.INFO, stream=sys.stderr)
    sys.exit(main())
