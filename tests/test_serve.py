"""`invoke serve`: the preview builds a small project, serves it with a live-reload
script added to each HTML answer (never to the files), rebuilds when a file changes,
reloads the open page, and keeps serving the last good site when a build fails."""

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from conftest import ROOT
from publisher.preview.builder import Preview
from publisher.preview.live import LivePreview
from publisher.preview.server import PreviewServer, allow_live_reload, inject_live_reload
from publisher.preview.watcher import Watcher
from small_project import SmallProject

POST = "content/posts/fr/article-a-commenter.md"
POST_URL = "/article-a-commenter/"
TIMEOUT = 20  # seconds: a rebuild of the small project takes about one


class Outcomes:
    """The Rebuild of each batch of changes, as the watcher's thread hands them over."""

    def __init__(self):
        self._all = []
        self._added = threading.Condition()

    def __call__(self, outcome):
        with self._added:
            self._all.append(outcome)
            self._added.notify_all()

    def all(self):
        with self._added:
            return list(self._all)

    def first(self, predicate, timeout=TIMEOUT):
        with self._added:
            found = self._added.wait_for(lambda: next((o for o in self._all if predicate(o)), None), timeout)
        assert found, f"no such rebuild within {timeout} s; rebuilds: {[o.line() for o in self._all]}"
        return found


def after_editing(path):
    return lambda outcome: Path(path).resolve() in outcome.changed


class Live:
    def __init__(self, project, url, outcomes):
        self.project, self.url, self.outcomes = project, url, outcomes

    def fetch(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.headers, response.read().decode("utf-8")

    def edit(self, relative, old, new):
        path = self.project.folder / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        return path


def small_project(folder):
    project = SmallProject(folder)
    with (project.folder / "conf.py").open("a") as conf:  # no comment server in these tests
        conf.write('COMMENTS = {**COMMENTS, "default_state": "off"}\n')
    return project


@pytest.fixture
def live(tmp_path, monkeypatch):
    """The small project built, served on a free port and watched, as `invoke serve` runs it."""
    project = small_project(tmp_path)
    monkeypatch.chdir(project.folder)  # the settings name their paths from the project, as in the command
    server = PreviewServer(project.output, port=0)
    preview = Preview(project.folder / "conf.py", project.output, server.url)
    preview.build()
    outcomes = Outcomes()
    watcher = Watcher(preview.watched_paths, ignore_paths=(preview.output,), static_folders=preview.static_folders)
    with LivePreview(preview.rebuild, server, watcher, on_outcome=outcomes) as session:
        yield Live(project, server.url, outcomes)
    assert session.failure is None and session.restart is None


def test_pages_are_served_with_the_live_reload_script_the_files_do_not_hold(live):
    for path, disk in (("/", "index.html"), ("/en/", "en/index.html"), (POST_URL, "article-a-commenter/index.html")):
        headers, text = live.fetch(path)
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Cache-Control"] == "no-store"
        served = BeautifulSoup(text, "html.parser")
        scripts = served.select('script[src="/__livereload.js"]')
        assert len(scripts) == 1 and scripts[0].has_attr("defer"), path
        assert scripts[0].parent.name == "body" and scripts[0] is served.body.find_all(recursive=False)[-1]
        on_disk = (live.project.output / disk).read_text(encoding="utf-8")
        assert "__livereload" not in on_disk
        policy = {"http-equiv": "Content-Security-Policy"}
        assert served.find("meta", attrs=policy) == BeautifulSoup(on_disk, "html.parser").find("meta", attrs=policy)
    assert "A post to comment on" in live.fetch("/en/")[1]
    headers, script = live.fetch("/__livereload.js")
    assert headers["Content-Type"].startswith("text/javascript")
    assert 'new EventSource("/__livereload' in script


def test_a_saved_post_is_rebuilt_and_served_and_open_pages_are_told(live):
    _, before = live.fetch(POST_URL)
    version = BeautifulSoup(before, "html.parser").select_one('script[src="/__livereload.js"]')["data-version"]
    path = live.edit(POST, "Un texte ; des mots !", "Un paragraphe écrit à l’instant.")
    outcome = live.outcomes.first(after_editing(path))
    assert outcome.ok, outcome.line()
    # Only the text changed: the pages showing the post are rendered again, not the site.
    assert re.fullmatch(rf"Updated after {POST} changed: \d+ pages rendered again, \d+ changed, in \d+\.\d\d s",
                        outcome.line())
    _, after = live.fetch(POST_URL)
    assert "Un paragraphe écrit à l’instant." in after and "Un texte ; des mots" not in after
    # A page served before the rebuild is told to reload as soon as it listens.
    headers, events = live.fetch(f"/__livereload?since={version}")
    assert headers["Content-Type"] == "text/event-stream"
    assert "event: reload\n" in events


@contextlib.contextmanager
def page_under_the_policy(browser):
    """A new page of the shared browser, closed on leaving; the block must end with no line of the
    console saying the Content-Security-Policy refused something (the live-reload script, its box)."""
    page = browser.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        yield page
    finally:
        page.close()
    assert refused == []


@pytest.mark.browser
def test_the_open_page_reloads_itself_with_the_new_title(live, browser):
    with page_under_the_policy(browser) as page:
        page.goto(live.url + POST_URL)
        expect(page.locator("h1")).to_have_text("Un article à commenter")
        live.edit(POST, "Title: Un article à commenter", "Title: Un titre tout neuf")
        expect(page.locator("h1")).to_have_text("Un titre tout neuf", timeout=TIMEOUT * 1000)
        expect(page).to_have_title(re.compile("^Un titre tout neuf"))


def test_a_broken_post_keeps_the_previous_site_served_and_names_the_file(live, caplog):
    path = live.edit(POST, "Lang: fr", "Lang: de")
    failed = live.outcomes.first(lambda outcome: not outcome.ok)
    # One error: its translation is not also told that it translates nothing.
    assert re.fullmatch(rf"Rebuild failed after {POST} changed: 1 content error listed above; "
                        "nothing was published; still serving the previous site", failed.line())
    assert f"{POST}: Lang: 'de' is not a language of this site; use one of: fr, en" in caplog.messages
    _, text = live.fetch(POST_URL)
    assert '<h1 class="post-title">Un article à commenter</h1>' in text  # the page built before the broken save
    # Once the file is fixed, the next save builds and serves again.
    path.write_text(path.read_text(encoding="utf-8").replace("Lang: de", "Lang: fr").replace(
        "Title: Un article à commenter", "Title: Réparé"), encoding="utf-8")
    assert live.outcomes.first(lambda outcome: outcome.ok and Path(path).resolve() in outcome.changed)
    assert '<h1 class="post-title">Réparé</h1>' in live.fetch(POST_URL)[1]


def test_a_policy_that_forbids_the_script_is_relaxed_in_the_answer_only():
    assert allow_live_reload("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'") == (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'")
    assert allow_live_reload("default-src 'none'; script-src https://cdn.example; object-src 'none'") == (
        "default-src 'none'; script-src https://cdn.example 'self'; object-src 'none'; connect-src 'self'")
    page = (b'<html><head><meta http-equiv="Content-Security-Policy" content="script-src &#39;none&#39;">'
            b"</head><body><p>\xc3\xa9t\xc3\xa9</p></body></html>")
    served = inject_live_reload(page, "v1").decode()
    assert 'content="script-src &#x27;self&#x27;"' in served
    assert served.endswith('<p>été</p><script src="/__livereload.js" data-version="v1" defer></script></body></html>')


def test_the_command_serves_restarts_for_plugin_code_and_stops_on_ctrl_c(tmp_path):
    project = small_project(tmp_path)
    plugin = project.folder / "local_plugins/stamp/__init__.py"
    plugin.parent.mkdir(parents=True)
    plugin.write_text("def register():\n    pass\n")
    with (project.folder / "conf.py").open("a") as conf:
        conf.write('PLUGIN_PATHS = [*PLUGIN_PATHS, "local_plugins"]\nPLUGINS = [*PLUGINS, "stamp"]\n')
    command = [sys.executable, "-m", "publisher.preview", "--settings", "conf.py", "--port", "0"]
    process = subprocess.Popen(command, cwd=project.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def line_matching(pattern):
        while True:
            line = lines.get(timeout=TIMEOUT)
            if match := re.search(pattern, line):
                return match

    try:
        url = line_matching(r"^Serving (http://127\.0\.0\.1:\d+)/ ").group(1)
        with urllib.request.urlopen(url + "/en/", timeout=10) as response:
            assert b'<script src="/__livereload.js"' in response.read()
        plugin.write_text("def register():\n    pass  # changed\n")
        line_matching(r"^local_plugins/stamp/__init__\.py changed: restarting to load the new code$")
        assert line_matching(r"^Serving (http://127\.0\.0\.1:\d+)/ ").group(1) == url  # the same address
        with urllib.request.urlopen(url + "/", timeout=10) as response:
            assert response.status == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 0
        assert line_matching(r"^Stopping$")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in process.stderr.read()
