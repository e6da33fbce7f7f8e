"""How long one newsletter issue takes to render in-process, against the official npm mjml.

    python -m benchmarks.newsletter_render [--runs N] [--warmup N] [--cli-runs N] [--json]

The issue is the sample content/newsletter/fr/numero-2.md (issue 2, with its
digest of posts), taken from a real build of the sample site so that it is
exactly the Issue the newsletter_issues plugin hands to Renderer.render. When
that build fails, the issue is read from its Markdown file alone (no digest
cards), and the output says so.

Timed, each run on its own with time.perf_counter, warm-up runs excluded:
  - end to end: Pelican's Markdown reader on the issue file, then Renderer.render
    (MJML from the templates, mjml2html, the text part, the link scan);
  - Renderer.render alone;
  - mjml2html alone, on the MJML the render produced.
The same MJML string, written to a temporary file, is then compiled by the npm
mjml package (benchmarks/package.json) inside one long-lived Node process
(benchmarks/mjml_compile.js), so Node's start-up is not in its per-compile
median; a few one-shot runs of the mjml command line show what a process per
compile costs. Nothing is asserted: the table reports the figures and whether
the 3 ms target is met.
"""

import argparse
import contextlib
import functools
import hashlib
import importlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from benchmarks.machine import cpu_model, load_average

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
NODE_SCRIPT = BENCH / "mjml_compile.js"
MJML_CLI = BENCH / "node_modules" / "mjml" / "bin" / "mjml"
SETTINGS = "publishconf.py"
ISSUE_FILE = "content/newsletter/fr/numero-2.md"
ISSUE_NUMBER, ISSUE_LANG = 2, "fr"
TARGET_MS = 3.0
# What the issue quotes for npm mjml on this kind of machine, for reference.
QUOTED_NPM_MS = 12.6
# The comments plugin must not reach a server during the build.
BUILD_OVERRIDES = {"COMMENTS": {"isso": {"url": "http://127.0.0.1:9/"}, "default_state": "off"}}


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


# --- The issue, as the plugin makes it ------------------------------------------------------

def _plugin_module(name):
    """A module of one of the project's plugins, loaded from plugins/ the way Pelican loads plugins."""
    from pelican.plugins._utils import load_legacy_plugin

    load_legacy_plugin(name.partition(".")[0], [str(ROOT / "plugins")])
    return importlib.import_module(name)


@contextlib.contextmanager
def _quiet():
    """Pelican's console and log output, kept aside (shown only when the build fails)."""
    import logging

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers[:] = [handler]
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


class Subject:
    """One issue ready to render: the Issue, its links, a Renderer, and how it was obtained."""

    def __init__(self, issue, links, renderer, settings, origin):
        self.issue, self.links, self.renderer = issue, links, renderer
        self.settings, self.origin = settings, origin
        self.path = str(ROOT / ISSUE_FILE)


def issue_from_build(workdir):
    """Build the sample site into ``workdir`` and keep the issue the plugin rendered."""
    import blinker

    from newsletter.render import Renderer
    from publisher.build import build_site
    from sitekit.build_context import RenderedEmails, state_of

    seen = {}

    def keep_state(pelican):
        seen["state"] = state_of(pelican.settings, RenderedEmails)
        seen["settings"] = pelican.settings

    signal = blinker.signal("bilingual.all_languages_written")
    signal.connect(keep_state, weak=False)
    try:
        with _quiet() as log:
            try:
                build_site(ROOT / SETTINGS, Path(workdir) / "output", BUILD_OVERRIDES)
            except Exception as error:
                tail = " | ".join(line for line in log.getvalue().splitlines()[-3:] if line.strip())
                raise BenchError(f"the sample site did not build ({type(error).__name__}: {error})"
                                 + (f"; last lines: {tail}" if tail else "")) from None
    finally:
        signal.disconnect(keep_state)
    state = seen.get("state")
    if state is None:
        raise BenchError("the build ran but the newsletter_issues plugin rendered nothing")
    found = [i for i in state.issues.get(ISSUE_LANG, []) if i.number == ISSUE_NUMBER]
    if not found:
        raise BenchError(f"the build has no issue {ISSUE_NUMBER} in {ISSUE_LANG}")
    issue = found[0]
    renderer = Renderer([str(ROOT / "theme" / "newsletter")], state.config, state.build.translations)
    issue_links = _plugin_module("newsletter_issues.handlers").issue_links
    return Subject(issue, issue_links(state, issue), renderer, seen["settings"],
                   f"the newsletter_issues plugin, in a build of the sample site ({SETTINGS})")


# Used only when the build fails: what the plugin's settings and URLs would give, so that a
# plugin being edited cannot stop the benchmark (see plugins/newsletter_issues/settings.py).
FALLBACK_CONFIG = {"name": "", "tagline": "", "postal_address": "", "powered_by": "", "utm": {},
                   "site_url": None, "unsubscribe_placeholder": "[[UNSUBSCRIBE_URL]]"}
ARCHIVE_URL, ISSUE_URL, FEEDBACK_URL = "newsletter/", "newsletter/{number}/", "newsletter/feedback/{answer}/"


def issue_from_markdown():
    """The issue read from its file with Pelican's reader alone: no build, so no digest cards."""
    from bs4 import BeautifulSoup
    from newsletter.model import Issue
    from newsletter.render import IssueLinks, Renderer
    from pelican.readers import MarkdownReader
    from pelican.settings import read_settings

    with _quiet():
        settings = read_settings(str(ROOT / SETTINGS))
    config = {**FALLBACK_CONFIG, **settings.get("NEWSLETTER", {})}
    config["site_url"] = (config["site_url"] or settings.get("FEED_DOMAIN") or settings["SITEURL"]).rstrip("/")
    content, meta = MarkdownReader(settings).read(str(ROOT / ISSUE_FILE))
    prefix = "" if ISSUE_LANG == settings["DEFAULT_LANG"] else f"{ISSUE_LANG}/"
    issue = Issue(number=ISSUE_NUMBER, lang=ISSUE_LANG, date=meta["date"], body_html=content,
                  subject=BeautifulSoup(str(meta["title"]), "html.parser").get_text(" ", strip=True),
                  source_path=ISSUE_FILE, preheader=str(meta.get("preheader", "")).strip(),
                  author=", ".join(a.name for a in meta.get("authors", [])),
                  url=prefix + ISSUE_URL.format(number=ISSUE_NUMBER))
    feedback = prefix + FEEDBACK_URL + f"?issue={ISSUE_NUMBER}"
    links = IssueLinks(view_online=issue.url, archive=prefix + ARCHIVE_URL, feedback_yes=feedback.format(answer="yes"),
                       feedback_no=feedback.format(answer="no"), subscribe=prefix + ARCHIVE_URL + "#subscribe")
    # Compiled once per language, as the bilingual plugin does during a build.
    load_translations = _plugin_module("bilingual.catalogue").load_translations
    catalogue = functools.lru_cache(maxsize=None)(lambda lang: load_translations(ROOT / "theme" / "translations", lang))
    renderer = Renderer([str(ROOT / "theme" / "newsletter")], config, catalogue)
    return Subject(issue, links, renderer, settings,
                   "its Markdown file alone (Pelican's reader, no plugins: no digest cards, no typography pass)")


def get_subject(workdir, notes):
    try:
        return issue_from_build(workdir)
    except Exception as error:  # a plugin being edited, a broken build: fall back, and say so
        reason = str(error) if isinstance(error, BenchError) else f"{type(error).__name__}: {error}"
        notes.append(f"{reason}; the issue was read from {ISSUE_FILE} alone instead.")
        return issue_from_markdown()


# --- Timing ---------------------------------------------------------------------------------

def timed(function, runs, warmup):
    """Milliseconds of each of ``runs`` calls, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        function()
    times = []
    clock = time.perf_counter
    for _ in range(runs):
        start = clock()
        function()
        times.append((clock() - start) * 1000)
    return times


def summary(times):
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "runs": len(times)}


def measure_ours(subject, runs, warmup, mjml_file):
    """Our timings; the rendered MJML is written to ``mjml_file`` for the npm compiler."""
    from mjml import mjml2html
    from pelican.readers import MarkdownReader

    issue, links, renderer = subject.issue, subject.links, subject.renderer
    built_body = issue.body_html
    first = renderer.render(issue, links)
    again = renderer.render(issue, links)
    if (again.mjml, again.html, again.text) != (first.mjml, first.html, first.text):
        raise BenchError("two renders of the same issue differ; the timings would not be of one document")
    mjml_file.write_bytes(first.mjml.encode("utf-8"))
    mjml_source = mjml_file.read_bytes().decode("utf-8")  # what node will read, byte for byte
    if mjml_source != first.mjml:
        raise BenchError(f"{mjml_file} does not read back as the MJML that was rendered")

    # End to end: Pelican reads the Markdown (as the plugin's generator does), then the email is rendered.
    reader_settings = subject.settings
    read_body, _ = MarkdownReader(reader_settings).read(subject.path)
    body_matches = read_body == built_body

    def end_to_end():
        content, _ = MarkdownReader(reader_settings).read(subject.path)
        issue.body_html = content if body_matches else built_body
        renderer.render(issue, links)

    try:
        whole = timed(end_to_end, runs, warmup)
    finally:
        issue.body_html = built_body
    render = timed(lambda: renderer.render(issue, links), runs, warmup)
    compile_only = timed(lambda: mjml2html(mjml_source, disable_comments=True, fonts={}), runs, warmup)
    return {
        "end_to_end": summary(whole),
        "render": summary(render),
        "mjml2html": summary(compile_only),
        "reader_body_matches_build": body_matches,
        "mjml": mjml_source,
        "mjml_sha256": hashlib.sha256(mjml_source.encode("utf-8")).hexdigest(),
        "html_chars": len(first.html),
        "text_chars": len(first.text),
        "cards": len(issue.posts),
    }


def profile_render(subject, top, runs=100):
    """The costliest calls under Renderer.render (cProfile, cumulative), as text."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        subject.renderer.render(subject.issue, subject.links)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    body = out.getvalue()
    start = body.find("   ncalls")
    return (f"cProfile of {runs} renders (times inflated by profiling; compare rows with one another):\n"
            + (body[start:] if start >= 0 else body).rstrip().replace(str(ROOT) + "/", ""))


# --- The npm baseline -----------------------------------------------------------------------

def ensure_node_modules(notes):
    """True when benchmarks/node_modules has mjml, installing it from the lockfile if needed."""
    if MJML_CLI.parent.parent.joinpath("package.json").exists():
        return True
    npm = shutil.which("npm")
    if npm is None:
        notes.append("npm is not installed, so the npm mjml baseline could not be installed (benchmarks/node_modules).")
        return False
    print("Installing the npm mjml baseline: npm ci --prefix benchmarks ...", file=sys.stderr, flush=True)
    done = subprocess.run([npm, "ci", "--prefix", str(BENCH), "--no-audit", "--no-fund"], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0 or not MJML_CLI.exists():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        notes.append(f"npm ci --prefix benchmarks failed (exit {done.returncode}: {last[0]}); no npm baseline.")
        return False
    return True


def measure_npm(mjml_file, runs, warmup, cli_runs, notes):
    node = shutil.which("node")
    if node is None:
        notes.append("node is not installed: only our own figures are shown (install Node.js and npm for the "
                     "npm mjml baseline).")
        return None
    if not ensure_node_modules(notes):
        return None
    done = subprocess.run([node, str(NODE_SCRIPT), "--runs", str(runs), "--warmup", str(warmup), str(mjml_file)],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        notes.append(f"benchmarks/mjml_compile.js failed: {done.stderr.strip() or done.stdout.strip()}")
        return None
    result = json.loads(done.stdout)
    if cli_runs:
        command = [node, str(MJML_CLI), str(mjml_file), "-s", "--config.validationLevel", "soft",
                   "--config.keepComments", "false", "--config.fonts", "{}"]
        times = []
        for _ in range(cli_runs):
            start = time.perf_counter()
            shot = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            times.append((time.perf_counter() - start) * 1000)
            if shot.returncode != 0:
                notes.append(f"the mjml command line failed (exit {shot.returncode}); its one-shot time is left out.")
                times = []
                break
        if times:
            result["cli"] = summary(times)
    return result


# --- Report ---------------------------------------------------------------------------------

def machine():
    load = load_average()
    load = f", load average {load:.2f} at start" if load is not None else ""
    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}{load}"


def ratio_text(ours, baseline):
    ratio = ours / baseline
    if 0.95 <= ratio <= 1.05:
        return f"{ratio:.2f}× (about the same)"
    return f"{ratio:.2f}× ({baseline / ours:.1f}× faster)" if ratio < 1 else f"{ratio:.2f}× ({ratio:.1f}× slower)"


def format_table(result):
    ours, npm = result["ours"], result.get("npm")
    baseline = f"npm mjml {npm['mjml_version']}" if npm else None
    lines = [
        f"Newsletter render benchmark: issue {ISSUE_NUMBER} ({ISSUE_LANG}), {ISSUE_FILE}, {ours['cards']} digest card(s)",
        f"  issue from: {result['origin']}",
        f"  MJML {len(ours['mjml']):,} chars -> HTML {ours['html_chars']:,} chars, text {ours['text_chars']:,} chars;"
        f" both compilers get the same MJML file",
        f"  {result['runs']} timed runs per row after {result['warmup']} warm-up runs; machine: {result['machine']}",
        "",
    ]
    header = f"  {'':58} {'median':>10} {'min':>9}   ratio to " + (baseline or "npm mjml (not run)")
    lines.append(header)
    lines.append("  " + "-" * (len(header) - 2))

    def row(label, stats, with_ratio=True):
        ratio = ratio_text(stats["median_ms"], npm["median_ms"]) if npm and with_ratio else ""
        lines.append(f"  {label:58} {stats['median_ms']:7.2f} ms {stats['min_ms']:6.2f} ms   {ratio}")

    row("ours, one issue end to end (Markdown -> HTML + text)", ours["end_to_end"])
    row("ours, Renderer.render (body HTML -> MJML -> HTML + text)", ours["render"])
    row(f"ours, mjml2html only (mjml-python {result['mjml_python']})", ours["mjml2html"])
    if npm:
        row(f"{baseline}, in one long-lived node process", npm, with_ratio=False)
        lines[-1] += "1.00× (baseline)"
        if "cli" in npm:
            row(f"{baseline} command line, one process per compile", npm["cli"], with_ratio=False)
            lines[-1] += "(not a ratio basis)"
    lines.append("")
    if npm:
        lines.append(f"  The node row is measured inside one node process ({npm['node_version']}): Node's start-up,"
                     f" require('mjml') ({npm['require_ms']:.0f} ms) and the first compile"
                     f" ({npm['first_compile_ms']:.0f} ms) are not counted.")
        lines.append(f"  (Issues 5 and 8 quote {QUOTED_NPM_MS} ms per npm compile on this kind of machine;"
                     " the ratios use the figure measured above.)")
        if "cli" in npm:
            lines.append(f"  The command-line row is wall time of one `mjml file -s` process (median of {npm['cli']['runs']}),"
                         f" Node's start-up included.")
        lines.append(f"  npm mjml's HTML for it: {npm['html_chars']:,} chars (ours: {ours['html_chars']:,});"
                     f" same MJML, two compilers (SHA-256 {ours['mjml_sha256'][:12]}... on both sides).")
        messages = npm["validation_messages"]
        lines.append(f"  npm mjml validation (level \"soft\") on this MJML: {npm['validation_errors']} error(s)"
                     + (": " + "; ".join(messages) if messages else "."))
    for what, key in (("Renderer.render", "render"), ("end to end, Markdown read included", "end_to_end")):
        median = ours[key]["median_ms"]
        verdict = "met" if median <= TARGET_MS else f"NOT met, {median - TARGET_MS:.2f} ms over"
        lines.append(f"  Target <= {TARGET_MS:g} ms per issue, {what}: {verdict} (median {median:.2f} ms).")
    if not ours["reader_body_matches_build"]:
        lines.append("  Note: plugins rework the body after Pelican reads it (French typography), so the end-to-end"
                     " row times the reader, then renders the built body.")
    for note in result["notes"]:
        lines.append(f"  Note: {note}")
    if ours.get("profile"):
        lines += ["", ours["profile"]]
    return "\n".join(lines)


def run(runs, warmup, cli_runs, node=True, profile=0):
    """Every figure of the benchmark, as a dict (what --json prints, less the MJML)."""
    host = machine()  # before our own load
    notes = []
    previous = os.getcwd()
    os.chdir(ROOT)  # the settings files name their paths relative to the project
    try:
        with tempfile.TemporaryDirectory(prefix="newsletter-bench-") as workdir:
            subject = get_subject(workdir, notes)
            mjml_file = Path(workdir) / f"issue-{ISSUE_NUMBER}-{ISSUE_LANG}.mjml"
            ours = measure_ours(subject, runs, warmup, mjml_file)
            if profile:
                ours["profile"] = profile_render(subject, profile)
            npm = measure_npm(mjml_file, runs, warmup, cli_runs, notes) if node else None
    finally:
        os.chdir(previous)
    if npm and npm["mjml_sha256"] != ours["mjml_sha256"]:
        raise BenchError("node did not compile the same MJML bytes as Python (SHA-256 differs)")
    return {"origin": subject.origin, "runs": runs, "warmup": warmup, "machine": host,
            "mjml_python": metadata.version("mjml-python"), "target_ms": TARGET_MS,
            "ours": ours, "npm": npm, "notes": notes}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="timed runs per row (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed runs before each row (default 30)")
    parser.add_argument("--cli-runs", type=int, default=3,
                        help="one-shot runs of the mjml command line, Node start-up included (default 3; 0: none)")
    parser.add_argument("--no-node", action="store_true", help="skip the npm mjml baseline")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile Renderer.render and list its N costliest calls (cumulative time)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0 or args.cli_runs < 0:
        parser.error("--runs must be at least 1; --warmup and --cli-runs at least 0")
    try:
        result = run(args.runs, args.warmup, args.cli_runs, node=not args.no_node, profile=args.profile)
    except BenchError as error:
        print(f"newsletter benchmark: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({**result, "ours": {k: v for k, v in result["ours"].items() if k != "mjml"}}, indent=2))
    else:
        print(format_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
