"""Serves the output folder on 127.0.0.1 for `invoke serve`, each HTML page with the live-reload script.

The script (livereload.js, same-origin) listens on ``/__livereload`` (server-sent
events), reloads the page when the server announces a new build, and shows the
error lines over the page while the last build failed. It is added to the
responses only, never to the files on disk.
"""

import html
import io
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from publisher.local_server import LocalServer
from sitekit.csp import add_sources, parse, serialize

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
LIVERELOAD_JS = (Path(__file__).parent / "livereload.js").read_bytes()


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
    directives = parse(policy)
    # Unrestricted (no directive, no default-src) counts as allowed: adding 'self' would restrict it.
    missing = {name: ["'self'"] for name in ("script-src", "connect-src")
               if "'self'" not in directives.get(name, directives.get("default-src", ["'self'"]))}
    return serialize(add_sources(directives, missing)) if missing else policy


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
            return self._send_bytes(LIVERELOAD_JS, "text/javascript; charset=utf-8")
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
