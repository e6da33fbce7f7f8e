"""`invoke lighthouse`: what it measures and when it fails (the measuring itself is run by hand: it is heavy)."""

from conftest import ROOT
from publisher import lighthouse


def test_it_measures_the_pages_of_the_issue_in_both_languages():
    assert set(lighthouse.PAGES) == {"home", "post", "issue", "search", "tag"}
    assert all(set(paths) == {"fr", "en"} for paths in lighthouse.PAGES.values())
    for paths in lighthouse.PAGES.values():
        assert paths["en"].startswith("en/") and not paths["fr"].startswith("en/")
    assert set(lighthouse.CATEGORIES) == {"performance", "accessibility", "best-practices", "seo"}


def _row(name="fr home", scores=None, violations=()):
    scores = scores or dict.fromkeys(lighthouse.CATEGORIES, 100)
    return (name, "/", scores, [], list(violations))


def test_it_passes_only_on_four_hundreds_and_no_axe_violation():
    assert lighthouse.passed([_row(), _row("en home")])
    assert not lighthouse.passed([_row(), _row("en home", {**dict.fromkeys(lighthouse.CATEGORIES, 100), "seo": 99})])
    assert not lighthouse.passed([_row(violations=["dark: color-contrast: .meta"])])
    assert not lighthouse.passed([_row(scores={**dict.fromkeys(lighthouse.CATEGORIES, 100), "performance": None})])


def test_the_table_has_a_row_per_page_with_the_four_scores_and_the_axe_count():
    text = lighthouse.table([_row(), _row("en tag", {**dict.fromkeys(lighthouse.CATEGORIES, 100), "seo": 92},
                                          ["light: link-name: a.x"])])
    header, rule, first, second = text.splitlines()
    assert header.split(" | ")[0].strip() == "page" and "perf" in header and "axe" in header
    assert [cell.strip() for cell in first.split(" | ")] == ["fr home", "/", "100", "100", "100", "100", "0"]
    assert [cell.strip() for cell in second.split(" | ")] == ["en tag", "/", "100", "100", "100", "92", "1"]


def test_comments_point_at_the_local_isso_with_their_cache_aside(tmp_path):
    setting = lighthouse._comments_setting(ROOT / "publishconf.py", "http://127.0.0.1:9999/", tmp_path / "c.json")
    assert setting["provider"] == "isso"
    assert setting["isso"]["url"] == "http://127.0.0.1:9999/"
    assert setting["cache_file"] == str(tmp_path / "c.json")


def test_the_measured_site_is_served_as_a_host_serves_it_text_compressed(tmp_path):
    """Lighthouse reads the bytes a reader's browser gets from a host that compresses text
    (nginx's gzip, GitHub Pages, Netlify): HTML, CSS, JS and SVG gzipped, pictures as they are."""
    import gzip
    import urllib.request

    from publisher.local_server import CompressingHandler, LocalServer

    (tmp_path / "page").mkdir()
    (tmp_path / "page" / "index.html").write_text("<p>" + "Bonjour " * 500 + "</p>")
    (tmp_path / "site.css").write_text("p { color: red }\n" * 300)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8" + bytes(2000))
    with LocalServer(tmp_path, handler=CompressingHandler) as server:
        server.start()

        def get(path, accept="gzip, deflate"):
            request = urllib.request.Request(server.url + path, headers={"Accept-Encoding": accept})
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.headers, answer.read()

        headers, body = get("/page/")
        assert headers["Content-Encoding"] == "gzip" and headers["Content-Type"] == "text/html"
        assert gzip.decompress(body).decode() == (tmp_path / "page" / "index.html").read_text()
        assert len(body) < 200
        headers, body = get("/site.css")
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == (tmp_path / "site.css").read_bytes()
        headers, body = get("/photo.jpg")
        assert headers["Content-Encoding"] is None and body == (tmp_path / "photo.jpg").read_bytes()
        headers, body = get("/site.css", accept="identity")
        assert headers["Content-Encoding"] is None and body == (tmp_path / "site.css").read_bytes()
