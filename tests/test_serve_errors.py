"""`invoke serve` when the content is wrong: the open pages show the error lines until a
build succeeds again, each error is said once (without the errors it caused), editors'
temporary files start no build, and the counts read in the singular when there is one."""

import json
import os
import queue
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect
from watchfiles import Change

from conftest import ROOT
from publisher.build import BuildReport
from publisher.preview.watcher import ChangeFilter
from sitekit.unchanged import Kept
from test_serve import (POST, POST_URL, TIMEOUT, after_editing, live, page_under_the_policy,  # noqa: F401 (live)
                        small_project)

GOOD_DATE = "Date: 2025-01-31 09:30"
BAD_DATE = "Date: 2025-13-45 09:30"
DATE_ERROR = f"{POST}: Date: '2025-13-45 09:30' is not a date; write it as 2025-01-31 or 2025-01-31 09:30"


def version_of(page_text):
    script = BeautifulSoup(page_text, "html.parser").select_one('script[src="/__livereload.js"]')
    return script["data-version"]


def first_event(url):
    """The first event (name, data) the live-reload stream sends at once to a page served at
    ``url``'s version; None when it has nothing to tell (its first line is a keep-alive)."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as stream:
        name = None
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith(":"):
                return None
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: ") and name:
                return name, line[len("data: "):]
    raise AssertionError("the stream ended without an event")


# ---------------------------------------------------------------- one error, once


def test_a_bad_date_is_one_error_said_once_and_the_failure_line_counts_it(live, caplog):
    live.edit(POST, GOOD_DATE, BAD_DATE)
    failed = live.outcomes.first(lambda outcome: not outcome.ok)
    errors = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    # Not twice (the fast path's read, then the full build's), and no "no French post has the
    # slug" about the translation: its original failed to read, which the first line says.
    assert errors == [DATE_ERROR]
    assert failed.line() == (f"Rebuild failed after {POST} changed: 1 content error listed above; "
                             "nothing was published; still serving the previous site")


def test_the_build_summary_says_one_in_the_singular(tmp_path):
    project = small_project(tmp_path)
    translation = project.folder / "content/posts/en/post-to-comment-on.md"
    text = translation.read_text(encoding="utf-8")
    translation.write_text(re.sub(r"(?m)^Source-Hash: .*\n", "", text), encoding="utf-8")  # one warning
    summary = project.build().summary()
    assert re.search(r"\(1 warning, \d+ of \d+ files new or changed\)$", summary), summary
    one_each = BuildReport(Path("out"), {"fr": 1, "en": 2}, 0, 1.0, files=Kept(kept=0, changed=1))
    assert one_each.summary() == "Built 1 page in fr, 2 pages in en into out/ in 1.00 s (0 warnings, 1 of 1 file new or changed)"


# ---------------------------------------------------------------- editors' temporary files


IGNORED = [
    ".article-a-commenter.md.swp", ".article-a-commenter.md.swx", "article-a-commenter.md~",
    "#article-a-commenter.md#", ".#article-a-commenter.md", "4913", "5036", "sedzYiNsA",
    ".hidden.md", "notes", "article-a-commenter.md.kate-swp",
]


@pytest.mark.parametrize("name", IGNORED)
def test_editors_temporary_files_are_not_changes(tmp_path, name):
    content = tmp_path / "content"
    accepts = ChangeFilter(static_folders=[content / "images"])
    assert not accepts(Change.added, str(content / "posts/fr" / name))


def test_sources_are_changes_a_bare_name_only_where_static_files_are_copied(tmp_path):
    content = tmp_path / "content"
    (content / "posts/new-folder").mkdir(parents=True)
    accepts = ChangeFilter(static_folders=[content / "images"])
    assert accepts(Change.modified, str(content / "posts/fr/article-a-commenter.md"))
    assert accepts(Change.added, str(content / "images/CNAME"))  # copied as it is
    assert accepts(Change.added, str(content / "posts/new-folder"))  # a folder moved in holds posts
    assert accepts(Change.modified, str(tmp_path / "theme/templates/base.html"))


def test_a_save_through_temporary_files_is_one_change_of_the_post(live):
    folder = live.project.folder / "content/posts/fr"
    for name in ("sedzYiNsA", "4913", ".article-a-commenter.md.swp", "article-a-commenter.md~"):
        (folder / name).write_text("temporary\n", encoding="utf-8")
    path = live.edit(POST, "Un texte ; des mots !", "Un texte réécrit.")
    live.outcomes.first(after_editing(path))
    # Every batch up to the post's (the temporary files were written before it) names the post alone.
    assert [outcome.changed for outcome in live.outcomes.all()] == [(path.resolve(),)]


# ---------------------------------------------------------------- the error in the browser


def test_the_event_stream_tells_a_page_the_errors_until_a_build_succeeds(live):
    version = version_of(live.fetch(POST_URL)[1])
    path = live.edit(POST, GOOD_DATE, BAD_DATE)
    live.outcomes.first(lambda outcome: not outcome.ok)
    event = first_event(f"{live.url}/__livereload?since={version}")
    assert event is not None and event[0] == "failure", event
    failure = json.loads(event[1])
    assert failure["lines"] == [DATE_ERROR, "1 content error listed above; nothing was published"]
    assert failure["title"] == f"Rebuild failed after {POST} changed"
    # A page served meanwhile (the previous build's) is told too.
    assert version_of(live.fetch("/en/")[1]) == version
    path.write_text(path.read_text(encoding="utf-8").replace(BAD_DATE, GOOD_DATE), encoding="utf-8")
    live.outcomes.first(lambda outcome: outcome.ok and path.resolve() in outcome.changed)
    assert first_event(f"{live.url}/__livereload?since={version}")[0] == "reload"


@pytest.mark.browser
def test_the_open_page_shows_the_error_lines_then_the_fixed_page(live, browser):
    with page_under_the_policy(browser) as page:
        page.goto(live.url + POST_URL)
        expect(page.locator("h1")).to_have_text("Un article à commenter")
        path = live.edit(POST, GOOD_DATE, BAD_DATE)
        failure = page.get_by_role("alert")
        expect(failure).to_contain_text(DATE_ERROR, timeout=TIMEOUT * 1000)
        expect(failure).to_contain_text(f"Rebuild failed after {POST} changed")
        expect(failure).to_be_visible()
        # A page opened while the build is broken says it as well.
        with page_under_the_policy(browser) as other:
            other.goto(live.url + "/en/")
            expect(other.get_by_role("alert")).to_contain_text(DATE_ERROR, timeout=TIMEOUT * 1000)
        path.write_text(path.read_text(encoding="utf-8").replace(BAD_DATE, GOOD_DATE).replace(
            "Title: Un article à commenter", "Title: Un article réparé"), encoding="utf-8")
        expect(page.locator("h1")).to_have_text("Un article réparé", timeout=TIMEOUT * 1000)
        expect(page.get_by_role("alert")).to_have_count(0)


def test_the_command_shows_a_failed_first_build_on_the_pages(tmp_path):
    project = small_project(tmp_path)
    post = project.folder / POST
    post.write_text(post.read_text(encoding="utf-8").replace(GOOD_DATE, BAD_DATE), encoding="utf-8")
    command = [sys.executable, "-m", "publisher.preview", "--settings", "conf.py", "--port", "0"]
    process = subprocess.Popen(command, cwd=project.folder, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        while not (serving := re.match(r"^Serving (http://127\.0\.0\.1:\d+)/ ", lines.get(timeout=TIMEOUT))):
            pass
        event = first_event(serving.group(1) + "/__livereload")
        assert event is not None and event[0] == "failure", event
        assert json.loads(event[1]) == {"title": "The first build failed", "lines": [
            DATE_ERROR, "1 content error listed above; nothing was published"]}
    finally:
        process.kill()
        process.wait()
