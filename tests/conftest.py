"""Shared fixtures: real builds of the sample site into temporary folders."""

import shutil
import subprocess
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


def comments_setting(cache_file, **changes):
    """The site's COMMENTS setting with ``changes``, its cache in a test folder."""
    import pelicanconf

    setting = {**pelicanconf.COMMENTS, "cache_file": str(cache_file), **changes}
    setting["isso"] = {**pelicanconf.COMMENTS["isso"], **changes.get("isso", {})}
    return setting


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The sample site built with the production settings, its comments from a real Isso."""
    from publisher.comment_server import IssoServer

    folder = tmp_path_factory.mktemp("published")
    output = folder / "output"
    with IssoServer(folder / "isso", ["https://elise-marchand.example"]) as isso:
        comments = comments_setting(folder / "comments.json", isso={"url": isso.url})
        report = build_sample(output, COMMENTS=comments)
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
        """Every HTML page of the build; refuses a build without both homes, so that a
        loop over the pages cannot pass by checking nothing."""
        pages = sorted(p.relative_to(self.output).as_posix() for p in self.output.rglob("*.html"))
        missing = {"index.html", "en/index.html"} - set(pages)
        assert not missing, f"the build in {self.output} lacks {', '.join(sorted(missing))}: nothing to check"
        return pages

    def local(self, url):
        """Output-relative path of an absolute site URL."""
        assert url.startswith(self.siteurl + "/"), url
        return url[len(self.siteurl) + 1:]


@pytest.fixture(scope="session")
def served_site(tmp_path_factory):
    """The sample site built for, and served on, a loopback port, with a live
    Isso comment server on another: (base URL, Site); Site.comment_server is Isso's URL."""
    from publisher.comment_server import IssoServer
    from publisher.local_server import LocalServer

    folder = tmp_path_factory.mktemp("served")
    output = folder / "output"
    with LocalServer(output) as server:
        server.start()
        with IssoServer(folder / "isso", [server.url]) as isso:
            comments = comments_setting(folder / "comments.json", isso={"url": isso.url})
            report = build_sample(output, SITEURL=server.url, FEED_DOMAIN=server.url, COMMENTS=comments)
            site = Site(output, report)
            site.siteurl = server.url
            site.comment_server = isso.url
            yield server.url, site


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the whole session, driven by Playwright."""
    from publisher.browser import ChromiumMissing, headless_chromium

    try:
        with headless_chromium() as browser:
            yield browser
    except ChromiumMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture
def ledger(tmp_path):
    """A delivery ledger in a test folder, held as a publishing run holds it."""
    from newsletter.delivery.ledger import Ledger

    ledger = Ledger(tmp_path / "ledger.json")
    with ledger.locked():
        yield ledger


@pytest.fixture
def campaigns(tmp_path):
    """Issue 5 in French and English, as the build writes them to the outbox."""
    from delivery_contract import make_campaign

    return [make_campaign(tmp_path / "outbox", lang=lang) for lang in ("fr", "en")]


def self_signed_certificate(folder, alt_names="IP:127.0.0.1"):
    """(cert.pem, key.pem) of a fresh self-signed certificate for 127.0.0.1 in FOLDER; skips without openssl."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", folder / "key.pem", "-out", folder / "cert.pem", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", f"subjectAltName={alt_names}"],
                   check=True, capture_output=True)
    return folder / "cert.pem", folder / "key.pem"
