"""The email checks one by one, on small hand-written HTML: exact problems, limits at their edge."""

import warnings
from types import SimpleNamespace

from bs4 import BeautifulSoup

from newsletter.checks import (HTML_LIMIT, SUBJECT_LIMIT, check_email, check_images, check_links,
                               check_no_remote_code, check_size, check_subject, check_unsubscribe)
from newsletter.links import LinkMaker

SITE = "https://example.org/blog"
PLACEHOLDER = "[[UNSUB]]"


def soup(html):
    return BeautifulSoup(html, "lxml")


def maker():
    return LinkMaker(SITE)


def recording_exists(built=()):
    asked = []

    def exists(path):
        asked.append(path)
        return path in built
    return exists, asked


def rendered(html, text=f"Unsubscribe: {PLACEHOLDER}", subject="A subject"):
    return SimpleNamespace(html=html, text=text, subject=subject)


# --- size -------------------------------------------------------------------------------------

def test_the_limits_are_gmails_clipping_and_rfc_5322s_line():
    assert HTML_LIMIT == 102400 and SUBJECT_LIMIT == 78


def test_an_html_exactly_at_the_limit_passes_one_byte_more_is_refused():
    assert check_size("a" * 2048, limit=2048) == []
    assert check_size("a" * 2049, limit=2048) == [
        "the HTML weighs 2 KB, over 2 KB: Gmail would clip it; shorten the issue or use fewer images"]


def test_the_size_is_counted_in_utf8_bytes_and_rounded_to_kilobytes():
    # 1000 "é" are 2000 bytes: over a 1536-byte limit though only 1000 characters.
    assert check_size("é" * 1000, limit=1536) == [
        "the HTML weighs 2 KB, over 2 KB: Gmail would clip it; shorten the issue or use fewer images"]
    assert check_size("a" * 5000, limit=3072) == [
        "the HTML weighs 5 KB, over 3 KB: Gmail would clip it; shorten the issue or use fewer images"]


def test_the_default_size_limit_is_100_kb():
    assert check_size("a" * HTML_LIMIT) == []
    [problem] = check_size("a" * (HTML_LIMIT + 1))
    assert problem.startswith("the HTML weighs 100 KB, over 100 KB")


# --- subject ----------------------------------------------------------------------------------

def test_a_subject_of_78_characters_passes_79_are_refused():
    assert check_subject("s" * 78) == []
    assert check_subject("s" * 79) == ["the subject (Title) has 79 characters, over 78; shorten it"]


def test_an_empty_or_blank_subject_is_refused():
    assert check_subject("") == ["the subject (Title) is empty"]
    assert check_subject("   ") == ["the subject (Title) is empty"]


# --- images -----------------------------------------------------------------------------------

def test_an_image_with_empty_alt_is_decorative_and_passes():
    exists, asked = recording_exists({"images/a.png"})
    assert check_images(soup(f'<img src="{SITE}/images/a.png" alt="">'), maker(), exists) == []
    assert asked == ["images/a.png"]


def test_an_image_without_alt_is_named_in_the_problem():
    exists, _ = recording_exists({"images/a.png"})
    assert check_images(soup(f'<img src="{SITE}/images/a.png">'), maker(), exists) == [
        f"image {SITE}/images/a.png has no alt text; describe it in ![...] (or leave the brackets empty "
        "for a decorative image)"]


def test_an_image_without_src_is_reported_as_not_absolute():
    exists, asked = recording_exists()
    assert check_images(soup('<img alt="x">'), maker(), exists) == ["image '' is not an absolute http(s) address"]
    assert asked == []


def test_a_relative_image_is_refused_and_not_looked_up():
    exists, asked = recording_exists({"images/a.png"})
    assert check_images(soup('<img src="/images/a.png" alt="x">'), maker(), exists) == [
        "image '/images/a.png' is not an absolute http(s) address"]
    assert asked == []


def test_an_internal_image_missing_from_the_site_is_refused():
    exists, asked = recording_exists()
    assert check_images(soup(f'<img src="{SITE}/images/b.png" alt="x">'), maker(), exists) == [
        f"image {SITE}/images/b.png does not exist in the built site; check its file name"]
    assert asked == ["images/b.png"]


def test_an_external_image_is_not_looked_up_in_the_site():
    exists, asked = recording_exists()
    assert check_images(soup('<img src="https://cdn.example.net/b.png" alt="x">'), maker(), exists) == []
    assert asked == []


def test_every_image_is_checked_and_problems_accumulate():
    exists, _ = recording_exists()
    html = '<img src="ftp://a.example/x.png"><img src="https://cdn.example.net/ok.png" alt="ok">'
    assert check_images(soup(html), maker(), exists) == [
        "image ftp://a.example/x.png has no alt text; describe it in ![...] (or leave the brackets empty "
        "for a decorative image)",
        "image 'ftp://a.example/x.png' is not an absolute http(s) address"]


# --- links ------------------------------------------------------------------------------------

def test_the_unsubscribe_placeholder_and_mailto_links_are_skipped():
    exists, asked = recording_exists()
    html = f'<a href="{PLACEHOLDER}">Unsubscribe</a><a href=" mailto:me@example.org ">Write</a>'
    assert check_links(soup(html), maker(), PLACEHOLDER, exists) == []
    assert asked == []


def test_a_link_without_href_is_not_absolute():
    exists, _ = recording_exists()
    assert check_links(soup("<a>Anchor</a>"), maker(), PLACEHOLDER, exists) == [
        "link '' ('Anchor') is not an absolute http(s) address"]


def test_a_link_is_stripped_before_it_is_checked():
    exists, asked = recording_exists({"a-post/"})
    html = f'<a href="  {SITE}/a-post/  "> A post </a>'
    assert check_links(soup(html), maker(), PLACEHOLDER, exists) == []
    assert asked == ["a-post/"]


def test_an_internal_link_to_a_page_not_built_is_refused():
    exists, asked = recording_exists()
    html = f'<a href="{SITE}/missing/?utm_source=x#top">Missing</a>'
    assert check_links(soup(html), maker(), PLACEHOLDER, exists) == [
        f"link {SITE}/missing/?utm_source=x#top points into the site, but no such page was built"]
    assert asked == ["missing/"]


def test_an_external_link_is_not_looked_up():
    exists, asked = recording_exists()
    assert check_links(soup('<a href="https://other.example/x">X</a>'), maker(), PLACEHOLDER, exists) == []
    assert asked == []


def test_links_without_a_host_or_with_another_scheme_are_refused():
    exists, _ = recording_exists()
    html = '<a href="http:///no-host">A</a><a href="ftp://files.example/f">B</a><a href="//cdn.example/x">C</a>'
    assert check_links(soup(html), maker(), PLACEHOLDER, exists) == [
        "link 'http:///no-host' ('A') is not an absolute http(s) address",
        "link 'ftp://files.example/f' ('B') is not an absolute http(s) address",
        "link '//cdn.example/x' ('C') is not an absolute http(s) address"]


def test_a_plain_http_link_is_absolute():
    exists, _ = recording_exists()
    assert check_links(soup('<a href="http://other.example/x">X</a>'), maker(), PLACEHOLDER, exists) == []


# --- unsubscribe ------------------------------------------------------------------------------

def test_the_unsubscribe_link_is_required_in_both_parts():
    assert check_unsubscribe(rendered(f"<a href='{PLACEHOLDER}'>u</a>"), PLACEHOLDER) == []
    assert check_unsubscribe(rendered("<p>no link</p>"), PLACEHOLDER) == [
        f"the unsubscribe link ({PLACEHOLDER}) is missing from the HTML part; keep it in the template's footer"]
    assert check_unsubscribe(rendered(PLACEHOLDER, text="no link"), PLACEHOLDER) == [
        f"the unsubscribe link ({PLACEHOLDER}) is missing from the text part; keep it in the template's footer"]
    assert check_unsubscribe(rendered("<p/>", text="none"), PLACEHOLDER) == [
        f"the unsubscribe link ({PLACEHOLDER}) is missing from the HTML and text part; "
        "keep it in the template's footer"]


# --- remote code ------------------------------------------------------------------------------

def test_scripts_are_refused_remote_or_inline():
    html = '<script src="https://x.example/a.js"></script><script>alert(1)</script>'
    assert check_no_remote_code(soup(html)) == [
        "a <script> (https://x.example/a.js): mail clients refuse scripts; remove it",
        "a <script> (inline): mail clients refuse scripts; remove it"]


def test_only_stylesheet_links_are_refused():
    html = ('<link rel="icon" href="/favicon.ico"><link href="/nothing"><link rel="alternate stylesheet" '
            'href="https://x.example/a.css">')
    assert check_no_remote_code(soup(html)) == [
        "a remote stylesheet (https://x.example/a.css): mail clients do not load it; use inline styles"]


def test_a_style_that_imports_or_loads_a_remote_url_is_refused():
    remote = "a <style> loads a remote file (@import or url()); mail clients block it"
    for css in ('@import "x.css";', "p { background: url(https://x.example/a.png) }",
                "p { background: url( 'http://x.example/a.png') }", 'p { background: url("https://x/a") }'):
        assert check_no_remote_code(soup(f"<style>{css}</style>")) == [remote], css


def test_a_style_with_local_or_inline_urls_passes():
    for css in ("p { color: red }", "p { background: url(/images/a.png) }",
                "p { background: url(data:image/png;base64,AAAA) }"):
        assert check_no_remote_code(soup(f"<style>{css}</style>")) == [], css


# --- everything together ----------------------------------------------------------------------

def test_check_email_gathers_every_check_in_order():
    html = (f'<html><head><style>@import "x.css";</style></head><body>'
            f'<img src="/a.png" alt="a"><a href="/b/">B</a><script>1</script></body></html>')
    problems = check_email(rendered(html, text="none", subject=""), maker(), PLACEHOLDER, lambda path: True,
                           html_limit=10)
    assert problems == [
        f"the HTML weighs 0 KB, over 0 KB: Gmail would clip it; shorten the issue or use fewer images",
        "the subject (Title) is empty",
        "image '/a.png' is not an absolute http(s) address",
        "link '/b/' ('B') is not an absolute http(s) address",
        f"the unsubscribe link ({PLACEHOLDER}) is missing from the HTML and text part; "
        "keep it in the template's footer",
        "a <script> (inline): mail clients refuse scripts; remove it",
        "a <style> loads a remote file (@import or url()); mail clients block it"]


def test_check_email_passes_the_links_placeholder_and_exists_through():
    exists, asked = recording_exists({"images/a.png"})
    html = (f'<html><body><img src="{SITE}/images/a.png" alt="a"><a href="{PLACEHOLDER}">u</a>'
            f'<a href="{SITE}/gone/">Gone</a></body></html>')
    assert check_email(rendered(html), maker(), PLACEHOLDER, exists) == [
        f"link {SITE}/gone/ points into the site, but no such page was built"]
    assert asked == ["images/a.png", "gone/"]


def test_check_email_limits_the_size_to_100_kb_by_default():
    body = f'<html><body><a href="{PLACEHOLDER}">u</a></body></html>'
    exact = body.replace("<body>", "<body>" + "a" * (HTML_LIMIT - len(body)))
    assert check_email(rendered(exact), maker(), PLACEHOLDER, lambda path: True) == []
    [problem] = check_email(rendered(exact + " "), maker(), PLACEHOLDER, lambda path: True)
    assert problem.startswith("the HTML weighs 100 KB, over 100 KB")


def test_the_size_is_rounded_to_whole_kilobytes_of_1024_bytes():
    assert check_size("a" * 3584, limit=3072) == [     # 3.5 KB: rounds to 4
        "the HTML weighs 4 KB, over 3 KB: Gmail would clip it; shorten the issue or use fewer images"]


def test_a_link_text_is_quoted_without_its_surrounding_spaces():
    exists, _ = recording_exists()
    assert check_links(soup("<a href='/b/'>\n  Read more  \n</a>"), maker(), PLACEHOLDER, exists) == [
        "link '/b/' ('Read more') is not an absolute http(s) address"]


def test_only_link_elements_count_as_stylesheets_and_only_style_elements_are_searched():
    html = ('<a href="https://other.example/" rel="stylesheet">a</a>'
            "<p>Write @import or url(https://x.example/a.png) in your CSS.</p>")
    assert check_no_remote_code(soup(html)) == []


def test_checking_an_email_warns_about_nothing():
    html = f'<html><body><a href="{PLACEHOLDER}">u</a></body></html>'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_email(rendered(html), maker(), PLACEHOLDER, lambda path: True) == []
