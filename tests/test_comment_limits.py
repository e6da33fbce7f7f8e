"""Comments that would swamp or garble a page: Markdown that expands to megabytes
of HTML is cut to COMMENTS['max_comment_bytes'] (well-formed, still sanitised,
with a link to the live thread and one warning), and a right-to-left override
in a commenter's name cannot flip the text around it.

The comments come from the comments cache (COMMENTS['fetch'] off), holding what
Isso answers for such comments; the site is built for real and its pages and
comment feeds are parsed."""

import json
import logging
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from conftest import comments_setting
from small_project import SmallProject

SITE = "https://elise-marchand.example"
ISSO = "http://127.0.0.1:9/"  # never asked: fetch is off
THREAD = "article-a-commenter"
PAGES = {"fr": "article-a-commenter/", "en": "en/post-to-comment-on/"}
ATOM = "{http://www.w3.org/2005/Atom}"
LIMIT = 20000

# What Isso renders for 64 KB of "[a] " against one long reference link.
LINK = '<a href="https://example.org/' + "x" * 150 + '" rel="nofollow noopener">a</a>'
EXPANDED = "<p>" + " ".join([LINK] * 16000) + "</p>"
# Plain text, but long: entities and multi-byte letters all the way.
LONG_TEXT = "<blockquote><p>" + "Tom &amp; Jerry &lt;3 café — " * 1200 + "</p></blockquote>"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# Shows as "Mallory exe.png" once the override flips what follows it.
SPOOFED_NAME = "Mallory \u202egnp.exe"

RECORDS = [
    {"id": 1, "author": "Ana", "created": "2025-02-01T10:00:00+00:00", "html": EXPANDED},
    {"id": 2, "author": SPOOFED_NAME, "website": "https://mallory.example/", "created": "2025-02-01T11:00:00+00:00",
     "html": "<p>Court et net.</p>"},
    {"id": 3, "parent": 1, "author": "Élise", "created": "2025-02-01T12:00:00+00:00", "html": "<p>Merci Ana.</p>"},
    {"id": 4, "author": "Tom" + BIDI_CONTROLS + " Jerry", "created": "2025-02-01T13:00:00+00:00", "html": LONG_TEXT},
]


def cached_project(folder, records=RECORDS, **changes):
    """A small project whose comments cache holds ``records`` for its thread; returns (project, COMMENTS)."""
    project = SmallProject(folder)
    cache = project.folder / "cache/comments.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    entry = {"fetched": "2025-02-02T00:00:00+00:00", "comments": records}
    cache.write_text(json.dumps({"source": ISSO, "threads": {THREAD: entry}}), encoding="utf-8")
    return project, comments_setting(cache, isso={"url": ISSO}, fetch=False, **changes)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The project built once; (project, report, warning lines)."""
    project, setting = cached_project(tmp_path_factory.mktemp("limits"))
    handler = Collect()
    logging.getLogger().addHandler(handler)
    try:
        report = project.build(SITEURL=SITE, FEED_DOMAIN=SITE, COMMENTS=setting)
    finally:
        logging.getLogger().removeHandler(handler)
    return project, report, handler.warnings


class Collect(logging.Handler):
    """The warnings a module-scoped build logs (caplog is per test)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.warnings = []

    def emit(self, record):
        self.warnings.append(record.getMessage())


def raw_comment_html(page_text, comment_id):
    """The comment's text exactly as written in the page (comment HTML holds no <div>)."""
    start = page_text.index(f'id="comment-{comment_id}"')
    start = page_text.index('<div class="comment-text">', start) + len('<div class="comment-text">')
    return page_text[start:page_text.index("</div>", start)]


def feed_entries(project, page):
    """{comment id: (author name, title, content HTML)} of the page's comment feed."""
    root = ET.fromstring((project.output / page / "comments.xml").read_bytes())
    entries = {}
    for entry in root.findall(f"{ATOM}entry"):
        comment_id = entry.find(f"{ATOM}link").get("href").rsplit("#comment-", 1)[1]
        entries[comment_id] = (entry.find(f"{ATOM}author/{ATOM}name").text, entry.find(f"{ATOM}title").text,
                               entry.find(f"{ATOM}content").text)
    return entries


class Balance(HTMLParser):
    """Fails on what a cut must never leave: an element closed out of order or left
    open, a tag or entity cut in half, a tag or attribute the sanitiser refuses."""

    VOID = {"br"}

    def __init__(self, html):
        from comments.sanitize import ATTRIBUTES, TAGS

        super().__init__(convert_charrefs=False)
        self.allowed = TAGS
        self.attributes = {name: {*names, "rel"} for name, names in ATTRIBUTES.items()}
        self.open = []
        self.feed(html)
        self.close()
        assert self.open == [], f"left open: {self.open}"
        assert not self.rawdata, f"unfinished at the end: {self.rawdata[:40]!r}"

    def handle_starttag(self, tag, attrs):
        assert tag in self.allowed, tag
        assert {name for name, _ in attrs} <= self.attributes.get(tag, set()), (tag, attrs)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, f"</{tag}> out of order"

    def handle_data(self, data):
        assert "&" not in data and "<" not in data, f"broken markup in text: {data[:40]!r}"

    def handle_entityref(self, name):
        assert name in ("amp", "lt", "gt", "quot", "nbsp"), name

    def handle_charref(self, name):
        pass


def assert_well_formed_and_clean(html):
    from comments.sanitize import clean_html

    Balance(html)
    assert clean_html(html) == html  # the sanitiser finds nothing to change


# --- The cap ------------------------------------------------------------------------------

def test_an_expanding_comment_is_cut_in_the_pages(built):
    project, _, _ = built
    for lang, page in PAGES.items():
        text = (project.output / page / "index.html").read_text(encoding="utf-8")
        assert len(text.encode()) < 100_000  # was 3.4 MB
        cut = raw_comment_html(text, 1)
        assert LIMIT - len(LINK) - 20 < len(cut.encode()) <= LIMIT
        assert_well_formed_and_clean(cut)
        assert cut.startswith('<p><a href="https://example.org/xxx') and cut.endswith("</a></p>")
        comment = project.page(page).find(id="comment-1")
        links = comment.select_one(".comment-text").find_all("a")
        assert links and all(a.get_text() == "a" and a["href"] == f"https://example.org/{'x' * 150}" for a in links)
        live = comment.select_one(".comment-cut a")
        assert live["href"] == f"{SITE}/{page}#isso-1"  # where Isso's widget shows it whole
        # What follows the cut comment is untouched.
        assert comment.select_one(".comment-replies #comment-3 .comment-text").decode_contents() == "<p>Merci Ana.</p>"


def test_a_long_text_is_cut_between_words_never_inside_an_entity(built):
    project, _, _ = built
    text = (project.output / PAGES["fr"] / "index.html").read_text(encoding="utf-8")
    cut = raw_comment_html(text, 4)
    assert len(cut.encode()) <= LIMIT and cut.startswith("<blockquote><p>Tom &amp; Jerry")
    assert cut.endswith("</p></blockquote>")
    assert_well_formed_and_clean(cut)
    last_words = cut[:-len("</p></blockquote>")].rstrip()
    assert LONG_TEXT.startswith(last_words)  # a prefix of the text: nothing rewritten
    assert text.count("comment-cut") == 2


def test_short_comments_are_written_as_they_came(built):
    project, _, _ = built
    text = (project.output / PAGES["fr"] / "index.html").read_text(encoding="utf-8")
    assert raw_comment_html(text, 2) == "<p>Court et net.</p>"
    assert project.page(PAGES["fr"]).find(id="comment-2").select_one(".comment-cut") is None


def test_the_comment_feeds_carry_the_cut_text_and_the_live_link(built):
    project, _, _ = built
    for page in PAGES.values():
        assert (project.output / page / "comments.xml").stat().st_size < 100_000
        entries = feed_entries(project, page)
        html = entries["1"][2]
        assert_well_formed_and_clean(html)
        body, note = html.rsplit("<p><em>", 1)  # the note, after the comment's own HTML
        assert len(body.encode()) <= LIMIT and body.startswith("<p><a href=")
        assert f'href="{SITE}/{page}#isso-1"' in note
        assert len(entries["4"][2].encode()) < LIMIT + 300
        assert entries["2"][2] == "<p>Court et net.</p>"


def test_each_cut_is_one_warning_naming_the_thread_and_the_comment(built):
    _, report, warnings = built
    cut = [line for line in warnings if "max_comment_bytes" in line]
    assert len(cut) == 2 and report.warnings == 2, warnings  # once per comment, not once per language
    first = next(line for line in cut if "comment 1:" in line)
    assert first.startswith("comments: isso: thread 'article-a-commenter', comment 1: ")
    assert f"{len(EXPANDED.replace('nofollow noopener', 'nofollow ugc noopener').encode())} bytes of HTML" in first
    assert any("comment 4:" in line for line in cut)


def test_the_cap_is_a_setting(tmp_path):
    project, setting = cached_project(tmp_path, max_comment_bytes=2000)
    project.build(COMMENTS=setting)
    text = (project.output / PAGES["fr"] / "index.html").read_text(encoding="utf-8")
    for comment_id in (1, 4):
        cut = raw_comment_html(text, comment_id)
        assert 1000 < len(cut.encode()) <= 2000
        assert_well_formed_and_clean(cut)


def test_a_closed_thread_says_the_comment_was_cut_without_a_dead_link(tmp_path):
    project, setting = cached_project(tmp_path)
    project.write("content/posts/fr/article-a-commenter.md",
                  (project.folder / "content/posts/fr/article-a-commenter.md").read_text().replace(
                      "Slug: article-a-commenter\n", "Slug: article-a-commenter\nComments: closed\n"))
    project.build(COMMENTS=setting)
    note = project.page(PAGES["fr"]).find(id="comment-1").select_one(".comment-cut")
    assert note.get_text(strip=True) == "Ce commentaire est trop long pour être affiché ici en entier."
    assert note.find("a") is None  # Isso's widget, where it could be read whole, is not on a closed thread's page


def test_the_comment_of_the_issue_through_a_real_isso(tmp_path):
    """64 KB of "[a] " against one long reference link, posted to Isso, which renders it."""
    from publisher.comment_server import IssoServer
    from test_comments import post_comment

    project = SmallProject(tmp_path)
    text = "[a] " * 16000 + "\n\n[a]: https://example.org/" + "x" * 150
    with IssoServer(tmp_path / "isso", [SITE], {"guard.enabled": "false"}) as isso:
        posted = post_comment(isso, THREAD, author=SPOOFED_NAME, text=text)
        report = project.build(SITEURL=SITE, FEED_DOMAIN=SITE,
                               # Isso renders the Markdown again at each read: seconds for this one.
                               COMMENTS=comments_setting(tmp_path / "cache.json", isso={"url": isso.url},
                                                         timeout=120, total_timeout=240))
    assert report.warnings == 1
    page = (project.output / PAGES["fr"] / "index.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 100_000
    cut = raw_comment_html(page, posted["id"])
    assert len(cut.encode()) <= LIMIT
    assert_well_formed_and_clean(cut)
    assert project.page(PAGES["fr"]).select_one(".comment-author bdi").get_text() == SPOOFED_NAME
    [(author, title, html)] = feed_entries(project, PAGES["fr"]).values()
    assert author == "Mallory gnp.exe" and len(html.encode()) < LIMIT + 300


@pytest.mark.parametrize("value", ["20 KB", 0, -5, True, 2.5])
def test_a_bad_cap_is_named(tmp_path, value):
    from sitekit.settings import SettingsError as CommentsSettingsError

    project, setting = cached_project(tmp_path, max_comment_bytes=value)
    with pytest.raises(CommentsSettingsError) as error:
        project.build(COMMENTS=setting)
    assert str(error.value) == ("COMMENTS['max_comment_bytes'] must be a whole number of bytes above 0 "
                                f"(the most HTML one comment may show), e.g. 20000, not {value!r}")


def test_cutting_keeps_elements_whole_at_any_size():
    """Every limit, on nested markup, entities and multi-byte text: never over, always well-formed."""
    from comments.sanitize import clean_html, cut_html

    html = clean_html("<blockquote><p>Un <em>mot &amp; <strong>deux</strong></em> café &lt;3</p>"
                      "<ul><li>é<br>è</li><li><a href='https://example.org/?a=1&amp;b=2'>lien</a></li></ul></blockquote>"
                      "<pre><code>x &gt; y</code></pre>")
    for limit in range(0, len(html.encode()) + 2):
        cut = cut_html(html, limit)
        assert len(cut.encode()) <= limit, (limit, cut)
        if cut:
            assert_well_formed_and_clean(cut)
    assert cut_html(html, len(html.encode())) == html


# --- Names written right to left ------------------------------------------------------------

def test_names_are_isolated_in_the_pages(built):
    project, _, _ = built
    for page in PAGES.values():
        comments = project.page(page)
        author = comments.find(id="comment-2").select_one(".comment-author")
        link = author.find("a", href="https://mallory.example/")
        assert link.bdi.get_text() == SPOOFED_NAME  # shown as given, inside its own isolate
        for name in comments.select(".comment-author"):
            assert name.find("bdi") is not None and name.get_text(strip=True) == name.bdi.get_text(strip=True)


def test_bidi_controls_are_stripped_from_names_in_the_feeds(built):
    project, _, _ = built
    for page in PAGES.values():
        entries = feed_entries(project, page)
        assert entries["2"][0] == "Mallory gnp.exe"
        assert entries["4"][0] == "Tom Jerry"
        for author, title, _ in entries.values():
            assert not set(author + title) & set(BIDI_CONTROLS), (author, title)
        assert entries["2"][1].startswith("Mallory gnp.exe ")


def test_a_name_of_controls_only_is_anonymous(tmp_path):
    record = {"id": 9, "author": "\u202e\u2067\u200f", "created": "2025-02-01T10:00:00+00:00", "html": "<p>Qui ?</p>"}
    project, setting = cached_project(tmp_path, records=[record])
    project.build(SITEURL=SITE, FEED_DOMAIN=SITE, COMMENTS=setting)
    assert project.page(PAGES["fr"]).find(id="comment-9").select_one(".comment-author").get_text(strip=True) == "Anonyme"
    assert feed_entries(project, PAGES["en"])["9"][0] == "Anonymous"


@pytest.mark.browser
def test_names_of_replies_loaded_in_the_browser_are_isolated_too(browser, tmp_path):
    """Mastodon's newest replies are written by comments.js after the reader's click."""
    from playwright.sync_api import expect

    from fake_mastodon import TOOT_ID, FakeMastodon, status
    from publisher.local_server import LocalServer

    with FakeMastodon(replies=[status("113000000000000005", TOOT_ID, SPOOFED_NAME, "<p>Bonjour</p>")]) as instance:
        project = SmallProject(tmp_path, original_extra=f"Mastodon: {instance.toot_url}\n")
        setting = comments_setting(tmp_path / "cache.json", provider="mastodon", mastodon={"instance": instance.url})
        with LocalServer(project.output) as server:
            server.start()
            project.build(SITEURL=server.url, FEED_DOMAIN=server.url, COMMENTS=setting)
            instance.replies.append(status("113000000000000006", TOOT_ID, "Nour\u202e", "<p>Réponse du jour</p>"))
            page = browser.new_page()
            try:
                page.goto(server.url + "/" + PAGES["fr"])
                page.get_by_role("button", name="Afficher les commentaires").click()
                expect(page.locator(".comment-list")).to_contain_text("Réponse du jour")
                names = page.locator(".comment-meta bdi").all_text_contents()
            finally:
                page.close()
    assert names == [SPOOFED_NAME, "Nour\u202e"]
