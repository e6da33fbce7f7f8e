"""Full-site build times: bare Pelican, the project's full configuration, and Hugo when installed.

    python -m benchmarks.site_build [--posts 1000] [--runs 3] [--json PATH] [--keep] [--no-hugo]

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

class Bench:
    def __init__(self, workdir, corpus, hugo_site, runs, progress):
        self.workdir, self.corpus, self.hugo_site, self.runs = workdir, corpus, hugo_site, runs
        self.say = progress
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.rows = {name: Row(name) for name in (BARE, HUGO, FULL, WARM, EDIT, SERVE) if name != HUGO or hugo_site}
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

    def full(self, name, folder, output, cache):
        command = [PYTHON, "-m", "publisher.build", "--settings", str(self.corpus.full_settings),
                   "--output", str(output), "--set", f"CACHE_PATH={cache}"]
        return self.record(name, command, self.corpus.folder, output, folder)

    def serve_edit(self, folder, cache):
        """serve's edit loop (benchmarks/edit_loop.py): its row shows the median time of one rebuild."""
        output, figures = folder / "serve-output", folder / "edit-loop.json"
        command = [PYTHON, "-m", "benchmarks.edit_loop", "--settings", str(self.corpus.full_settings),
                   "--output", str(output), "--cache", str(cache), "--post", str(self.edited),
                   "--edits", str(SERVE_EDITS), "--json", str(figures)]
        run = self.record(SERVE, command, self.corpus.folder, output, folder)
        if run.exit_code == 0:
            loop = json.loads(figures.read_text(encoding="utf-8"))
            run.seconds = loop["median_seconds"]
            run.cpu_seconds = statistics.median(edit["cpu_seconds"] for edit in loop["edits"])
            run.report = (f"first build {loop['first_build_seconds']:.1f} s; each edit: "
                          + ", ".join(f"{e['rendered']} rendered, {e['written']} written" for e in loop["edits"]))
            self.say(f"  {SERVE}: {run.seconds:.2f} s a rebuild ({run.report})")
        shutil.rmtree(output, ignore_errors=True)

    def record(self, name, command, cwd, output, folder):
        run = measured(command, cwd, self.env, folder / "logs" / name.replace(", ", "-").replace(" ", "-"))
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
        output, cache = folder / "full" / "output", folder / "full" / "cache"
        if self.full(FULL, folder / "full", output, cache).exit_code == 0:
            self.full(WARM, folder / "full", output, cache)
            self.edit(number)
            self.full(EDIT, folder / "full", output, cache)
            self.serve_edit(folder / "full", cache)
        shutil.rmtree(folder / "full" / "output", ignore_errors=True)
        with contextlib.suppress(OSError):
            shutil.rmtree(folder / "full" / "outbox")


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
               "(publisher/incremental.py: only the pages showing the post are rendered); the median of those "
               "rebuilds and their CPU time, the peak RSS of the whole session. The search index, refreshed "
               "after the reload, is not counted (about 6 s at 1,000 posts, in the background of the preview).")
    return out


def run(posts, runs, seed=corpus_module.SEED, hugo=True, keep=False, progress=None):
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
        bench = Bench(workdir, corpus, hugo_site, runs, say)
        for number in range(1, runs + 1):
            bench.round(number)
        baseline = bench.rows[BARE].median()
        rows = []
        for name in (BARE, FULL, WARM, EDIT, SERVE, HUGO):
            if name in bench.rows:
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
            "rows": rows, "notes": notes(rows),
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
    args = parser.parse_args(argv)
    if args.posts < 1 or args.runs < 1:
        parser.error("--posts and --runs must be at least 1")
    result = run(args.posts, args.runs, seed=args.seed, hugo=not args.no_hugo, keep=args.keep)
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
