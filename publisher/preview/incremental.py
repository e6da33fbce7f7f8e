"""The edit loop's fast path: after an edit below a post's header, render again only the pages that show it.

A full build (publisher.build) run under a ``Recorder`` leaves its language
runs in memory: their generators, with every list and the context the
templates were given. ``Site.refresh(paths)`` then handles an edit of the
text of posts and pages:

1. each run reads the edited files again (the same reader, the same plugins);
2. when anything but the text changed (a header line, a new or removed file,
   a link to a file not linked before, a problem found), it raises
   ``FullBuildNeeded`` and the caller builds everything;
3. otherwise the new text goes into the objects already listed, so every list,
   translation and link keeps pointing at them;
4. a ``SelectiveWriter`` renders only the pages whose template is handed one
   of them: the post or page itself, the index, category, tag, author and
   archive pages listing it (only the page of a paginated list that holds
   it), the feeds carrying it. A file is written only when its bytes change;
5. the links of those pages are checked; a broken one puts every file back
   and asks for a full build (which reports it as usual).

The search index is refreshed afterwards (``Refresh.follow_up``): Pagefind
reads the whole site, so the preview reloads first.
"""

import logging
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import jinja2.meta
from jinja2 import TemplateNotFound
from pelican import signals
from pelican.contents import Article, Content, Page
from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator, TemplatePagesGenerator
from pelican.paginator import Paginator
from pelican.writers import Writer

from sitekit.build_context import PendingFiles, SiteIndex, build_of, state_of
from sitekit.file_aside import write_aside
from sitekit.unchanged import PREVIOUS_KEY, WrittenOnClose

logger = logging.getLogger(__name__)

READ_SIGNALS = {
    Article: (ArticlesGenerator, signals.article_generator_preread, signals.article_generator_context),
    Page: (PagesGenerator, signals.page_generator_preread, signals.page_generator_context),
}
# Attributes a re-read object has from its reader but that the generators fill
# in afterwards (a new object's list of translations is empty).
FILLED_IN_LATER = frozenset({"translations"})


class FullBuildNeeded(Exception):
    """The change is more than new text in known posts and pages; the message says what."""


# ---------------------------------------------------------------- recording a build


@dataclass
class Run:
    """One language run of a build: its settings and generators, kept after the build."""

    settings: dict
    generators: list

    @property
    def context(self):
        return self.generators[0].context

    def generator(self, kind):
        return next((g for g in self.generators if isinstance(g, kind)), None)

    def move_output(self, output):
        """The build ran in a folder aside, since renamed to ``output``: write there from now on."""
        for where in (self.settings, self.context):
            where["OUTPUT_PATH"] = str(output)
            where.pop(PREVIOUS_KEY, None)  # the site in place is now this one
        for generator in self.generators:
            generator.output_path = str(output)


class Recorder:
    """Keeps the language runs of the builds made inside ``with recorder:``."""

    def __init__(self):
        self.runs = []

    def _record(self, generators):
        self.runs.append(Run(generators[0].settings, list(generators)))

    def __enter__(self):
        self.runs = []
        signals.all_generators_finalized.connect(self._record)
        return self

    def __exit__(self, *exc):
        signals.all_generators_finalized.disconnect(self._record)


# ---------------------------------------------------------------- refreshing


@dataclass
class Refresh:
    """What a fast refresh did."""

    changed: tuple
    written: list            # output-relative paths whose bytes changed
    rendered: int            # pages and feeds rendered (some came out identical)
    seconds: float
    follow_up: object = None  # callable run after the reload (the search index), or None
    pages: tuple = ()        # output-relative paths of the HTML pages rendered

    def summary(self):
        return (f"{self.rendered} page{'s' if self.rendered != 1 else ''} rendered again, "
                f"{len(self.written)} changed, in {self.seconds:.2f} s")


class Site:
    """A built site kept in memory, for ``refresh``."""

    def __init__(self, runs, output):
        self.runs = runs
        self.output = Path(output)
        self.content_path = Path(runs[0].settings["PATH"]).resolve()
        for run in runs:
            run.move_output(self.output)
        self._reads_text = {}  # id of a run -> {template name: whether it shows the text of posts}

    @property
    def settings(self):
        return self.runs[0].settings

    def refresh(self, paths):
        """Render again what shows the edited ``paths``; raise FullBuildNeeded when that is not enough."""
        with _logs_held_back():
            return self._refresh(paths)

    def _refresh(self, paths):
        started = time.perf_counter()
        self._check_settings()
        relatives = [self._relative(path) for path in paths]
        edits = [edit for run in self.runs for edit in self._reread(run, relatives)]
        writers = []
        try:
            for edit in edits:
                edit.apply()
            for run in self.runs:
                own = [edit for edit in edits if edit.run is run]
                writers.append(self._render(run, [edit.old for edit in own],
                                            [edit.old for edit in own if edit.changes_card]))
            self._write_media()
            self._check_links(writers)
        except BaseException:
            # As it was: the files the writers replaced, the text of the objects.
            for writer in writers:
                writer.put_back()
            for edit in edits:
                edit.undo()
            raise
        return Refresh(
            changed=tuple(relatives), written=sorted(path for writer in writers for path in writer.changed),
            rendered=sum(writer.rendered for writer in writers),
            seconds=time.perf_counter() - started, follow_up=self._search_follow_up(),
            pages=tuple(sorted(name for writer in writers for name, _ in writer.html_pages)))

    # --- what may be refreshed

    def _check_settings(self):
        if self.settings.get("RELATIVE_URLS"):
            raise FullBuildNeeded("RELATIVE_URLS is on (each page's links depend on its place)")

    def _relative(self, path):
        path = Path(path).resolve()
        try:
            relative = path.relative_to(self.content_path).as_posix()
        except ValueError:
            raise FullBuildNeeded(f"{path} is not a content file") from None
        if not path.is_file():
            raise FullBuildNeeded(f"{relative} was removed")
        return relative

    def _reread(self, run, relatives):
        """An Edit per file this run had read; FullBuildNeeded for anything else."""
        edits = []
        for relative in relatives:
            old = run.context["generated_content"].get(relative)
            if type(old) not in READ_SIGNALS:
                raise FullBuildNeeded(f"{relative} is not a post or page this build read")
            new = _read_again(run, old, relative)
            _check_same_header(old, new, relative)
            _check_same_static_links(run, new, relative)
            _check_not_quoted(run, old, relative)
            edits.append(Edit(run, old, new))
        return edits

    # --- rendering

    def _render(self, run, touched, recarded):
        """Render the pages showing TOUCHED; those showing the card of a post in RECARDED too."""
        writer = SelectiveWriter(str(self.output), run.settings, touched, self._reads_text.setdefault(id(run), {}))
        if not touched:
            return writer
        articles = run.generator(ArticlesGenerator)
        if articles is not None:
            articles.generate_feeds(writer)
            # A post showing a touched post's small card (related posts), when what the card shows changed.
            quoting = _quoting(articles, writer.touched_ids, frozenset(map(id, recarded)))
            writer.quoting_ids = frozenset(map(id, quoting))
            _render_articles(articles, writer, touched + quoting)
            write = writer.write_file  # RELATIVE_URLS is off (checked): the writer's default
            showing = _ListsShowing(articles, writer.touched_ids)
            for lists in (ArticlesGenerator.generate_period_archives, ArticlesGenerator.generate_direct_templates,
                          ArticlesGenerator.generate_tags, ArticlesGenerator.generate_categories,
                          ArticlesGenerator.generate_authors):
                lists(showing, write)
        pages = run.generator(PagesGenerator)
        if pages is not None:
            pages.generate_output(writer)
        return writer

    def _write_media(self):
        """Resized copies of images the new text shows (the media plugin writes them at the end of a run)."""
        state = state_of(self.settings, PendingFiles)
        if state is not None:
            state.write_pending(lambda variant, message: _problem(f"{variant.source} {message}"))

    def _check_links(self, writers):
        build = build_of(self.settings)
        if build is None:
            return
        pages = [page for writer in writers for page in writer.pages_to_check(build)]
        before = len(build.problems.errors)
        build.check_links(self.output, pages, self.settings.get("SITEURL", ""))
        if len(build.problems.errors) > before:
            problem = build.problems.errors[-1]
            raise FullBuildNeeded(f"a link to check: {problem}")

    def _search_follow_up(self):
        state = state_of(self.settings, SiteIndex)
        return state.follow_up(self.output) if state is not None else None


@contextmanager
def _logs_held_back():
    """What is logged meanwhile reaches the log's handlers afterwards, unless FullBuildNeeded is
    raised: the full build reads and checks again and logs the same lines (a bad date said once)."""
    root = logging.getLogger()
    holding = _Holding()
    handlers, root.handlers = root.handlers, [holding]
    said_again = False
    try:
        yield
    except FullBuildNeeded:
        said_again = True
        raise
    finally:
        root.handlers = handlers
        if not said_again:
            holding.replay(handlers)


class _Holding(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def replay(self, handlers):
        for record in self.records:
            for handler in handlers:
                if record.levelno >= handler.level:  # as Logger.callHandlers does
                    handler.handle(record)


class _ListsShowing:
    """An ArticlesGenerator as its list-writing methods see it: only the tags, categories and
    authors listing a touched post (``ids``: their identities). Pelican orders each one's posts by
    date with ``[a for a in self.dates if a in articles]``, a scan of every post per list (about
    1 s a language at 5,000 posts); here the few lists left answer ``in`` from a set."""

    def __init__(self, generator, ids):
        self._generator = generator
        self.tags = dict(_listing(generator.tags.items(), ids))
        self.categories = list(_listing(generator.categories, ids))
        self.authors = list(_listing(generator.authors, ids))

    def __getattr__(self, name):
        return getattr(self._generator, name)


def _listing(groups, ids):
    for key, items in groups:
        if any(id(item) in ids for item in items):
            yield key, _PostList(items)


class _PostList(list):
    """The same posts, in the same order; ``in`` asks a set of their identities."""

    def __init__(self, items):
        super().__init__(items)
        self._ids = frozenset(map(id, items))

    def __contains__(self, item):
        return id(item) in self._ids


def _render_articles(generator, writer, touched):
    """The pages of the touched posts, as ArticlesGenerator writes them (a loop over every post
    only to skip them would cost more than the rest: each one's URL is worked out again)."""
    written = {id(item) for group in ("translations", "articles", "hidden_translations", "hidden_articles",
                                      "drafts_translations", "drafts") for item in getattr(generator, group)}
    for article in touched:
        if id(article) not in written:
            continue  # another language's post, written by its own run
        extra = {"all_articles": generator.articles} if article.status == "draft" else {}
        writer.write_file(article.save_as, generator.get_template(article.template), generator.context,
                          article=article, category=getattr(article, "category", None),
                          override_output=hasattr(article, "override_save_as"), url=article.url, blog=True, **extra)


def _quoting(generator, touched, ids):
    """The posts of this run (not among TOUCHED, rendered anyway) listing one of IDS among their
    ``related`` posts (plugins/related): their pages show its card."""
    found = {}
    for group in ("articles", "hidden_articles", "drafts"):
        for post in getattr(generator, group):
            if id(post) not in touched and any(id(other) in ids for other in getattr(post, "related", None) or ()):
                found[id(post)] = post
    return list(found.values())


def _problem(message):
    raise FullBuildNeeded(message)


def _read_again(run, old, relative):
    """The file read as the build read it: the same reader, signals and plugins."""
    generator_class, preread, context_signal = READ_SIGNALS[type(old)]
    generator = run.generator(generator_class)
    build = build_of(run.settings)
    problems_before = _problem_count(build)
    new = generator.readers.read_file(
        base_path=generator.path, path=relative, content_class=type(old), context=generator.context,
        preread_signal=preread, preread_sender=generator,
        context_signal=context_signal, context_sender=generator)
    if _problem_count(build) != problems_before:
        raise FullBuildNeeded(f"{relative} has a problem to report")
    return new


def _problem_count(build):
    return (len(build.problems.errors), len(build.problems.warnings)) if build is not None else (0, 0)


def _check_same_header(old, new, relative):
    """Whether ``new`` has ``old``'s metadata, and so differs only in its text.

    Pelican resolves the links of formatted fields (Summary) once every file is
    read, only for the items a run lists: ``new`` is compared as read, then
    resolved, and left in the state that matches.
    """
    as_read = dict(new.metadata)
    if old.metadata == new.metadata:
        return
    new.refresh_metadata_intersite_links()
    if old.metadata == new.metadata:
        return
    changed = sorted(key for key in {*old.metadata, *as_read} if old.metadata.get(key) != as_read.get(key))
    raise FullBuildNeeded(f"{relative}: its {', '.join(changed)} changed")


def _check_same_static_links(run, new, relative):
    """A link to a file no page linked before: the static generator has not copied it."""
    unseen = new.get_static_links() - run.context["static_links"]
    if unseen:
        raise FullBuildNeeded(f"{relative} links to {', '.join(sorted(unseen))}, not linked before")


def _check_not_quoted(run, old, relative):
    """Generators other than Pelican's may show the post; each says whether it does."""
    for generator in run.generators:
        if isinstance(generator, (ArticlesGenerator, PagesGenerator, StaticGenerator, TemplatePagesGenerator)):
            continue
        quotes = getattr(generator, "quotes", None)
        if quotes is None or quotes(old):
            raise FullBuildNeeded(f"{type(generator).__name__} may show {relative}")


# What a post's small card (related posts, theme/templates/_summary.html) shows that its text makes: the
# rest of the card (title, date, category, author, comment count) comes from the header or elsewhere.
CARD_FROM_TEXT = ("reading_minutes", "cover")


class Edit:
    """New text for an object every list points at; ``undo`` puts the old text back."""

    def __init__(self, run, old, new):
        self.run, self.old, self.new = run, old, new
        self._saved = {}

    def apply(self):
        for key, value in vars(self.new).items():
            if key in FILLED_IN_LATER:
                continue
            current = vars(self.old).get(key, _MISSING)
            if current is not value and current != value:
                self._saved[key] = current
                setattr(self.old, key, value)
        _forget_rendered(self.old)

    @property
    def changes_card(self):
        """Whether the new text changed what the post's small card shows (once applied)."""
        return any(key in self._saved for key in CARD_FROM_TEXT)

    def undo(self):
        for key, value in self._saved.items():
            if value is _MISSING:
                delattr(self.old, key)
            else:
                setattr(self.old, key, value)
        _forget_rendered(self.old)


_MISSING = object()


def _forget_rendered(item):
    """Pelican memoizes get_content and get_summary per (object, site URL), for every object at once."""
    for method in (Content.get_content, Content.get_summary):
        for key in [key for key in method.cache if key and key[0] is item]:
            del method.cache[key]


# ---------------------------------------------------------------- writing


class SelectiveWriter(Writer):
    """Pelican's writer, rendering only the pages and feeds handed one of ``touched``.

    Writes a file only when its bytes change, atomically, and remembers what
    it replaced (``put_back``). Sends no content_written signal: the pages
    already exist, and the plugins listening (sitemaps, search) recorded them
    during the full build.
    """

    def __init__(self, output_path, settings, touched, reads_text=None):
        super().__init__(output_path, settings=settings)
        self.touched = list(touched)
        self.touched_ids = frozenset(map(id, self.touched))  # content objects compare by identity
        self.rendered = 0
        self.changed = []
        self._replaced = {}  # absolute path -> previous bytes (None: there was no file)
        self.html_pages = []   # (output-relative path, the content object the page renders, or None)
        self._reads_text = {} if reads_text is None else reads_text  # template name -> shows text of posts
        self.quoting_ids = frozenset()  # posts whose page shows a touched post's card: rendered too

    def _shows(self, items):
        return any(id(item) in self.touched_ids for item in items)

    def _shows_text(self, template):
        return _reads_text(template.environment, template.name, self._reads_text)

    def write_feed(self, elements, context, path=None, url=None, feed_type="atom",
                   override_output=False, feed_title=None):
        if not self._shows(elements[: self.settings["FEED_MAX_ITEMS"]]):
            return None
        self.rendered += 1
        return super().write_feed(elements, context, path, url, feed_type, override_output, feed_title)

    def write_file(self, name, template, context, relative_urls=False, paginated=None,
                   template_name=None, override_output=False, url=None, **kwargs):
        if not name:
            return
        item = kwargs.get("article") or kwargs.get("page")
        lists = paginated if paginated is not None else {k: v for k, v in kwargs.items() if k in ("articles", "dates")}
        if item is not None and (self._shows([item]) or id(item) in self.quoting_ids):
            self._render(name, template, context, kwargs, item)
        elif not lists or not self._shows_text(template):
            return  # titles, dates and addresses did not change: a list of them neither
        elif template_name in self.settings["PAGINATED_TEMPLATES"]:
            self._render_pages_showing(name, template, context, lists, template_name, url, kwargs)
        elif any(self._shows(items) for items in lists.values()):
            self._render(name, template, context, kwargs, None)

    def _render_pages_showing(self, name, template, context, lists, template_name, url, kwargs):
        per_page = self.settings["PAGINATED_TEMPLATES"][template_name] or self.settings["DEFAULT_PAGINATION"]
        paginators = {key: Paginator(name, url, items, self.settings, per_page) for key, items in lists.items()}
        count = next(iter(paginators.values())).num_pages
        for number in self._page_numbers_showing(paginators, count):
            pages = {key: paginator.page(number) for key, paginator in paginators.items()}
            if not any(self._shows(page.object_list) for page in pages.values()):
                continue
            values = dict(kwargs)
            for key, paginator in paginators.items():
                values.update({
                    f"{key}_paginator": paginator,
                    f"{key}_page": pages[key],
                    f"{key}_previous_page": paginator.page(number - 1) if number > 1 else None,
                    f"{key}_next_page": paginator.page(number + 1) if number < count else None,
                })
            self._render(next(iter(pages.values())).save_as, template, context, values, None)

    def _page_numbers_showing(self, paginators, count):
        """The numbers of the pages that may hold a touched item (each is checked after), in order.
        Page n holds items from (n - 1) * per_page; the last one also takes the orphans."""
        numbers = set()
        for paginator in paginators.values():
            if paginator.per_page < 1:
                return range(1, count + 1)
            numbers.update(min(index // paginator.per_page + 1, count)
                           for index, item in enumerate(paginator.object_list) if id(item) in self.touched_ids)
        return sorted(numbers)

    def _render(self, name, template, context, values, item):
        local = dict(context)
        local["localsiteurl"] = local.get("localsiteurl")
        local["output_file"] = name
        local.update(values)
        if local["localsiteurl"]:
            context["localsiteurl"] = local["localsiteurl"]
        self.rendered += 1
        path = os.path.join(self.output_path, name)
        with self._open_w(path, "utf-8") as stream:
            stream.write(template.render(local))
        if name.endswith(".html"):
            self.html_pages.append((name, item))

    def _open_w(self, filename, encoding, override=False):
        return WrittenOnClose(encoding, lambda data: self.keep(filename, data))

    def keep(self, path, data):
        """Write ``data`` to ``path`` unless it holds it already."""
        try:
            previous = Path(path).read_bytes()
        except FileNotFoundError:
            previous = None
        if previous == data:
            return
        self._replaced.setdefault(path, previous)
        write_aside(path, data, permissions=0o644, durable=True)
        self.changed.append(os.path.relpath(path, self.output_path).replace(os.sep, "/"))

    def put_back(self):
        """Every file as it was before this writer."""
        for path, previous in self._replaced.items():
            if previous is None:
                os.unlink(path)
            else:
                write_aside(path, previous, permissions=0o644, durable=True)

    def pages_to_check(self, build):
        """The HTML pages rendered, as the link check takes them."""
        return [_PageToCheck(path=name, source=build.relative_path(item.source_path) if item is not None else None)
                for name, item in self.html_pages]


# How a template reaches the text of a post or page, or a value made from it: article.summary,
# page.content, the reading time post_meta counts from the text, the cover it may take from it...
TEXT_DERIVED = "summary|content|get_summary|get_content|reading_minutes|cover"
TEXT_ATTRIBUTE = re.compile(rf"""\.(?:{TEXT_DERIVED})\b|\[\s*['"](?:{TEXT_DERIVED})['"]\s*\]""")


def _reads_text(environment, name, known):
    """Whether template ``name``, or one it extends or includes, reads the text of posts (summary or
    content). ``known`` keeps the answers (name -> bool); a template being looked at counts as no."""
    if name is None:
        return True  # a template chosen while rendering: it may
    if name not in known:
        known[name] = False  # for now: a template including itself
        try:
            source = environment.loader.get_source(environment, name)[0]
        except TemplateNotFound:
            known[name] = True
            return True
        names = jinja2.meta.find_referenced_templates(environment.parse(source))
        known[name] = bool(TEXT_ATTRIBUTE.search(source)) or any(_reads_text(environment, n, known) for n in names)
    return known[name]


@dataclass
class _PageToCheck:
    path: str
    source: str | None
