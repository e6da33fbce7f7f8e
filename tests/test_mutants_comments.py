"""The comment providers pinned down where `invoke mutate` found changes no test noticed (issue 28).

Each provider is loaded from a COMMENTS setting as the plugin loads it; what it asks a service is recorded
by a JSON server on loopback and read through the plugin's own HTTP client; its widget attributes, CSP
sources and comment records are compared whole.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest

from comments.http import HttpClient, Unreachable
from comments.model import Thread
from comments.providers import load_provider
from sitekit.settings import SettingsError


def provider(name, thread_per="pair", **options):
    return load_provider({"provider": name, "thread_per": thread_per, name: options})


class JsonServer:
    """Answers each path with (status, JSON body) from ``answers`` (404 for others); records every request."""

    def __init__(self, answers):
        asked = self.asked = []   # (method, path, query, decoded JSON body or None)

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length)) if length else None
                asked.append((self.command, path, parse_qs(query), body))
                status, answer = answers.get(path, (404, {"error": "not found"}))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def fetched(service, threads, answers, base=""):
    """(what ``service.fetch`` returns, the requests it made) against a loopback server."""
    with JsonServer(answers) as server:
        service = service(server.url + base)
        client = HttpClient(timeout=5, total_timeout=30)
        try:
            result = service.fetch([Thread(id=key, state="open", provider=service) for key in threads], client)
        finally:
            client.close()
    return result, server.asked


# --- Isso -------------------------------------------------------------------------------------------

def isso(url, **options):
    return provider("isso", url=url, **options)


@pytest.mark.parametrize("url, base", [
    ("http://comments.example", "http://comments.example/"),
    ("https://comments.example/isso", "https://comments.example/isso/"),
    ("https://comments.example/isso/", "https://comments.example/isso/"),
])
def test_isso_takes_http_and_https_addresses_and_ends_them_with_a_slash(url, base):
    service = isso(url)
    assert service.url == service.source == base
    origin = base.split("/isso")[0].rstrip("/")
    assert service.origin == origin
    assert service.csp_sources() == {"script-src": [origin], "connect-src": [origin]}


@pytest.mark.parametrize("url", ["ftp://comments.example/", "https://", "comments.example", "http:///isso"])
def test_isso_refuses_an_address_without_web_scheme_or_host(url):
    with pytest.raises(SettingsError) as error:
        isso(url)
    assert str(error.value) == ("COMMENTS['isso']['url'] must be the address of the Isso server, "
                                f"e.g. 'https://comments.example.org/', not {url!r}")


def test_isso_refuses_widget_options_that_are_not_a_dict():
    with pytest.raises(SettingsError) as error:
        isso("https://comments.example/", widget_options=["reply-sort-order"])
    assert str(error.value) == "COMMENTS['isso']['widget_options'] must be a dict of data-isso-* values"


def test_isso_widget_carries_its_script_and_thread_attributes():
    service = isso("https://comments.example/isso", widget_options={"reply-sort-order": "asc", "max-comments-top": 10})
    thread = Thread(id="mon-article", state="open", provider=service)
    assert service.widget(thread, "fr", "https://site.example/mon-article/", "Mon article") == {
        "loader": None,
        "attrs": {"id": "isso-thread", "data-isso-id": "mon-article", "data-title": "Mon article"},
        "script": {
            "src": "https://comments.example/isso/js/embed.min.js", "data-isso": "https://comments.example/isso/",
            "data-isso-lang": "fr", "data-isso-css": "false", "data-isso-avatar": "false",
            "data-isso-gravatar": "false", "data-isso-reply-sort-order": "asc", "data-isso-max-comments-top": "10",
        },
    }


def test_isso_texts_are_named_per_language_and_a_site_option_wins():
    service = isso("https://comments.example/")
    script = {"src": "x.js", "data-isso-postbox-name-text-pt-br": "Seu nome"}
    texts = {"postbox-name": "Nome", "postbox-email": 7}
    assert service.with_texts(script, "PT_BR", texts) == {
        "data-isso-postbox-name-text-pt-br": "Seu nome", "data-isso-postbox-email-text-pt-br": "7", "src": "x.js"}


def test_isso_links_a_cut_comment_to_its_place_in_an_open_thread_only():
    service = isso("https://comments.example/")
    comment = SimpleNamespace(id="42", url=None)
    page = "https://site.example/mon-article/"
    assert service.live_link(Thread("t", "open", service), comment, page) == page + "#isso-42"
    assert service.live_link(Thread("t", "closed", service), comment, page) is None


def test_isso_asks_one_count_then_only_the_threads_that_have_comments():
    comment = {"id": 5, "mode": 1, "created": 1700000000.5, "text": "<p>oui</p>", "author": "Ana"}
    answers = {"/isso/count": (200, [0, 2, 0, 1]), "/isso/": (200, {"replies": [comment]})}
    found, asked = fetched(isso, ["a", "b", "c", "d"], answers, base="/isso")
    assert asked[0] == ("POST", "/isso/count", {}, ["a", "b", "c", "d"])
    assert [(method, path, query) for method, path, query, body in asked[1:]] == [
        ("GET", "/isso/", {"uri": [key], "plain": ["0"]}) for key in ("b", "d")]
    record = {"id": 5, "parent": None, "author": "Ana", "website": None, "created": 1700000000.5, "html": "<p>oui</p>"}
    assert found == {"a": [], "b": [record], "c": [], "d": [record]}


@pytest.mark.parametrize("count", [[1], [1, 1, 1], {"a": 1}, None])
def test_isso_asks_every_thread_when_the_count_makes_no_sense(count):
    found, asked = fetched(isso, ["a", "b"], {"/count": (200, count), "/": (200, {"replies": []})})
    assert [query["uri"] for method, path, query, body in asked if method == "GET"] == [["a"], ["b"]]
    assert found == {"a": [], "b": []}


def test_isso_reads_a_thread_it_does_not_know_as_empty():
    found, asked = fetched(isso, ["gone"], {"/count": (200, [1])})   # GET / answers 404
    assert found == {"gone": []} and len(asked) == 2


@pytest.mark.parametrize("answer", [{"replies": None}, {"replies": {"id": 1}}, [{"id": 1}], "replies"])
def test_isso_reads_an_odd_thread_answer_as_no_comments(answer):
    found, _ = fetched(isso, ["a"], {"/count": (200, [1]), "/": (200, answer)})
    assert found == {"a": []}


def test_isso_flattens_accepted_comments_with_their_parents():
    thread = {"replies": [
        "junk", {"mode": 1, "created": 1},                                     # skipped, the rest still read
        {"id": 1, "mode": 1, "created": 10, "author": "Ana", "website": "https://ana.example/?a=1&amp;b=2",
         "text": "<p>un</p>", "replies": [
             {"id": 2, "mode": 2, "created": 11, "text": "en attente", "replies": [
                 {"id": 3, "mode": 1, "created": 12, "text": "<p>sous une réponse en attente</p>"}]},
             {"id": 4, "mode": 1, "created": 13, "parent": 2, "author": None, "website": "", "text": None},
             {"id": 5, "mode": 1, "text": "sans date"},
             {"id": 6, "mode": 4, "created": 14, "text": "supprimé", "replies": "none"}]},
        {"id": 7, "mode": 1, "created": 15, "author": "Bob", "text": "<p>deux</p>", "replies": None},
    ]}
    found, _ = fetched(isso, ["a"], {"/count": (200, [1]), "/": (200, thread)})
    assert found["a"] == [
        {"id": 1, "parent": None, "author": "Ana", "website": "https://ana.example/?a=1&b=2", "created": 10,
         "html": "<p>un</p>"},
        {"id": 3, "parent": 2, "author": "", "website": None, "created": 12,
         "html": "<p>sous une réponse en attente</p>"},
        {"id": 4, "parent": 2, "author": "", "website": None, "created": 13, "html": ""},
        {"id": 7, "parent": None, "author": "Bob", "website": None, "created": 15, "html": "<p>deux</p>"},
    ]


def test_isso_passes_on_a_server_that_cannot_count():
    with pytest.raises(Unreachable) as error:
        fetched(isso, ["a"], {"/count": (500, {})})
    assert "answered 500" in str(error.value)


# --- Mastodon ---------------------------------------------------------------------------------------

def mastodon(instance, thread_per="pair"):
    return provider("mastodon", thread_per=thread_per, instance=instance)


def post(source, toot=None, translations=()):
    return SimpleNamespace(source_path=source, metadata={"mastodon": toot} if toot is not None else {},
                           translations=list(translations))


def toot_of(service, item):
    """(the post's toot, the content errors reported as (source, field, message))."""
    errors = []
    toot = service.thread_for(item, Thread("t", "open", service),
                              lambda where, field, message: errors.append((where.source_path, field, message)))
    return toot, errors


@pytest.mark.parametrize("instance, origin", [("https://social.example", "https://social.example"),
                                              ("http://social.example:8080/", "http://social.example:8080")])
def test_mastodon_takes_the_instance_origin(instance, origin):
    service = mastodon(instance)
    assert service.instance == service.source == origin
    assert service.privacy_url == origin + "/privacy-policy"
    assert service.csp_sources() == {"connect-src": [origin]}


@pytest.mark.parametrize("instance", ["ftp://social.example", "https://", "https://social.example/@elise",
                                      "social.example"])
def test_mastodon_refuses_anything_but_an_instance_address(instance):
    with pytest.raises(SettingsError) as error:
        mastodon(instance)
    assert str(error.value) == ("COMMENTS['mastodon']['instance'] must be the address of the author's instance, "
                                f"e.g. 'https://mastodon.social', not {instance!r}")


@pytest.mark.parametrize("value, toot_id, url", [
    ("113000000000000001", "113000000000000001", "https://social.example/statuses/113000000000000001"),
    ("  42 ", "42", "https://social.example/statuses/42"),
    ("https://social.example/@elise/42", "42", "https://social.example/@elise/42"),
    ("https://social.example/@elise/42/", "42", "https://social.example/@elise/42/"),
    ("https://social.example/users/elise/statuses/42", "42", "https://social.example/users/elise/statuses/42"),
    (42, "42", "https://social.example/statuses/42"),
])
def test_mastodon_reads_a_toot_as_an_id_or_an_address_of_the_instance(value, toot_id, url):
    service = mastodon("https://social.example")
    toot, errors = toot_of(service, post("fr/a.md", value))
    assert (toot.id, toot.url, errors) == (toot_id, url, [])
    assert service.fetch_key(Thread("t", "open", service, details=toot)) == url


@pytest.mark.parametrize("value", ["https://other.example/@elise/42", "https://social.example/@elise/notes/42",
                                   "https://social.example/@elise", "toot 42"])
def test_mastodon_reports_a_toot_it_cannot_read(value):
    service = mastodon("https://social.example")
    assert toot_of(service, post("fr/a.md", value)) == (None, [(
        "fr/a.md", "Mastodon", f"{value!r} is not a toot of https://social.example (COMMENTS['mastodon']['instance']); "
                               "write the toot's address, e.g. https://social.example/@you/112233445566778899")])


def test_a_toot_named_in_a_translation_serves_the_pair_but_not_each_language():
    translation = post("en/a.md", "https://social.example/@elise/42")
    original = post("fr/a.md", translations=[translation])
    toot, errors = toot_of(mastodon("https://social.example"), original)
    assert (toot.id, errors) == ("42", [])
    assert toot_of(mastodon("https://social.example", thread_per="language"), original) == (None, [])
    # The original's own toot comes first; an empty one counts as none.
    own = post("fr/a.md", "7", translations=[translation])
    assert toot_of(mastodon("https://social.example"), own)[0].id == "7"
    assert toot_of(mastodon("https://social.example"), post("fr/a.md", "", [translation]))[0].id == "42"


def test_a_page_without_translations_names_its_own_toot():
    page = SimpleNamespace(source_path="pages/a.md", metadata={"mastodon": "42"})   # no translations at all
    toot, errors = toot_of(mastodon("https://social.example"), page)
    assert (toot.id, errors) == ("42", [])


def test_a_bad_toot_in_a_translation_is_reported_on_the_translation():
    translation = post("en/a.md", "https://other.example/@elise/42")
    assert toot_of(mastodon("https://social.example"), post("fr/a.md", translations=[translation]))[1][0][:2] == \
        ("en/a.md", "Mastodon")


def test_a_mastodon_thread_without_toot_fetches_nothing_and_has_a_bare_widget():
    service = mastodon("https://social.example")
    thread = Thread("t", "open", service)
    assert service.fetch_key(thread) is None
    assert service.widget(thread, "fr", "https://site.example/a/", "A") == {
        "loader": "mastodon", "attrs": {}, "script": None}


def test_a_mastodon_widget_names_the_instance_and_the_toot():
    service = mastodon("https://social.example")
    toot, _ = toot_of(service, post("fr/a.md", "https://social.example/@elise/42"))
    assert service.widget(Thread("t", "open", service, details=toot), "en", "https://site.example/a/", "A") == {
        "loader": "mastodon", "script": None,
        "attrs": {"data-instance": "https://social.example", "data-toot": "42",
                  "data-toot-url": "https://social.example/@elise/42"}}


def status(id, parent="42", visibility="public", **fields):
    return {"id": id, "in_reply_to_id": parent, "created_at": "2025-02-01T10:00:00Z", "visibility": visibility,
            **fields}


def mastodon_fetched(toots, answers):
    """(what fetch returns, the paths asked) for threads on ``toots`` (ids), from a loopback instance."""
    with JsonServer(answers) as server:
        service = mastodon(server.url)
        threads = []
        for toot_id in toots:
            toot, _ = toot_of(service, post("fr/a.md", toot_id))
            threads.append(Thread(toot_id, "open", service, details=toot))
        client = HttpClient(timeout=5, total_timeout=30)
        try:
            result = service.fetch(threads, client)
        finally:
            client.close()
        base = server.url
    return {key.removeprefix(base): records for key, records in result.items()}, [path for _, path, _, _ in
                                                                                  server.asked]


def test_mastodon_keeps_the_public_replies_of_each_toot():
    replies = [
        status("1", account={"display_name": "Camille", "acct": "camille@else.example",
                             "url": "https://else.example/@camille"},
               url="https://else.example/@camille/1", content="<p>oui</p>"),
        status("2", parent="1", visibility="unlisted", account={"display_name": "", "acct": "bob"}),
        status("3", visibility="private"), status("4", visibility="direct"), status("5", visibility=None),
        "junk", {"in_reply_to_id": "42", "created_at": "2025-02-01T10:00:00Z", "visibility": "public"},
        {"id": "6", "in_reply_to_id": "42", "visibility": "public"},
        status("7", account="not an account"),
    ]
    found, asked = mastodon_fetched(["42", "43"], {"/api/v1/statuses/42/context": (200, {"descendants": replies})})
    assert asked == ["/api/v1/statuses/42/context", "/api/v1/statuses/43/context"]
    created = "2025-02-01T10:00:00Z"
    assert found == {
        "/statuses/42": [
            {"id": "1", "parent": None, "author": "Camille", "website": "https://else.example/@camille",
             "url": "https://else.example/@camille/1", "created": created, "html": "<p>oui</p>"},
            {"id": "2", "parent": "1", "author": "bob", "website": None, "url": None, "created": created, "html": ""},
            {"id": "7", "parent": None, "author": "", "website": None, "url": None, "created": created, "html": ""},
        ],
        "/statuses/43": [],   # the instance answers 404: no replies
    }


@pytest.mark.parametrize("context", [None, [], [{"id": "1"}], "descendants", {"descendants": None},
                                     {"descendants": {"id": "1"}}])
def test_mastodon_reads_an_odd_context_as_no_replies(context):
    found, _ = mastodon_fetched(["42"], {"/api/v1/statuses/42/context": (200, context)})
    assert found == {"/statuses/42": []}


# --- giscus and Disqus ------------------------------------------------------------------------------

GISCUS = {"repo": "elise/site", "repo_id": "R_1", "category": "Comments", "category_id": "C_1"}


@pytest.mark.parametrize("reactions, enabled", [(True, "1"), (False, "0")])
def test_giscus_widget_maps_the_thread_to_its_discussion(reactions, enabled):
    service = provider("giscus", **GISCUS, reactions=reactions, theme="dark")
    assert service.csp_sources() == {"script-src": ["https://giscus.app"], "style-src": ["https://giscus.app"],
                                     "frame-src": ["https://giscus.app"]}
    assert service.widget(Thread("mon-article", "open", service), "fr", "https://site.example/a/", "A") == {
        "loader": "script", "attrs": {},
        "script": {
            "src": "https://giscus.app/client.js", "data-repo": "elise/site", "data-repo-id": "R_1",
            "data-category": "Comments", "data-category-id": "C_1", "data-mapping": "specific",
            "data-term": "mon-article", "data-strict": "1", "data-reactions-enabled": enabled,
            "data-emit-metadata": "0", "data-input-position": "bottom", "data-theme": "dark", "data-lang": "fr",
            "crossorigin": "anonymous"}}


def test_disqus_widget_and_sources_follow_the_shortname():
    service = provider("disqus", shortname="elise-blog-2")
    assert service.csp_sources() == {
        "script-src": ["https://elise-blog-2.disqus.com", "https://*.disqus.com", "https://*.disquscdn.com"],
        "frame-src": ["https://disqus.com", "https://*.disqus.com"],
        "img-src": ["https://*.disquscdn.com", "https://*.disqus.com"],
        "connect-src": ["https://*.disqus.com"],
        "style-src": ["https://*.disquscdn.com"],
    }
    assert service.widget(Thread("mon-article", "open", service), "en", "https://site.example/a/", "A title") == {
        "loader": "disqus", "script": None,
        "attrs": {"id": "disqus_thread", "data-src": "https://elise-blog-2.disqus.com/embed.js",
                  "data-identifier": "mon-article", "data-url": "https://site.example/a/", "data-title": "A title",
                  "data-lang": "en"}}


@pytest.mark.parametrize("shortname", ["Elise", "elise blog", "elise.blog", "élise", "elise\n"])
def test_disqus_refuses_a_shortname_it_cannot_be(shortname):
    with pytest.raises(SettingsError) as error:
        provider("disqus", shortname=shortname)
    assert str(error.value) == ("COMMENTS['disqus']['shortname'] must be your site's Disqus shortname "
                                f"(lower-case letters, digits, hyphens), not {shortname!r}")
