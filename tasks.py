"""The editor's commands (invoke). Each task orders steps; the logic lives in publisher/ and plugins/.

    invoke publish       build, check, deploy, then the newsletter's drafts (--dry-run, --send, --test-to)
    invoke check         build aside and run publish's checks; deploy and send nothing
    invoke build         build with the local settings (pelicanconf.py)
    invoke serve         serve on http://127.0.0.1:8000; rebuild on every save and reload the open page
    invoke comments      run the Isso comment server for local work (http://127.0.0.1:8080/)
    invoke test          run the whole test suite
    invoke screenshots   PNG files of chosen pages in both languages at 375 and 1280 px
    invoke i18n-extract  update the theme's gettext catalogues from the templates
    invoke bench         site build times (bare Pelican, full, Hugo if installed) and one newsletter render
    invoke new-post "Titre" [--lang fr] [--category C] [--tags a,b]   a post as a draft, with its metadata
    invoke translate PATH [--to en] [--title T]   the translation's file, linked, with the original's Source-Hash
    invoke newsletter-new [--date D]   the next issue as a draft, one file per language
    invoke newsletter-check        build aside and run every check on every newsletter email
    invoke newsletter-preview N    HTML, text, .eml and screenshots of issue N in preview/
    invoke newsletter-send         drafts at the mailing provider (--test-to, --send, --schedule)
"""

import os
import shlex
import shutil
import sys

from invoke import Exit, task

PYTHON = sys.executable
CATALOGUES = "theme/translations"


@task
def build(c, settings="pelicanconf.py", output="output"):
    """Build every language with the given settings into OUTPUT (aside, then swapped in)."""
    c.run(f"{PYTHON} -m publisher.build --settings {settings} --output {output}", pty=False)


@task(iterable=["test_to"])
def publish(c, settings="publishconf.py", output="output", dry_run=False, send=False, yes=False, test_to=None,
            no_newsletter=False):
    """The main job: build, check, deploy (DEPLOY), then newsletter drafts. Exit codes: README."""
    options = [f"--settings {settings}", f"--output {output}"]
    options += [flag for flag, wanted in (("--dry-run", dry_run), ("--send", send), ("--yes", yes),
                                          ("--no-newsletter", no_newsletter)) if wanted]
    options += [f"--test-to {shlex.quote(address)}" for address in test_to or []]
    # A terminal shows the progress bars and lets --send ask before sending.
    c.run(f"{PYTHON} -m publisher.publish {' '.join(options)}", pty=sys.stdout.isatty() and sys.stdin.isatty())


@task
def check(c, settings="publishconf.py"):
    """Build into a temporary folder and run every check publish runs; deploy and send nothing."""
    c.run(f"{PYTHON} -m publisher.publish --settings {settings} --check-only", pty=False)


@task
def serve(c, port=8000, settings="pelicanconf.py", output="output"):
    """Build, serve on http://127.0.0.1:PORT, rebuild on every change and reload the open pages."""
    c.run(f"{PYTHON} -m publisher.serve --settings {settings} --port {int(port)} --output {output}")


@task
def comments(c, config="comments/isso.cfg"):
    """Run Isso with CONFIG: comments posted on `invoke serve` pages land in cache/isso/."""
    c.run(f"{PYTHON} -m publisher.comment_server --config {config}")


@task
def test(c, k="", verbose=False):
    """Run the whole suite (installs Debian's chromium for the browser tests when missing)."""
    ensure_debian_packages(c)
    ensure_node_modules(c)
    selection = f"-k '{k}'" if k else ""
    c.run(f"{PYTHON} -m pytest {'-v' if verbose else '-q'} {selection}", pty=False)


def ensure_debian_packages(c):
    """Browser tests drive Debian's chromium; the deploy tests run rsync. Install what is missing."""
    missing = [package for package in ("chromium", "rsync") if not shutil.which(package)]
    if not missing:
        return
    if os.geteuid() != 0:
        print(f"missing: {', '.join(missing)}; install Debian's packages of that name for the browser "
              "and deploy tests", file=sys.stderr)
        return
    c.run(f"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {' '.join(missing)} "
          ">/dev/null")


@task
def screenshots(c, destination="screenshots"):
    """Photograph the pages listed in SCREENSHOTS (pelicanconf.py) at each width, to PNG files."""
    ensure_debian_packages(c)
    c.run(f"{PYTHON} -m publisher.screenshots --destination {destination}")


def ensure_node_modules(c):
    """axe-core, pinned by package-lock.json, runs inside chromium for the accessibility tests."""
    if not os.path.exists("node_modules/axe-core/axe.min.js"):
        c.run("npm ci --no-audit --no-fund --loglevel=error")


@task(name="new-post")
def new_post(c, title, lang=None, category=None, tags=None, date=None, slug=None, settings="pelicanconf.py"):
    """Start a post: content/posts/LANG/<slug>.md with its metadata, as a draft (prints the path)."""
    options = [f"--settings {settings}"] + ([f"--lang {lang}"] if lang else [])
    options += [f"--category {shlex.quote(category)}"] if category else []
    options += [f"--tags {shlex.quote(tags)}"] if tags else []
    options += [f"--date {shlex.quote(date)}"] if date else []
    options += [f"--slug {shlex.quote(slug)}"] if slug else []
    c.run(f"{PYTHON} -m publisher.authoring new-post {shlex.quote(title)} {' '.join(options)}", pty=False)


@task
def translate(c, path, to=None, title=None, slug=None, settings="pelicanconf.py"):
    """Start the translation of the original at PATH: linked, with its Source-Hash, as a draft."""
    options = [f"--settings {settings}"] + ([f"--to {to}"] if to else [])
    options += [f"--title {shlex.quote(title)}"] if title else []
    options += [f"--slug {shlex.quote(slug)}"] if slug else []
    c.run(f"{PYTHON} -m publisher.authoring translate {shlex.quote(path)} {' '.join(options)}", pty=False)


@task(name="newsletter-new")
def newsletter_new(c, date=None, settings="pelicanconf.py"):
    """Start the next newsletter issue as a draft, one file per language (prints the paths)."""
    options = [f"--settings {settings}"] + ([f"--date {shlex.quote(date)}"] if date else [])
    c.run(f"{PYTHON} -m publisher.authoring newsletter-new {' '.join(options)}", pty=False)


@task(name="newsletter-check")
def newsletter_check(c, settings="publishconf.py"):
    """Render every issue as publish would (into a temporary folder) and list each check's measure."""
    c.run(f"{PYTHON} -m publisher.newsletter_review --settings {settings} check")


@task(name="newsletter-preview")
def newsletter_preview(c, number, destination="preview", settings="publishconf.py"):
    """Issue NUMBER per language: .html, .txt, .eml and PNG screenshots (375, 600 px, dark)."""
    ensure_debian_packages(c)
    c.run(f"{PYTHON} -m publisher.newsletter_review --settings {settings} preview {int(number)} "
          f"--destination {destination}")


@task(name="newsletter-send", iterable=["test_to"])
def newsletter_send(c, settings="publishconf.py", issue=None, lang=None, test_to=None, send=False, yes=False,
                    schedule=None):
    """Each issue and language as a draft at the provider, once; --send sends the newest (asks first)."""
    options = [f"--settings {settings}"]
    options += [f"--issue {int(issue)}"] if issue else []
    options += [f"--lang {lang}"] if lang else []
    options += [f"--test-to {address}" for address in test_to or []]
    options += ["--send"] if send else []
    options += ["--yes"] if yes else []
    options += [f"--schedule {schedule}"] if schedule else []
    c.run(f"{PYTHON} -m publisher.deliver {' '.join(options)}", pty=send and not yes)


@task(help={
    "only": "site or newsletter: run that benchmark alone (default: both, the site build first)",
    "posts": "site build: French posts in the generated corpus, half of them translated (1000)",
    "runs": "site build: timed builds per row (3)",
    "render_runs": "newsletter: timed renders per row (300)",
})
def bench(c, only=None, posts=1000, runs=3, render_runs=300):
    """Site build times (bare Pelican, the full site, Hugo if installed), then one newsletter issue's render
    against npm mjml (Node). `--only site|newsletter` runs one; see benchmarks/README.md."""
    if only not in (None, "site", "newsletter"):
        raise Exit(f"bench: --only takes site or newsletter, not {only!r}", code=2)
    failed = []
    if only in (None, "site"):
        done = c.run(f"{PYTHON} -m benchmarks.site_build --posts {int(posts)} --runs {int(runs)}", pty=False, warn=True)
        failed += ["site build"] if done.failed else []
    if only in (None, "newsletter"):
        done = c.run(f"{PYTHON} -m benchmarks.newsletter_render --runs {int(render_runs)}", pty=False, warn=True)
        failed += ["newsletter render"] if done.failed else []
    if failed:
        raise Exit(f"bench: the {' and '.join(failed)} benchmark failed (see above)", code=1)


@task(name="i18n-extract")
def i18n_extract(c):
    """Collect the theme's strings into messages.pot and merge them into each language's .po."""
    c.run(f"{PYTHON} -m babel.messages.frontend extract -F babel.cfg -o {CATALOGUES}/messages.pot .")
    c.run(f"{PYTHON} -m babel.messages.frontend update -i {CATALOGUES}/messages.pot -d {CATALOGUES}")
