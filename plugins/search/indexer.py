"""Pagefind's binary, run over the posts of each language.

The binary (from the pagefind[bin] wheel) is run as a command rather than
through pagefind's Python service: a command that hangs is killed at the
timeout and one that fails exits at once with its message, where the service
leaves its process running, or waits for an answer that never comes.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pagefind.service import get_executable

from sitekit.file_aside import written_aside
from sitekit.linked_copy import link_or_copy

from .settings import BUNDLE_DIR

# What to run by hand on the last built site (a failed publish deletes the folder it
# built in), writing aside so the live bundle is left alone.
COMMAND = "python -m pagefind --site output --output-path /tmp/pagefind-check --verbose"
INSTALL_HINT = "install it with `pip install -r requirements.txt` (pagefind[bin]) or set PAGEFIND_BINARY_PATH"


class IndexerError(Exception):
    """Pagefind could not write the index; the message names the cause and the fix."""


def build_index(output_path, pages, config, cache=None):
    """Index ``pages`` ({language: paths relative to ``output_path``}) into output_path/pagefind/.

    Pagefind indexes each language on its own (its files are named by language, and the
    files they share are the same), so each language is one run of its own, kept in the
    IndexCache under its language: after an edit of an English post the French index is
    used again, and one run holds one language's pages in memory, not all of them. The
    bundle has the bytes one run over every language writes. Returns the number of pages
    indexed in each language, as Pagefind recorded it.
    """
    output = Path(output_path).resolve()
    bundle = output / BUNDLE_DIR
    # Pagefind names its files after their content: an earlier build's would pile up.
    shutil.rmtree(bundle, ignore_errors=True)
    groups = {lang: sorted(set(paths)) for lang, paths in pages.items() if paths}
    if not groups:
        return {}  # Pagefind refuses to write an index of nothing
    binary = get_executable()
    if binary is None or not Path(binary).is_file():
        raise IndexerError(f"Pagefind's binary was not found ({binary or 'not installed'}); {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix=".pagefind-posts-", dir=output.parent) as work:
        parts = [Path(work) / lang for lang in sorted(groups)]
        for part in parts:
            language_cache = cache.of_language(part.name) if cache else None
            _index_language(output, groups[part.name], config, binary, language_cache, part)
        _merge(parts, bundle)
    return _page_counts(bundle)


def _index_language(output, pages, config, binary, cache, part):
    """One language's bundle at ``part``: the kept one when these pages and options made it."""
    key = cache.key(output, pages, _options(None, None, config), binary) if cache else None
    if key and cache.restore(key, part):
        return
    # Pagefind takes a glob, and one listing thousands of pages does not parse: it indexes
    # a folder holding exactly the posts (hard links, same paths).
    with tempfile.TemporaryDirectory(prefix=".pagefind-posts-", dir=output.parent) as posts:
        _link_pages(output, Path(posts), pages)
        _run(binary, _options(Path(posts), part, config), config["timeout"])
    _page_counts(part)  # a run that wrote no bundle says so here
    if key:
        cache.store(key, part)


def _merge(parts, bundle):
    """The languages' bundles as one: every file (those they share are the same), and one entry
    file listing every language, sorted."""
    languages, entry = {}, {}
    for part in parts:
        entry = json.loads((part / "pagefind-entry.json").read_text(encoding="utf-8"))
        languages.update(entry.get("languages", {}))
        shutil.copytree(part, bundle, copy_function=_link_unless_there, dirs_exist_ok=True,
                        ignore=lambda folder, names: {"pagefind-entry.json"} if Path(folder) == part else set())
    entry["languages"] = languages
    # Sorted, the file has the same bytes whenever the site has (Pagefind's order varies from
    # one run to the next), so a deploy does not move it for nothing.
    with written_aside(bundle / "pagefind-entry.json", permissions=0o644) as stream:
        json.dump(entry, stream, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _link_unless_there(source, target):
    if not os.path.exists(target):
        link_or_copy(source, target)
    return target


def _link_pages(output, folder, pages):
    """Exactly the posts' files: never lists, drafts or hidden posts."""
    for page in sorted(set(pages)):
        target = folder / page
        target.parent.mkdir(parents=True, exist_ok=True)
        link_or_copy(output / page, target)


def _options(posts, bundle, config):
    """Pagefind's configuration; without folders, what the bundle's content depends on."""
    return {
        "site": str(posts) if posts else None,
        "output_path": str(bundle) if bundle else None,
        "glob": "**/*.html",
        "root_selector": config["root_selector"],
        "exclude_selectors": config["exclude_selectors"],
    }


def _run(binary, options, timeout):
    # Options go in a pagefind.json of an empty working folder, which Pagefind
    # reads: a glob naming every post would be too long for a command line.
    with tempfile.TemporaryDirectory(prefix="pagefind-") as workdir:
        Path(workdir, "pagefind.json").write_text(json.dumps(options), encoding="utf-8")
        try:
            done = subprocess.run([str(binary), "--silent"], cwd=workdir, capture_output=True,
                                  text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:  # run() has killed it
            raise IndexerError(f"Pagefind did not finish within {timeout} s; raise SEARCH['timeout'], or run "
                               f"`{COMMAND}` to see where it stops") from None
        except OSError as error:
            raise IndexerError(f"Pagefind's binary {binary} could not be started ({error.strerror}); "
                               f"{INSTALL_HINT}") from None
    if done.returncode != 0:
        raise IndexerError(f"Pagefind failed ({_first_error(done)}); check that the posts' pages hold "
                           f"SEARCH['root_selector'] ({options['root_selector']!r}), or run `{COMMAND}` "
                           "to see its full output")


def _first_error(done):
    """Pagefind's "Error: ..." line (it may print a hint on the next lines)."""
    lines = [line.strip() for line in (done.stderr + "\n" + done.stdout).splitlines() if line.strip()]
    fallback = lines[0] if lines else f"exit status {done.returncode}"
    return next((line for line in lines if line.startswith("Error")), fallback)


def _page_counts(bundle):
    entry = bundle / "pagefind-entry.json"
    if not (bundle / "pagefind.js").is_file() or not entry.is_file():
        raise IndexerError(f"Pagefind wrote no bundle into {bundle}; run `{COMMAND}` to see why")
    languages = json.loads(entry.read_text(encoding="utf-8")).get("languages", {})
    return {lang: data.get("page_count", 0) for lang, data in languages.items()}
