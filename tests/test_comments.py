"""Comments: a real Isso server on loopback, the sample site built against it,
and what readers get: comments in the page (safe), counts on lists, a feed per
post, a build that survives a stopped or silent server."""

import json
import logging
import socket
from urllib.parse import parse_qs

import feedparser
import pytest
import requests
from bs4 import BeautifulSoup

from conftest import build_sample, comments_setting
from fake_mastodon import TOOT_ID, FakeMastodon
from publisher.build import ContentErrors
from publisher.comment_server import IssoServer
from small_project import SmallProject

SITE = "https://elise-marchand.example"
THREAD = "strategie-editoriale-en-5-etapes"  # the French original's file name
POST_FR = "strategie-editoriale-en-5-etapes/"
POST_EN = "en/editorial-strategy-in-5-steps/"

HOSTILE = [
    {"author": "Mallory <b>", "website": "https://mallory.example/?a=1&b=2",
     "text": "Hello <script>alert('script')</script> there"},
    {"author": "Eve", "text": 'Look: <img src="x" onerror="alert(\'img\')"> nice'},
    {"author": "Trudy", "text": "[click me](javascript:alert('link')) and [a real one](https://example.org/)"},
]


def post_comment(isso, thread, origin=SITE, **fields):
    """A comment posted the way Isso's widget does it: JSON, with the site as Origin. Isso renders the text
    first: 64 KB of Markdown takes it seconds, many more on a busy machine (the timeout only stops a hang)."""
    response = requests.post(isso.url + "new", params={"uri": thread}, json={"title": "Un article", **fields},
                             headers={"Origin": origin}, timeout=300)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def commented(tmp_path_factory):
    """The sample site built while Isso holds three hostile comments and a reply on one post."""
    folder = tmp_path_factory.mktemp("commented")
    with IssoServer(folder / "isso", [SITE], {"guard.enabled": "false"}) as isso:
        ids = [post_comment(isso, THREAD, **comment)["id"] for comment in HOSTILE]
        post_comment(isso, THREAD, author="Élise", text="Merci à vous trois !", parent=ids[0])
        setting = comments_setting(folder / "comments.json", isso={"url": isso.url})
        build_sample(folder / "output", COMMENTS=setting)
    from conftest import Site

    return Site(folder / "output", None)


def comment_section(site, page):
    return site.html(page).find("section", id="comments")


def test_comments_are_written_into_the_post_and_its_translation(commented):
    for page in (POST_FR, POST_EN):  # one thread per translation pair (the default)
        section = comment_section(commented, page)
        authors = [a.get_text(strip=True) for a in section.select(".comment-author")]
        assert authors == ["Mallory <b>", "Élise", "Eve", "Trudy"]
        reply = section.select_one(".comment-replies .comment")
        assert "Merci à vous trois" in reply.get_text()
    assert comment_section(commented, POST_FR).h2.get_text() == "4 commentaires"
    assert comment_section(commented, POST_EN).h2.get_text() == "4 comments"


def test_hostile_comments_are_shown_as_text_and_cannot_run(commented):
    section = comment_section(commented, POST_FR).select_one(".comment-list")
    text = section.get_text()
    assert "<script>alert('script')</script>" in text
    assert "onerror=" in text  # shown as written, not an attribute
    assert section.find("script") is None and section.find("img") is None
    for element in section.find_all(True):
        assert not any(name.lower().startswith("on") for name in element.attrs), element
    hrefs = [a.get("href", "") for a in section.find_all("a")]
    assert not any(href.strip().lower().startswith("javascript:") for href in hrefs)
    assert "https://example.org/" in hrefs


@pytest.mark.parametrize("html, text", [
    ('<p onclick="alert(1)">un clic</p>', "un clic"),
    ('<a href="https://example.org/" onmouseover="alert(2)">survol</a>', "survol"),
    ('<div style="position:fixed;inset:0">tout l’écran</div>', "tout l’écran"),
    ('<span style="color:red" onfocus="alert(3)" tabindex="1">rouge</span>', "rouge"),
    ('<em onerror="alert(4)">mis en avant</em>', "mis en avant"),
    ('<blockquote onload="alert(5)" style="font-size:90px"><p>cité</p></blockquote>', "cité"),
], ids=["p-onclick", "a-onmouseover", "div-style", "span-style-onfocus", "em-onerror", "blockquote-onload-style"])
def test_handlers_and_styles_are_removed_from_every_tag(html, text):
    """Any tag a commenter may use keeps no event handler and no style (a style can cover the page)."""
    from comments.sanitize import clean_html

    soup = BeautifulSoup(clean_html(html), "html.parser")
    assert soup.get_text() == text
    kept = {name for element in soup.find_all(True) for name in element.attrs}
    assert not {name for name in kept if name.lower().startswith("on") or name.lower() == "style"}, kept
    assert kept <= {"href", "rel"}, kept


def test_commenters_links_are_marked_as_user_content(commented):
    section = comment_section(commented, POST_FR)
    website = section.find("a", href="https://mallory.example/?a=1&b=2")
    assert website is not None and {"nofollow", "ugc"} <= set(website["rel"])
    in_text = section.select_one('.comment-text a[href="https://example.org/"]')
    assert {"nofollow", "ugc"} <= set(in_text["rel"])


def test_comment_counts_show_on_the_lists(commented):
    for home, label in (("", "4 commentaires"), ("en/", "4 comments")):
        counted = [(count.get_text(), count.find_parent("article").select_one(".card-title a")["href"].rsplit("/", 2)[-2])
                   for count in commented.html(home).select(".card .meta .card-comments")]
        assert counted == [(label, POST_FR.strip("/") if home == "" else POST_EN.split("/")[1])]


def test_each_post_has_a_comment_feed_linked_from_it(commented):
    for page, title_word in ((POST_FR, "Commentaires sur"), (POST_EN, "Comments on")):
        soup = commented.html(page)
        link = soup.find("link", rel="alternate", type="application/atom+xml", title=lambda t: t and title_word in t)
        visible = soup.select_one(".comments-feed a")
        assert link["href"] == visible["href"] == f"{SITE}/{page}comments.xml"
        feed = feedparser.parse((commented.output / page / "comments.xml").read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.title.startswith(title_word)
        assert [entry.author for entry in feed.entries] == ["Mallory <b>", "Eve", "Trudy", "Élise"]
        assert all(entry.link.startswith(f"{SITE}/{page}#comment-") for entry in feed.entries)
        assert len({entry.id for entry in feed.entries}) == 4
        first = feed.entries[0].content[0].value
        assert "&lt;script&gt;" in first and "<script" not in first


def test_isso_widget_loads_without_a_click_in_the_page_language(commented):
    for page, lang in ((POST_FR, "fr"), (POST_EN, "en")):
        soup = commented.html(page)
        thread = soup.find(id="isso-thread")
        assert thread["data-isso-id"] == THREAD
        assert thread["data-comments-load"] == "near" and soup.select("[data-comments-consent]") == []
        script = json.loads(thread["data-script"])
        assert script["data-isso-lang"] == lang and script["src"].endswith("/js/embed.min.js")


# --- A comment server that is down or silent ------------------------------------------

@pytest.fixture
def project(tmp_path):
    return SmallProject(tmp_path)


def isso_setting(project, url, **changes):
    return comments_setting(project.folder / "cache/comments.json", isso={"url": url}, **changes)


def build_with_fetched_comment(project):
    """Post a comment, build (which caches it), then stop the server."""
    isso = IssoServer(project.folder / "isso", [SITE], {"guard.enabled": "false"}).start()
    try:
        post_comment(isso, "article-a-commenter", author="Ana", text="Premier commentaire")
        project.build(COMMENTS=isso_setting(project, isso.url))
    finally:
        isso.stop()
    assert "Premier commentaire" in project.page("article-a-commenter/").get_text()
    return isso.url


def error_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]


def warnings_about_comments(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "comments" in r.getMessage()]


def test_a_stopped_server_warns_once_and_the_cached_comments_stay(project, caplog):
    url = build_with_fetched_comment(project)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        report = project.build(COMMENTS=isso_setting(project, url))
    [warning] = warnings_about_comments(caplog)
    assert warning.startswith("comments: isso: cannot reach ") and "refused" in warning
    assert "comments last fetched" in warning
    assert report.warnings == 1
    for page in ("article-a-commenter/", "en/post-to-comment-on/"):
        assert "Premier commentaire" in project.page(page).find(id="comments").get_text()


def test_a_server_that_never_answers_is_given_up_after_its_timeout(project, caplog):
    url = build_with_fetched_comment(project)
    # The same address now accepts connections and never answers.
    silent = socket.create_server(("127.0.0.1", int(url.rstrip("/").rsplit(":", 1)[1])))
    try:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            project.build(COMMENTS=isso_setting(project, url, timeout=0.3, total_timeout=1))
    finally:
        silent.close()
    [warning] = warnings_about_comments(caplog)
    assert "no answer from" in warning and "0.3 s" in warning
    assert "Premier commentaire" in project.page("article-a-commenter/").get_text()


def test_fetch_false_asks_nothing_and_shows_the_cached_comments(project, caplog):
    url = build_with_fetched_comment(project)
    listening = socket.create_server(("127.0.0.1", int(url.rstrip("/").rsplit(":", 1)[1])))
    listening.setblocking(False)
    try:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            report = project.build(COMMENTS=isso_setting(project, url, fetch=False))
        with pytest.raises(BlockingIOError):
            listening.accept()  # nobody connected
    finally:
        listening.close()
    assert report.warnings == 0 and not warnings_about_comments(caplog)
    assert "Premier commentaire" in project.page("article-a-commenter/").get_text()


def test_a_first_build_without_server_or_cache_still_publishes(project, caplog):
    with caplog.at_level(logging.WARNING):
        report = project.build(COMMENTS=isso_setting(project, "http://127.0.0.1:9/"))
    assert report.warnings == 1
    assert "none yet" in warnings_about_comments(caplog)[0]
    assert project.page("article-a-commenter/").find(id="comments").h2.get_text() == "Commentaires"


class OddServer:
    """A comment server on loopback that answers what the test says: JSON of odd
    shapes, or a body trickled one byte at a time."""

    def __init__(self, answers, trickle=False):
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        asked = self.asked = []   # (method, path, query, body) of each request, in order

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, request_body=b""):
                path, _, query = self.path.partition("?")
                asked.append((self.command, path, parse_qs(query), request_body))
                body = answers.get(path, b"{}")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for byte in (body if trickle else [body]):
                    self.wfile.write(bytes([byte]) if trickle else byte)
                    self.wfile.flush()
                    if trickle:
                        time.sleep(0.2)  # the server is slow; the test waits for nothing

            def do_GET(self):
                self._answer()

            def do_POST(self):
                self._answer(self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


GOOD_ONE = (b'{"replies": [{"id": 8, "mode": 1, "created": 1700000000, "text": "<p>the good one</p>",'
            b' "replies": {"no": 1}}]}')


@pytest.mark.parametrize("thread, shown", [
    (b'{"replies": null}', []),
    (b'{"replies": 3}', []),
    (b'[1, 2]', []),
    (b'{"replies": [{"mode": 1}, "junk", {"id": "a b", "mode": 1, "created": 1, "text": "bad id"},'
     b' {"id": 7, "mode": 1, "created": 1e300, "text": "far future"},'
     b' {"id": 8, "mode": 1, "created": 1700000000, "text": "<p>the good one</p>", "replies": {"no": 1}}]}',
     ["the good one"]),
], ids=["null-replies", "number-replies", "a-list", "junk-among-replies"])
def test_answers_of_odd_shapes_never_break_the_build(project, thread, shown):
    server = OddServer({"/count": b"[1]", "/": thread})   # one thread, said to hold a comment
    try:
        project.build(COMMENTS=isso_setting(project, server.url))
    finally:
        server.close()
    section = project.page("article-a-commenter/").find(id="comments")
    assert [text.get_text() for text in section.select(".comment-text")] == shown


SECOND_POST = """\
Title: Un second article
Date: 2025-02-03 09:30
Lang: fr
Slug: second-article

D’autres mots.
"""


def threads_asked(server):
    """The thread keys of the count request, and the threads then fetched one by one."""
    [counted] = [json.loads(body) for method, path, query, body in server.asked if path == "/count"]
    fetched = [query["uri"][0] for method, path, query, body in server.asked if method == "GET" and path == "/"]
    return counted, fetched


@pytest.mark.parametrize("count", [b'{"article-a-commenter": 1}', b"[1]", b"[1, 1, 1]", b'"2"', b"null"],
                         ids=["an-object", "too-short", "too-long", "a-string", "null"])
def test_an_odd_count_asks_every_thread_and_shows_its_comments(project, count):
    """The count is only a shortcut: when it makes no sense, every thread is fetched."""
    project.write("content/posts/fr/second-article.md", SECOND_POST)   # two threads: [1] is one too few
    server = OddServer({"/count": count, "/": GOOD_ONE})
    try:
        project.build(COMMENTS=isso_setting(project, server.url))
    finally:
        server.close()
    counted, fetched = threads_asked(server)
    assert sorted(counted) == sorted(fetched) == ["article-a-commenter", "second-article"]
    for page in ("article-a-commenter/", "en/post-to-comment-on/", "second-article/"):
        section = project.page(page).find(id="comments")
        assert [text.get_text() for text in section.select(".comment-text")] == ["the good one"], page


def test_a_server_that_trickles_its_answer_meets_the_total_timeout(project, caplog):
    server = OddServer({"/count": b"[0, 0]" + b" " * 100}, trickle=True)
    try:
        with caplog.at_level(logging.WARNING):
            project.build(COMMENTS=isso_setting(project, server.url, timeout=0.5, total_timeout=1))
    finally:
        server.close()
    [warning] = warnings_about_comments(caplog)
    assert "gave up after 1 s in all" in warning


# --- Per-post settings and thread ids ---------------------------------------------------

def test_a_renamed_slug_keeps_its_thread(tmp_path):
    project = SmallProject(tmp_path)
    with IssoServer(tmp_path / "isso", [SITE], {"guard.enabled": "false"}) as isso:
        post_comment(isso, "article-a-commenter", author="Ana", text="Toujours là")
        setting = isso_setting(project, isso.url)
        project.build(COMMENTS=setting)
        source = project.folder / "content/posts/fr/article-a-commenter.md"
        source.write_text(source.read_text().replace("Slug: article-a-commenter", "Slug: nouveau-nom"))
        translation = project.folder / "content/posts/en/post-to-comment-on.md"
        translation.write_text(translation.read_text().replace("Translation-Of: article-a-commenter",
                                                               "Translation-Of: nouveau-nom"))
        project.build(COMMENTS=setting)
    page = project.page("nouveau-nom/")
    assert page.find(id="isso-thread")["data-isso-id"] == "article-a-commenter"
    assert "Toujours là" in page.find(id="comments").get_text()


def test_one_thread_per_language_when_asked(tmp_path):
    project = SmallProject(tmp_path)
    with IssoServer(tmp_path / "isso", [SITE], {"guard.enabled": "false"}) as isso:
        post_comment(isso, "article-a-commenter", author="Ana", text="En français")
        post_comment(isso, "article-a-commenter/en", author="Bob", text="In English")
        project.build(COMMENTS=isso_setting(project, isso.url, thread_per="language"))
    french, english = project.page("article-a-commenter/"), project.page("en/post-to-comment-on/")
    assert french.find(id="isso-thread")["data-isso-id"] == "article-a-commenter"
    assert english.find(id="isso-thread")["data-isso-id"] == "article-a-commenter/en"
    assert "En français" in french.get_text() and "In English" not in french.get_text()
    assert "In English" in english.get_text() and "En français" not in english.get_text()


def test_closed_shows_the_comments_without_the_form_and_off_shows_nothing(tmp_path):
    project = SmallProject(tmp_path, original_extra="Comments: closed\n", translation_extra="Comments: off\n")
    with IssoServer(tmp_path / "isso", [SITE], {"guard.enabled": "false"}) as isso:
        post_comment(isso, "article-a-commenter", author="Ana", text="Avant la fermeture")
        project.build(COMMENTS=isso_setting(project, isso.url))
    closed = project.page("article-a-commenter/")
    assert "Avant la fermeture" in closed.find(id="comments").get_text()
    assert closed.select_one(".comments-closed").get_text() == "Les commentaires sont fermés."
    assert closed.find(id="isso-thread") is None and closed.find("script", attrs={"data-isso": True}) is None
    off = project.page("en/post-to-comment-on/")
    assert off.find(id="comments") is None
    assert not any("comments.js" in s.get("src", "") for s in off.find_all("script"))
    assert not (project.output / "en/post-to-comment-on/comments.xml").exists()


@pytest.mark.parametrize("line, field, message", [
    ("Comments: maybe\n", "Comments", "'maybe' is not a comment setting; write one of: open, closed, off"),
    ("Comments-Id: autre-fil\n", None, None),
])
def test_comment_metadata_is_checked(tmp_path, caplog, line, field, message):
    project = SmallProject(tmp_path, original_extra=line)
    if field is None:  # a valid Comments-Id: the thread follows it
        project.build(COMMENTS=isso_setting(project, "http://127.0.0.1:9/"))
        assert project.page("article-a-commenter/").find(id="isso-thread")["data-isso-id"] == "autre-fil"
        return
    with pytest.raises(ContentErrors):
        project.build(COMMENTS=isso_setting(project, "http://127.0.0.1:9/"))
    errors = error_lines(caplog)
    assert f"content/posts/fr/article-a-commenter.md: {field}: {message}" in errors


def test_two_posts_on_one_thread_is_an_error(tmp_path, caplog):
    project = SmallProject(tmp_path)
    project.write("content/posts/fr/autre.md", "Title: Autre\nDate: 2025-02-01\nLang: fr\n"
                  "Comments-Id: article-a-commenter\n\nTexte.\n")
    with pytest.raises(ContentErrors):
        project.build(COMMENTS=isso_setting(project, "http://127.0.0.1:9/"))
    errors = error_lines(caplog)
    assert any(e.startswith("content/posts/fr/") and ": Comments-Id: thread 'article-a-commenter' is already" in e
               for e in errors), errors


def test_unrelated_posts_of_two_languages_never_share_a_thread(tmp_path, caplog):
    project = SmallProject(tmp_path)
    project.write("content/posts/en/article-a-commenter.md", "Title: Unrelated\nDate: 2025-02-01\nLang: en\n"
                  "Slug: unrelated\n\nText.\n")
    with pytest.raises(ContentErrors):
        project.build(COMMENTS=isso_setting(project, "http://127.0.0.1:9/"))
    errors = error_lines(caplog)
    assert any(": Comments-Id: thread 'article-a-commenter' is already the thread of content/posts/" in e
               for e in errors), errors


@pytest.mark.parametrize("setting, message", [
    ({"provider": "nope"}, "COMMENTS['provider'] 'nope' is not a known provider; use one of: disqus, giscus, isso, mastodon"),
    ({"provider": "giscus"}, "COMMENTS['giscus'] needs 'repo', 'repo_id', 'category', 'category_id'"),
    ({"provider": "disqus", "disqus": {"shortname": "Not Valid"}}, "COMMENTS['disqus']['shortname'] must be"),
    ({"default_state": "sometimes"}, "COMMENTS['default_state'] must be one of 'open', 'closed', 'off'"),
    ({"isso": {"url": "comments.example"}}, "COMMENTS['isso']['url'] must be the address of the Isso server"),
])
def test_a_bad_comments_setting_is_named(tmp_path, setting, message):
    from sitekit.settings import SettingsError as CommentsSettingsError

    project = SmallProject(tmp_path)
    with pytest.raises(CommentsSettingsError) as error:
        project.build(COMMENTS={"isso": {"url": "http://127.0.0.1:9/"}, **setting})
    assert str(error.value).startswith(message)


# --- Mastodon: replies to a toot ------------------------------------------------------------

def test_mastodon_replies_are_fetched_sanitised_and_counted(tmp_path):
    with FakeMastodon() as instance:
        project = SmallProject(tmp_path, original_extra=f"Mastodon: {instance.toot_url}\n")
        setting = comments_setting(tmp_path / "cache.json", provider="mastodon", mastodon={"instance": instance.url})
        project.build(COMMENTS=setting)
    assert instance.requests == [f"/api/v1/statuses/{TOOT_ID}/context"]  # once for the pair, both languages
    for page in ("article-a-commenter/", "en/post-to-comment-on/"):
        section = project.page(page).find(id="comments")
        assert [a.get_text() for a in section.select(".comment-author")] == ["Camille", "Élise"]
        assert section.select_one(".comment-replies").get_text().count("Merci Camille") == 1
        assert "For followers only" not in section.get_text()
        assert section.find("script") is None and section.find("img") is None
        assert not any(a.get("href", "").startswith("javascript:") for a in section.find_all("a"))
        assert section.select_one(".comments-reply a")["href"] == instance.toot_url
        # The instance is someone else's: the newest replies load after the reader's click.
        assert section.select_one("[data-comments-consent]").has_attr("hidden")
    csp = project.page("article-a-commenter/").find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert f"connect-src 'self' {instance.url}" in csp
    assert "2 commentaires" in project.page("").select_one(".card .meta").get_text()


def test_a_toot_of_another_instance_is_an_error(tmp_path, caplog):
    project = SmallProject(tmp_path, original_extra="Mastodon: https://other.example/@x/123\n")
    setting = comments_setting(tmp_path / "cache.json", provider="mastodon", mastodon={"instance": "https://social.example"})
    with pytest.raises(ContentErrors):
        project.build(COMMENTS=setting)
    errors = error_lines(caplog)
    assert any(e.startswith("content/posts/fr/article-a-commenter.md: Mastodon: 'https://other.example/@x/123' "
                            "is not a toot of https://social.example") for e in errors), errors
