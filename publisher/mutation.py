"""invoke mutate: mutation testing of the modules where a silent defect costs most.

mutmut (pinned in requirements-mutation.txt, installed by the task on first use) changes one module the way a
careless edit would, one small change at a time, and runs that module's test files against each change
(publisher/mutation_targets.toml says which). A change no test notices is a survivor: a test should fail on
it, or tests/mutation-survivors.toml says in one line why none can (an equivalent mutant, logging only…).

The work happens in a copy of the project (cache/mutation/work/): mutmut rewrites the files it mutates and
must never touch the editor's tree. Per module the score is (killed + justified) / total; the survivors are
printed with their diff, and each unjustified one with a stub to paste into the survivors' list.
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sitekit.file_aside import write_aside

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "publisher" / "mutation_targets.toml"
SURVIVORS = ROOT / "tests" / "mutation-survivors.toml"
WORK = ROOT / "cache" / "mutation" / "work"

# Never copied into the work folder: history, installs, builds and caches (the first two are linked instead).
NOT_COPIED = {".git", ".venv", "node_modules", "output", "cache", "screenshots", "preview", "outbox", "public",
              "delivered", "mutants", "__pycache__", ".pytest_cache"}
LINKED = (".venv", "node_modules")

# mutmut's exit codes per mutant (mutmut/stats.py); anything else is "suspicious".
STATUS_BY_EXIT_CODE = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
                       36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout",
                       -11: "segfault", -9: "segfault", None: "not checked"}
# A mutant that makes the tests hang or crash is noticed: it counts as killed.
DETECTED = {"killed", "timeout", "segfault"}


class BadInput(Exception):
    """A module, test file or list the editor names is wrong: one line, exit 2."""


@dataclass
class Mutant:
    name: str          # mutmut's key, e.g. newsletter.delivery.retry.xǁRetryPolicyǁrun__mutmut_7
    status: str
    diff: str = ""
    reason: str = ""   # set when tests/mutation-survivors.toml justifies it

    @property
    def function(self):
        return function_of(self.name)


@dataclass
class ModuleResult:
    module: str
    mutants: list = field(default_factory=list)

    def count(self, *statuses):
        return sum(1 for mutant in self.mutants if mutant.status in statuses)

    @property
    def killed(self):
        return self.count(*DETECTED)

    @property
    def justified(self):
        return sum(1 for mutant in self.survivors if mutant.reason)

    @property
    def survivors(self):
        return [mutant for mutant in self.mutants if mutant.status not in DETECTED and mutant.status != "skipped"]

    @property
    def total(self):
        return len(self.mutants) - self.count("skipped")

    @property
    def score(self):
        return 100.0 * (self.killed + self.justified) / self.total if self.total else 100.0


# ----------------------------------------------------------------------------------------------- the tables

def load_targets(path=TARGETS):
    """{module path: [test files]} from the table, checked: every module and test file exists."""
    try:
        table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BadInput(f"{path}: not valid TOML ({error}); fix the table") from None
    targets = {}
    for module, entry in table.items():
        tests = entry.get("tests") if isinstance(entry, dict) else None
        if not tests:
            raise BadInput(f"{path}: [\"{module}\"] has no tests = [...]; list the test files that exercise it")
        targets[module] = list(tests)
    return targets


def select(targets, wanted):
    """The modules named (a file, or a folder meaning every module under it); all of them when none is."""
    if not wanted:
        return list(targets)
    chosen = []
    for name in wanted:
        prefix = name.rstrip("/") + "/"
        matches = [module for module in targets if module == name or module.startswith(prefix)]
        if not matches:
            raise BadInput(f"{name}: not a module of {TARGETS.name}; add it with its test files, or pick one of "
                           f"`invoke mutate --list`")
        chosen += [module for module in matches if module not in chosen]
    return chosen


def load_justifications(path=SURVIVORS):
    """The survivors' list: [[survivor]] module, function, before, after, reason."""
    if not Path(path).exists():
        return []
    try:
        entries = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("survivor", [])
    except tomllib.TOMLDecodeError as error:
        raise BadInput(f"{path}: not valid TOML ({error}); fix the list") from None
    for number, entry in enumerate(entries, 1):
        missing = [key for key in ("module", "function", "before", "after", "reason") if not entry.get(key)]
        if missing and not (missing == ["after"] and "after" in entry):   # a deleted line mutates to ""
            raise BadInput(f"{path}: survivor {number} lacks {', '.join(missing)}; each entry needs module, "
                           f"function, before, after and reason")
    return entries


# ----------------------------------------------------------------------------------------------- the diffs

def function_of(name):
    """'pkg.mod.xǁClassǁmethod__mutmut_7' -> 'Class.method'; 'pkg.mod.x_function__mutmut_2' -> 'function'."""
    stem = name.rsplit("__mutmut_", 1)[0]
    if "xǁ" in stem:
        return ".".join(stem.split("xǁ", 1)[1].split("ǁ"))
    return stem.rsplit(".", 1)[-1].removeprefix("x_")


def changed_lines(diff):
    """The diff's removed and added lines, each side joined and stripped of indentation.

    The line numbers of a diff move whenever the module is edited; the changed text does not, so a
    justification keeps matching its mutant until the code it is about changes.
    """
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    before = "\n".join(line[1:].strip() for line in body if line.startswith("-"))
    after = "\n".join(line[1:].strip() for line in body if line.startswith("+"))
    return before, after


def justify(result, justifications):
    """Set the reason of each survivor the list explains."""
    for mutant in result.survivors:
        before, after = changed_lines(mutant.diff)
        for entry in justifications:
            if (entry["module"], entry["function"], entry["before"].strip(), entry["after"].strip()) == \
                    (result.module, mutant.function, before, after):
                mutant.reason = entry["reason"]
                break


def stub(module, mutant):
    """A [[survivor]] entry to paste into tests/mutation-survivors.toml, its reason left to write."""
    before, after = changed_lines(mutant.diff)
    return "\n".join(["[[survivor]]", f"module = {json.dumps(module, ensure_ascii=False)}",
                      f"function = {json.dumps(mutant.function, ensure_ascii=False)}",
                      f"before = {json.dumps(before, ensure_ascii=False)}",
                      f"after = {json.dumps(after, ensure_ascii=False)}", 'reason = ""'])


# ----------------------------------------------------------------------------------------------- the report

def report(results, out=sys.stdout):
    """Survivors with their diff (justified ones with their reason), then the score per module."""
    for result in results:
        report_survivors(result, out)
    report_scores(results, out)


def report_survivors(result, out=sys.stdout):
    """One module's survivors, each with its diff and either its reason or a stub to justify it."""
    for mutant in result.survivors:
        label = f"justified: {mutant.reason}" if mutant.reason else mutant.status
        out.write(f"\n{result.module} · {mutant.function} · {mutant.name.rsplit('__', 1)[-1]} ({label})\n")
        out.write(mutant.diff.rstrip() + "\n")
        if not mutant.reason:
            out.write("# to justify it instead of killing it, in tests/mutation-survivors.toml:\n")
            out.write(stub(result.module, mutant) + "\n")


def report_scores(results, out=sys.stdout):
    """The table: per module, killed, justified, survived, total and score."""
    width = max([len(result.module) for result in results] + [6])
    out.write(f"\n{'module':<{width}}  killed  justified  survived  total  score\n")
    for result in results:
        survived = len(result.survivors) - result.justified
        out.write(f"{result.module:<{width}}  {result.killed:>6}  {result.justified:>9}  {survived:>8}  "
                  f"{result.total:>5}  {result.score:5.1f} %\n")


# ----------------------------------------------------------------------------------------------- mutmut

def prepare_work_folder(work=WORK, root=ROOT):
    """A fresh copy of the project for mutmut to rewrite; the virtualenv and node_modules linked, not copied."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for entry in sorted(root.iterdir()):
        if entry.name in NOT_COPIED or entry.name.startswith(".output") or entry.name.startswith(".public"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, work / entry.name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(entry, work / entry.name)


# Pelican loads plugins/ as top-level packages (comments.sanitize, not plugins.comments.sanitize), and mutmut
# names a module by its path under the project, less a leading src/: plugins are mutated as src/, a link.
IMPORTED_AS_TOP_LEVEL = {"plugins"}


def layout(module):
    """(folder mutmut mutates, the module's path as mutmut sees it) for MODULE, a path in the project."""
    package, rest = module.split("/", 1)
    if package in IMPORTED_AS_TOP_LEVEL:
        return "src", f"src/{rest}"
    return package, module


def mutmut_settings(module, tests, work):
    """pyproject.toml for one module's run: mutate that file only, run only its test files."""
    source, mutated = layout(module)
    package = module.split("/", 1)[0]
    also = sorted(entry.name for entry in work.iterdir()
                  if entry.name not in {package, source, "tests", "mutants", "pyproject.toml", *LINKED})
    lines = ["[tool.mutmut]", f"source_paths = [{json.dumps(source)}]", f"only_mutate = [{json.dumps(mutated)}]",
             f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
             f"pytest_add_cli_args = {json.dumps(['-p', 'no:cacheprovider', '-q'])}",
             f"also_copy = {json.dumps(also)}",
             # Each mutant's tests run in a child of a process that never ran them: some tests cannot run
             # twice in one process, as mutmut's default (forking its own process) would have them.
             'process_isolation = "forkserver"',
             # A mutant that loops forever is stopped at 5 times its tests' usual time (mutmut's 15 made one
             # endless loop under a site build cost minutes); the machine's load rarely reaches that.
             "timeout_multiplier = 5.0"]
    return "\n".join(lines) + "\n"


# Loaded by every Python started during a run. Some tests start Python (a site build in a copy of the
# project): while mutmut maps tests to functions ("stats"), the mutated code there would look for mutmut's
# settings in that copy and fail. Those hits could not be counted anyway, so such a child runs the original
# code; with a mutant active, a child runs the mutant like the tests themselves.
SITECUSTOMIZE = """import os
if os.environ.get("MUTANT_UNDER_TEST") == "stats" and not os.getcwd().startswith({mutants!r}):
    del os.environ["MUTANT_UNDER_TEST"]
"""


def environment(work):
    site = work.parent / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(mutants=str(work / "mutants")), encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": path}


def mutmut(work, *arguments, capture=True):
    return subprocess.run([sys.executable, "-m", "mutmut", *arguments], cwd=work, check=False, text=True,
                          capture_output=capture, env=environment(work))


def run_module(module, tests, work=WORK, root=ROOT):
    """Mutate MODULE in the work folder against TESTS; its mutants with status and, for survivors, diff."""
    missing = [test for test in tests if not (root / test).exists()]
    if missing:
        raise BadInput(f"{TARGETS.name}: {module}: no test file {', '.join(missing)}; fix its tests = [...]")
    source, mutated = layout(module)
    shutil.rmtree(work / "mutants", ignore_errors=True)
    (work / "mutants").mkdir()
    for name in LINKED:       # the tests find the project's tools where they expect them
        if (root / name).exists():
            (work / "mutants" / name).symlink_to(root / name)
    package = module.split("/", 1)[0]
    # Also where tests that set PYTHONPATH to the project (the mutated copy) start Python.
    (work / "mutants" / "sitecustomize.py").write_text(SITECUSTOMIZE.format(mutants=str(work / "mutants")),
                                                       encoding="utf-8")
    if source != package:     # the mutated copy under both names
        if not (work / source).exists():
            (work / source).symlink_to(package)
        (work / "mutants" / package).symlink_to(source)
    (work / "pyproject.toml").write_text(mutmut_settings(module, tests, work), encoding="utf-8")
    log = work.parent / (module.replace("/", "_") + ".log")
    with open(log, "w", encoding="utf-8") as output:
        done = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", "1"], cwd=work,
                              check=False, stdout=output, stderr=subprocess.STDOUT, env=environment(work))
    meta = work / "mutants" / (mutated + ".meta")
    if done.returncode != 0 or not meta.exists():
        raise RuntimeError(f"{module}: mutmut failed (exit {done.returncode}); see {log.relative_to(root)}")
    return ModuleResult(module, read_mutants(meta, lambda name: mutmut(work, "show", name).stdout))


def read_mutants(meta, show):
    """The mutants of a .meta file mutmut wrote; SHOW(name) gives a survivor's diff."""
    exit_codes = json.loads(Path(meta).read_text(encoding="utf-8"))["exit_code_by_key"]
    mutants = []
    for name, code in exit_codes.items():
        status = STATUS_BY_EXIT_CODE.get(code, "suspicious")
        diff = "" if status in DETECTED or status == "skipped" else "\n".join(line for line in show(name).splitlines()
                                                       if not line.startswith("# "))
        mutants.append(Mutant(name, status, diff))
    return mutants


def save_scores(results, path=WORK.parent / "scores.json"):
    """Merge RESULTS into the scores file: a run of some modules keeps the other modules' last scores."""
    path = Path(path)
    scores = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    scores.update({result.module: {"killed": result.killed, "justified": result.justified,
                              "survived": len(result.survivors) - result.justified, "total": result.total,
                              "score": round(result.score, 1)} for result in results})
    write_aside(path, (json.dumps(dict(sorted(scores.items())), indent=2) + "\n").encode("utf-8"))


# ----------------------------------------------------------------------------------------------- command

def parse(argv):
    parser = argparse.ArgumentParser(prog="invoke mutate", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module files or folders (default: every module of the table)")
    parser.add_argument("--list", action="store_true", help="list the modules and their test files, run nothing")
    parser.add_argument("--work", type=Path, default=WORK,
                        help="the copy of the project to mutate (default cache/mutation/work); runs in "
                             "different folders can go side by side")
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    arguments = parse(argv)
    try:
        targets = load_targets()
        modules = select(targets, arguments.modules)
        justifications = load_justifications()
    except BadInput as error:
        print(error, file=sys.stderr)
        return 2
    if arguments.list:
        for module in modules:
            print(f"{module}: {' '.join(targets[module])}")
        return 0
    try:
        import mutmut as _  # noqa: F401 - only to say how to install it
    except ImportError:
        print("mutmut is not installed: .venv/bin/pip install -r requirements-mutation.txt "
              "(`.venv/bin/invoke mutate` does it)", file=sys.stderr)
        return 2
    work = arguments.work.resolve()
    prepare_work_folder(work)
    results = []
    for module in modules:
        logger.info("mutating %s against %s", module, " ".join(targets[module]))
        try:
            result = run_module(module, targets[module], work)
        except BadInput as error:
            print(error, file=sys.stderr)
            return 2
        except RuntimeError as error:
            print(error, file=sys.stderr)
            continue
        justify(result, justifications)
        results.append(result)
        report_survivors(result)
        sys.stdout.flush()
        logger.info("%s: %d killed, %d justified of %d (%.1f %%)", module, result.killed, result.justified,
                    result.total, result.score)
    report_scores(results)
    save_scores(results)
    return 0 if len(results) == len(modules) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
