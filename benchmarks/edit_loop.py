"""The author's edit loop, timed: `invoke serve`'s build, then edits of one post's text, each rebuild timed.

    python -m benchmarks.edit_loop --settings full.py --output OUT --cache CACHE --post content/posts/fr/x.md
                                   [--edits 3] [--json PATH]

Runs in the corpus's folder (its settings name their paths from there). The first build is
serve's full build (publisher.preview.builder.Preview.build, recorded for the fast path); then, --edits
times, one sentence is added at the end of --post and Preview.rebuild is timed, as the
watcher calls it. The search index, which serve refreshes after the reload, is timed apart.
benchmarks/site_build.py runs this as its "serve, edit one post" row.
"""

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

from benchmarks.corpus import add_sentence
from publisher.preview.builder import Preview
from publisher.preview.incremental import Refresh

URL = "http://127.0.0.1:8000"


class _Preview(Preview):
    def __init__(self, settings_file, output, cache):
        super().__init__(settings_file, output, URL)
        self.cache = str(cache)

    def overrides(self):
        return {**super().overrides(), "CACHE_PATH": self.cache}


def measure(settings, output, cache, post, edits):
    preview = _Preview(settings, output, cache)
    started = time.perf_counter()
    preview.build()
    first = time.perf_counter() - started
    rounds = []
    for number in range(1, edits + 1):
        add_sentence(post, number)
        started, cpu = time.perf_counter(), time.process_time()
        report = preview.rebuild([post])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        fast = isinstance(report, Refresh)
        follow_up = None
        if fast and report.follow_up is not None:
            follow_started = time.perf_counter()
            report.follow_up()
            follow_up = time.perf_counter() - follow_started
        rounds.append({"seconds": seconds, "cpu_seconds": cpu, "fast": fast,
                       "rendered": report.rendered if fast else None,
                       "written": len(report.written) if fast else None, "search_index_seconds": follow_up})
    return {"first_build_seconds": first, "edits": rounds,
            "median_seconds": statistics.median(r["seconds"] for r in rounds)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", required=True)
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--cache", required=True, type=Path)
    parser.add_argument("--post", required=True, type=Path, help="the Markdown file to edit")
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures there (else stdout)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s: %(message)s")
    result = measure(args.settings, args.output, args.cache, args.post.resolve(), args.edits)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0 if all(r["fast"] for r in result["edits"]) else 1


if __name__ == "__main__":
    sys.exit(main())
