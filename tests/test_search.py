"""Site search: one Pagefind index per language, the search pages, and a reader searching in chromium."""

import gzip
import json
import logging
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pelican.settings import DEFAULT_CONFIG
from playwright.sync_api import expect

import pelicanconf
from conftest import Site, build_sample
from publisher.build import ContentErrors
from project_copy import assert_same_tree
from search.index_cache import IndexCache
from search.indexer import build_index
from search.settings import load
from sitekit.settings import SettingsError as SearchSettingsError


def _with(names, extra):
    return list(names) + ([extra] if extra not in names else [])


# The search plugin and its page as pelicanconf.py sets them, so these tests hold whatever it lists.
SEARCH_BUILD = {
    "PLUGINS": _with(pelicanconf.PLUGINS, "search"),
    "DIRECT_TEMPLATES": _with(getattr(pelicanconf, "DIRECT_TEMPLATES", DEFAULT_CONFIG["DIRECT_TEMPLATES"]), "search"),
    "SEARCH_URL": "search/",
    "SEARCH_SAVE_AS": "search/index.html",
}
SEARCH_PAGES = [("search/", "fr"), ("en/search/", "en")]
FRENCH_WORD, ENGLISH_WORD = "quartier", "neighbourhood"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """The sample site built with search, served on a loopback port: (base URL, Site)."""
    output = tmp_path_factory.mktemp("search") / "output"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(output)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    report = build_sample(output, SITEURL=base, FEED_DOMAIN=base, **SEARCH_BUILD)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = Site(output, report)
    site.siteurl = base
    yield base, site
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def written(searched):
    """{language: {URL path: text a reader searches}} of the post pages written."""
    return posts(searched[1])


def posts(site):
    found = {}
    for path in site.pages():
        soup = site.html(path)
        post = soup.select_one("article.post")
        if post is None:
            continue
        text = " ".join(part.get_text(" ") for part in post.select("h1, .content"))
        found.setdefault(soup.html["lang"], {})["/" + path.removesuffix("index.html")] = text.casefold()
    return found


def indexed_urls(site):
    """{language: URLs} of the pages in Pagefind's index, read from its fragment files
    (named <language>_<hash>; gzip holding "pagefind_dcd" then JSON, in Pagefind 1.x)."""
    urls = {}
    for fragment in (site.output / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        record = json.loads(data[len(b"pagefind_dcd"):])
        urls.setdefault(fragment.name.split("_", 1)[0], set()).add(record["url"])
    return urls


def with_word(written, lang, word):
    urls = {url for url, text in written[lang].items() if word in text}
    assert urls, f"no {lang} post of the sample says {word!r} any more: pick another word for this test"
    return urls


def test_the_bundle_is_written_into_the_site(searched):
    _, site = searched
    assert (site.output / "pagefind" / "pagefind.js").is_file()
    assert not (site.output / "pagefind" / "playground").exists()


def test_each_language_has_an_index_counting_its_posts(searched, written):
    _, site = searched
    entry = json.loads((site.output / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert set(entry["languages"]) == {"fr", "en"} == set(written)
    for lang, index in entry["languages"].items():
        assert index["page_count"] == len(written[lang]), lang


def test_the_indexes_hold_the_posts_of_their_language_only(searched, written):
    _, site = searched
    assert indexed_urls(site) == {lang: set(urls) for lang, urls in written.items()}


@pytest.mark.parametrize("path, lang", SEARCH_PAGES)
def test_each_language_has_a_search_page_with_a_plain_form(searched, path, lang):
    base, site = searched
    soup = site.html(path)
    assert soup.html["lang"] == lang
    form = soup.select_one('form[role="search"]')
    field = form.select_one('input[type="search"][name="q"]')
    assert form.select_one(f'label[for="{field["id"]}"]').get_text(strip=True)
    assert form["data-bundle"] == f"{base}/pagefind/"
    # The count is said in a polite live region, present (empty) from the start; the results list beside it.
    status = soup.select_one('.search-results .search-status[role="status"][aria-live="polite"]')
    assert status is not None and status.get_text(strip=True) == ""
    assert soup.select_one(".search-results .search-list") is not None
    # Without JavaScript: a note that search needs it, and the archives instead.
    note = soup.noscript
    assert note.get_text(strip=True)
    assert note.select_one(f'a[href="{base}/{"en/" if lang == "en" else ""}archives/"]').get_text(strip=True)
    script = soup.select_one('script[type="module"][src$="/js/search.js"]')
    assert (site.output / site.local(script["src"])).is_file()


def _open(browser, url):
    """A page recording its requests and errors, opened at ``url``."""
    page = browser.new_page()
    page.requests, page.problems = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("requestfailed", lambda request: page.problems.append(f"failed: {request.url}"))
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.goto(url)
    return page


def _result_links(page, base, count):
    links = page.locator(".search-results .search-list a")
    expect(links).to_have_count(count)
    expect(page.locator(".search-results mark").first).to_be_visible()
    return {href.removeprefix(base) for href in links.evaluate_all("links => links.map(a => a.href)")}


@pytest.mark.browser
def test_a_reader_typing_on_the_french_page_finds_french_posts(browser, searched, written):
    base, _ = searched
    expected = with_word(written, "fr", FRENCH_WORD)
    page = _open(browser, f"{base}/search/")
    assert not any("/pagefind/" in url for url in page.requests), "the bundle loads before any query"
    page.locator('input[name="q"]').fill(FRENCH_WORD)
    assert _result_links(page, base, len(expected)) == expected
    assert page.url == f"{base}/search/?q={FRENCH_WORD}"
    assert page.problems == []
    assert all(url.startswith(base + "/") for url in page.requests), page.requests
    page.close()


@pytest.mark.browser
def test_the_english_page_runs_the_query_of_its_address_on_english_posts(browser, searched, written):
    base, _ = searched
    expected = with_word(written, "en", ENGLISH_WORD)
    page = _open(browser, f"{base}/en/search/?q={ENGLISH_WORD}")
    assert _result_links(page, base, len(expected)) == expected
    assert all(url.startswith("/en/") for url in expected)

    assert not any(FRENCH_WORD in text for text in written["en"].values())
    page.locator('input[name="q"]').fill(FRENCH_WORD)  # a word of French posts only
    nothing = page.locator(".search-results").get_attribute("data-none").replace("{query}", FRENCH_WORD)
    expect(page.locator(".search-results .search-status")).to_have_text(nothing)
    expect(page.locator(".search-results .search-list a")).to_have_count(0)
    assert page.problems == []
    assert all(url.startswith(base + "/") for url in page.requests), page.requests
    page.close()


def test_a_missing_pagefind_fails_the_build_on_one_line(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-pagefind-here"))
    with caplog.at_level(logging.ERROR), pytest.raises(ContentErrors):
        build_sample(tmp_path / "output", **SEARCH_BUILD)
    lines = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(lines) == 1 and "Pagefind" in lines[0] and "PAGEFIND_BINARY_PATH" in lines[0], lines
    assert "\n" not in lines[0]
    assert not (tmp_path / "output").exists()


def test_the_index_takes_the_files_named_even_odd_ones_and_drops_an_earlier_bundle(tmp_path):
    names = ["a,b{c}[d]*?$: é/index.html", "x#y!z/index.html", "plain.html"]
    for name in names + ["not-a-post.html"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text('<html lang="fr"><body><main><h1>Titre</h1><p>Bonjour</p></main></body></html>',
                                     encoding="utf-8")
    stale = tmp_path / "pagefind" / "fragment" / "fr_old.pf_fragment"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"")
    assert build_index(tmp_path, {"fr": names}, load({})) == {"fr": 3}
    assert not stale.exists()


def test_search_settings_take_defaults_and_warn_on_unknown_keys(caplog):
    with caplog.at_level(logging.WARNING):
        config = load({"SEARCH": {"root_selector": "article", "rooot_selector": "x"}})
    assert config["root_selector"] == "article" and config["enabled"] is True
    assert "rooot_selector" not in config
    assert any("rooot_selector" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("given", [["main"], {"root_selector": ""}, {"exclude_selectors": ".share"},
                                   {"timeout": 0}, {"timeout": True}, {"enabled": "yes"},
                                   {"cache": "yes"}])
def test_unusable_search_settings_are_refused(given):
    with pytest.raises(SearchSettingsError):
        load({"SEARCH": given})


def by_language(names):
    """{language: pages} as the plugin gathers them, from the pages' first folder."""
    return {lang: [name for name in names if name.startswith(lang + "/")] for lang in ("fr", "en")}


def _write_posts(folder, count):
    names = []
    for number in range(count):
        lang = ("fr", "en")[number % 2]
        names.append(f"{lang}/billet-{number}/index.html")
        (folder / names[-1]).parent.mkdir(parents=True, exist_ok=True)
        (folder / names[-1]).write_text(f'<html lang="{lang}"><body><main><h1>Titre {number}</h1>'
                                        f"<p>Quartier {number}</p></main></body></html>", encoding="utf-8")
    return names


@pytest.fixture
def counted_pagefind(tmp_path, monkeypatch):
    """Pagefind behind a script that notes each run: a function giving the number of runs so far."""
    from pagefind.service import get_executable

    runs = tmp_path / "pagefind-runs"
    wrapper = tmp_path / "pagefind-counted"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{runs}"\nexec "{get_executable()}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(wrapper))
    return lambda: len(runs.read_text().splitlines()) if runs.exists() else 0


def test_the_index_of_unchanged_posts_is_used_again_and_an_edit_indexes_anew(tmp_path, counted_pagefind):
    site, fresh, whole = tmp_path / "site", tmp_path / "fresh", tmp_path / "whole"
    names = _write_posts(site, 6)
    cache = IndexCache(tmp_path / "cache" / "search-index")
    assert build_index(site, by_language(names), load({}), cache) == {"fr": 3, "en": 3}
    assert counted_pagefind() == 2  # one run per language
    first = tmp_path / "first"
    (site / "pagefind").rename(first)

    # The next build of the same pages: Pagefind is not run, the bundle is the same.
    assert build_index(site, by_language(names), load({}), cache) == {"fr": 3, "en": 3}
    assert counted_pagefind() == 2
    assert_same_tree(first, site / "pagefind")

    # One French post edited: French is indexed again, English is not, and the bundle is what a
    # build without the cache writes, and what one Pagefind run over both languages writes.
    (site / names[0]).write_text((site / names[0]).read_text().replace("Quartier", "Rue"), encoding="utf-8")
    build_index(site, by_language(names), load({}), cache)
    assert counted_pagefind() == 3
    _write_posts(fresh, 6)
    (fresh / names[0]).write_bytes((site / names[0]).read_bytes())
    build_index(fresh, by_language(names), load({}))
    assert_same_tree(fresh / "pagefind", site / "pagefind")
    _write_posts(whole, 6)
    (whole / names[0]).write_bytes((site / names[0]).read_bytes())
    build_index(whole, {"all": names}, load({}))  # one run over every page
    assert_same_tree(whole / "pagefind", site / "pagefind")

    # Other options make another bundle.
    before = counted_pagefind()
    build_index(site, by_language(names), load({"SEARCH": {"root_selector": "h1"}}), cache)
    assert counted_pagefind() == before + 2


def test_a_damaged_index_cache_is_indexed_anew_and_never_half_copied(tmp_path, counted_pagefind):
    site = tmp_path / "site"
    names = _write_posts(site, 4)
    cache = IndexCache(tmp_path / "cache" / "search-index")
    build_index(site, by_language(names), load({}), cache)
    first = tmp_path / "first"
    (site / "pagefind").rename(first)
    shutil.rmtree(tmp_path / "cache" / "search-index" / "en" / "bundle")
    assert build_index(site, by_language(names), load({}), cache) == {"fr": 2, "en": 2}
    assert counted_pagefind() == 3  # English only, again
    assert_same_tree(first, site / "pagefind")
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["search-index"]


def test_thousands_of_posts_are_indexed(tmp_path):
    """A site of 5,000 bilingual posts names 7,500 pages: more than a Pagefind glob can list."""
    slug = "un-titre-aussi-long-que-ceux-des-billets-de-ce-blog"
    names = []
    for number in range(8000):
        lang = "fr" if number % 2 else "en"
        names.append(f"{lang}/{slug}-{number}/index.html")
        (tmp_path / names[-1]).parent.mkdir(parents=True)
        (tmp_path / names[-1]).write_text(f'<html lang="{lang}"><body><main><p>{number}</p></main></body></html>',
                                          encoding="utf-8")
    assert build_index(tmp_path, by_language(names), load({})) == {"fr": 4000, "en": 4000}
