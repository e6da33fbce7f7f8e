"""The author's preview while writing: build, serve on 127.0.0.1, rebuild on every change, reload the open pages.

    python -m publisher.serve [--settings pelicanconf.py] [--port 8000] [--output output]

Three parts, each replaceable:

- ``Preview`` builds the site (``build()`` once, ``rebuild(changed_paths)`` after
  each change). An edit below the header of posts and pages renders again only
  the pages showing them (publisher/incremental.py, well under a second);
  anything else is a full build through ``publisher.build``, which builds
  aside and swaps into place, so a failed build leaves the previous site in
  place and being served;
- ``PreviewServer`` serves the output folder and adds to every HTML response
  (never to the files on disk) ``<script src="/__livereload.js" ...>``: that
  same-origin script listens on ``/__livereload`` (server-sent events), reloads
  the page when the server announces a new build, and shows the error lines
  over the page while the last build failed;
- ``Watcher`` yields the files changed under content/, the theme, the plugins
  and the settings file, a burst of saves at a time (editors' and tools'
  temporary files left out).

``LivePreview`` ties them together: each batch of changes goes to the rebuild
callable; a successful rebuild is announced to the open pages, a failed one
shows its errors on them until a build succeeds.
"""

import argparse
import html
import io
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import watchfiles

from publisher import incremental
from publisher.build import EXIT_CONTENT_ERRORS, EXIT_FAILURE, build_site, configure_logging
from publisher.local_server import LocalServer
from publisher.progress import plural

logger = logging.getLogger(__name__)

SCRIPT_PATH = "/__livereload.js"
EVENTS_PATH = "/__livereload"
KEEPALIVE_SECONDS = 15  # a comment line now and then, so a closed page's stream is noticed

# Same-origin and not inline, so the site's Content-Security-Policy
# (script-src 'self', connect-src 'self') lets it run. The page carries the
# version of the build it was served from: a build finished before the stream
# connects (or a restarted server) still reloads it. The failure box is styled
# through the CSSOM (element.style), which a policy refusing inline styles
# (style attributes, <style>) still allows.
LIVERELOAD_JS = """\
// Live reload for `invoke serve` (publisher/serve.py); never part of the built site.
(function () {
  "use strict";
  var BOX_ID = "__livereload-failure";
  var script = document.currentScript;
  var version = (script && script.getAttribute("data-version")) || "";
  var events = new EventSource("/__livereload?since=" + encodeURIComponent(version));
  events.addEventListener("reload", function () {
    events.close();
    window.location.reload();
  });
  events.addEventListener("failure", function (event) {
    showFailure(JSON.parse(event.data));
  });

  function element(name, text, styles) {
    var made = document.createElement(name);
    made.textContent = text || "";
    Object.keys(styles || {}).forEach(function (property) {
      made.style.setProperty(property, styles[property]);
    });
    return made;
  }

  function showFailure(failure) {
    var previous = document.getElementById(BOX_ID);
    if (previous) {
      previous.remove();
    }
    var box = element("div", "", {
      "position": "fixed", "top": "0", "left": "0", "right": "0", "z-index": "2147483647",
      "max-height": "60vh", "overflow": "auto", "box-sizing": "border-box", "padding": "1rem 1.25rem",
      "background": "#fff4f2", "color": "#5a0b00", "border-bottom": "4px solid #c0260f",
      "font": "15px/1.45 system-ui, sans-serif", "text-align": "left"
    });
    box.id = BOX_ID;
    box.setAttribute("role", "alert");
    var hide = element("button", "Hide", {"float": "right", "font": "inherit", "cursor": "pointer"});
    hide.type = "button";
    hide.addEventListener("click", function () { box.remove(); });
    box.append(
      hide,
      element("p", failure.title, {"margin": "0 0 0.5rem", "font-weight": "bold", "font-size": "1.1em"}),
      element("pre", failure.lines.join("\\n"), {
        "margin": "0 0 0.5rem", "white-space": "pre-wrap", "overflow-wrap": "anywhere",
        "font": "14px/1.45 ui-monospace, monospace", "color": "inherit", "background": "none"
      }),
      element("p", "The page below is from the last build that succeeded; it reloads once the next one does.",
              {"margin": "0", "font-size": "0.9em"})
    );
    document.body.appendChild(box);
  }
}());
"""


class RestartNeeded(Exception):
    """The change cannot be applied in this process (a plugin's Python code): start again."""

    def __init__(self, paths):
        self.paths = tuple(sorted(paths))
        super().__init__(f"Python code changed ({', '.join(display_path(p) for p in self.paths)})")


# ---------------------------------------------------------------- building


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


@dataclass
class Rebuild:
    """What one batch of changes gave: a BuildReport, or the error that stopped the build."""

    changed: tuple
    report: object = None
    error: BaseException = None
    errors: tuple = ()  # the ERROR lines logged while building (content errors, one a line)

    @property
    def ok(self):
        return self.error is None

    @property
    def restart(self):
        return isinstance(self.error, RestartNeeded)

    def line(self):
        what = describe_changes(self.changed)
        if self.restart:
            return f"{what}: restarting to load the new code"
        if self.ok and isinstance(self.report, incremental.Refresh):
            return f"Updated after {what}: {self.report.summary()}"
        if self.ok:
            report = self.report
            per_language = (", ".join(f"{plural(count, 'page')} in {lang}" for lang, count in report.pages.items())
                            or "site built")
            warnings = f" ({plural(report.warnings, 'warning')})" if report.warnings else ""
            return f"Rebuilt after {what}: {per_language}, in {report.seconds:.1f} s{warnings}"
        return f"Rebuild failed after {what}: {describe_failure(self.error)}; still serving the previous site"

    def failure(self):
        """What the open pages show of a failed rebuild."""
        return failure_shown(f"Rebuild failed after {describe_changes(self.changed)}", self.error, self.errors)


def failure_shown(title, error, errors):
    """What the open pages show of a failed build: ``title``, the ``errors`` logged, then the
    failure's own line ("1 content error listed above...", or the exception and where it was raised)."""
    return {"title": title, "lines": [*errors, describe_failure(error)]}


class ErrorLines(logging.Handler):
    """``with ErrorLines() as logged:`` the messages of the ERROR records logged meanwhile, in ``logged.lines``."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)


def display_path(path):
    """``path`` relative to the current folder (the project) when it is inside it."""
    path = Path(path)
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def describe_changes(paths):
    names = sorted(display_path(p) for p in paths)
    if len(names) == 1:
        return f"{names[0]} changed"
    if len(names) <= 3:
        return f"{', '.join(names[:-1])} and {names[-1]} changed"
    return f"{names[0]} and {len(names) - 1} other files changed"


def describe_failure(exc):
    """One line, as publisher.build.report_failure says it (content errors were listed above, one a line)."""
    if getattr(exc, "exitcode", None) == EXIT_CONTENT_ERRORS:
        return str(exc)
    where = f"{exc.filename}:{exc.lineno}: " if getattr(exc, "filename", None) and getattr(exc, "lineno", None) else ""
    return f"{where}{exc} ({type(exc).__name__}; run with --debug for the traceback)"


# ---------------------------------------------------------------- serving


@dataclass(frozen=True)
class SiteState:
    """What the open pages are told: the version of the site served, and the last build's failure
    ({"title", "lines"}) while there is one. ``changes`` counts the states."""

    changes: int
    version: str
    failure: dict = None


class ReloadChannel:
    """The state of the site being served; pages wait on it for the next one."""

    CLOSED = object()

    def __init__(self):
        self._condition = threading.Condition()
        self._server = uuid.uuid4().hex[:8]  # a restarted server has other versions: its pages reload
        self._builds = 0
        self._failure = None
        self._changes = 0
        self._closed = False

    @property
    def version(self):
        return f"{self._server}.{self._builds}"

    def announce(self):
        """A new build is in place: every waiting page reloads."""
        with self._condition:
            self._builds += 1
            self._failure = None
            self._changed()

    def report_failure(self, failure):
        """The last build failed (the previous site is still served): every page shows ``failure``."""
        with self._condition:
            self._failure = failure
            self._changed()

    def _changed(self):
        self._changes += 1
        self._condition.notify_all()

    def close(self):
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def wait_change(self, seen, timeout):
        """The SiteState once it is not the one numbered ``seen`` (None: the current one at once);
        None after ``timeout``; CLOSED when stopping."""
        with self._condition:
            self._condition.wait_for(lambda: self._closed or self._changes != seen, timeout)
            if self._closed:
                return self.CLOSED
            if self._changes == seen:
                return None
            return SiteState(self._changes, self.version, self._failure)


_CSP_META = re.compile(r"<meta\b[^>]*\bhttp-equiv\s*=\s*[\"']?content-security-policy\b[^>]*>", re.I)
_CONTENT_ATTRIBUTE = re.compile(r"(\bcontent\s*=\s*)([\"'])(.*?)\2", re.I | re.S)


def allow_live_reload(policy):
    """``policy`` with 'self' allowed for scripts and connections, if it was not already."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    changed = False
    for name in ("script-src", "connect-src"):
        sources = directives.get(name, directives.get("default-src"))
        if sources is None or "'self'" in sources:
            continue  # not restricted, or already allowed
        directives[name] = [source for source in sources if source != "'none'"] + ["'self'"]
        changed = True
    if not changed:
        return policy
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def inject_live_reload(page, version):
    """The HTML ``page`` (bytes) with the live-reload script before </body>, its CSP allowing it."""
    text = page.decode("utf-8", errors="surrogateescape")

    def allow(meta):
        def fix(content):
            policy = html.unescape(content.group(3))
            fixed = allow_live_reload(policy)
            return content.group(0) if fixed == policy else f"{content.group(1)}\"{html.escape(fixed)}\""
        return _CONTENT_ATTRIBUTE.sub(fix, meta.group(0), count=1)

    text = _CSP_META.sub(allow, text)
    tag = f'<script src="{SCRIPT_PATH}" data-version="{version}" defer></script>'
    end = text.lower().rfind("</body>")
    text = text[:end] + tag + text[end:] if end >= 0 else text + tag
    return text.encode("utf-8", errors="surrogateescape")


class _PreviewHandler(SimpleHTTPRequestHandler):
    """Files from the output folder; HTML with the live-reload script; the events stream."""

    def log_message(self, *args):
        pass  # one line per request would drown the rebuild lines

    def end_headers(self):
        # A reload must show the new build: nothing is cached (no conditional requests either).
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == SCRIPT_PATH:
            return self._send_bytes(LIVERELOAD_JS.encode(), "text/javascript; charset=utf-8")
        if path == EVENTS_PATH:
            return self._stream_events()
        return super().do_GET()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # redirects to the folder's address
            path = path / "index.html"
        if path.is_file() and path.suffix in (".html", ".htm"):
            return self._html(path, HTTPStatus.OK)
        if path.is_file():
            return super().send_head()
        return self._not_found(path)

    def _html(self, path, status):
        try:
            page = path.read_bytes()
        except OSError:  # swapped away between the check and the read
            return self._not_found(path)
        body = inject_live_reload(page, self.server.channel.version)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def _not_found(self, path):
        """The theme's 404.html nearest to the address (en/404.html under /en/), else a plain 404."""
        root = Path(self.directory).resolve()
        for folder in [path, *path.parents]:
            if folder != root and root not in folder.parents:
                break
            if (folder / "404.html").is_file():
                return self._html(folder / "404.html", HTTPStatus.NOT_FOUND)
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

    def _send_bytes(self, body, content_type):
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream_events(self):
        channel = self.server.channel
        since = parse_qs(urlsplit(self.path).query).get("since", [""])[0] or channel.version
        self.close_connection = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")  # reconnect within a second (a restarted server)
            seen, shown = None, None
            while True:
                state = channel.wait_change(seen, KEEPALIVE_SECONDS)
                if state is channel.CLOSED:
                    return
                if state is None:
                    self.wfile.write(b": keep-alive\n\n")
                    continue
                seen = state.changes
                if state.version != since:
                    self.wfile.write(f"event: reload\ndata: {state.version}\n\n".encode())
                    return
                if state.failure is not None and state.failure != shown:
                    shown = state.failure
                    self.wfile.write(f"event: failure\ndata: {json.dumps(shown)}\n\n".encode())
        except OSError:
            return  # the page was closed or reloaded


class _PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    channel = None  # the ReloadChannel its handlers answer from, set by PreviewServer

    def handle_error(self, request, client_address):
        logger.debug("request from %s failed", client_address, exc_info=True)  # a page closed mid-answer


class PreviewServer(LocalServer):
    """Serves ``folder`` on 127.0.0.1:``port`` (0: any free port), each HTML page with the
    live-reload script. Binds at once, so ``url`` is known."""

    def __init__(self, folder, port=8000):
        self.folder = Path(folder).resolve()
        super().__init__(self.folder, port, _PreviewHandler, _PreviewHTTPServer)
        self.channel = self._server.channel = ReloadChannel()

    def reload(self):
        """Tell every open page to reload (after a successful build)."""
        self.channel.announce()

    def show_failure(self, failure):
        """Show ``failure`` (see failure_shown) on every open page until the next reload."""
        self.channel.report_failure(failure)

    def stop(self):
        self.channel.close()  # ends the open event streams
        super().stop()


# ---------------------------------------------------------------- watching


class ChangeFilter(watchfiles.DefaultFilter):
    """Changes to files a build may read: watchfiles' defaults (.swp, ~, .#*, __pycache__, .git...)
    are left out, and so are other editors' and tools' temporary files."""

    ignore_entity_patterns = (
        *watchfiles.DefaultFilter.ignore_entity_patterns,
        r"^\.",                  # hidden: Pelican's IGNORE_FILES leaves them out too (gedit's .goutputstream-...)
        r"^\d+$",                # vim's test of the folder: 4913, or 5036, 5159... while that one exists
        r"^sed[A-Za-z0-9]{6}$",  # sed -i's copy being written
        r"^#.*#$",               # emacs auto-save
        r"\.kate-swp$",
    )

    def __init__(self, ignore_paths=(), static_folders=()):
        super().__init__(ignore_paths=[str(p) for p in ignore_paths])
        self.static_folders = tuple(Path(p) for p in static_folders)

    def __call__(self, change, path):
        return super().__call__(change, path) and self._may_be_read(Path(path))

    def _may_be_read(self, path):
        """Pelican's readers choose files by their extension: a name without one (a temporary
        file's) is a source only where files are copied whatever their name (CNAME), or as a
        folder moved in with its posts."""
        if path.suffix or path.is_dir():
            return True
        return any(folder == path or folder in path.parents for folder in self.static_folders)


@dataclass
class Watcher:
    """Yields the set of files changed under ``paths()``, one burst of saves at a time.

    Changes made while the consumer works on a batch (a rebuild) come in the
    next one. ``paths`` is called each time watching (re)starts. A file watched
    by itself (the settings file) is watched again after it changes: editors
    save by replacing the file, which ends a watch on the old one.
    """

    paths: object                      # callable returning the paths to watch
    ignore_paths: tuple = ()
    static_folders: object = tuple     # callable returning the folders copied as they are (ChangeFilter)
    step_ms: int = 100                 # quiet time that ends a burst of changes
    debounce_ms: int = 1600            # longest a burst is gathered
    ready: threading.Event = field(default_factory=threading.Event)  # set once changes are being recorded

    def batches(self, stop):
        signatures = {}  # of the files watched by themselves, as last reported
        while not stop.is_set():
            paths = [Path(p) for p in self.paths()]
            watched_files = {p for p in paths if p.is_file()}
            for file in watched_files:
                signatures.setdefault(file, _signature(file))
            changes = watchfiles.watch(
                *paths, watch_filter=ChangeFilter(self.ignore_paths, self.static_folders()),
                debounce=self.debounce_ms, step=self.step_ms, stop_event=stop,
                rust_timeout=200, yield_on_timeout=True)
            first, watch_again = True, False
            try:
                for batch in changes:
                    self.ready.set()  # the first (empty) batch comes once the watches are in place
                    changed = {Path(path) for _, path in batch}
                    if first:  # a save the ended watch missed (between the editor's rename and now)
                        changed |= {file for file in watched_files if _signature(file) != signatures[file]}
                        first = False
                    if not changed:
                        if watch_again:
                            break  # nothing pending: the new watches lose nothing
                        continue
                    for file in changed & watched_files:
                        signatures[file] = _signature(file)
                    yield changed
                    watch_again = watch_again or bool(changed & watched_files)
                else:
                    return  # stopped
            finally:
                changes.close()


def _signature(path):
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


# ---------------------------------------------------------------- together


class LivePreview:
    """Each batch of changes from ``watcher`` goes to ``rebuild``; a success reloads the server's pages.

    ``rebuild(changed_paths)`` returns a BuildReport or raises (a failed build
    leaves the previous site being served). ``on_outcome`` receives a Rebuild
    for each batch (the command prints its line).
    """

    def __init__(self, rebuild, server, watcher, on_outcome=None):
        self.rebuild = rebuild
        self.server = server
        self.watcher = watcher
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.restart = None    # the Rebuild that asked for a restart, if one did
        self.failure = None    # what stopped the watching loop, if anything did
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._thread = None

    def handle(self, changed):
        """Rebuild after ``changed`` (paths), announce it (or show its errors), return the Rebuild."""
        changed = tuple(sorted(Path(p) for p in changed))
        with ErrorLines() as logged:
            report, error = self._rebuild(changed)
        outcome = Rebuild(changed, report=report, error=error, errors=tuple(logged.lines))
        if outcome.ok:
            self.server.reload()
        elif not outcome.restart:
            self.server.show_failure(outcome.failure())
        logger.debug("%s", outcome.line())
        self.on_outcome(outcome)
        self._follow_up(outcome)
        return outcome

    def _rebuild(self, changed):
        """(the report, None), or (None, the error that stopped the build)."""
        try:
            return self.rebuild(changed), None
        except Exception as exc:
            logger.debug("rebuild after %s failed", describe_changes(changed), exc_info=True)
            return None, exc

    def _follow_up(self, outcome):
        """Work that may wait until the pages have reloaded (the search index after a fast rebuild)."""
        follow_up = getattr(outcome.report, "follow_up", None)
        if follow_up is None:
            return
        try:
            follow_up()
        except Exception as exc:
            logger.warning("the search index was not brought up to date (%s); it will be at the next full build", exc)

    def run(self, stop):
        """Watch and rebuild until ``stop`` is set, or a change needs a restart (returns that Rebuild)."""
        for changed in self.watcher.batches(stop):
            outcome = self.handle(changed)
            if outcome.restart:
                return outcome
        return None

    def start(self, timeout=10):
        """Serve, and watch in a thread; return once changes are being recorded."""
        self.server.start()
        self._thread = threading.Thread(target=self._run, name="preview-watcher", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.watcher.ready.wait(0.05) and not self._finished.is_set() and time.monotonic() < deadline:
            pass
        if not self.watcher.ready.is_set() or self.failure is not None:
            self.stop()
            raise self.failure or TimeoutError(f"the file watcher did not start within {timeout} s")
        return self

    def _run(self):
        try:
            self.restart = self.run(self._stop)
        except BaseException as exc:  # kept for the caller: the loop's thread cannot raise to it
            self.failure = exc
        finally:
            self._finished.set()

    def wait(self, timeout=None):
        """Until the loop ends by itself (a restart, a failure); True if it did."""
        return self._finished.wait(timeout)

    def stop(self, timeout=60):
        """Stop watching (after the build in progress, if any), then serving."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------- command


class _ShowOnce(logging.Filter):
    """Every rebuild repeats the last one's warnings (an unreachable comment server...): show each once."""

    def __init__(self):
        super().__init__()
        self._seen = set()

    def filter(self, record):
        if record.levelno != logging.WARNING:
            return True
        message = record.getMessage()
        if message in self._seen:
            return False
        self._seen.add(message)
        return True


def _configure_logging(debug):
    """As publisher.build's command, each warning shown once."""
    configure_logging(debug, _ShowOnce())
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # its "N changes detected" lines


def _print_outcome(outcome):
    print(outcome.line(), file=sys.stdout if outcome.ok or outcome.restart else sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--output", default="output")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    _configure_logging(args.debug)
    if not Path(args.settings).is_file():
        parser.error(f"{args.settings}: no such settings file")
    try:
        server = PreviewServer(args.output, args.port)
    except OSError as exc:
        print(f"Cannot listen on {LocalServer.HOST}:{args.port}: {exc.strerror}; choose another port with --port",
              file=sys.stderr)
        return EXIT_FAILURE
    preview = Preview(args.settings, args.output, server.url)
    watcher = Watcher(preview.watched_paths, ignore_paths=(preview.output,), static_folders=preview.static_folders)
    live = LivePreview(preview.rebuild, server, watcher, on_outcome=_print_outcome)
    try:
        with ErrorLines() as logged:
            try:
                print(preview.build().summary(), flush=True)
            except Exception as exc:
                server.show_failure(failure_shown("The first build failed", exc, logged.lines))
                if args.debug:
                    logger.exception("the first build failed")
                print(f"Build failed: {describe_failure(exc)}; serving what {args.output}/ holds until a change "
                      "builds again", file=sys.stderr, flush=True)
        live.start()
        watched = ", ".join(display_path(p) + ("/" if p.is_dir() else "") for p in preview.watched_paths())
        print(f"Serving {server.url}/ (rebuilt and reloaded on every change to {watched}); Ctrl-C stops",
              flush=True)
        live.wait()
    except KeyboardInterrupt:
        print("Stopping", flush=True)
    finally:
        live.stop()
    if live.failure is not None:
        raise live.failure
    if live.restart is not None and argv is None:
        options = ["--settings", args.settings, "--port", str(server.port), "--output", args.output]
        os.execv(sys.executable, [sys.executable, "-m", "publisher.serve", *options,
                                  *(["--debug"] if args.debug else [])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
