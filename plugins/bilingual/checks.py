"""Checks of the content and of the built site, reported as Problems."""

import codecs
import difflib
import json
import os
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pelican.settings import DEFAULT_CONFIG

from sitekit.content import digest_of, pelican_slug, source_digest
from sitekit.languages import language_name

from .history import Untold, original_when_translated

# Attributes whose value is a URL the browser will fetch or follow.
LINK_ATTRIBUTE = re.compile(r"""<(?:a|img|link|script|source|audio|video|iframe)\b[^>]*?\s(href|src|poster)\s*=\s*(["'])(.*?)\2""", re.I | re.S)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.I)


# What XML 1.0 refuses (the feeds and sitemaps are XML): the C0 controls but tab, line feed and
# carriage return, and U+FFFE, U+FFFF. Strict UTF-8 decoding already refuses lone surrogates.
NOT_IN_XML_CHARACTERS = [chr(code) for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)]
NOT_IN_XML = re.compile(f"[{re.escape(''.join(NOT_IN_XML_CHARACTERS))}]")


def text_problem(path):
    """(line number, what to do) when a content file is not text the site can carry, else None.

    Pelican would stop on the first such file: on bytes that are not UTF-8 while
    reading, on a control character only when writing the feeds."""
    data = Path(path).read_bytes()
    data = data.removeprefix(codecs.BOM_UTF8)  # as Pelican reads it (utf-8-sig)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (data.count(b"\n", 0, exc.start) + 1,
                f"byte {data[exc.start]:#04x} is not UTF-8 (the file was saved in another encoding, "
                "such as Latin-1 or Windows-1252); save it as UTF-8 in your editor")
    # Each character looked for on its own (a C loop each) is four times quicker than the class's
    # search over a text that holds none, which is every file of every language run.
    if not any(character in text for character in NOT_IN_XML_CHARACTERS):
        return None
    found = NOT_IN_XML.search(text)
    return (text.count("\n", 0, found.start()) + 1,
            f"holds the invisible control character U+{ord(found.group()):04X}, which web feeds and sitemaps "
            "(XML) refuse; delete it (retype the line if your editor does not show it)")


def check_fields(content, build, is_article):
    """Metadata every post and page needs."""
    path = build.relative_path(content.source_path)
    problems = build.problems
    if not getattr(content, "title", "").strip():
        problems.add(path, "Title", "missing; add a line such as 'Title: Mon article' at the top of the file")
    if is_article and getattr(content, "date", None) is None:
        problems.add(path, "Date", "missing; add a line such as 'Date: 2025-01-31 09:30' at the top of the file")
    if not content.lang:
        problems.add(path, "Lang", f"empty; write one of: {', '.join(build.languages)}")
    elif content.lang not in build.languages:
        problems.add(path, "Lang", f"{content.lang!r} is not a language of this site; use one of: {', '.join(build.languages)}")
    if not (content._content or "").strip():
        problems.warn(path, "body", "empty; write the text below the metadata lines and a blank line")
    _check_own_address(content, path, problems, "post" if is_article else "page")


def _check_own_address(content, path, problems, kind):
    """A Save_as line needs its URL line: Pelican (and the other language) link to the URL
    pattern's address otherwise, where nothing is written."""
    save_as, url = content.metadata.get("save_as"), content.metadata.get("url")
    if save_as and url is None:
        address = save_as[: -len("index.html")] if save_as.endswith("/index.html") else save_as
        problems.add(path, "Save_as", f"{save_as!r} is set without a URL line, so the links to this {kind} "
                                      f"lead to nothing; add 'URL: {address}'")


TAXONOMY_FIELDS = (("category", "Category", "categories", "category"), ("tags", "Tags", "tags", "tag"))


def check_taxonomy(build, source_path, metadata, lang):
    """Each Category and Tags name is one of the taxonomy file, as spelled there.

    Pelican gives every post of a category or tag the name it read first: one
    misspelt post would rename the category on every page. Without the file,
    any name goes (the plugin has warned that nothing is linked across languages).
    """
    if not build.taxonomy.present or lang not in build.languages:
        return
    for attribute, field, kind, singular in TAXONOMY_FIELDS:
        value = metadata.get(attribute)
        for name in value if isinstance(value, list) else [value] if value else []:
            name = getattr(name, "name", str(name))
            message = _outside_taxonomy(build, kind, singular, name, lang)
            if message:
                build.problems.add(build.relative_path(source_path), field, message, about=(kind, name))


def _outside_taxonomy(build, kind, singular, name, lang):
    """What to write instead of ``name``, or None when the taxonomy spells it so in ``lang``."""
    taxonomy = build.taxonomy
    names = taxonomy.names(kind, lang)
    if name in names.values():
        return None
    where = build.relative_path(taxonomy.source)
    key = taxonomy.key_for(kind, name, lang)
    if key is not None:
        return f"{name!r} is spelled {names[key]!r} in {where}; write it that way"
    language = language_name(lang, "en")
    article = "an" if language[:1].lower() in "aeiou" else "a"
    for other in build.languages:
        key = taxonomy.key_for(kind, name, other)
        if other != lang and key in names:
            return (f"{name!r} is the {language_name(other, 'en')} name of [{kind}.{key}] in {where}; "
                    f"in {article} {language} post, write {names[key]!r}")
    closest = _closest(name, names.values(), singular)
    return (f"{name!r} is not {article} {language} {singular} name of {where} ({closest}); "
            f"write one of its names, or add the new {singular} to that file: "
            f"{_new_entry(build, kind, name, lang)} (each on its own line)")


def _closest(name, known, singular):
    by_folded = {known_name.casefold(): known_name for known_name in known}
    if not by_folded:
        return f"it has no {singular} in this language yet"
    # difflib's own threshold first; when nothing reaches it, the nearest names all the same.
    found = (difflib.get_close_matches(name.casefold(), by_folded, n=3)
             or difflib.get_close_matches(name.casefold(), by_folded, n=3, cutoff=0))
    return "the closest: " + ", ".join(repr(by_folded[folded]) for folded in found)


def _new_entry(build, kind, name, lang):
    """The taxonomy entry naming ``name`` in ``lang``, under a key no entry has."""
    base = pelican_slug(name, DEFAULT_CONFIG) or "new"
    taken = build.taxonomy.keys(kind)
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    # json.dumps writes a TOML basic string: quotes and backslashes escaped.
    values = " ".join(f"{code} = {json.dumps(name if code == lang else '...', ensure_ascii=False)}"
                      for code in build.languages)
    return f"[{kind}.{key}] {values}"


def report_bad_value(build, source_path, field, value, hint):
    build.problems.add(build.relative_path(source_path), field, f"{value!r} {hint}")


def check_collection(items, build, kind):
    """Slugs unique per language; one translation per language; each has its original, up to date."""
    _check_unique(items, build, "slug", "Slug", "{value!r} is already used by {first} in the same language ({lang}); "
                  "give one of them another Slug")
    _check_unique(items, build, "translation_key", "Translation-Of", "{first} already translates {value!r} into "
                  "this language ({lang}); keep one translation, or point this one at another original")
    if kind == "post":
        _check_reserved_slugs(items, build)
    originals = {item.slug: item for item in items if item.lang == build.primary
                 and getattr(item, "slug", None) and item.source_path not in build.unwritten}
    failed = _failed_original(items, build)
    for item in items:
        target = getattr(item, "translation_of", None)
        if target is not None:
            _check_translation(item, originals.get(target), build, kind, failed)


def _failed_original(items, build):
    """Whether a Translation-Of slug may name a file whose error is listed already: an item with
    that slug has an error (a wrong Lang), or a file with an error is not among ``items`` (Pelican
    leaves out a post it cannot date). Its translation is then not told it translates nothing:
    that line would be a follow-on of the first, gone once the original is fixed."""
    errors = {problem.path for problem in build.problems.errors}
    read = {build.relative_path(item.source_path): item for item in items}
    slugs = {getattr(read[path], "slug", None) for path in errors & read.keys()}
    left_out = bool(errors - read.keys())
    return lambda target: left_out or target in slugs


def _check_unique(items, build, attribute, field, message):
    """Report a value used twice in one language; the second item is not written."""
    seen = {}
    for item in sorted(items, key=lambda i: i.source_path):
        value = getattr(item, attribute, None)
        slot = (item.lang, value)
        if value is None or item.source_path in build.unwritten:
            continue
        if slot not in seen:
            seen[slot] = item
            continue
        first = build.relative_path(seen[slot].source_path)
        build.problems.add(build.relative_path(item.source_path), field,
                           message.format(value=value, first=first, lang=item.lang))
        build.unwritten.add(item.source_path)  # else Pelican stops on writing one file twice


def _check_reserved_slugs(items, build):
    """A post's slug must not take the folder of a language or of a site-wide list."""
    reserved = build.reserved_folders()
    for item in items:
        slug = getattr(item, "slug", None)
        if slug in reserved:
            build.problems.add(build.relative_path(item.source_path), "Slug",
                               f"{slug!r} is the name of a folder of the site ({', '.join(sorted(reserved))}); "
                               "choose another Slug")
            build.unwritten.add(item.source_path)


def _check_translation(item, original, build, kind, failed_original=lambda target: False):
    path = build.relative_path(item.source_path)
    target = item.translation_of
    if target == getattr(item, "slug", None) and item.lang == build.primary:
        build.problems.add(path, "Translation-Of", f"{target!r} is this {kind}'s own slug; "
                           "an original needs no Translation-Of line: remove it")
        return
    if original is None:
        if failed_original(target):
            return
        build.problems.add(path, "Translation-Of",
                           f"no {language_name(build.primary, 'en')} {kind} has the slug {target!r}; "
                           "write the original's Slug here, or remove the line if this is not a translation")
        return
    if item.lang == original.lang:
        build.problems.add(path, "Lang", f"a translation must differ from its original's language ({original.lang})")
        return
    _check_freshness(item, original, path, build)


def _check_freshness(item, original, path, build):
    current = source_digest(original.source_path)
    recorded = getattr(item, "source_hash", None)
    original_path = build.relative_path(original.source_path)
    if recorded is None:
        if not build.problems.has(path, "Source-Hash"):  # each language run checks it: ask git once
            build.problems.warn(path, "Source-Hash", _missing_source_hash(item, original, path, original_path))
    elif str(recorded).strip() != current:
        build.problems.warn(path, "Source-Hash",
                            f"{original_path} changed after this translation was made (recorded {recorded}, now {current}); "
                            f"bring the translation up to date, then set 'Source-Hash: {current}'")


def _missing_source_hash(item, original, path, original_path):
    """What to record: not the original's hash of today, which would call an outdated translation
    up to date, but the original as it was when the translation was made, when git can tell."""
    compare = f"missing; compare the translation with {original_path} first: "
    try:
        then = original_when_translated(item.source_path, original.source_path, path, original_path)
    except Untold as reason:
        return (compare + f"git cannot tell which version of it this translates ({reason}), so no hash is offered; "
                "once the translation says what the original says, add 'Source-Hash: unknown': "
                "the next build gives the hash to record")
    return (compare + f"when this translation was first committed ({then.date}), the original was "
            f"'Source-Hash: {digest_of(then.data)}'; add that line, and the build will tell whether the original "
            "changed since")


def check_links(output_dir, pages, siteurl, problems):
    """Every internal link and image of the built pages leads to a written file.

    A broken link in a post shows on the post and on every list quoting its
    summary: it is reported once, against the post's source file.
    """
    output_dir = Path(output_dir)
    pages = sorted(pages, key=lambda p: p.source is None)  # content pages first
    built = BuiltFiles(output_dir) if len(pages) > FEW_PAGES else AskedFiles(output_dir)
    # Most targets (the menu, tags, the other language) recur on every page: each is resolved once,
    # or once per folder when it is relative.
    leads = {}  # (target, the folder it is relative to, or None) -> whether it leads to a built file
    for page in pages:
        html = (output_dir / page.path).read_text(encoding="utf-8")
        folder = posixpath.dirname(page.path)
        # A page repeats many of its links (menus, tags); a problem is reported once per page anyway.
        for attribute, _, target in dict.fromkeys(LINK_ATTRIBUTE.findall(html)):
            attribute = attribute.lower()
            key = (target, None if target.startswith(("/", "{")) or EXTERNAL.match(target) else folder)
            if key not in leads:
                local = _local_path(target, siteurl, page.path)
                leads[key] = local is None or built.has(local)
            if leads[key]:
                continue
            if page.source is None and problems.mentions(target):
                continue  # a summary quoting a post already reported
            what = "link" if attribute == "href" else "image"
            problems.add(page.source or page.path, what,
                         f"{target!r} leads to nothing in the built site; fix the path "
                         "(write {static}/images/... or {filename}/posts/...), or add the missing file",
                         about=target)


def _local_path(target, siteurl, page_path):
    """The output-relative path a link points to, or None when it leaves the site."""
    if target.startswith("{"):
        return target  # a {static}/{filename} link Pelican could not resolve
    if siteurl and (target == siteurl or target.startswith(siteurl + "/")):
        target = target[len(siteurl):] or "/"
    if EXTERNAL.match(target):
        return None
    path = unquote(urlsplit(target).path)
    if path.startswith("/"):
        return path.lstrip("/")
    base = str(Path(page_path).parent)
    return str(Path(base, path)) if base != "." else path


# Up to this many pages (the edit loop's few), the link check asks the file system about each
# target; past it, listing the whole output once is cheaper (0.4 s at 5,000 posts).
FEW_PAGES = 50


class BuiltFiles:
    """The files of the output, listed once: a site has tens of thousands of links to check,
    and asking the file system (and resolving each path) for every one is most of the cost."""

    def __init__(self, output_dir):
        # os.walk and string slicing: rglob, is_file and relative_to take ten times as long on a large site.
        root = os.path.join(os.fspath(output_dir), "")
        self.files = {os.path.join(folder, name)[len(root):].replace(os.sep, "/")
                      for folder, _, names in os.walk(root) for name in names}

    def has(self, local):
        """Whether a site path (a file, or a folder with index.html) was built."""
        path = _site_path(local)
        if path is None:
            return False
        return self._is_file(path) or self._is_file(posixpath.join(path, "index.html"))

    def _is_file(self, path):
        return path in self.files


class AskedFiles(BuiltFiles):
    """The same answers, each asked of the file system (and kept): for a few pages' links."""

    def __init__(self, output_dir):
        self.root = os.fspath(output_dir)
        self.answers = {}

    def _is_file(self, path):
        if path not in self.answers:
            self.answers[path] = os.path.isfile(os.path.join(self.root, path))
        return self.answers[path]


def _site_path(local):
    """``local`` as an output-relative path ("" for the home page), or None outside the site."""
    path = posixpath.normpath(local.lstrip("/")) if local.strip("/") else ""
    if path == "." or path == "":
        return ""
    if path.startswith("../") or path == "..":
        return None
    return path
