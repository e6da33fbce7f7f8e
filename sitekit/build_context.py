"""The build context: what the Pelican runs of one build share, and what each run is.

A build is one Pelican run per language: the main run starts the others (plugins/bilingual),
each with its own copy of the settings. Every copy holds one Run: the run's language, the
Build every run shares (None outside a bilingual build) and the plugins' states, one per
class, shared by every run too. The settings key they are kept under is known here only:
the plugins and the commands read them through build_of, language_of_run and state_of.
"""

import logging
import os
from abc import ABC, abstractmethod
from collections import defaultdict
from dataclasses import dataclass, field, replace

from .languages import Languages
from .plugin_list import lists_plugin
from .problems import ERROR, Problems
from .taxonomy import Taxonomy

logger = logging.getLogger(__name__)

_KEY = "BUILD_CONTEXT"


@dataclass
class LanguageIndex:
    """What one language's site holds, for links from the other languages.

    Categories and tags map their casefolded name to the name as written,
    since authors may write "strategy" in one post and "Strategy" in another.
    """

    categories: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    authors: set = field(default_factory=set)


@dataclass
class WrittenPage:
    path: str          # relative to the output folder
    url: str           # relative to SITEURL
    source: str | None  # source file, when the page renders one
    alternates: list
    lastmod: object = None


class Build(Languages, ABC):
    """State of one build across all its language runs; reset for each rebuild.
    The plugin that runs the languages says how the theme's words read and how links are checked."""

    def __init__(self, config, base_patterns, content_path):
        super().__init__(config, base_patterns)
        self.content_path = content_path
        self.reset()

    def reset(self):
        """Start a build afresh (each rebuild of `invoke serve` calls this)."""
        self.taxonomy = Taxonomy.load(os.path.join(self.content_path, self.config["taxonomy_file"]))
        self.problems = Problems()
        self.index = defaultdict(LanguageIndex)
        self.written = defaultdict(list)
        self.listed_from_elsewhere = defaultdict(set)  # language -> URLs of other languages' posts
        self.unwritten = set()  # source paths never to write (a duplicate slug...)

    @abstractmethod
    def translations(self, lang):
        """The theme's gettext catalogue of ``lang``."""

    @abstractmethod
    def check_links(self, output_dir, pages, siteurl):
        """Check the links of some built ``pages`` (each with .path and .source) into this build's problems."""

    def relative_path(self, path):
        """A path as the author sees it: relative to the working folder when inside it."""
        if not path:
            return str(path)
        relative = os.path.relpath(path)
        return path if relative.startswith("..") else relative


@dataclass
class Run:
    """One Pelican run of a build: its language (None outside a bilingual build), the build and the states."""

    lang: str | None = None
    build: Build | None = None
    states: dict = field(default_factory=dict)  # a state's class -> the state

    @property
    def is_main(self):
        """The run that builds the others (bilingual), or the only one."""
        return self.build is None or self.lang == self.build.primary


def _run(settings):
    run = settings.get(_KEY)
    if run is None:
        run = settings[_KEY] = Run()
    return run


def build_of(settings):
    """The Build shared by the language runs, or None outside a bilingual build."""
    run = settings.get(_KEY)
    return run.build if run is not None else None


def language_of_run(settings):
    """The language this run builds (DEFAULT_LANG outside a bilingual build)."""
    run = settings.get(_KEY)
    return run.lang if run is not None and run.lang else settings.get("DEFAULT_LANG")


def is_main_run(settings):
    run = settings.get(_KEY)
    return run is None or run.is_main


def start_build(settings, build):
    """Make these the settings of the main run of ``build``."""
    run = _run(settings)
    run.build, run.lang = build, build.primary


def language_run(settings, lang):
    """A copy of the main run's settings for the run of ``lang``, sharing the build and the states."""
    copy = dict(settings)
    copy[_KEY] = replace(_run(settings), lang=lang)
    return copy


def state_of(settings, kind):
    """The state of class ``kind`` (or of a subclass) kept by this build, or None."""
    run = settings.get(_KEY)
    if run is None:
        return None
    found = run.states.get(kind)
    if found is None:
        found = next((state for state in run.states.values() if isinstance(state, kind)), None)
    return found


def report(settings, path, field, message, severity=ERROR, about=None):
    """One line naming the file (or the service) and the field: in a bilingual build, a problem of its
    list (once per file, field and ``about``; an error stops publishing); else a log line alike."""
    build = build_of(settings)
    if build is not None:
        build.problems.add(build.relative_path(path), field, message, severity, about)
    else:
        (logger.error if severity == ERROR else logger.warning)("%s: %s: %s", path, field, message)


def setting_up(settings, kind, plugin=None):
    """Whether this run sets up the state ``kind``: none is kept yet (the runs a main run starts share
    its states) and ``plugin``, when named, is in PLUGINS (signals outlive a build: a later build in
    the same process may not list it)."""
    return state_of(settings, kind) is None and (plugin is None or lists_plugin(settings, plugin))


def keep_state(settings, state):
    """Keep a plugin's state for every run of this build; returns it."""
    _run(settings).states[type(state)] = state
    return state


# What the commands (publisher/) read of a plugin's state: the plugin's class subclasses one of these.


class PendingFiles(ABC):
    """A state holding files a run asked for and has not written yet (resized images)."""

    @abstractmethod
    def write_pending(self, report):
        """Write them; ``report(item, message)`` hears of each one that cannot be made."""


class SiteIndex(ABC):
    """A state indexing the written site (search), which an edit of some posts' text makes stale."""

    @abstractmethod
    def follow_up(self, output):
        """What brings the index of the site in ``output`` up to date after an edit, or None."""


class RenderedEmails(ABC):
    """What the newsletter rendered in a build: ``config`` (the NEWSLETTER setting, loaded),
    ``site_url`` and ``rendered`` (newsletter.render's RenderedIssue, once every language is written)."""

    config: dict
    site_url: str
    rendered: list

    @abstractmethod
    def outbox(self, output):
        """The folder of the emails' .eml files of a build into ``output``."""
