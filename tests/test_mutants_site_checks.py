"""The built-site checks pinned down where `invoke mutate` found changes no test noticed (issue 28).

Each test writes a few pages by hand (only their <head> matters), runs check_site on them and compares the
problems found, messages whole: the checks are what stops a broken site from being deployed, and their
messages are what the editor reads to fix it.
"""

import logging

import pytest

from publisher.site_checks import (
    Problem, SiteArguments, SiteCheckFailed, check_built_site, check_site, main, site_arguments)

SITE = "https://site.example"
BILINGUAL = {"fr": "", "en": "en/"}


def html(lang="fr", title="Un titre", alternates=(), refresh=None, head=""):
    lang_attribute = f' lang="{lang}"' if lang is not None else ""
    links = "".join(f'<link rel="alternate" hreflang="{code}" href="{href}">' for code, href in alternates)
    meta = f'<meta http-equiv="refresh" content="0; url={refresh}">' if refresh is not None else ""
    title_element = f"<title>{title}</title>" if title is not None else ""
    return (f"<!DOCTYPE html><html{lang_attribute}><head><meta charset=\"utf-8\">{title_element}{links}{meta}{head}"
            "</head><body><p>Corps</p></body></html>")


def write(folder, pages):
    for path, text in pages.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


def homes():
    return {"index.html": html("fr", "Accueil"), "en/index.html": html("en", "Home")}


def pair(fr_path="article/index.html", en_path="en/article/index.html", fr=None, en=None):
    """A post and its translation linking each other (absolute addresses, x-default the original)."""
    fr_url, en_url = (f"{SITE}/{path.removesuffix('index.html')}" for path in (fr_path, en_path))
    versions = [("fr", fr_url), ("en", en_url), ("x-default", fr_url)]
    return {fr_path: html("fr", "Article", fr if fr is not None else versions),
            en_path: html("en", "Post", en if en is not None else versions)}


def checked(tmp_path, pages, languages=BILINGUAL, siteurl=SITE, sources=None, skip=()):
    return [str(problem) for problem in check_site(write(tmp_path, pages), siteurl, languages, "fr", sources, skip)]


def test_a_site_whose_versions_name_each_other_has_no_problem(tmp_path):
    pages = {**homes(), **pair()}
    assert checked(tmp_path, pages) == []
    assert checked(tmp_path, pages, languages=["fr", "en"]) == []
    assert checked(tmp_path, pages, languages={"fr": "/", "en": "/en/"}) == []


HINT = ("; check the Lang, Slug and Translation-Of lines of the posts or pages behind it (or "
        "content/data/taxonomy.toml for a category or tag), then publish again")
NO_SOURCE_HINT = ("; this page renders no post or page of its own (a home, list, category or tag): check the "
                  "build's messages and content/data/taxonomy.toml, then publish again")


def test_homes_missing_or_in_another_language_are_named(tmp_path):
    pages = {"index.html": html("en", "Accueil"), "en/x/index.html": html("en")}
    assert checked(tmp_path, pages) == [
        "en/index.html: language: the English home page was not built (2 page(s) declare <html lang=\"en\">); "
        "check the build's messages and BILINGUAL in pelicanconf.py, then publish again",
        "index.html: language: the French home page declares <html lang=\"en\">, not \"fr\"; "
        "check BILINGUAL['paths'] in pelicanconf.py",
        "index.html: language: the page declares <html lang=\"en\"> but lives in the French site (at the root)" + HINT,
    ]


def test_a_home_without_language_is_named_twice(tmp_path):
    pages = {"index.html": html(None, "Accueil"), "en/index.html": html("en", "Home")}
    assert checked(tmp_path, pages) == [
        "index.html: language: the French home page declares <html lang=\"\">, not \"fr\"; "
        "check BILINGUAL['paths'] in pelicanconf.py",
        "index.html: language: the page has no <html lang>; every template should extend base.html, which writes it",
    ]


def test_page_languages_and_titles_are_checked_and_name_the_source(tmp_path):
    pages = {**homes(), "a.html": html(None), "b.html": html("de"), "en/c.html": html("fr"), "en/ok.html": html("EN "),
             "d.html": html(" FR", " "), "e.html": html("fr", None)}
    assert checked(tmp_path, pages, sources={"d.html": "content/d.md", "en/c.html": "content/c.md"}) == [
        "a.html: language: the page has no <html lang>; every template should extend base.html, which writes it",
        "b.html: language: <html lang=\"de\"> is not a language of this site (fr, en)" + NO_SOURCE_HINT,
        "d.html: title: the page has no <title> or an empty one; give content/d.md a Title line",
        "e.html: title: the page has no <title> or an empty one; check the template's title block",
        "en/c.html: language: the page declares <html lang=\"fr\"> but lives in the English site (en/); check the "
        "Lang, Slug and Translation-Of lines of content/c.md, then publish again",
    ]


def test_without_sources_the_hint_names_the_files_to_look_at(tmp_path):
    pages = {**homes(), "b.html": html("de")}
    assert checked(tmp_path, pages) == [
        "b.html: language: <html lang=\"de\"> is not a language of this site (fr, en)" + HINT]


def test_the_longest_folder_decides_a_pages_language(tmp_path):
    pages = {"index.html": html("fr"), "en/index.html": html("en"), "en/us/index.html": html("de"),
             "en/us/page.html": html("de"), "en/page.html": html("en")}
    assert checked(tmp_path, pages, languages={"fr": "", "en": "en/", "de": "en/us/"}) == []


def test_a_redirect_page_must_lead_to_something_built(tmp_path):
    pages = {**homes(), "old/index.html": html("en", "Moved", refresh=f"{SITE}/en/"),
             "old2.html": html("fr", "Moved", refresh="/nowhere/"),
             "old3.html": html("fr", "Moved", refresh="https://else.example/"),
             "old4.html": html("fr", "Moved", refresh="files/doc.pdf"), "files/doc.pdf": "%PDF",
             "old5.html": html("fr", "Moved", head='<meta http-equiv="Content-Type" content="text/html">'
                                               '<meta http-equiv=" Refresh " content="5 , URL=\'/gone.html\'">')}
    assert checked(tmp_path, pages) == [
        "old2.html: redirect: this old address leads to /nowhere/, which was not built (nowhere/index.html is "
        "missing); fix its line in content/data/redirects.toml, then publish again",
        "old5.html: redirect: this old address leads to /gone.html, which was not built (gone.html is "
        "missing); fix its line in content/data/redirects.toml, then publish again",
    ]


FR, EN = f"{SITE}/article/", f"{SITE}/en/article/"


def test_a_version_named_twice_is_named_once_the_first_kept(tmp_path):
    pages = {**homes(), **pair(fr=[("fr", FR), ("en", EN), ("en", f"{SITE}/en/other/"), ("x-default", FR)])}
    assert checked(tmp_path, pages) == [
        f"article/index.html: hreflang: names two 'en' versions ({EN} and {SITE}/en/other/); keep one"]


def test_a_page_must_name_itself_among_its_versions(tmp_path):
    pages = {**homes(), **pair(fr=[("en", EN), ("x-default", FR)])}
    assert checked(tmp_path, pages) == [
        f"article/index.html: hreflang: links to {FR} as its default (x-default) version, which is none of its "
        "language versions" + HINT,
        "article/index.html: hreflang: names other versions but not itself as the French version" + HINT,
        "article/index.html: hreflang: names the versions {en: en/article/index.html, x-default: article/index.html} "
        "but its English version en/article/index.html names {en: en/article/index.html, fr: article/index.html, "
        "x-default: article/index.html}; the versions of a page must name each other alike" + HINT,
        "en/article/index.html: hreflang: names the versions {en: en/article/index.html, fr: article/index.html, "
        "x-default: article/index.html} but its French version article/index.html names {en: "
        "en/article/index.html, x-default: article/index.html}; the versions of a page must name each other alike"
        + HINT,
    ]


def test_versions_outside_the_languages_and_a_wrong_own_address_are_named(tmp_path):
    versions = [("fr", f"{SITE}/"), ("en", EN), ("de", f"{SITE}/de/"), ("es", "https://else.example/es/"),
                ("x-default", FR)]
    problems = checked(tmp_path, {**homes(), **pair(fr=versions)})
    assert problems[:4] == [
        "article/index.html: hreflang: links to https://else.example/es/ as its Spanish version, but 'es' is not a "
        "language of this site (fr, en)",
        f"article/index.html: hreflang: links to {SITE}/ as its French version; in its own language a page names "
        f"itself ({FR})" + HINT,
        f"article/index.html: hreflang: links to {FR} as its default (x-default) version, which is none of its "
        "language versions" + HINT,
        f"article/index.html: hreflang: links to {SITE}/de/ as its German version, but 'de' is not a language of "
        "this site (fr, en)",
    ]


def test_an_address_off_the_site_is_named_with_the_siteurl(tmp_path):
    pages = {**homes(), "a.html": html("fr", "A", [("fr", "/a.html"), ("en", "https://else.example/en/")])}
    assert checked(tmp_path, pages, siteurl="") == [
        "a.html: hreflang: links to https://else.example/en/ as its English version, which is not an address of "
        "this site (SITEURL is empty); check SITEURL"]
    assert checked(tmp_path, pages, siteurl=SITE + "/") == [
        "a.html: hreflang: links to https://else.example/en/ as its English version, which is not an address of "
        f"this site ({SITE}); check SITEURL"]


def test_a_version_never_built_is_named(tmp_path):
    pages = {**homes(), **pair(fr=[("fr", FR), ("en", f"{SITE}/en/nope/"), ("x-default", FR)])}
    assert checked(tmp_path, pages) == [
        f"article/index.html: hreflang: links to {SITE}/en/nope/ as its English version, but no such page was built "
        "(en/nope/index.html is missing)" + HINT,
        f"en/article/index.html: hreflang: links to {FR} as its French version, but that page does not link back "
        "as its English version" + HINT,
    ]


def test_an_x_default_must_be_one_of_the_versions(tmp_path):
    versions = [("fr", FR), ("en", EN), ("x-default", f"{SITE}/en/")]
    assert checked(tmp_path, {**homes(), **pair(fr=versions, en=versions)}) == [
        f"{path}: hreflang: links to {SITE}/en/ as its default (x-default) version, which is none of its language "
        "versions" + HINT for path in ("article/index.html", "en/article/index.html")]


def test_a_version_in_another_language_names_both_sources(tmp_path):
    pages = {**homes(), **pair(), "en/article/index.html": html("de", "Post", [("fr", FR), ("en", EN),
                                                                              ("x-default", FR)])}
    assert checked(tmp_path, pages, sources={"article/index.html": "c/fr.md", "en/article/index.html": "c/en.md"}) == [
        f"article/index.html: hreflang: links to {EN} as its English version, but that page declares "
        "<html lang=\"de\">; check the Lang, Slug and Translation-Of lines of c/fr.md and c/en.md, then publish again",
        "en/article/index.html: language: <html lang=\"de\"> is not a language of this site (fr, en); check the Lang, "
        "Slug and Translation-Of lines of c/en.md, then publish again",
    ]


def test_a_version_that_does_not_link_back_is_named(tmp_path):
    pages = {**homes(), **pair(en=[("en", EN), ("x-default", FR)])}
    assert checked(tmp_path, pages, sources={"article/index.html": "c/fr.md"}) == [
        f"article/index.html: hreflang: links to {EN} as its English version, but that page does not link back as "
        "its French version; check the Lang, Slug and Translation-Of lines of c/fr.md, then publish again",
        f"en/article/index.html: hreflang: links to {FR} as its default (x-default) version, which is none of its "
        "language versions" + NO_SOURCE_HINT,
    ]


def test_versions_naming_different_defaults_are_named(tmp_path):
    pages = {**homes(), **pair(en=[("fr", FR), ("en", EN), ("x-default", EN)])}
    assert checked(tmp_path, pages) == [
        "article/index.html: hreflang: names the versions {en: en/article/index.html, fr: article/index.html, "
        "x-default: article/index.html} but its English version en/article/index.html names {en: "
        "en/article/index.html, fr: article/index.html, x-default: en/article/index.html}; the versions of a page "
        "must name each other alike" + HINT,
        "en/article/index.html: hreflang: names the versions {en: en/article/index.html, fr: article/index.html, "
        "x-default: en/article/index.html} but its French version article/index.html names {en: "
        "en/article/index.html, fr: article/index.html, x-default: article/index.html}; the versions of a page must "
        "name each other alike" + HINT,
    ]


def test_relative_addresses_and_folders_without_slash_resolve(tmp_path):
    pages = {**homes(), "a/b/index.html": html("fr", "B", [("fr", "../b/"), ("en", "../../en/c"), ("x-default", "./")]),
             "en/c/index.html": html("en", "C", [("fr", "/a/b/index.html"), ("en", ""), ("x-default", "../../a/b")]),
             "x.html": html("fr", "X", [("FR ", " x.html"), ("en", "/en/y.html?from=x#top")],
                            head='<link rel="stylesheet" hreflang="de" href="/nope.css">'),
             "en/y.html": html("en", "Y", [("fr", "../x.html"), ("en", "y.html")]),
             "en/p q.html": html("en", "P", [("en", "p%20q.html")]), "X.html": html("fr", "X", [("fr", "/X.html")])}
    assert checked(tmp_path, pages, siteurl="") == []
    # The same pages under a SITEURL: a root address still resolves, the bare SITEURL is the home.
    pages["index.html"] = html("fr", "Accueil", [("fr", SITE), ("en", f"{SITE}/en/")])
    pages["en/index.html"] = html("en", "Home", [("fr", f"{SITE}/"), ("en", "/en/")])
    assert checked(tmp_path, pages) == []


def test_any_alternate_link_counts_whatever_its_case_and_other_rel_words(tmp_path):
    pages = {**homes(), "z.html": html("fr", "Z", head='<link rel="Feed  ALTERNATE" hreflang="fr" href="/y.html">')}
    assert checked(tmp_path, pages, siteurl="") == [
        "z.html: hreflang: links to /y.html as its French version; in its own language a page names itself "
        "(/z.html)" + HINT]


SITEMAP_INDEX = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 + "".join(f"<sitemap><loc> {url} </loc></sitemap>" for url in
                           (f"{SITE}/sitemap-fr.xml", f"{SITE}/sitemap-de.xml", f"{SITE}/sitemap.xml"))
                 + "</sitemapindex>")
FRENCH_SITEMAP = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                  'xmlns:xhtml="http://www.w3.org/1999/xhtml">'
                  f'<url><loc>{SITE}/article/</loc><xhtml:link rel="alternate" hreflang="en" href="{SITE}/en/gone/"/>'
                  f'<xhtml:link rel="alternate" hreflang="en" href="{SITE}/en/article/"/></url>'
                  '<url><loc>https://else.example/</loc></url><url><loc></loc></url></urlset>')


def test_feeds_sitemaps_and_robots_must_name_what_was_built(tmp_path, caplog):
    pages = {**homes(), **pair(), "sitemap.xml": SITEMAP_INDEX, "sitemap-fr.xml": FRENCH_SITEMAP,
             "robots.txt": f"User-agent: *\nSITEMAP: {SITE}/sitemap.xml\nsitemap:{SITE}/missing.xml\n"
                           "Disallow: /sitemap: x\n",
             "feeds/broken.xml": "<feed><entry></feed>", "feeds/good.xml": "<feed/>", "empty.html": "",
             "skipped/x.html": "", "static/y.xml": "<a>", "static.html": ""}
    with caplog.at_level(logging.INFO, logger="publisher.site_checks"):
        problems = checked(tmp_path, pages, skip=("skipped", "/static/"))
    assert problems == [
        "empty.html: html: the file is empty or not HTML; publish again, and report it if it stays so",
        "feeds/broken.xml: xml: is not well-formed XML (Opening and ending tag mismatch: entry line 1 and feed, "
        "line 1, column 21 (broken.xml, line 1)); feed readers and search engines will ignore it: check the plugin "
        "or template writing it",
        f"robots.txt: sitemap: names {SITE}/missing.xml, which was not built; check SITEURL",
        "sitemap-fr.xml: sitemap: names https://else.example/, but no such page was built; search engines would "
        "report it as missing",
        f"sitemap-fr.xml: sitemap: names {SITE}/en/gone/, but no such page was built; search engines would report "
        "it as missing",
        f"sitemap.xml: sitemap: names {SITE}/sitemap-de.xml, which was not built; check SITEURL",
        "static.html: html: the file is empty or not HTML; publish again, and report it if it stays so",
    ]
    assert caplog.messages == [f"Checked 4 pages and 4 XML files in {tmp_path}: 7 problem(s)"]


def test_a_broken_sitemap_is_reported_once_as_xml(tmp_path):
    pages = {**homes(), "sitemap.xml": "<sitemapindex>", "robots.txt": f"Sitemap: {SITE}/sitemap.xml\n"}
    assert [problem.split(":")[:2] for problem in checked(tmp_path, pages)] == [["sitemap.xml", " xml"]]


def test_site_arguments_of_a_site_in_one_language_and_of_settings_read_without_building():
    one = site_arguments({"DEFAULT_LANG": "de", "SITEURL": f"{SITE}/", "STATIC_PATHS": ["images", "/files/", "/", "X/"]})
    assert one == SiteArguments(SITE, {"de": ""}, "de", {}, ("images/", "files/", "X/"))
    assert site_arguments({"DEFAULT_LANG": "de", "SITEURL": "https://example.org/X/"}).siteurl == "https://example.org/X"
    read = site_arguments({"BILINGUAL": {"languages": ["en", "fr"], "paths": {"fr": "/francais/"}},
                           "DEFAULT_LANG": "en"})
    assert read == SiteArguments("", {"fr": "francais/", "en": ""}, "en", {}, ())


def test_check_built_site_logs_each_problem_then_fails(tmp_path, caplog):
    output = write(tmp_path, {**homes(), "a.html": html("fr", " ")})
    settings = {"DEFAULT_LANG": "fr", "BILINGUAL": {"languages": ["fr", "en"]}, "SITEURL": SITE}
    with caplog.at_level(logging.ERROR, logger="publisher.site_checks"):
        with pytest.raises(SiteCheckFailed) as failure:
            check_built_site(output, settings)
    problem = Problem("a.html", "title", "the page has no <title> or an empty one; check the template's title block")
    assert failure.value.problems == [problem]
    assert str(failure.value) == "1 problem(s) in the built site, listed above"
    assert caplog.messages == [str(problem)]
    (output / "a.html").unlink()
    assert check_built_site(output, settings) == SiteArguments(SITE, {"fr": "", "en": "en/"}, "fr", {}, ())


def test_the_command_reads_its_settings_and_output(tmp_path, monkeypatch, caplog, capsys):
    output = write(tmp_path / "output", homes())
    (tmp_path / "publishconf.py").write_text('BILINGUAL = {"languages": ["fr", "en"]}\nSITEURL = ""\n'
                                             'DEFAULT_LANG = "fr"\n', encoding="utf-8")
    monkeypatch.delenv("SITEURL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main([]) == 0
    (output / "en/index.html").unlink()
    with caplog.at_level(logging.ERROR, logger="publisher.site_checks"):
        assert main([]) == 3
    assert caplog.messages[-1] == "Site check failed: 1 problem(s) in the built site, listed above"
    assert main(["--output", "elsewhere"]) == 3   # nothing built there: no home
    (tmp_path / "other.py").write_text('SITEURL = ""\nDEFAULT_LANG = "fr"\n', encoding="utf-8")
    assert main(["--settings", "other.py"]) == 0
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "Check a built site before deploying it." in capsys.readouterr().out


def test_only_the_head_is_read_and_a_page_without_head_end_is_read_whole(tmp_path):
    pages = {**homes(),
             # An alternate link in the body is no hreflang link (the body is never parsed).
             "a.html": html("fr", "A").replace("<p>Corps</p>", '<link rel="alternate" hreflang="en" href="/nope/">'),
             "b.html": '<html lang="fr"><title>B</title><link rel="alternate" hreflang="en" href="/en/nope/"><p>b',
             "c/index.html": html("fr", "C", head='<link rel="alternate" hreflang="fr">')}   # no href: itself
    assert checked(tmp_path, pages, siteurl="") == [
        "b.html: hreflang: links to /en/nope/ as its English version, but no such page was built "
        "(en/nope/index.html is missing)" + HINT,
        "b.html: hreflang: names other versions but not itself as the French version" + HINT]


def test_an_unknown_language_code_is_named_as_written(tmp_path):
    pages = {**homes(), "a.html": html("fr", "A", [("fr", "/a.html"), ("zz", "/zz/")])}
    assert checked(tmp_path, pages, siteurl="") == [
        "a.html: hreflang: links to /zz/ as its 'zz' version, but 'zz' is not a language of this site (fr, en)"]


def test_an_alternate_of_a_sitemap_without_address_is_the_home(tmp_path):
    sitemap = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
               'xmlns:xhtml="http://www.w3.org/1999/xhtml"><url><loc/><xhtml:link rel="alternate" hreflang="en"/>'
               '</url></urlset>')
    pages = {**homes(), "sitemap-fr.xml": sitemap, "robots.txt": "Sitemap: sitemap-fr.xml\n"}
    assert checked(tmp_path, pages, siteurl="") == []


def test_languages_in_folders_of_their_own_leave_the_root_to_none(tmp_path):
    pages = {"index.html": html("de", "Sprachwahl"), "fr/index.html": html("fr", "Accueil"),
             "en/index.html": html("en", "Home")}
    assert checked(tmp_path, pages, languages={"fr": "fr/", "en": "en/"}) == [
        "index.html: language: <html lang=\"de\"> is not a language of this site (fr, en)" + HINT]


def test_links_that_are_no_alternates_and_refreshes_without_address_are_left_alone(tmp_path):
    pages = {**homes(), "a.html": html("fr", "A", head='<link hreflang="en" href="/en/nope/">'
                                                      '<meta http-equiv="refresh"><meta http-equiv="refresh" content="5">')}
    assert checked(tmp_path, pages) == []


def test_a_siteurl_and_folders_ending_in_any_letter_are_kept_whole(tmp_path):
    siteurl = "https://site.example/X"
    pages = {"index.html": html("fr", "Accueil", [("fr", siteurl + "/"), ("en", siteurl + "/enX/")]),
             "enX/index.html": html("en", "Home", [("fr", siteurl + "/"), ("en", siteurl + "/enX/")])}
    assert checked(tmp_path, pages, languages={"fr": "", "en": "/enX/"}, siteurl=siteurl + "/") == []


def test_robots_txt_is_read_as_utf8_whatever_the_locale(tmp_path):
    import locale

    pages = {**homes(), "robots.txt": f"# Plan du site, mis à jour à chaque publication\nSitemap: {SITE}/nope.xml\n"}
    previous = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")   # ASCII, unless Python runs in UTF-8 mode
        problems = checked(tmp_path, pages)
    finally:
        locale.setlocale(locale.LC_CTYPE, previous)
    assert problems == [f"robots.txt: sitemap: names {SITE}/nope.xml, which was not built; check SITEURL"]
