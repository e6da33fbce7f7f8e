"""Shared fixtures: real builds of the sample site into temporary folders."""

import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from publisher.build import build_site  # noqa: E402


def build_sample(output, settings="publishconf.py", **overrides):
    """Build the sample content from the project root into ``output``."""
    import os

    previous = os.getcwd()
    os.chdir(ROOT)  # settings files name their paths relative to the project
    try:
        return build_site(ROOT / settings, output, overrides)
    finally:
        os.chdir(previous)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The sample site built with the production settings."""
    output = tmp_path_factory.mktemp("published") / "output"
    report = build_sample(output)
    return Site(output, report)


class Site:
    def __init__(self, output, report):
        self.output = Path(output)
        self.report = report
        self.siteurl = "https://elise-marchand.example"

    def html(self, relative):
        path = self.output / relative
        if path.is_dir() or relative.endswith("/") or relative == "":
            path = path / "index.html"
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    def pages(self):
        return sorted(p.relative_to(self.output).as_posix() for p in self.output.rglob("*.html"))

    def local(self, url):
        """Output-relative path of an absolute site URL."""
        assert url.startswith(self.siteurl + "/"), url
        return url[len(self.siteurl) + 1:]


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    """The sample site built for, and served on, a loopback port: (base URL, Site)."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    output = tmp_path_factory.mktemp("served") / "output"

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(output)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    report = build_sample(output, SITEURL=base, FEED_DOMAIN=base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = Site(output, report)
    site.siteurl = base
    yield base, site
    server.shutdown()
    server.server_close()


CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the whole session, driven by Playwright."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is missing: run `make test` (installs Debian's chromium) or apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
