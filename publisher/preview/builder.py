"""What a change to the sources starts: the fast path for new text in posts and pages (incremental.py),
a full build (aside, swapped into place) for anything else, a restart for a plugin's Python code."""

import logging
from pathlib import Path

from publisher.build import build_site
from publisher.preview import incremental

logger = logging.getLogger(__name__)


class RestartNeeded(Exception):
    """The change cannot be applied in this process (a plugin's Python code): start again."""

    def __init__(self, paths):
        self.paths = tuple(sorted(paths))
        super().__init__(f"Python code changed ({', '.join(display_path(p) for p in self.paths)})")


def local_overrides(settings, url):
    """Settings that make the built site work from ``url`` (http://127.0.0.1:PORT).

    An empty SITEURL (pelicanconf.py) gives root-relative links, which work on
    any local address: kept. An absolute one (publishconf.py's public address)
    is replaced by ``url``; so is a FEED_DOMAIN naming another address than
    ``url`` (pelicanconf.py's names port 8000: feeds, comment threads).
    """
    overrides = {}
    siteurl = (settings.get("SITEURL") or "").rstrip("/")
    if siteurl and siteurl != url:
        overrides["SITEURL"] = url
    feed_domain = (settings.get("FEED_DOMAIN") or "").rstrip("/")
    if feed_domain and feed_domain != url:
        overrides["FEED_DOMAIN"] = url
    return overrides


class Preview:
    """Builds the site for reading at ``url``. ``rebuild`` is the step a watcher calls on each change."""

    def __init__(self, settings_file, output, url):
        self.settings_file = Path(settings_file).resolve()
        self.output = Path(output).resolve()
        self.url = url.rstrip("/")
        self._settings = None  # read again when the settings file changes
        self._watched = None
        self._site = None      # the last full build, kept for the fast path

    @property
    def settings(self):
        if self._settings is None:
            from pelican.settings import read_settings

            self._settings = read_settings(str(self.settings_file))
        return self._settings

    def overrides(self):
        return local_overrides(self.settings, self.url)

    def watched_paths(self):
        """The content, the theme, the plugins and the settings file (those that exist).

        While the settings file cannot be read (a typo being fixed), the
        folders it named last time, else content/, theme/ and plugins/ beside it.
        """
        try:
            settings = self.settings
        except Exception:
            logger.debug("cannot read %s; watching the folders it named last", self.settings_file, exc_info=True)
            return self._watched or [*self._beside_settings("content", "theme", "plugins"), self.settings_file]
        paths = [settings.get("PATH"), settings.get("THEME"), *settings.get("PLUGIN_PATHS", [])]
        found = [Path(p).resolve() for p in paths if p and Path(p).exists()]
        self._watched = [*dict.fromkeys(found), self.settings_file]
        return self._watched

    def static_folders(self):
        """The folders whose files are copied whatever their name: the content's STATIC_PATHS and
        the theme's static folders (none while the settings file cannot be read)."""
        try:
            settings = self.settings
        except Exception:
            return []
        folders = [Path(settings["PATH"]) / path for path in settings.get("STATIC_PATHS", [])]
        if settings.get("THEME"):
            folders += [Path(settings["THEME"]) / path for path in settings.get("THEME_STATIC_PATHS", [])]
        return [folder.resolve() for folder in folders]

    def _beside_settings(self, *names):
        return [self.settings_file.parent / name for name in names if (self.settings_file.parent / name).is_dir()]

    def build(self):
        """Build into the output folder (aside, then swapped in); return the BuildReport or raise."""
        self._site = None
        with incremental.Recorder() as recorder:
            report = build_site(self.settings_file, self.output, self.overrides())
        self._site = incremental.Site(recorder.runs, self.output) if recorder.runs else None
        return report

    def rebuild(self, changed_paths):
        """Build again after ``changed_paths`` changed: a Refresh when only the text of
        posts and pages changed, else a full build's BuildReport."""
        changed = {Path(p).resolve() for p in changed_paths}
        if self.settings_file in changed:
            self._settings = None
        plugin_code = {p for p in changed if p.suffix == ".py" and self._in_plugin_paths(p)}
        if plugin_code:
            # Pelican imports plugins once per process; a build here would run the old code.
            raise RestartNeeded(plugin_code)
        if self._site is not None:
            try:
                return self._site.refresh(sorted(changed))
            except incremental.FullBuildNeeded as reason:
                logger.info("building everything: %s", reason)
        return self.build()

    def _in_plugin_paths(self, path):
        roots = [Path(p).resolve() for p in self.settings.get("PLUGIN_PATHS", [])]
        return any(root in path.parents for root in roots)


def display_path(path):
    """``path`` relative to the current folder (the project) when it is inside it."""
    path = Path(path)
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
