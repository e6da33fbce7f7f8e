"""Look at the newsletter before anyone receives it.

    python -m publisher.newsletter_review check [--settings publishconf.py]
    python -m publisher.newsletter_review preview N [--destination preview]

Both build the whole site with the given settings into a temporary folder
(output/ and outbox/ are not touched), so the emails are rendered and checked
exactly as `make publish` does: an error in any issue stops with one line per
problem and exit status 1.

``preview N`` writes, per language, issue-N-<lang>.html, .txt and .eml, and
PNG screenshots at 375 and 600 px, light and dark, taken in headless
chromium; the email's images are served from the temporary build, and no
request leaves the machine.
"""

import argparse
import logging
import mimetypes
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitekit.build_context import RenderedEmails, state_of

from .build import ContentErrors, build_site, report_failure

logger = logging.getLogger(__name__)

WIDTHS = (375, 600)
DARK_WIDTHS = (375, 600)


class NoSuchIssue(LookupError):
    pass


def build_and_check(settings_file, folder):
    """Build into ``folder``/output; return (report, state). Raises ContentErrors on any problem."""
    report = build_site(settings_file, Path(folder) / "output")
    state = state_of(report.settings or {}, RenderedEmails)
    if state is None:
        raise ContentErrors(1, "problem: the newsletter_issues plugin is not in PLUGINS")
    return report, state


def check_lines(state):
    """One line per email: what was measured against each limit."""
    limit = state.config["html_limit"]
    lines = []
    for rendered in state.rendered:
        size = len(rendered.html.encode("utf-8"))
        lines.append(f"{rendered.issue.key}: subject {len(rendered.subject)}/78 characters, HTML "
                     f"{size / 1024:.1f}/{limit / 1024:.0f} KB, links checked: {len(rendered.links)}, "
                     f"images checked: {len(rendered.images)}: ok")
    return lines


def preview(number, settings_file="publishconf.py", destination="preview", browser=None):
    """Write the preview files of issue ``number``; return their paths.

    ``browser``: a Playwright Browser to reuse (one is started otherwise).
    """
    destination = Path(destination)
    with tempfile.TemporaryDirectory() as folder:
        report, state = build_and_check(settings_file, folder)
        emails = [rendered for rendered in state.rendered if rendered.issue.number == number]
        if not emails:
            known = sorted({rendered.issue.number for rendered in state.rendered})
            raise NoSuchIssue(f"no issue {number} in content/{state.config['path']}/ "
                              f"(issues: {', '.join(map(str, known)) or 'none'})")
        destination.mkdir(parents=True, exist_ok=True)
        outbox = state.outbox(report.output)
        written = []
        for rendered in emails:
            key = rendered.issue.key
            written += [_write(destination / f"{key}.html", rendered.html.encode("utf-8")),
                        _write(destination / f"{key}.txt", rendered.text.encode("utf-8")),
                        _write(destination / f"{key}.eml", (outbox / f"{key}.eml").read_bytes())]
        written += _screenshots(emails, state.site_url, report.output, destination, browser)
    return written


def _write(path, data):
    path.write_bytes(data)
    return path


def _screenshots(emails, site_url, output, destination, browser=None):
    if browser is None:
        from .browser import headless_chromium

        with headless_chromium() as browser:
            return _screenshots(emails, site_url, output, destination, browser)
    shots = [(width, "light") for width in WIDTHS] + [(width, "dark") for width in DARK_WIDTHS]
    written = []
    for rendered in emails:
        for width, scheme in shots:
            suffix = "-dark" if scheme == "dark" else ""
            target = destination / f"{rendered.issue.key}-{width}{suffix}.png"
            written.append(_shoot(browser, rendered.html, width, scheme, site_url, output, target))
    return written


def _shoot(browser, html, width, scheme, site_url, output, target):
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    try:
        # The email's images point at the public site: answer them from the build instead.
        context.route("**/*", lambda route: _serve_from_build(route, site_url, output))
        page = context.new_page()
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(target), full_page=True)
    finally:
        context.close()
    logger.info("wrote %s", target)
    return target


def _serve_from_build(route, site_url, output):
    url = route.request.url
    if not url.startswith(site_url + "/"):
        return route.abort()   # nothing outside the site is loaded (no tracker, no font)
    path = output / unquote(urlsplit(url).path).lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        return route.fulfill(status=404, body="")
    return route.fulfill(status=200, body=path.read_bytes(),
                         content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="build aside, run every check on every email, list the measures")
    preview_parser = commands.add_parser("preview", help="HTML, text, .eml and screenshots of one issue")
    preview_parser.add_argument("number", type=int)
    preview_parser.add_argument("--destination", default="preview")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        if args.command == "check":
            with tempfile.TemporaryDirectory() as folder:
                _, state = build_and_check(args.settings, folder)
                print("\n".join(check_lines(state)) or "no newsletter issue to check")
        else:
            for path in preview(args.number, args.settings, args.destination):
                print(path)
    except NoSuchIssue as error:
        print(error, file=sys.stderr)
        return 2
    except Exception as exc:  # one line, as the build reports it
        return report_failure(exc, "output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
