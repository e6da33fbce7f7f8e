"""How long `invoke import wordpress` takes on a big export: 1,000 posts and 5,000 comments.

    python -m benchmarks.import_speed [--posts 1000] [--comments 5000] [--keep]

A WXR of --posts published posts and --comments comments (threaded) is generated
(tests/fixtures/imports/wordpress/generate.py's make_large_wxr, the WordPress
reader's own test generator; a small one of this module's when that file is not
there) into a temporary folder, beside a copy of the sample site (content/, the
project's publishconf.py, and an Isso configuration so the comments go into a
real database). Then, each in a fresh process, as the editor runs them:

  dry run     python -m publisher.importing wordpress export.xml   (reads, converts, plans)
  write       the same with --write: content files staged and moved in, taxonomy, redirects,
              the manifest, 5,000 comments into Isso's sqlite database
  again       the same --write a second time: nothing changes (twice is once)

Each row is the wall time of the whole process (interpreter start-up included).
The issue asks for under a minute for the write; the last line says whether it is.
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tests" / "fixtures" / "imports" / "wordpress" / "generate.py"
TARGET_SECONDS = 60
SETTINGS = """\
import sys
sys.path.insert(0, {root!r})
from publishconf import *
THEME = {theme!r}
PLUGIN_PATHS = [{plugins!r}]
"""
ISSO_CONFIG = "[general]\ndbpath = cache/isso/comments.db\nhost = http://127.0.0.1:8000\n"


def make_export(path, posts, comments):
    """The WordPress reader's generator when it is there, else this module's small one."""
    if GENERATOR.exists():
        spec = importlib.util.spec_from_file_location("wxr_generator", GENERATOR)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.make_large_wxr(path, posts, comments)
        return "tests/fixtures/imports/wordpress/generate.py"
    _own_wxr(path, posts, comments)
    return "benchmarks/import_speed.py"


def _own_wxr(path, posts, comments):
    items = []
    per_post = max(1, comments // max(1, posts))
    for n in range(1, posts + 1):
        replies = "".join(
            f"<wp:comment><wp:comment_id>{n * 100 + c}</wp:comment_id><wp:comment_author><![CDATA[Lecteur {c}]]>"
            f"</wp:comment_author><wp:comment_date_gmt>2021-03-0{1 + c % 9} 10:00:00</wp:comment_date_gmt>"
            f"<wp:comment_content><![CDATA[Merci pour l'article {n}.]]></wp:comment_content>"
            f"<wp:comment_approved>1</wp:comment_approved><wp:comment_type>comment</wp:comment_type>"
            f"<wp:comment_parent>0</wp:comment_parent></wp:comment>" for c in range(per_post))
        items.append(
            f"<item><title>Article {n}</title><link>https://blog.exemple.example/2021/02/article-{n}/</link>"
            f"<dc:creator>elise</dc:creator><content:encoded><![CDATA[<p>Texte de l'article {n}.</p>]]>"
            f"</content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>{n}</wp:post_id>"
            f"<wp:post_date_gmt>2021-02-07 08:30:00</wp:post_date_gmt><wp:post_name>article-{n}</wp:post_name>"
            f"<wp:status>publish</wp:status><wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>"
            f"{replies}</item>")
    Path(path).write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">'
        "<channel><title>Blog</title><wp:wxr_version>1.2</wp:wxr_version>"
        "<wp:author><wp:author_login>elise</wp:author_login><wp:author_display_name>Élise Marchand"
        "</wp:author_display_name></wp:author>" + "".join(items) + "</channel></rss>", encoding="utf-8")


def make_project(folder):
    project = folder / "blog"
    shutil.copytree(ROOT / "content", project / "content")
    (project / "conf.py").write_text(SETTINGS.format(root=str(ROOT), theme=str(ROOT / "theme"),
                                                     plugins=str(ROOT / "plugins")), encoding="utf-8")
    (project / "comments").mkdir()
    (project / "comments" / "isso.cfg").write_text(ISSO_CONFIG, encoding="utf-8")
    return project


def timed(project, export, *options):
    """Wall seconds of one import process, and its output."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "publisher.importing", "wordpress", str(export), *options,
                           "--settings", "conf.py"], cwd=project, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"import failed ({done.returncode}): {done.stderr.strip()}")
    return seconds, done.stdout


def counts(stdout):
    wanted = ("posts:", "comments:", "redirects:")
    return "; ".join(" ".join(line.split()) for line in stdout.splitlines() if line.strip().startswith(wanted))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="import-speed-"))
    try:
        export = folder / "export.xml"
        started = time.perf_counter()
        generator = make_export(export, args.posts, args.comments)
        print(f"export: {args.posts} posts, {args.comments} comments, {export.stat().st_size / 2 ** 20:.1f} MiB "
              f"(by {generator}, {time.perf_counter() - started:.1f} s)", file=sys.stderr)
        project = make_project(folder)
        rows = [("dry run", *timed(project, export)), ("write", *timed(project, export, "--write")),
                ("again (nothing to do)", *timed(project, export, "--write"))]
        print(f"{'row':<24}{'seconds':>9}  counts")
        for name, seconds, stdout in rows:
            print(f"{name:<24}{seconds:>9.1f}  {counts(stdout)}")
        write_seconds = rows[1][1]
        verdict = "under" if write_seconds < TARGET_SECONDS else "OVER"
        print(f"--write took {write_seconds:.1f} s: {verdict} the {TARGET_SECONDS} s target")
        if args.keep:
            print(f"kept: {folder}", file=sys.stderr)
        return 0 if write_seconds < TARGET_SECONDS else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
