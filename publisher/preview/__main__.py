"""The author's preview while writing: build, serve on 127.0.0.1, rebuild on every change, reload the open pages.

    python -m publisher.preview [--settings pelicanconf.py] [--port 8000] [--output output]
"""

import argparse
import logging
import os
import sys
from pathlib import Path

from publisher.build import EXIT_FAILURE, configure_logging
from publisher.local_server import LocalServer
from publisher.preview.builder import Preview, display_path
from publisher.preview.live import ErrorLines, LivePreview, describe_failure, failure_shown
from publisher.preview.server import PreviewServer
from publisher.preview.watcher import Watcher

logger = logging.getLogger(__name__)


class _ShowOnce(logging.Filter):
    """Every rebuild repeats the last one's warnings (an unreachable comment server...): show each once."""

    def __init__(self):
        super().__init__()
        self._seen = set()

    def filter(self, record):
        if record.levelno != logging.WARNING:
            return True
        message = record.getMessage()
        if message in self._seen:
            return False
        self._seen.add(message)
        return True


def _configure_logging(debug):
    """As publisher.build's command, each warning shown once."""
    configure_logging(debug, _ShowOnce())
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # its "N changes detected" lines


def _print_outcome(outcome):
    print(outcome.line(), file=sys.stdout if outcome.ok or outcome.restart else sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m publisher.preview", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--output", default="output")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    _configure_logging(args.debug)
    if not Path(args.settings).is_file():
        parser.error(f"{args.settings}: no such settings file")
    try:
        server = PreviewServer(args.output, args.port)
    except OSError as exc:
        print(f"Cannot listen on {LocalServer.HOST}:{args.port}: {exc.strerror}; choose another port with --port",
              file=sys.stderr)
        return EXIT_FAILURE
    preview = Preview(args.settings, args.output, server.url)
    watcher = Watcher(preview.watched_paths, ignore_paths=(preview.output,), static_folders=preview.static_folders)
    live = LivePreview(preview.rebuild, server, watcher, on_outcome=_print_outcome)
    try:
        with ErrorLines() as logged:
            try:
                print(preview.build().summary(), flush=True)
            except Exception as exc:
                server.show_failure(failure_shown("The first build failed", exc, logged.lines))
                if args.debug:
                    logger.exception("the first build failed")
                print(f"Build failed: {describe_failure(exc)}; serving what {args.output}/ holds until a change "
                      "builds again", file=sys.stderr, flush=True)
        live.start()
        watched = ", ".join(display_path(p) + ("/" if p.is_dir() else "") for p in preview.watched_paths())
        print(f"Serving {server.url}/ (rebuilt and reloaded on every change to {watched}); Ctrl-C stops",
              flush=True)
        live.wait()
    except KeyboardInterrupt:
        print("Stopping", flush=True)
    finally:
        live.stop()
    if live.failure is not None:
        raise live.failure
    if live.restart is not None and argv is None:
        options = ["--settings", args.settings, "--port", str(server.port), "--output", args.output]
        os.execv(sys.executable, [sys.executable, "-m", "publisher.preview", *options,
                                  *(["--debug"] if args.debug else [])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
