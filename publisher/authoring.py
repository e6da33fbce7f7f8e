"""The author's commands: start a post, start its translation, start the next newsletter issue.

    python -m publisher.authoring new-post "Titre de l'article" [--lang fr] [--category C] [--tags a,b]
                                           [--date "2025-06-01 09:30"] [--slug S] [--author A]
    python -m publisher.authoring translate content/posts/fr/x.md [--to en] (--title T | --slug S)
    python -m publisher.authoring newsletter-new [--date "2025-06-01 08:00"]

Each command writes new files only, never over an existing one, prints their
paths on stdout and what to do next on stderr. A refusal is one line naming
the file in the way and what to write instead; the exit status is then 1
(2 when the settings file is missing, as for publish).
Every command takes --settings (pelicanconf.py by default): the content
folder, the languages, the taxonomy and the time zone come from there.

New posts, translations and issues carry "Status: draft": the build writes
posts at drafts/<slug>.html (en/drafts/... in English), unlisted, and leaves
draft issues out (neither archived nor sent), so nothing is published by
accident; "Status: published" publishes them. A translation keeps its
original's text, below a note for the translator, and records the original's
Source-Hash, so the build warns once the original changes; its slug is the
translator's choice (--slug, or made from --title), never derived from the
original's.

The text an author must replace (a summary, the first paragraphs, the note to
the translator, an issue's subject, preheader and text) is marked with
placeholders.MARK: once a file says "Status: published", the build refuses
it while a marked line is left, naming the file and the lines.
"""

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pelican.settings import read_settings
from pelican.utils import get_date

from placeholders import MARK, marked
from sitekit.content import SLUG_SHAPE, pelican_slug, slugify, source_digest
from sitekit.languages import Languages, base_patterns, language_name, load
from sitekit.metadata import positive_whole_number
from sitekit.taxonomy import TaxonomyError, Taxonomy

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkd", ".mdown")
# A metadata line as Python-Markdown's meta extension reads it; indented lines continue the previous one.
META_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
META_MORE = re.compile(r"^[ ]{4,}(?P<value>.*)$")
# Fields a translation writes itself, or does not take from its original.
TRANSLATION_OWN_FIELDS = {"title", "date", "lang", "slug", "category", "tags", "summary", "status", "modified",
                          "translation-of", "source-hash"}
# Newsletter file names when a language's folder has none to follow yet.
ISSUE_FILE_PREFIX = {"fr": "numero-", "en": "issue-"}
ISSUE_FILE_NAME = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)$")

# The words the skeletons are written with, per language (English for any other).
TEXT = {
    "fr": {
        "summary": marked("Une ou deux phrases qui donnent envie de lire la suite."),
        "post_body": (
            marked("Commencez par ce que la lectrice ou le lecteur y gagne : une idée, une méthode, un exemple.")
            + "\n\n## " + marked("Première idée") + "\n\n"
            + marked("Un paragraphe par idée ; un cas concret vaut mieux qu’une longue explication.") + "\n"
        ),
        "translator_note": "<!-- " + marked(
            "Traduction en {language} de {original} (Source-Hash {digest}).\n"
            "Traduisez le titre (Title), le résumé (Summary) et le texte ci-dessous, puis supprimez\n"
            "cette note et remplacez « Status: draft » par « Status: published ».") + " -->\n",
        "issue_title": marked("Numéro {number} : le sujet du mois"),
        "preheader": marked("Ce que ce numéro vous apporte, en une phrase."),
        "issue_body": (
            "Bonjour,\n\n"
            + marked("Une phrase d’accueil, puis l’essentiel : ce que vous avez appris ce mois-ci "
                     "et ce que vos lecteurs peuvent en faire.")
            + "\n\n## " + marked("Le sujet du mois") + "\n\n"
            + marked("Deux ou trois paragraphes, pas plus ; un exemple concret aide à retenir.") + "\n\n"
            "**Une question, une remarque ?** Répondez à cet e-mail : je lis toutes les réponses.\n"
        ),
        "yes": "oui",
    },
    "en": {
        "summary": marked("One or two sentences that make people want to read on."),
        "post_body": (
            marked("Start with what the reader gains: an idea, a method, an example.")
            + "\n\n## " + marked("First idea") + "\n\n"
            + marked("One paragraph per idea; a real case beats a long explanation.") + "\n"
        ),
        "translator_note": "<!-- " + marked(
            "Translation into {language} of {original} (Source-Hash {digest}).\n"
            "Translate the Title, the Summary and the text below, then delete\n"
            "this note and change \"Status: draft\" to \"Status: published\".") + " -->\n",
        "issue_title": marked("Issue {number}: this month’s topic"),
        "preheader": marked("What this issue brings you, in one sentence."),
        "issue_body": (
            "Hello,\n\n"
            + marked("A line of welcome, then the heart of it: what you learnt this month "
                     "and what your readers can do with it.")
            + "\n\n## " + marked("This month’s topic") + "\n\n"
            + marked("Two or three paragraphs, no more; a real example helps it stick.") + "\n\n"
            "**A question, a thought?** Just reply to this email: I read every answer.\n"
        ),
        "yes": "yes",
    },
}


class AuthoringError(Exception):
    """The command refuses; the message names the file in the way and what to do."""

    exitcode = 1   # as a content error of publish


class SettingsMissing(AuthoringError):
    """No settings file where the command looks: a setting problem, exit 2 as for publish."""

    exitcode = 2


@dataclass
class Created:
    paths: list
    notes: list = field(default_factory=list)


@dataclass
class Entry:
    """A content file as its metadata lines say (the build reads the same lines)."""

    path: Path
    header: list          # [key, value, raw lines], in the file's order
    body: str
    lang: str
    slug: str | None

    def get(self, key, default=None):
        key = key.lower()
        return next((value for name, value, _ in self.header if name.lower() == key), default)

    @property
    def translation_of(self):
        value = self.get("translation-of")
        return value.strip() if value else None

    @property
    def translation_key(self):
        return self.translation_of or self.slug

    @property
    def status(self):
        return (self.get("status") or "published").strip().lower()


# --- The site ----------------------------------------------------------------


class Site:
    """What the commands need to know of the project, read from its settings file."""

    def __init__(self, settings_file="pelicanconf.py"):
        if not Path(settings_file).is_file():
            raise SettingsMissing(f"{settings_file}: no such settings file; run the command from the project's "
                                 "folder or name the file with --settings")
        self.settings = settings = read_settings(str(settings_file))
        self.content = Path(settings["PATH"])
        try:
            self.layout = Languages(load(settings), base_patterns(settings))
            self.taxonomy_path = self.content / self.layout.config["taxonomy_file"]
            self.taxonomy = Taxonomy.load(self.taxonomy_path)
        except (TaxonomyError, ValueError) as exc:
            raise AuthoringError(str(exc)) from None
        self.languages = self.layout.languages
        self.primary = self.layout.primary
        try:
            self.timezone = ZoneInfo(settings.get("TIMEZONE") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise AuthoringError(f"TIMEZONE {settings.get('TIMEZONE')!r} in {settings_file} is not a time zone; "
                                 "write one such as 'Europe/Paris'") from None
        newsletter = settings.get("NEWSLETTER") or {}
        self.newsletter_folder = self.content / (newsletter.get("path") or "newsletter")
        self._entries = {}

    # Where things are

    def folders(self, kind):
        paths = self.settings["ARTICLE_PATHS"] if kind == "post" else self.settings["PAGE_PATHS"]
        return [self.content / path for path in paths]

    def kind_of(self, path):
        """"post" or "page" for a file in the article or page folders, else None."""
        path = Path(path).resolve()
        for kind in ("post", "page"):
            if any(_inside(path, folder.resolve()) for folder in self.folders(kind)):
                return kind
        return None

    def language_folder(self, kind, lang):
        return self.folders(kind)[0] / lang

    def entries(self, kind):
        """Every post (or page) of the site, in any language."""
        if kind not in self._entries:
            found = []
            for folder in self.folders(kind):
                found += [self.read(path) for path in _markdown_files(folder)]
            self._entries[kind] = found
        return self._entries[kind]

    def read(self, path):
        path = Path(path)
        header, body = parse_header(path.read_text(encoding="utf-8"))
        entry = Entry(path, header, body, "", None)
        entry.lang = (entry.get("lang") or self.layout.of_file(path)).strip().lower()
        entry.slug = (entry.get("slug") or "").strip() or self._pelican_slug(entry)
        return entry

    def _pelican_slug(self, entry):
        """The slug Pelican gives a file without a Slug line."""
        source = entry.path.stem if self.settings.get("SLUGIFY_SOURCE") == "basename" else entry.get("title")
        return pelican_slug(source, self.settings) if source else None

    def reserved_folders(self):
        from_site = self.layout.reserved_folders() | {"newsletter", self.settings.get("THEME_STATIC_DIR", "theme")}
        return from_site | {Path(path).parts[0] for path in self.settings.get("STATIC_PATHS", []) if path}

    # Words

    def language_name(self, code):
        try:
            return language_name(code, "en")
        except ValueError:
            return code

    def text(self, lang, key):
        return TEXT.get(lang, TEXT["en"])[key]

    def relative(self, path):
        relative = os.path.relpath(path)
        return str(path) if relative.startswith("..") else relative

    def now(self):
        return datetime.now(self.timezone)

    def parse_date(self, text):
        """(aware datetime, as written in a Date line); refuses what the build would refuse."""
        value = str(text).strip()
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise AuthoringError(f"--date {value!r} is not a date; "
                                 "write it as 2025-01-31 or 2025-01-31 09:30") from None
        moment = moment.astimezone(self.timezone) if moment.tzinfo else moment.replace(tzinfo=self.timezone)
        date_only = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
        return moment, moment.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M")

    def date_of(self, entry):
        """An entry's Date as an aware datetime, or None when it cannot be read (the build says so)."""
        raw = entry.get("date")
        if not raw:
            return None
        try:
            return self.parse_date(raw)[0]
        except AuthoringError:
            try:
                moment = get_date(raw)
            except ValueError:
                return None
            return moment.astimezone(self.timezone) if moment.tzinfo else moment.replace(tzinfo=self.timezone)


def _inside(path, folder):
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _markdown_files(folder):
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in MARKDOWN_EXTENSIONS and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def parse_header(text):
    """([key, value, raw lines] per metadata line, body): the lines up to the first blank one."""
    lines = text.replace("\r\n", "\n").split("\n")
    header = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            break
        match = META_LINE.match(line)
        more = META_MORE.match(line)
        if match:
            header.append([match["key"], match["value"].strip(), [line]])
        elif more and header:
            header[-1][1] = f"{header[-1][1]}\n{more['value'].strip()}"
            header[-1][2].append(line)
        else:
            break  # not metadata: the text starts here
        index += 1
    return header, "\n".join(lines[index:])


# --- Slugs, categories and tags ----------------------------------------------


def check_slug(site, kind, slug, lang, target, flag="--slug"):
    """Refuse a slug the build would refuse or link to another post, naming the file in the way."""
    if not SLUG_SHAPE.match(slug):
        raise AuthoringError(f"{slug!r} is not a slug: use lowercase letters, digits and hyphens, "
                             f"e.g. {flag} {slugify(slug) or 'mon-article'}")
    if kind == "post" and slug in site.reserved_folders():
        raise AuthoringError(f"the slug {slug!r} is the name of a folder of the site "
                             f"({', '.join(sorted(site.reserved_folders()))}); choose another with {flag}")
    if target.exists():
        raise AuthoringError(f"{site.relative(target)} already exists; choose another slug with {flag}, "
                             f"e.g. {flag} {_free_slug(site, kind, slug, lang, target)}")
    for entry in site.entries(kind):
        if entry.lang == lang and entry.slug == slug:
            suggestion = _free_slug(site, kind, slug, lang, target)
            raise AuthoringError(f"the slug {slug!r} is already used by {site.relative(entry.path)} ({lang}); "
                                 f"choose another with {flag}, e.g. {flag} {suggestion}")


def check_not_linked(site, kind, slug, lang, target):
    """An original's slug is its translation key: another language's post with that key would become its translation."""
    for entry in site.entries(kind):
        if entry.lang != lang and entry.translation_key == slug:
            raise AuthoringError(
                f"the slug {slug!r} links {site.relative(entry.path)} ({entry.lang}) to it as a translation; "
                f"choose another with --slug, e.g. --slug {_free_slug(site, kind, slug, lang, target, linked=True)}, "
                f"or start a translation with: translate {site.relative(entry.path)}")


def _free_slug(site, kind, slug, lang, target, linked=False):
    used = {e.slug for e in site.entries(kind) if e.lang == lang}
    if linked:
        used |= {e.translation_key for e in site.entries(kind)}
    number = 2
    while (f"{slug}-{number}" in used or (target.parent / f"{slug}-{number}.md").exists()):
        number += 1
    return f"{slug}-{number}"


def resolve_name(site, kind, name, lang, notes):
    """The spelling of a category (kind "categories") or tag in ``lang``, as taxonomy.toml writes it."""
    singular = kind[:-3] + "y" if kind == "categories" else kind[:-1]
    name = " ".join(str(name).split())
    for names in site.taxonomy.entries(kind):
        if names.get(lang, "").casefold() == name.casefold():
            return names[lang]
    for names in site.taxonomy.entries(kind):
        other = next((code for code, written in names.items()
                      if code != lang and written.casefold() == name.casefold()), None)
        if other is not None and names.get(lang):
            raise AuthoringError(f"{name!r} is the {site.language_name(other)} name of a {singular} in "
                                 f"{site.relative(site.taxonomy_path)}; in {site.language_name(lang)} write "
                                 f"{names[lang]!r}")
    used = _names_in_use(site, kind, lang)
    notes.append(f"the {singular} {name!r} is not in {site.relative(site.taxonomy_path)}: add it there with its "
                 "name in each language, so its pages link across languages")
    return used.get(name.casefold(), name)


def _names_in_use(site, kind, lang):
    field_name = "category" if kind == "categories" else "tags"
    found = {}
    for entry in site.entries("post"):
        if entry.lang == lang and entry.get(field_name):
            for name in entry.get(field_name).split(","):
                if name.strip():
                    found.setdefault(name.strip().casefold(), name.strip())
    return found


def default_category(site, lang, notes):
    """The first category of taxonomy.toml in ``lang``, else the one most used in ``lang``, else none."""
    declared = [names[lang] for names in site.taxonomy.entries("categories") if names.get(lang)]
    if declared:
        notes.append(f"Category: {declared[0]} (the first of {site.relative(site.taxonomy_path)}); "
                     f"choose with --category, e.g. one of: {', '.join(declared)}")
        return declared[0]
    counts = {}
    for entry in site.entries("post"):
        if entry.lang == lang and entry.get("category"):
            counts[entry.get("category").strip()] = counts.get(entry.get("category").strip(), 0) + 1
    if counts:
        chosen = max(counts, key=lambda name: (counts[name], name))
        notes.append(f"Category: {chosen} (the most used in {site.language_name(lang)}); choose with --category")
        return chosen
    notes.append("no Category line: no category is declared yet; add one with --category")
    return None


def translate_name(site, kind, name, source, target, notes):
    singular = kind[:-3] + "y" if kind == "categories" else kind[:-1]
    translated = site.taxonomy.translate(kind, name, source, target)
    if translated:
        return translated
    where = site.relative(site.taxonomy_path)
    if site.taxonomy.key_for(kind, name, source) is None:
        notes.append(f"the {singular} {name!r} is not in {where}: kept as it is; translate it, and add it there")
    else:
        notes.append(f"the {singular} {name!r} has no {site.language_name(target)} name in {where}: kept as it is; "
                     f"add {target} = \"...\" to its entry")
    return name


# --- new-post ----------------------------------------------------------------


def new_post(site, title, lang=None, category=None, tags=None, date=None, slug=None, author=None):
    """Write posts/<lang>/<slug>.md as a draft; return Created([path], notes)."""
    lang = (lang or site.primary).strip().lower()
    if lang not in site.languages:
        raise AuthoringError(f"--lang {lang!r} is not a language of this site; use one of: {', '.join(site.languages)}")
    title = " ".join(str(title).split())
    if not title:
        raise AuthoringError("the title is empty; write it in quotes, e.g. new-post \"Mon article\"")
    notes = []
    flag = "--slug"
    if slug is None:
        slug = slugify(title)
        if not slug:
            raise AuthoringError(f"no slug can be made from the title {title!r}; "
                                 "give one with --slug, e.g. --slug mon-article")
    target = site.language_folder("post", lang) / f"{slug}.md"
    check_slug(site, "post", slug, lang, target, flag)
    check_not_linked(site, "post", slug, lang, target)
    moment_text = site.parse_date(date)[1] if date else site.now().strftime("%Y-%m-%d %H:%M")
    if category:
        category = resolve_name(site, "categories", category, lang, notes)
    else:
        category = default_category(site, lang, notes)
    tag_names = []
    for tag in (tags or "").split(","):
        if tag.strip():
            name = resolve_name(site, "tags", tag, lang, notes)
            if name.casefold() not in {t.casefold() for t in tag_names}:
                tag_names.append(name)
    author = author if author is not None else site.settings.get("AUTHOR")
    lines = [("Title", title), ("Date", moment_text), ("Lang", lang), ("Slug", slug), ("Category", category),
             ("Tags", ", ".join(tag_names) or None), ("Author", author), ("Status", "draft"),
             ("Summary", site.text(lang, "summary"))]
    text = _metadata(lines) + "\n" + site.text(lang, "post_body")
    _write_new(target, text)
    notes.append(f"Status: draft: built at {site.layout.url_in(lang, 'DRAFT_URL', slug=slug)}, listed nowhere; "
                 f"write your own Summary and text in place of the lines marked {MARK}, then write "
                 "'Status: published' (and the day's Date): a published file holding a marked line stops the build")
    return Created([target], notes)


# --- translate ---------------------------------------------------------------


def translate(site, path, to=None, title=None, slug=None):
    """Write the translation of the original at ``path`` into language ``to``, as a draft."""
    path = Path(path)
    if not path.is_file():
        raise AuthoringError(f"{path}: no such file; name an original post, "
                             f"e.g. content/posts/{site.primary}/mon-article.md")
    kind = site.kind_of(path)
    if kind is None or path.suffix not in MARKDOWN_EXTENSIONS:
        raise AuthoringError(f"{site.relative(path)} is not a post or a page of {site.relative(site.content)}/; "
                             f"name a Markdown file in {site.relative(site.folders('post')[0])}/{site.primary}/")
    original = site.read(path)
    to = (to or _other_language(site)).strip().lower()
    if to not in site.languages:
        raise AuthoringError(f"--to {to!r} is not a language of this site; use one of: "
                             f"{', '.join(code for code in site.languages if code != site.primary)}")
    if original.translation_of:
        found = next((e for e in site.entries(kind)
                      if e.lang == site.primary and e.slug == original.translation_of), None)
        where = f" ({site.relative(found.path)})" if found else ""
        raise AuthoringError(f"{site.relative(path)} is a translation of {original.translation_of!r}{where}, not an "
                             "original; translate the original")
    if original.lang != site.primary:
        raise AuthoringError(f"{site.relative(path)} is in {site.language_name(original.lang)} ({original.lang}); "
                             f"translations start from a {site.language_name(site.primary)} ({site.primary}) original")
    if to == original.lang:
        raise AuthoringError(f"{site.relative(path)} is already in {site.language_name(to)} ({to}); "
                             f"choose --to among: {', '.join(code for code in site.languages if code != to)}")
    if not original.slug:
        raise AuthoringError(f"{site.relative(path)} has no Title or Slug; add 'Slug: ...' to it first")
    for entry in site.entries(kind):
        if entry.lang == to and entry.translation_key == original.slug:
            raise AuthoringError(f"{site.relative(entry.path)} already translates {site.relative(path)} into "
                                 f"{site.language_name(to)} ({to}); edit it, "
                                 "and set its Source-Hash once it is up to date")
    notes = []
    title = " ".join(str(title).split()) if title else None
    if slug is None:
        # The slug is in the translation's address for good: the translator's words, not the original's.
        if not title:
            raise AuthoringError(f"name the {site.language_name(to)} version: --title \"...\" (its title, the slug "
                                 "is made from it) or --slug ...; the original's slug is not reused")
        slug = slugify(title)
        if not slug:
            raise AuthoringError(f"no slug can be made from the title {title!r}; give one with --slug")
    target = site.language_folder(kind, to) / f"{slug}.md"
    check_slug(site, kind, slug, to, target)
    digest = source_digest(path)
    # What is kept from the original is to translate: marked, like the note, until it is.
    lines = [("Title", title or _to_translate(original.get("title"))), ("Date", original.get("date")), ("Lang", to),
             ("Slug", slug)]
    if original.get("category"):
        lines.append(("Category", translate_name(site, "categories", original.get("category").strip(),
                                                 original.lang, to, notes)))
    tags = [t.strip() for t in (original.get("tags") or "").split(",") if t.strip()]
    if tags:
        lines.append(("Tags", ", ".join(translate_name(site, "tags", t, original.lang, to, notes) for t in tags)))
    carried = []
    for key, value, raw in original.header:
        if key.lower() in TRANSLATION_OWN_FIELDS:
            continue
        if key.lower() == "series":
            carried.append(f"{key}: {_series_name(site, kind, value, to, notes)}")
        else:
            carried += raw
    summary = next((_summary_to_translate(raw) for key, _, raw in original.header if key.lower() == "summary"), None)
    text = _metadata(lines) + "".join(line + "\n" for line in carried)
    text += _metadata([("Translation-Of", original.slug), ("Source-Hash", digest), ("Status", "draft")])
    text += "".join(line + "\n" for line in summary or [])
    note = site.text(to, "translator_note").format(language=site.language_name(to), original=site.relative(path),
                                                   digest=digest)
    text += "\n" + note + "\n" + original.body.lstrip("\n")
    _write_new(target, text if text.endswith("\n") else text + "\n")
    kept = "Title, Summary and text" if not title else "Summary and text"
    notes.append(f"{kept} kept from the original: translate them, then delete the note marked {MARK}")
    draft = site.layout.url_in(to, "DRAFT_URL" if kind == "post" else "DRAFT_PAGE_URL", slug=slug)
    notes.append(f"Status: draft: built at {draft}, not yet linked from the original; "
                 "write 'Status: published' once translated")
    return Created([target], notes)


def _to_translate(value):
    return marked(value) if value and MARK not in value else value


def _summary_to_translate(raw):
    """The original's Summary lines, the first one marked (its continuation lines follow it)."""
    key, value = raw[0].split(":", 1)
    return [f"{key}: {_to_translate(value.strip())}", *raw[1:]]


def _other_language(site):
    others = [code for code in site.languages if code != site.primary]
    if len(others) == 1:
        return others[0]
    raise AuthoringError(f"name the language with --to, one of: {', '.join(others)}")


def _series_name(site, kind, name, to, notes):
    """The series' name in ``to``, as an earlier translated part writes it; else kept, with a note."""
    keys = {e.slug for e in site.entries(kind)
            if e.lang == site.primary and (e.get("series") or "").strip() == name.strip()}
    for entry in site.entries(kind):
        if entry.lang == to and entry.translation_key in keys and entry.get("series"):
            return entry.get("series").strip()
    notes.append(f"Series {name.strip()!r} kept as it is: translate it, the same way in every part")
    return name.strip()


# --- newsletter-new ----------------------------------------------------------


def newsletter_new(site, date=None):
    """Write the next issue in every language; return Created(paths, notes)."""
    folder = site.newsletter_folder
    issues = [site.read(path) for path in _markdown_files(folder)]
    numbers = {}
    for entry in issues:
        number = positive_whole_number(entry.get("issue"))
        if number is not None:
            numbers.setdefault(number, []).append(entry)
    number = max(numbers, default=0) + 1
    moment = site.now()
    moment, moment_text = site.parse_date(date) if date else (moment, moment.strftime("%Y-%m-%d %H:%M"))
    targets = {lang: folder / lang / f"{_issue_prefix(site, folder / lang, lang)}{number}.md"
               for lang in site.languages}
    for lang, target in targets.items():
        if target.exists():
            raise AuthoringError(f"{site.relative(target)} already exists, without 'Issue: {number}'; "
                                 "give it its own Issue number, or rename it")
    notes = []
    texts = {}
    for lang in site.languages:
        lines = [("Title", site.text(lang, "issue_title").format(number=number)), ("Date", moment_text),
                 ("Issue", str(number)), ("Lang", lang), ("Author", site.settings.get("AUTHOR")),
                 ("Preheader", site.text(lang, "preheader")), ("Status", "draft")]
        previous = _previous_issue(site, issues, lang, number)
        since = site.date_of(previous) if previous is not None else None
        posts = _posts_between(site, lang, since, moment)
        if posts:
            lines.append(("Digest", site.text(lang, "yes")))
            notes.append(f"{lang}: Digest: the {len(posts)} post(s) published since "
                         f"{'issue ' + previous.get('issue').strip() if previous is not None else 'the start'}")
        else:
            notes.append(f"{lang}: no Digest line: no post in {site.language_name(lang)} was published since "
                         f"{'issue ' + previous.get('issue').strip() if previous is not None else 'the start'} "
                         "(a digest of nothing stops the build)")
        texts[lang] = _metadata(lines) + "\n" + site.text(lang, "issue_body")
    written = []
    try:
        for lang, target in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_new(target, texts[lang])
            written.append(target)
    except AuthoringError:
        for path in written:
            path.unlink()
        raise
    notes.append(f"issue {number} in {', '.join(site.languages)}: write the Title (the email's subject, "
                 f"78 characters at most), the Preheader and the text in place of the lines marked {MARK}, then "
                 "change 'Status: draft' to 'Status: published' (a draft is never archived nor sent); "
                 "`invoke newsletter-check` checks them, and refuses a marked line")
    return Created(written, notes)


def _issue_prefix(site, folder, lang):
    """How this language's latest issue is named ("numero-" for numero-2.md), else the usual name."""
    named = {}
    for path in _markdown_files(folder):
        match = ISSUE_FILE_NAME.match(path.stem)
        if match and positive_whole_number(site.read(path).get("issue")) == int(match["number"]):
            named[int(match["number"])] = match["prefix"]
    return named[max(named)] if named else ISSUE_FILE_PREFIX.get(lang, "issue-")


def _previous_issue(site, issues, lang, number):
    mine = [e for e in issues if e.lang == lang and (positive_whole_number(e.get("issue")) or number) < number]
    return max(mine, key=lambda e: positive_whole_number(e.get("issue")), default=None)


def _posts_between(site, lang, since, until):
    """The published posts of ``lang`` a digest dated ``until`` would list (as the newsletter plugin selects them)."""
    found = []
    for entry in site.entries("post"):
        moment = site.date_of(entry)
        if entry.lang != lang or entry.status != "published" or moment is None:
            continue
        if moment <= until and (since is None or moment > since):
            found.append(entry)
    return found


# --- Writing -----------------------------------------------------------------


def _metadata(lines):
    return "".join(f"{key}: {value}\n" for key, value in lines if value is not None and str(value).strip())


def _write_new(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise AuthoringError(f"{path} already exists; nothing was written") from None


# --- Command line ------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m publisher.authoring", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--settings", default="pelicanconf.py", help="settings file (default: pelicanconf.py)")
    commands = parser.add_subparsers(dest="command", required=True)

    post = commands.add_parser("new-post", parents=[common], help="start a post, as a draft")
    post.add_argument("title")
    post.add_argument("--lang", help="language of the post (default: the site's first)")
    post.add_argument("--category", help="as taxonomy.toml names it in that language (default: its first)")
    post.add_argument("--tags", help="comma-separated, e.g. --tags 'SEO, Rédaction'")
    post.add_argument("--date", help="2025-06-01 or '2025-06-01 09:30' (default: now, in the site's TIMEZONE)")
    post.add_argument("--slug", help="default: made from the title")
    post.add_argument("--author", help="default: AUTHOR of the settings")

    translation = commands.add_parser("translate", parents=[common], help="start the translation of an original")
    translation.add_argument("path", help="the original, e.g. content/posts/fr/mon-article.md")
    translation.add_argument("--to", help="language of the translation (default: the site's other language)")
    translation.add_argument("--title", help="the translated title, which the slug is made from "
                                             "(without it: the original's, marked to translate, and --slug)")
    translation.add_argument("--slug", help="default: made from --title (one of the two is needed)")

    issue = commands.add_parser("newsletter-new", parents=[common], help="start the next newsletter issue")
    issue.add_argument("--date", help="2025-06-01 or '2025-06-01 08:00' (default: now, in the site's TIMEZONE)")

    args = parser.parse_args(argv)
    try:
        site = Site(args.settings)
        if args.command == "new-post":
            created = new_post(site, args.title, args.lang, args.category, args.tags, args.date, args.slug, args.author)
        elif args.command == "translate":
            created = translate(site, args.path, args.to, args.title, args.slug)
        else:
            created = newsletter_new(site, args.date)
    except AuthoringError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return exc.exitcode
    for path in created.paths:
        print(site.relative(path))
    for note in created.notes:
        print(f"  {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
