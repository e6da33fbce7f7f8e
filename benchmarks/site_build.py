"""Full-site build times: bare Pelican, the project's full configuration, and Hugo when installed.

    python -m benchmarks.site_build [--posts 1000] [--runs 3] [--json PATH] [--keep] [--no-hugo] [--against REV]

A corpus of --posts French posts (half of them translated, benchmarks/corpus.py) is
written once into a temporary folder. Then, --runs times, each build runs in a fresh
process into a fresh output folder, in this order:

  bare Pelican         python -m pelican content -s bare.py: no plugin, Pelican's default theme;
  hugo                 hugo --quiet on the same corpus as a minimal Hugo site (benchmarks/hugo_site.py),
                       only when `hugo` is on PATH;
  full                 python -m publisher.build with the project's publishconf.py, theme and plugins
                       (the corpus's full.py), with a fresh CACHE_PATH: a cold build;
  full, warm rebuild   the same command again into the same output folder with the same CACHE_PATH,
                       nothing changed;
  full, edit one post  one post's body changed (an untranslated one, so no Source-Hash warning),
                       then the same command again;
  serve, edit one post `invoke serve` in one process (benchmarks/edit_loop.py): a full build, then
                       edits of one post's text, each rebuilt by the fast path; the median rebuild.

With --against REV (a git revision of this repository, e.g. HEAD or main~3), the same rounds also
build with that revision's code (exported with `git archive` into the temporary folder): its cold
build, warm rebuild and serve edit loop on the same corpus, right after this tree's, so the ratio
"vs REV" pairs two measurements of one run on one machine.

Each row gives the median wall time over the runs with its min and max, the CPU time
(user + system) of the median run, the peak resident set size, the HTML files written
under output/ (French, and anything else at the root) and output/en/, the warning and
error lines the build logged, and the ratio of its median to bare Pelican's median
measured in the same run. Wall time runs from the start of the process to its end, so
it includes the interpreter's start-up and imports. Peak RSS is the ru_maxrss that
os.wait4 returns for that one process: the largest resident set of the process and of
the processes it ran and waited for (Pagefind, in the full build), not their sum. Each
command is spawned by a small launcher (benchmarks/_launch.py, about 10 MiB), because
Linux counts in ru_maxrss the resident set of the spawning process from before exec:
spawned from this one, every build would start at this benchmark's own size.
Progress goes to stderr; the table to stdout; --json PATH writes the figures too.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from benchmarks import corpus as corpus_module
from benchmarks.hugo_site import write_hugo_site
from benchmarks.machine import cpu_model, load_average

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LAUNCHER = Path(__file__).resolve().parent / "_launch.py"
LOG_PROBLEM = re.compile(r"\b(WARN|WARNING|ERROR|CRITICAL)\b")
BUILT_LINE = re.compile(r"^Built .*$", re.M)

BARE, HUGO, FULL, WARM, EDIT = "bare Pelican", "hugo", "full", "full, warm rebuild", "full, edit one post"
SERVE = "serve, edit one post"
SERVE_EDITS = 3
HUGO_MISSING = "hugo: not installed (apt-get install hugo)"


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    maxrss_mib: float
    exit_code: int
    pages_root: int = 0
    pages_en: int = 0
    log_problems: int = 0
    report: str = ""  # publisher.build's "Built ..." line


@dataclass
class Row:
    name: str
    runs: list = field(default_factory=list)

    @property
    def good(self):
        return [run for run in self.runs if run.exit_code == 0]

    @property
    def failed(self):
        return [run for run in self.runs if run.exit_code != 0]

    def median(self):
        good = self.good
        return statistics.median(run.seconds for run in good) if good else None

    def median_run(self):
        """The successful run whose time is the median (the lower middle one for an even count)."""
        good = sorted(self.good, key=lambda run: run.seconds)
        return good[(len(good) - 1) // 2] if good else None

    def figures(self, baseline):
        median = self.median()
        last = self.good[-1] if self.good else None
        return {
            "name": self.name,
            "median_s": median,
            "min_s": min((r.seconds for r in self.good), default=None),
            "max_s": max((r.seconds for r in self.good), default=None),
            "ratio_to_bare": (median / baseline) if median and baseline else None,
            "cpu_s_of_median_run": self.median_run().cpu_seconds if self.good else None,
            "peak_rss_mib": max((r.maxrss_mib for r in self.good), default=None),
            "pages": {"root": last.pages_root, "en": last.pages_en} if last else None,
            "log_problems": max((r.log_problems for r in self.good), default=None),
            "failed_runs": len(self.failed),
            "runs": [asdict(run) for run in self.runs],
        }


# --- Measuring one process ---------------------------------------------------------------------------

def measured(command, cwd, env, logs):
    """Run ``command`` to its end through benchmarks/_launch.py: wall time, CPU time and peak RSS.

    Its stdout and stderr are kept in ``logs``. The launcher, a small interpreter, spawns the
    command and reads its rusage with os.wait4, so the command's ru_maxrss does not start at
    this process's own size (Linux counts the spawner's resident set, from before exec).
    """
    logs.mkdir(parents=True, exist_ok=True)
    figures = logs / "rusage.json"
    with open(logs / "stdout.txt", "wb") as out, open(logs / "stderr.txt", "wb") as err:
        process = subprocess.Popen([PYTHON, "-I", "-S", str(LAUNCHER), str(figures), *command], cwd=cwd, env=env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        try:
            process.wait()
        except BaseException:  # Ctrl-C reaches us only (own session): stop the build we started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait()
            raise
    stdout = (logs / "stdout.txt").read_text(encoding="utf-8", errors="replace")
    stderr = (logs / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    try:
        usage = json.loads(figures.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # the launcher could not start the command: its traceback is in stderr
        usage = {"seconds": 0.0, "cpu_seconds": 0.0, "maxrss_kib": 0, "exit_code": process.returncode or 1}
    built = BUILT_LINE.search(stdout)
    return Run(seconds=usage["seconds"], cpu_seconds=usage["cpu_seconds"], maxrss_mib=usage["maxrss_kib"] / 1024,
               exit_code=usage["exit_code"],
               log_problems=sum(1 for line in stderr.splitlines() if LOG_PROBLEM.search(line)),
               report=built.group(0) if built else "")


def count_pages(output):
    """HTML files under output/en/, and under the rest of output/."""
    root = en = 0
    for path in Path(output).rglob("*.html"):
        if path.relative_to(output).parts[0] == "en":
            en += 1
        else:
            root += 1
    return root, en


def tail(logs, lines=5):
    text = "\n".join(
        (logs / name).read_text(encoding="utf-8", errors="replace") for name in ("stdout.txt", "stderr.txt"))
    return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())


# --- The builds -----------------------------------------------------------------------------------------

@dataclass
class Code:
    """The code a full build runs: this tree, or a revision exported beside the corpus (--against)."""
    label: str           # "" for this tree, else the revision as given
    root: Path
    settings: Path       # the corpus's settings naming this code's theme and plugins

    def env(self):
        path = os.pathsep.join(filter(None, [str(self.root), os.environ.get("PYTHONPATH")]))
        return {**os.environ, "PYTHONPATH": path}

    def named(self, row):
        return f"{row} ({self.label})" if self.label else row


def exported_revision(revision, workdir, corpus):
    """``revision`` of this repository as files under ``workdir`` (git archive), with the corpus's settings for it."""
    root = workdir / "against"
    root.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", revision],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        raise SystemExit(f"site build benchmark: --against {revision}: "
                         f"{archive.stderr.decode(errors='replace').strip() or 'git archive failed'}")
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    settings = corpus.folder / "full-against.py"
    settings.write_text(corpus_module.FULL_SETTINGS.format(project=str(root)), encoding="utf-8")
    return Code(revision, root, settings)


class Bench:
    def __init__(self, workdir, corpus, hugo_site, runs, progress, against=None):
        self.workdir, self.corpus, self.hugo_site, self.runs = workdir, corpus, hugo_site, runs
        self.say = progress
        self.code = Code("", ROOT, corpus.full_settings)
        self.codes = [self.code] + ([against] if against else [])
        names = [BARE] + [code.named(row) for code in self.codes for row in (FULL, WARM, EDIT, SERVE)] + [HUGO]
        self.rows = {name: Row(name) for name in names if name != HUGO or hugo_site}
        untranslated = corpus.untranslated()
        self.edited = corpus.content / (untranslated[-1] if untranslated else corpus.posts[0]).path("fr")

    def bare(self, folder):
        output = folder / "output"
        return self.record(BARE, [PYTHON, "-m", "pelican", "content", "-s", "bare.py", "-o", str(output)],
                           self.corpus.folder, output, folder)

    def hugo(self, folder):
        output = folder / "output"
        command = ["hugo", "--quiet", "--source", str(self.hugo_site), "--destination", str(output),
                   "--cacheDir", str(folder / "hugo-cache")]
        return self.record(HUGO, command, self.hugo_site, output, folder)

    def full(self, code, name, folder, output, cache):
        command = [PYTHON, "-m", "publisher.build", "--settings", str(code.settings),
                   "--output", str(output), "--set", f"CACHE_PATH={cache}"]
        return self.record(code.named(name), command, self.corpus.folder, output, folder, code.env())

    def serve_edit(self, code, folder, cache):
        """serve's edit loop (benchmarks/edit_loop.py): its row shows the median time of one rebuild."""
        output, figures = folder / "serve-output", folder / "edit-loop.json"
        command = [PYTHON, "-m", "benchmarks.edit_loop", "--settings", str(code.settings),
                   "--output", str(output), "--cache", str(cache), "--post", str(self.edited),
                   "--edits", str(SERVE_EDITS), "--json", str(figures)]
        name = code.named(SERVE)
        run = self.record(name, command, self.corpus.folder, output, folder, code.env())
        if run.exit_code == 0:
            loop = json.loads(figures.read_text(encoding="utf-8"))
            run.seconds = loop["median_seconds"]
            run.cpu_seconds = statistics.median(edit["cpu_seconds"] for edit in loop["edits"])
            run.report = (f"first build {loop['first_build_seconds']:.1f} s; each edit: "
                          + ", ".join(f"{e['rendered']} rendered, {e['written']} written" for e in loop["edits"]))
            self.say(f"  {name}: {run.seconds:.2f} s a rebuild ({run.report})")
        shutil.rmtree(output, ignore_errors=True)

    def record(self, name, command, cwd, output, folder, env=None):
        env = env or self.code.env()
        run = measured(command, cwd, env, folder / "logs" / name.replace(", ", "-").replace(" ", "-"))
        if run.exit_code == 0:
            run.pages_root, run.pages_en = count_pages(output)
            self.say(f"  {name}: {run.seconds:.2f} s, {run.maxrss_mib:.0f} MiB, "
                     f"{run.pages_root} + {run.pages_en} HTML pages"
                     + (f", {run.log_problems} warning/error line(s)" if run.log_problems else ""))
        else:
            self.say(f"  {name}: FAILED (exit {run.exit_code}): {tail(folder / 'logs' / name.replace(', ', '-').replace(' ', '-'))}")
        self.rows[name].runs.append(run)
        return run

    def edit(self, round_number):
        """Change the body of one post (its last paragraph grows by one sentence per round)."""
        corpus_module.add_sentence(self.edited, round_number)

    def round(self, number):
        folder = self.workdir / "runs" / f"{number}"
        self.say(f"round {number}/{self.runs}")
        self.bare(folder / "bare")
        shutil.rmtree(folder / "bare" / "output", ignore_errors=True)
        if self.hugo_site:
            self.hugo(folder / "hugo")
            shutil.rmtree(folder / "hugo", ignore_errors=True)
        for index, code in enumerate(self.codes):
            self.full_builds(code, folder / f"full-{index}", number)

    def full_builds(self, code, folder, number):
        """Cold, warm and edited builds, then serve's edit loop, with one code; the post edited once a round."""
        output, cache = folder / "output", folder / "cache"
        if self.full(code, FULL, folder, output, cache).exit_code == 0:
            self.full(code, WARM, folder, output, cache)
            self.edit(number)
            self.full(code, EDIT, folder, output, cache)
            self.serve_edit(code, folder, cache)
        shutil.rmtree(output, ignore_errors=True)
        with contextlib.suppress(OSError):
            shutil.rmtree(folder / "outbox")


# --- Machine and report -------------------------------------------------------------------------------

def machine():
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "usable_cores": usable,
            "load_average_at_start": load_average(), "python": platform.python_version(),
            "pelican": metadata.version("pelican"), "hugo": hugo_version()}


def hugo_version():
    if not shutil.which("hugo"):
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(["hugo", "version"], capture_output=True, text=True, timeout=30)
        words = done.stdout.split()
        return words[1] if len(words) > 1 else done.stdout.strip()
    return "unknown version"


def seconds(value):
    return f"{value:.2f} s" if value is not None else "-"


def format_table(result):
    rows = result["rows"]
    corpus = result["corpus"]
    header = ["build", "median", "min", "max", "vs bare", "CPU", "peak RSS", "pages /", "pages /en/", "warn"]
    table = [header]
    for row in rows:
        if row["median_s"] is None:
            table.append([row["label"], f"failed ({row['failed_runs']} of {len(row['runs'])} runs)"] + [""] * 8)
            continue
        ratio = "1.00x (baseline)" if row["name"] == BARE else (
            f"{row['ratio_to_bare']:.2f}x" if row["ratio_to_bare"] is not None else "-")
        table.append([row["label"], seconds(row["median_s"]), seconds(row["min_s"]), seconds(row["max_s"]), ratio,
                      seconds(row["cpu_s_of_median_run"]), f"{row['peak_rss_mib']:.0f} MiB",
                      str(row["pages"]["root"]), str(row["pages"]["en"]), str(row["log_problems"])])
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        f"Site build benchmark: {corpus['posts']} French posts and {corpus['translations']} English translations "
        f"(~{corpus['words_per_post']:,} words each), 2 pages, {corpus['images']} images; "
        f"{result['runs']} run(s) per row, median shown",
        "",
    ]
    for line in table:
        cells = [line[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(line[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    m = result["machine"]
    lines += ["", f"Machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), load {m['load_average_at_start']}"
                  f" at start; Python {m['python']}; Pelican {m['pelican']}; "
                  + (f"hugo {m['hugo']}" if m["hugo"] else "hugo not installed")]
    if not result["hugo_measured"]:
        lines.append(HUGO_MISSING if not m["hugo"] else "hugo: skipped (--no-hugo)")
    if result.get("paired"):
        lines += ["", f"Paired against {result['against']} (same corpus, same rounds, this tree first):"]
        lines += [f"  {line}" for line in result["paired"]]
    lines += [""] + [f"- {note}" for note in result["notes"]]
    return "\n".join(lines)


def notes(result_rows):
    out = [
        "Times are wall time of one process, start-up and imports included; CPU is user + system time of the "
        "median run (Hugo uses every core). Peak RSS is ru_maxrss from os.wait4: the largest resident set of the "
        "build process and of the processes it waited for (Pagefind in the full build), not their sum; "
        "each build is spawned by benchmarks/_launch.py (~10 MiB), so that figure does not start at this "
        "benchmark's own size.",
        "pages / and pages /en/: HTML files under output/ and output/en/. Bare Pelican writes every post at the "
        "root (it links translations by Slug only, and the corpus's slugs differ); Hugo's counts include its "
        "redirect pages (/fr/, page/1/).",
        "full is a cold build: a fresh output folder and a fresh CACHE_PATH, so every social card is drawn again.",
    ]
    out.append("full, warm rebuild: the same output folder and CACHE_PATH, nothing changed: the Markdown "
               "conversions, the French typesetting, the media transforms and resized images, the reading times, the "
               "social cards, the compiled templates and the search index "
               "come from cache/, and every page is still rendered (one process per core) into a new folder "
               "(publisher.build builds aside); a file with the previous build's bytes is a hard link to the "
               "previous file rather than a new one (sitekit/unchanged.py).")
    out.append("full, edit one post: one untranslated post's body changed, then the warm rebuild's command again.")
    out.append(f"serve, edit one post: `invoke serve`'s loop in one process (benchmarks/edit_loop.py): its full "
               f"build once, then {SERVE_EDITS} edits of the same post's text, each rebuilt by the fast path "
               "(publisher/preview/incremental.py: only the pages showing the post are rendered); the median of those "
               "rebuilds and their CPU time, the peak RSS of the whole session. The search index, refreshed "
               "after the reload, is not counted (about 6 s at 1,000 posts, in the background of the preview).")
    return out


def paired(rows, against):
    """Lines comparing this tree's rows with the same rows of the --against revision, measured in the same run."""
    by_name = {row["name"]: row for row in rows}
    lines = []
    for name in (FULL, WARM, EDIT, SERVE):
        ours, theirs = by_name.get(name), by_name.get(f"{name} ({against})")
        if ours and theirs and ours["median_s"] and theirs["median_s"]:
            ratio = ours["median_s"] / theirs["median_s"]
            lines.append(f"{name}: {seconds(ours['median_s'])} against {seconds(theirs['median_s'])} for {against}: "
                         f"{ratio:.2f}x ({'faster' if ratio < 1 else 'slower' if ratio > 1 else 'the same'})")
    return lines


def run(posts, runs, seed=corpus_module.SEED, hugo=True, keep=False, progress=None, against=None):
    say = progress or (lambda message: print(message, file=sys.stderr, flush=True))
    host = machine()  # before our own load
    workdir = Path(tempfile.mkdtemp(prefix="site-bench-"))
    try:
        started = time.perf_counter()
        say(f"writing a corpus of {posts} posts into {workdir}/corpus ...")
        corpus = corpus_module.write_corpus(workdir / "corpus", posts, seed=seed)
        say(f"  {corpus.describe()} in {time.perf_counter() - started:.1f} s")
        hugo_site = None
        if hugo and host["hugo"]:
            hugo_site = workdir / "hugo-site"
            write_hugo_site(corpus.folder, hugo_site)
        elif hugo:
            say(HUGO_MISSING)
        other = exported_revision(against, workdir, corpus) if against else None
        bench = Bench(workdir, corpus, hugo_site, runs, say, other)
        for number in range(1, runs + 1):
            bench.round(number)
        baseline = bench.rows[BARE].median()
        rows = []
        for name in bench.rows:
            figures = bench.rows[name].figures(baseline)
            figures["label"] = name
            rows.append(figures)
        words = [len(re.findall(r"\w+(?:['’-]\w+)*", path.read_text(encoding="utf-8").partition("\n\n")[2]))
                 for path in corpus.files("fr")[:50]]
        return {
            "corpus": {"posts": posts, "translations": sum(p.translated for p in corpus.posts),
                       "words_per_post": int(round(statistics.mean(words), -1)) if words else 0,
                       "images": len(corpus_module.IMAGES), "seed": seed,
                       "edited_post": str(bench.edited.relative_to(corpus.folder))},
            "runs": runs, "machine": host, "hugo_measured": hugo_site is not None,
            "rows": rows, "notes": notes(rows), "against": against,
            "paired": paired(rows, against) if against else [],
            "workdir": str(workdir) if keep else None,
        }
    finally:
        if keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000, help="French posts in the corpus; half are translated (1000)")
    parser.add_argument("--runs", type=int, default=3, help="timed builds per row (3)")
    parser.add_argument("--seed", type=int, default=corpus_module.SEED, help="seed of the corpus's random text")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--no-hugo", action="store_true", help="leave Hugo out even when it is installed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (corpus, logs) and print its path")
    parser.add_argument("--against", metavar="REV",
                        help="also build with this git revision's code in the same rounds, and print the ratios")
    args = parser.parse_args(argv)
    if args.posts < 1 or args.runs < 1:
        parser.error("--posts and --runs must be at least 1")
    result = run(args.posts, args.runs, seed=args.seed, hugo=not args.no_hugo, keep=args.keep, against=args.against)
    print(format_table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    failed = [row["name"] for row in result["rows"] if row["failed_runs"]]
    if failed:
        print(f"site build benchmark: some builds failed ({', '.join(failed)}); their logs are in the temporary "
              "folder (run again with --keep to look at them)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
