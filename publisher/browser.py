"""Headless Debian chromium driven by Playwright (its own browser download is not used)."""

import shutil
from contextlib import contextmanager

# Flags for a closed network: no background calls home, no first-run work.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]


class ChromiumMissing(RuntimeError):
    pass


@contextmanager
def headless_chromium():
    """A Playwright Browser on a fresh profile; chromium comes from Debian's package."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise ChromiumMissing("chromium is missing: run `make test` (installs Debian's chromium as root) "
                              "or `apt-get install chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
