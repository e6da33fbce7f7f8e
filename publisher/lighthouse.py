"""Lighthouse and axe on a production build: the pages that must score 100 everywhere.

    invoke lighthouse [--settings publishconf.py]

Builds the site with the production settings into a temporary folder, for a
loopback address it then serves (text gzip-compressed, as static hosts send it),
starts a local Isso comment server
(publisher/comment_server.py over comments/isso.cfg, allowing that address)
so the comment pages load as they do in production, and runs on each page of
PAGES, in every language:

- Lighthouse 12 (npm lighthouse@12.2.3, installed into cache/lighthouse on the
  first run) in Debian's chromium, mobile (Lighthouse's default: a 412 px phone,
  slow 4G, 4x CPU slowdown), the four categories: performance, accessibility,
  best practices, SEO;
- axe-core (node_modules, as tests/test_pages_in_browser.py runs it: WCAG 2.2
  AA and best practices) in the light and the dark scheme.

Prints one table row per page and exits 1 when a score is below 100 or axe
finds a violation (the failing audits are listed under the table). The JSON
reports are kept in cache/lighthouse/reports/.
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .browser import headless_chromium
from .build import ContentErrors, build_site
from .comment_server import IssoServer
from .local_server import CompressingHandler, LocalServer

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
VERSION = "12.2.3"
CACHE = ROOT / "cache" / "lighthouse"
CLI = CACHE / "node_modules" / "lighthouse" / "cli" / "index.js"
REPORTS = CACHE / "reports"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CATEGORIES = {"performance": "perf", "accessibility": "a11y", "best-practices": "best", "seo": "seo"}
# The list (23, "Limits that hold"): page type -> path per language.
PAGES = {
    "home": {"fr": "", "en": "en/"},
    "post": {"fr": "strategie-editoriale-en-5-etapes/", "en": "en/editorial-strategy-in-5-steps/"},
    "issue": {"fr": "newsletter/2/", "en": "en/newsletter/2/"},
    "search": {"fr": "search/", "en": "en/search/"},
    "tag": {"fr": "tag/seo/", "en": "en/tag/seo/"},
}
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 240  # seconds for one page's Lighthouse run


class LighthouseError(RuntimeError):
    pass


def ensure_lighthouse():
    """Lighthouse's CLI, installed with npm into cache/lighthouse when missing (or another version)."""
    installed = CACHE / "node_modules" / "lighthouse" / "package.json"
    if installed.is_file() and json.loads(installed.read_text(encoding="utf-8")).get("version") == VERSION:
        return CLI
    npm = shutil.which("npm")
    if npm is None:
        raise LighthouseError("npm is missing: install Debian's npm package (Lighthouse runs on Node)")
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "i", "-E", f"lighthouse@{VERSION}", "--prefix", str(CACHE), "--no-audit",
                           "--no-fund", "--loglevel=error"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0 or not CLI.is_file():
        raise LighthouseError(f"npm could not install lighthouse@{VERSION}: {done.stderr.strip()[-500:]}")
    return CLI


def chromium_path():
    path = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        raise LighthouseError("chromium is missing: `apt-get install chromium` (or set CHROME_PATH)")
    return path


def run_lighthouse(cli, url, report_path, chrome):
    """The four category scores (0-100) of ``url``, and the audits that cost points."""
    command = ["node", str(cli), url, "--quiet", "--output=json", f"--output-path={report_path}",
               "--only-categories=" + ",".join(CATEGORIES), "--chrome-flags=" + " ".join(CHROME_FLAGS)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                              env={**os.environ, "CHROME_PATH": chrome})
    except subprocess.TimeoutExpired:
        raise LighthouseError(f"Lighthouse did not finish {url} within {TIMEOUT} s") from None
    if done.returncode != 0 or not Path(report_path).is_file():
        raise LighthouseError(f"Lighthouse failed on {url}: {(done.stderr or done.stdout).strip()[-800:]}")
    report = json.loads(Path(report_path).read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise LighthouseError(f"Lighthouse could not load {url}: {report['runtimeError'].get('message')}")
    scores, failing = {}, []
    for key, category in report["categories"].items():
        scores[key] = None if category["score"] is None else round(category["score"] * 100)
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failing.append(f"{key}: {ref['id']} ({audit.get('displayValue') or audit['title']})")
    return scores, failing


def axe_violations(browser, url, scheme):
    """axe-core's violations on ``url`` in ``scheme``, one line each (rule: targets)."""
    if not AXE.is_file():
        raise LighthouseError("axe-core is missing: run `npm ci` in the project (package-lock.json pins it)")
    # axe is injected as an inline script, which the site's CSP refuses: this page alone lifts it.
    page = browser.new_page(color_scheme=scheme, bypass_csp=True)
    try:
        page.goto(url, wait_until="networkidle")  # the comment widget too
        page.add_script_tag(path=str(AXE))
        return page.evaluate("""async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
        }""", AXE_TAGS)
    finally:
        page.close()


def check(settings_file="publishconf.py", pages=None, languages=None):
    """Build, serve, measure; return the rows: (name, url, scores, lighthouse failures, axe violations)."""
    cli = ensure_lighthouse()
    chrome = chromium_path()
    pages = pages or PAGES
    REPORTS.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
        folder = Path(folder)
        output = folder / "output"
        with LocalServer(output, handler=CompressingHandler) as server:
            server.start()
            with IssoServer(folder / "isso", [server.url]) as isso:
                comments = _comments_setting(settings_file, isso.url, folder / "comments.json")
                report = build_site(settings_file, output, {"SITEURL": server.url, "FEED_DOMAIN": server.url,
                                                            "COMMENTS": comments})
                print(report.summary(), file=sys.stderr, flush=True)
                with headless_chromium() as browser:
                    for name, paths in pages.items():
                        for lang, path in paths.items():
                            if languages and lang not in languages:
                                continue
                            url = f"{server.url}/{path}"
                            print(f"  {lang} {name}: {url}", file=sys.stderr, flush=True)
                            target = REPORTS / f"{lang}-{name}.json"
                            scores, failing = run_lighthouse(cli, url, target, chrome)
                            violations = [f"{scheme}: {line}" for scheme in ("light", "dark")
                                          for line in axe_violations(browser, url, scheme)]
                            rows.append((f"{lang} {name}", path or "/", scores, failing, violations))
    return rows


def _comments_setting(settings_file, isso_url, cache_file):
    """The settings' COMMENTS, pointed at the local Isso, its cache in the temporary folder."""
    from pelican.settings import read_settings

    comments = dict(read_settings(str(settings_file)).get("COMMENTS") or {})
    if comments.get("provider", "isso") != "isso":
        return comments
    return {**comments, "cache_file": str(cache_file), "isso": {**comments.get("isso", {}), "url": isso_url}}


def table(rows):
    header = ["page", "path", *CATEGORIES.values(), "axe"]
    lines = [[name, path, *[_score(scores.get(key)) for key in CATEGORIES], str(len(violations))]
             for name, path, scores, _, violations in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines)]
    out = [" | ".join(cell.ljust(width) for cell, width in zip(header, widths)),
           "-|-".join("-" * width for width in widths)]
    out += [" | ".join(cell.ljust(width) for cell, width in zip(line, widths)) for line in lines]
    return "\n".join(out)


def _score(value):
    return "n/a" if value is None else str(value)


def passed(rows):
    return all(all(score == 100 for score in scores.values()) and not violations
               for _, _, scores, _, violations in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py")
    parser.add_argument("--lang", action="append", help="only this language (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        rows = check(args.settings, languages=args.lang)
    except (LighthouseError, ContentErrors) as error:
        print(f"lighthouse: {error}", file=sys.stderr)
        return 2
    print(table(rows))
    # What costs points, on the pages below 100; every axe violation.
    problems = [(name, line) for name, _, scores, failing, violations in rows
                for line in (failing if any(score != 100 for score in scores.values()) else []) + violations]
    for name, line in problems:
        print(f"{name}: {line}")
    ok = passed(rows)
    print(f"\n{'all 100, no axe violation' if ok else 'BELOW 100 OR AXE VIOLATIONS'}; "
          f"reports in {REPORTS.relative_to(ROOT)}/")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
