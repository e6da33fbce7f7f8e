"""Screenshots of chosen pages in every language and width, for review.

    invoke screenshots [--destination screenshots]

The pages and widths come from the SCREENSHOTS setting of pelicanconf.py.
The site is built into a temporary folder, served on a loopback port and
photographed in headless chromium: output/ is not touched.
"""

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from pelican.settings import read_settings

from .browser import headless_chromium
from .build import build_site
from .local_server import LocalServer

logger = logging.getLogger(__name__)


def take_screenshots(destination="screenshots", settings_file="pelicanconf.py"):
    """Write one full-page PNG per page, language and width; return their paths."""
    config = read_settings(settings_file).get("SCREENSHOTS", {})
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "output"
        with LocalServer(output) as server:
            build_site(settings_file, output, {"SITEURL": server.url, "FEED_DOMAIN": server.url})
            server.start()
            with headless_chromium() as browser:
                for name, path, width in _shots(config):
                    written.append(_shoot(browser, f"{server.url}/{path}", width, destination / f"{name}-{width}.png"))
    return written


def _shots(config):
    for name, paths in config.get("pages", {}).items():
        for lang, path in paths.items():
            for width in config.get("widths", [375, 1280]):
                yield f"{lang}-{name}", path, width


def _shoot(browser, url, width, target):
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        response = page.goto(url)
        if response is None or not response.ok:
            raise RuntimeError(f"{url} answered {response.status if response else 'nothing'}; "
                               "check SCREENSHOTS['pages'] in pelicanconf.py")
        page.screenshot(path=str(target), full_page=True)
    finally:
        page.close()
    logger.info("wrote %s", target)
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(description="Screenshots of chosen pages, for review.")
    parser.add_argument("--destination", default="screenshots")
    parser.add_argument("--settings", default="pelicanconf.py")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    for path in take_screenshots(args.destination, args.settings):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
