"""The editor's commands (invoke). Each task orders steps; the logic lives in publisher/ and plugins/.

    invoke publish       build, check, deploy, then the newsletter's drafts (--dry-run, --send, --test-to)
    invoke check         build aside and run publish's checks; deploy and send nothing
    invoke build         build with the local settings (pelicanconf.py)
    invoke serve         serve on http://127.0.0.1:8000; rebuild on every save and reload the open page
    invoke comments      run the Isso comment server for local work (http://127.0.0.1:8080/)
    invoke test          run the whole test suite
    invoke screenshots   the design gallery: every page type, both languages, 375/768/1280 px, light and dark,
                         the email at 375/600 px, and screenshots/contact-sheet.png of them all
    invoke lighthouse    Lighthouse (mobile) and axe on a production build: exits 1 below 100 or on a violation
    invoke i18n-extract  update the theme's gettext catalogues from the templates
    invoke settings-doc  write docs/settings.md from the settings' schemas
    invoke bench         site build times (bare Pelican, full, Hugo if installed) and one newsletter render
    invoke new-post "Titre" [--lang fr] [--category C] [--tags a,b]   a post as a draft, with its metadata
    invoke translate PATH [--to en] (--title T | --slug S)   the translation's file, linked, with the original's Source-Hash
    invoke newsletter-new [--date D]   the next issue as a draft, one file per language
    invoke newsletter-check        build aside and run every check on every newsletter email
    invoke newsletter-preview N    HTML, text, .eml and screenshots of issue N in preview/
    invoke newsletter-send         drafts at the mailing provider (--test-to; --send or --schedule WHEN: asks first)
    invoke newsletter-stats        each issue's results per language at the provider: a table, --csv, a chart
                                   (--issue N, --refresh)
    invoke newsletter-mailbox      unsubscribe mails, bounces and complaints (IMAP) onto the suppression list
    invoke newsletter-subscribers  the SMTP list's readers per language and state (--write-clean FILE)
    invoke mutate [-m MODULE…]     mutation testing of the critical modules: score per module, surviving mutants
    invoke import FORMAT SOURCE    move a blog or newsletter in (wordpress, typepad, linkedin, substack, revue,
                                   buttondown): a dry run; --write does it (--media DIR, --subscribers, --report)
"""

import os
import shutil
import subprocess
import sys

from invoke import Exit, task

PYTHON = sys.executable
CATALOGUES = "theme/translations"


def status_of(*command, **options):
    """Run COMMAND, a program and its arguments, and return its exit status.

    The arguments go to the program as a list, never through a shell, so an editor's
    value (an address, a title, a file name) arrives as typed. The child shares this
    terminal: the progress bars and --send's question work as if it were run directly.
    """
    returncode = subprocess.run([str(part) for part in command], check=False, **options).returncode
    # A child killed by a signal reports minus the signal's number; shells say 128 + that number.
    return 128 - returncode if returncode < 0 else returncode


def run(*command, **options):
    """Run COMMAND (see status_of); a failing command ends invoke with the command's own status."""
    status = status_of(*command, **options)
    if status != 0:
        raise Exit(code=status)


@task
def build(c, settings="pelicanconf.py", output="output"):
    """Build every language with the given settings into OUTPUT (aside, then swapped in)."""
    run(PYTHON, "-m", "publisher.build", f"--settings={settings}", f"--output={output}")


@task(iterable=["test_to"])
def publish(c, settings="publishconf.py", output="output", dry_run=False, send=False, yes=False, test_to=None,
            no_newsletter=False, debug=False):
    """The main job: build, check, deploy (DEPLOY), then newsletter drafts. Exit codes: README."""
    options = [f"--settings={settings}", f"--output={output}"]
    options += [flag for flag, wanted in (("--dry-run", dry_run), ("--send", send), ("--yes", yes),
                                          ("--no-newsletter", no_newsletter), ("--debug", debug)) if wanted]
    options += [f"--test-to={address}" for address in test_to or []]
    run(PYTHON, "-m", "publisher.publish", *options)


@task
def check(c, settings="publishconf.py", debug=False, lighthouse=True):
    """Build into a temporary folder and run every check publish runs, then Lighthouse and axe on the
    pages that must score 100 (--no-lighthouse skips them: they take a few minutes); deploy and send nothing."""
    run(PYTHON, "-m", "publisher.publish", f"--settings={settings}", "--check-only", *(["--debug"] if debug else []))
    if lighthouse:
        run_lighthouse(c, settings)


@task
def serve(c, port=8000, settings="pelicanconf.py", output="output"):
    """Build, serve on http://127.0.0.1:PORT, rebuild on every change and reload the open pages."""
    run(PYTHON, "-m", "publisher.preview", f"--settings={settings}", f"--port={int(port)}", f"--output={output}")


@task
def comments(c, config="comments/isso.cfg"):
    """Run Isso with CONFIG: comments posted on `invoke serve` pages land in cache/isso/."""
    run(PYTHON, "-m", "publisher.comment_server", f"--config={config}")


@task
def test(c, k="", verbose=False):
    """Run the whole suite (installs Debian's chromium and dovecot for the browser and mailbox tests when missing)."""
    ensure_debian_packages(c, files=[DOVECOT])
    ensure_node_modules(c)
    selection = ["-k", k] if k else []
    run(PYTHON, "-m", "pytest", "-v" if verbose else "-q", *selection)


# The screenshots show emoji as readers' systems do, not as empty boxes.
EMOJI_FONT = ("fonts-noto-color-emoji", "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
# The mailbox tests read unsubscribe mails, bounces and complaints from a real IMAP server.
DOVECOT = ("dovecot-imapd", "/usr/sbin/dovecot")


def ensure_debian_packages(c, files=()):
    """Browser tests drive Debian's chromium; the deploy tests run rsync; ``files``: more (package, a file
    it installs) pairs. Install what is missing."""
    missing = [package for package in ("chromium", "rsync") if not shutil.which(package)]
    missing += [package for package, path in files if not os.path.exists(path)]
    if not missing:
        return
    if os.geteuid() != 0:
        print(f"missing: {', '.join(missing)}; install Debian's packages of that name for the browser "
              "and deploy tests", file=sys.stderr)
        return
    quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
    run("apt-get", "update", "-qq", **quiet)
    run("apt-get", "install", "-y", "-qq", *missing, **quiet)


@task
def screenshots(c, destination="screenshots", only=None, width=None):
    """The design gallery: every page of SCREENSHOTS (pelicanconf.py) per language, width and colour scheme,
    the latest email, and DESTINATION/contact-sheet.png of them all (--only PAGE_TYPE, --width PX: a part)."""
    ensure_debian_packages(c, files=[EMOJI_FONT])
    narrowing = valued(only=only, width=int(width) if width else None)
    run(PYTHON, "-m", "publisher.screenshots", f"--destination={destination}", *narrowing)


@task
def lighthouse(c, settings="publishconf.py", lang=None):
    """Lighthouse 12 (mobile) and axe on the home page, a post, an issue, search and a tag page of a production
    build, per language (--lang fr: one); prints the scores and exits 1 when any is below 100."""
    run_lighthouse(c, settings, lang)


def run_lighthouse(c, settings, lang=None):
    ensure_debian_packages(c)
    ensure_node_modules(c)
    run(PYTHON, "-m", "publisher.lighthouse", f"--settings={settings}", *([f"--lang={lang}"] if lang else []))


def ensure_node_modules(c):
    """axe-core, pinned by package-lock.json, runs inside chromium for the accessibility tests."""
    if not os.path.exists("node_modules/axe-core/axe.min.js"):
        run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")


def valued(**options):
    """``--name=value`` for each option given a value: the = keeps a value starting with - a value."""
    return [f"--{name}={value}" for name, value in options.items() if value]


@task(name="new-post")
def new_post(c, title, lang=None, category=None, tags=None, date=None, slug=None, settings="pelicanconf.py"):
    """Start a post: content/posts/LANG/<slug>.md with its metadata, as a draft (prints the path)."""
    options = valued(settings=settings, lang=lang, category=category, tags=tags, date=date, slug=slug)
    # After --, a title starting with - is still the title.
    run(PYTHON, "-m", "publisher.authoring", "new-post", *options, "--", title)


@task
def translate(c, path, to=None, title=None, slug=None, settings="pelicanconf.py"):
    """Start the translation of the original at PATH: linked, with its Source-Hash, as a draft."""
    options = valued(settings=settings, to=to, title=title, slug=slug)
    run(PYTHON, "-m", "publisher.authoring", "translate", *options, "--", path)


@task(name="newsletter-new")
def newsletter_new(c, date=None, settings="pelicanconf.py"):
    """Start the next newsletter issue as a draft, one file per language (prints the paths)."""
    run(PYTHON, "-m", "publisher.authoring", "newsletter-new", *valued(settings=settings, date=date))


@task(name="newsletter-check")
def newsletter_check(c, settings="publishconf.py"):
    """Render every issue as publish would (into a temporary folder) and list each check's measure."""
    run(PYTHON, "-m", "publisher.newsletter_review", f"--settings={settings}", "check")


@task(name="newsletter-preview")
def newsletter_preview(c, number, destination="preview", settings="publishconf.py"):
    """Issue NUMBER per language: .html, .txt, .eml and PNG screenshots (375, 600 px, light and dark)."""
    ensure_debian_packages(c)
    run(PYTHON, "-m", "publisher.newsletter_review", f"--settings={settings}", "preview", str(int(number)),
        f"--destination={destination}")


@task(name="newsletter-send", iterable=["test_to"])
def newsletter_send(c, settings="publishconf.py", issue=None, lang=None, test_to=None, send=False, yes=False,
                    schedule=None):
    """Each issue and language as a draft at the provider, once; --send or --schedule WHEN the newest
    (or --issue N), after asking (--yes in scripts)."""
    options = valued(settings=settings, issue=int(issue) if issue else None, lang=lang, schedule=schedule)
    options += [f"--test-to={address}" for address in test_to or []]
    options += [flag for flag, wanted in (("--send", send), ("--yes", yes)) if wanted]
    run(PYTHON, "-m", "publisher.deliver", *options)


@task(name="newsletter-subscribers")
def newsletter_subscribers(c, settings="publishconf.py", write_clean=None):
    """The SMTP list's readers per language and state (active, suppressed, without consent);
    --write-clean FILE writes the CSV without the suppressed ones."""
    run(PYTHON, "-m", "publisher.newsletter_subscribers", *valued(settings=settings, **{"write-clean": write_clean}))


@task(name="newsletter-stats")
def newsletter_stats(c, issue=None, refresh=False, csv=None, settings="publishconf.py"):
    """Each issue's results per language at the provider (cached; --refresh asks again), --issue N only that
    one; a table, --csv FILE, and the rates' chart in preview/stats/."""
    options = valued(settings=settings, csv=csv) + (["--refresh"] if refresh else [])
    # After --, the number arrives as the positional argument whatever it looks like (argparse checks it).
    run(PYTHON, "-m", "publisher.newsletter_stats", *options, *(["--", str(issue)] if issue else []))


@task(name="newsletter-mailbox")
def newsletter_mailbox(c, settings="publishconf.py", dry_run=False):
    """Read the list's mailbox over IMAP: unsubscribe mails, bounces and complaints onto the suppression
    list, each handled message moved aside (--dry-run: say what would be done)."""
    run(PYTHON, "-m", "publisher.newsletter_mailbox", f"--settings={settings}", *(["--dry-run"] if dry_run else []))


@task(name="import", help={
    "lang": "the language of what the export does not mark (default: the site's first)",
    "media": "a folder holding the export's media (WordPress: the uploads folder)",
    "fetch_media": "download the media the folder lacks (never by default)",
    "write": "write into content/ (default: a dry run that says what it would do)",
    "force": "replace files edited since the last import",
    "report": "also write the report as JSON into this file",
    "category": "the category (taxonomy key) of posts the export gives none, e.g. LinkedIn articles",
    "subscribers": "csv:PATH or provider: where the export's subscribers go (none without it)",
})
def import_(c, format, source, lang=None, media=None, fetch_media=False, write=False,  # noqa: A002 - invoke's name
            force=False, report=None, subscribers=None, category=None, settings="pelicanconf.py"):
    """Move in an export (FORMAT: wordpress, typepad, linkedin, substack, revue, buttondown): a dry run
    by default, --write does it, whole or not at all; a second run changes nothing."""
    options = valued(settings=settings, lang=lang, media=media, report=report, subscribers=subscribers,
                     category=category)
    options += [flag for flag, wanted in (("--fetch-media", fetch_media), ("--write", write), ("--force", force))
                if wanted]
    run(PYTHON, "-m", "publisher.importing", *options, "--", format, source)


@task(help={
    "only": "site or newsletter: run that benchmark alone (default: both, the site build first); "
            "import: the import of 1,000 posts and 5,000 comments (only when asked)",
    "posts": "site build: French posts in the generated corpus, half of them translated (1000)",
    "runs": "site build: timed builds per row (3)",
    "render_runs": "newsletter: timed renders per row (300)",
    "against": "site build: also build with this git revision (e.g. HEAD, main~3) in the same rounds, paired",
})
def bench(c, only=None, posts=1000, runs=3, render_runs=300, against=None):
    """Site build times (bare Pelican, the full site, Hugo if installed), then one newsletter issue's render
    against npm mjml (Node). `--only site|newsletter` runs one; see benchmarks/README.md."""
    if only not in (None, "site", "newsletter", "import"):
        raise Exit(f"bench: --only takes site, newsletter or import, not {only!r}", code=2)
    failed = []
    if only == "import" and status_of(PYTHON, "-m", "benchmarks.import_speed"):
        failed.append("import")
    if only in (None, "site"):
        paired = [f"--against={against}"] if against else []
        if status_of(PYTHON, "-m", "benchmarks.site_build", f"--posts={int(posts)}", f"--runs={int(runs)}", *paired):
            failed.append("site build")
    if only in (None, "newsletter"):
        if status_of(PYTHON, "-m", "benchmarks.newsletter_render", f"--runs={int(render_runs)}"):
            failed.append("newsletter render")
    if failed:
        raise Exit(f"bench: the {' and '.join(failed)} benchmark failed (see above)", code=1)


@task
def fonts(c):
    """Remake the theme's subset fonts (theme/static/fonts/) from Fontsource's npm packages: needs npm and fonttools."""
    run(PYTHON, "-m", "publisher.fonts")


@task(iterable=["module"], help={
    "module": "a module file or folder, -m again for more (default: every module of publisher/mutation_targets.toml)",
    "list": "list the modules and the test files run against each; mutate nothing",
    "work": "the copy of the project to mutate (default cache/mutation/work); runs in different folders go side by side",
})
def mutate(c, module=None, list_=False, work=None):
    """Mutation testing (mutmut, installed on first use from requirements-mutation.txt): per module, its
    score and the surviving mutants with their diff. Slow; not part of `invoke test`."""
    if status_of(PYTHON, "-c", "import mutmut", stderr=subprocess.DEVNULL) != 0:
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements-mutation.txt")
    run(PYTHON, "-m", "publisher.mutation", *(["--list"] if list_ else []), *(["--work", work] if work else []),
        "--", *(module or []))


@task(name="settings-doc")
def settings_doc(c):
    """Write docs/settings.md from the schemas that declare every setting (of the plugins pelicanconf.py lists)."""
    run(PYTHON, "-m", "publisher.settings_reference")


@task(name="i18n-extract")
def i18n_extract(c):
    """Collect the theme's strings into messages.pot and merge them into each language's .po."""
    run(PYTHON, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", f"{CATALOGUES}/messages.pot", ".")
    run(PYTHON, "-m", "babel.messages.frontend", "update", "-i", f"{CATALOGUES}/messages.pot", "-d", CATALOGUES)
