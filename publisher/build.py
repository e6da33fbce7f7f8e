"""Build every language of the site into a folder aside, then swap it into place.

    python -m publisher.build [--settings publishconf.py] [--output output]

A failed build leaves the previous output/ untouched. Problems are printed one
per line (file, field, what to do); the exit status is 1 for content errors,
2 for a configuration or unexpected error, 0 otherwise.
"""

import argparse
import contextlib
import glob
import logging
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pelican import Pelican
from pelican.log import LimitFilter, console
from pelican.settings import read_settings

from publisher.progress import plural
from sitekit.build_context import build_of
from sitekit.unchanged import PREVIOUS_KEY, Kept, keep_unchanged
from sitekit.work_folder import WorkFolder, delete_detached, retired_name, retired_prefix, swap_into_place

logger = logging.getLogger(__name__)

EXIT_CONTENT_ERRORS = 1
EXIT_FAILURE = 2


class ContentErrors(Exception):
    """The build found errors, each already printed on a line of its own."""

    exitcode = EXIT_CONTENT_ERRORS

    def __init__(self, count, what, source=""):
        """``what`` in the singular ("error"), ``source`` after it ("from Pelican")."""
        counted = f"{plural(count, what)} {source}".rstrip()
        super().__init__(f"{counted} listed above; nothing was published")


class _ErrorCounter(logging.Handler):
    """Counts the errors Pelican logs (a file it could not read, an unknown status...)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record):
        self.count += 1


@dataclass
class BuildReport:
    output: Path
    pages: dict      # language code -> HTML pages written
    warnings: int
    seconds: float
    settings: dict = None  # of the build, for the steps that follow (the newsletter's rendered emails)
    files: Kept = None     # the output's files kept from the previous build, and those new or changed

    def summary(self):
        per_language = ", ".join(f"{plural(count, 'page')} in {lang}" for lang, count in self.pages.items())
        changed = f", {self.files.changed} of {plural(self.files.total, 'file')} new or changed" if self.files else ""
        return (f"Built {per_language} into {self.output}/ in {self.seconds:.2f} s "
                f"({plural(self.warnings, 'warning')}{changed})")


def build_site(settings_file="publishconf.py", output="output", overrides=None):
    """Build into a sibling folder, then replace ``output`` with it; return a BuildReport.

    The folders of builds that were killed (SIGKILL, a machine stopped) go first; those of
    builds still running (an `invoke serve` rebuild) stay (see sitekit.work_folder)."""
    started = time.perf_counter()
    _forget_logged_messages()
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with WorkFolder(output, "building") as work:  # released once the folder is output/, or deleted
        _delete_leftovers(output, work.leftovers)
        return _build_into(work.path, settings_file, output, overrides, started)


def _forget_logged_messages():
    """Pelican's loggers drop an info or warning line already logged once in the process
    (LimitFilter's class-wide memory): each build, such as each rebuild of `invoke serve`,
    says its own lines again."""
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()


def _build_into(staging, settings_file, output, overrides, started):
    pelican_errors = _ErrorCounter()
    logging.getLogger("pelican").addHandler(pelican_errors)
    try:
        settings = read_settings(str(settings_file), override={
            **(overrides or {}), "OUTPUT_PATH": str(staging), "DELETE_OUTPUT_DIRECTORY": False,
            PREVIOUS_KEY: str(output) if output.is_dir() else None})
        _run_quietly(Pelican(settings))
        build = build_of(settings)
        if build and build.problems.errors:
            raise ContentErrors(len(build.problems.errors), "content error")
        if pelican_errors.count:
            raise ContentErrors(pelican_errors.count, "error", "from Pelican")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        logging.getLogger("pelican").removeHandler(pelican_errors)
    staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
    files = keep_unchanged(staging, output)
    swap_into_place(staging, output, delete_in_background=True)
    # What plugins write only once the site is in place (the newsletter outbox).
    for hook in settings.get("AFTER_BUILD", []):
        hook(output)
    pages = {lang: len(build.written[lang]) for lang in build.languages} if build else {}
    warnings = len(build.problems.warnings) if build else 0
    return BuildReport(output, pages, warnings, time.perf_counter() - started, settings, files)


def _run_quietly(pelican):
    """Pelican prints a "Done: Processed ..." line per language; BuildReport.summary says it once."""
    quiet, console.quiet = console.quiet, True
    try:
        pelican.run()
    finally:
        console.quiet = quiet


def _delete_leftovers(output, killed_builds=()):
    """Previous sites whose deletion was cut short (the machine stopped meanwhile), and the
    folders of builds that were killed (see sitekit.work_folder)."""
    for folder in killed_builds:
        # Renamed at once, so that no sweep takes it for a build's folder while `rm` works.
        with contextlib.suppress(FileNotFoundError):  # another build took it meanwhile
            folder.rename(retired_name(output))
    leftovers = list(output.parent.glob(f"{glob.escape(retired_prefix(output))}*"))
    if leftovers:
        delete_detached(leftovers)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="publishconf.py")
    parser.add_argument("--output", default="output")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a setting with a string value, e.g. --set SITEURL=http://localhost:8000")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    configure_logging(args.debug)
    if any("=" not in item for item in args.set):
        parser.error("--set takes KEY=VALUE, e.g. --set SITEURL=http://localhost:8000")
    overrides = dict(item.split("=", 1) for item in args.set)
    try:
        report = build_site(args.settings, args.output, overrides)
    except Exception as exc:  # reported on one line; --debug shows the traceback
        if args.debug:
            raise
        return report_failure(exc, args.output)
    print(report.summary())
    return 0


def report_failure(exc, output):
    # Content errors carry their exit code (as Pelican's own command expects)
    # and were already listed, one line each.
    if getattr(exc, "exitcode", None) == EXIT_CONTENT_ERRORS:
        print(f"Build failed: {exc}; {output}/ was left as it was.", file=sys.stderr)
        return EXIT_CONTENT_ERRORS
    where = f"{exc.filename}:{exc.lineno}: " if getattr(exc, "filename", None) and getattr(exc, "lineno", None) else ""
    print(f"Build failed: {where}{exc} ({type(exc).__name__}; run with --debug for the traceback); "
          f"{output}/ was left as it was.", file=sys.stderr)
    return EXIT_FAILURE


def configure_logging(debug, log_filter=None):
    """"LEVEL: message" lines on stderr (with ``log_filter`` on them, if given)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    if log_filter is not None:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)


if __name__ == "__main__":
    sys.exit(main())
