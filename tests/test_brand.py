"""The brand and the page shell: BRAND checked (contrast, unknown keys), the stylesheet assembled
with the brand's tokens, the logo and fonts, the header's two menus, the footer, the 404 pages."""

import logging
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from small_project import SmallProject
from sitekit import brand
from sitekit.settings import SettingsError

PALE = "#f4b4a4"   # a salmon that reaches 1.7:1 on the light background


def _ratio_and_suggestion(message):
    ratio = float(re.search(r"([0-9.]+):1 as link text", message).group(1))
    suggestion = re.search(r"use '(#[0-9a-f]{6})'", message).group(1)
    return ratio, suggestion


# --- BRAND, the setting -----------------------------------------------------------------------

def test_a_pale_accent_stops_the_build_with_one_line_naming_the_key_the_ratio_and_a_colour_that_passes(tmp_path):
    project = SmallProject(tmp_path)
    with (project.folder / "conf.py").open("a") as conf:
        conf.write(f"BRAND = {{**BRAND, 'accent': {PALE!r}}}\n")
    done = subprocess.run([sys.executable, "-m", "publisher.build", "--settings", str(project.folder / "conf.py"),
                           "--output", str(project.output)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0
    [line] = [line for line in done.stderr.splitlines() if line.startswith("Build failed")]
    assert "BRAND['accent']" in line and PALE in line, line
    ratio, suggestion = _ratio_and_suggestion(line)
    assert ratio == pytest.approx(brand.contrast(PALE, brand.BACKGROUND["light"]), abs=0.01) and ratio < 4.5
    assert brand.contrast(suggestion, brand.BACKGROUND["light"]) >= 4.5, "the colour offered must pass"
    assert not project.output.exists()


def test_a_dark_accent_too_dim_on_the_dark_background_is_refused_with_a_lighter_colour():
    with pytest.raises(SettingsError) as error:
        brand.load({"BRAND": {"accent_dark": "#444444"}})
    message = str(error.value)
    assert "BRAND['accent_dark']" in message and "dark background" in message
    _, suggestion = _ratio_and_suggestion(message)
    assert brand.contrast(suggestion, brand.BACKGROUND["dark"]) >= 4.5
    assert brand.luminance(suggestion) > brand.luminance("#444444")


def test_the_button_fill_is_derived_when_the_accent_is_too_light_behind_its_label():
    # Readable as text on the page (4.6:1) but too light behind white text: the fill is darkened.
    config = brand.load({"BRAND": {"accent": "#1a6ee0"}})
    light = config["colors"]["light"]
    assert light["accent"] == "#1a6ee0"
    assert brand.contrast(light["accent_fill"], light["on_accent"]) >= 4.5
    for scheme in ("light", "dark"):
        colours = config["colors"][scheme]
        assert brand.contrast(colours["accent"], colours["background"]) >= 4.5
        assert brand.contrast(colours["accent_fill"], colours["on_accent"]) >= 4.5
        assert brand.contrast(colours["accent"], colours["background"]) >= 3  # focus rings


def test_an_unknown_brand_key_warns_and_is_ignored(caplog):
    with caplog.at_level(logging.WARNING):
        config = brand.load({"BRAND": {"colour": "#a4361d"}, "SITENAME": "Site"})
    assert any("BRAND" in r.getMessage() and "'colour'" in r.getMessage() for r in caplog.records)
    assert "colour" not in config and config["wordmark"] == "Site"


def test_social_icons_follow_the_profile_names():
    config = brand.load({"BRAND": {"social": [{"name": "LinkedIn", "url": "https://l.example"},
                                               {"name": "My forum", "url": "https://f.example"}]}})
    assert [p["icon"] for p in config["social"]] == ["linkedin", "link"]


def test_the_theme_colour_pairs_reach_their_contrast_in_both_schemes():
    tokens = (ROOT / "theme/css/00-tokens.css").read_text()
    light_block, dark_block = tokens.split("@media (prefers-color-scheme: dark)")

    def value(block, name):
        return re.search(rf"--{name}: (?:var\(--brand-[a-z-]+, )?(#[0-9a-f]{{6}})", block).group(1)
    for block in (light_block, dark_block):
        bg, surface = value(block, "bg"), value(block, "surface")
        for fore in ("text", "muted", "accent"):
            for back in (bg, surface):
                assert brand.contrast(value(block, fore), back) >= 4.5, (fore, back)
        assert brand.contrast(value(block, "on-accent"), value(block, "accent-fill")) >= 4.5
    assert value(light_block, "bg") == brand.BACKGROUND["light"] and value(dark_block, "bg") == brand.BACKGROUND["dark"]


# --- The built site ---------------------------------------------------------------------------

def test_the_stylesheet_holds_the_brand_tokens_then_every_part_in_order(site):
    css = (site.output / "theme/css/site.css").read_text()
    assert css.startswith("/* BRAND (generated) */")
    assert "--brand-accent:#a4361d" in css and "--brand-accent:#f2a48f" in css
    assert "/* Design tokens" not in css, "the parts' own comments are left out"
    parts = sorted(p.name for p in (ROOT / "theme/css").glob("*.css"))
    assert len(parts) >= 6
    positions = [css.index(f"/* {name} */") for name in parts]
    assert positions == sorted(positions)
    assert css.index("--brand-accent") < positions[0]


def test_each_subfolder_of_parts_is_a_stylesheet_of_its_own_loaded_only_where_needed(site):
    folders = sorted(p for p in (ROOT / "theme/css").iterdir() if p.is_dir())
    assert {folder.name for folder in folders} >= {"search"}
    site_css = (site.output / "theme/css/site.css").read_text()
    for folder in folders:
        bundle = (site.output / f"theme/css/{folder.name}.css").read_text()
        for part in sorted(folder.glob("*.css")):
            assert f"/* {part.name} */" in bundle and f"/* {part.name} */" not in site_css
    links = lambda page: [link["href"].rsplit("/", 1)[-1] for link in site.html(page).select('link[rel="stylesheet"]')]
    assert links("strategie-editoriale-en-5-etapes/") == ["site.css"]
    assert links("search/") == ["site.css", "search.css"]
    assert links("404.html") == ["site.css", "search.css"]
    assert links("") == ["site.css"]


def test_the_header_logo_has_the_dimensions_of_its_file_and_the_dark_variant(site):
    for page in ("index.html", "en/404.html", "en/editorial-strategy-in-5-steps/"):
        soup = site.html(page)
        logo = soup.select_one(".site-header .brand img.brand-logo")
        assert (logo["width"], logo["height"]) == ("48", "48")
        assert (site.output / site.local(logo["src"])).is_file()
        dark = soup.select_one(".site-header .brand source[media='(prefers-color-scheme: dark)']")
        assert (site.output / site.local(dark["srcset"])).is_file()
        assert soup.select_one(".site-header .brand-wordmark").get_text() == "Élise Marchand"
        assert logo["alt"] == "", "the wordmark beside the monogram names the link"


def test_the_fonts_are_self_hosted_preloaded_and_under_100_kb(site):
    css = (site.output / "theme/css/site.css").read_text()
    urls = re.findall(r"url\(\.\./fonts/([^)]+)\)", css)
    assert len(urls) >= 4
    fonts = site.output / "theme/fonts"
    assert sum((fonts / name).stat().st_size for name in set(urls)) < 100 * 1024
    assert (ROOT / "theme/static/fonts/OFL.txt").read_text().count("SIL Open Font License") >= 2
    preloads = site.html("index.html").select('link[rel="preload"][as="font"]')
    assert preloads and all(p.has_attr("crossorigin") and (fonts / p["href"].rsplit("/", 1)[1]).is_file()
                            for p in preloads)


def test_pages_marked_menu_no_are_in_the_footer_not_the_menu(site):
    for page, legal in (("index.html", "Mentions légales"), ("en/index.html", "Legal notice")):
        soup = site.html(page)
        menus = soup.select(".site-header nav")
        assert len(menus) == 2, "the one-line menu and the compact one"
        assert [a.get_text(strip=True) for a in menus[0].select("a")] == \
               [a.get_text(strip=True) for a in menus[1].select("a")]
        assert legal not in soup.select_one(".site-header").get_text()
        footer = soup.select_one(".site-footer")
        assert legal in footer.get_text()
        assert footer.select_one('a[href$="feeds/atom.xml"]') and footer.select_one('a[rel="me"] svg[aria-hidden="true"]')


def test_the_language_link_is_labelled_in_its_own_language(site):
    link = site.html("strategie-editoriale-en-5-etapes/").select_one(".language-switcher a.language-link")
    assert (link["lang"], link["hreflang"], link.get_text(strip=True)) == ("en", "en", "English")
    assert link["aria-label"] == "Read this page in English"
    link = site.html("en/editorial-strategy-in-5-steps/").select_one(".language-switcher a.language-link")
    assert link["aria-label"] == "Lire cette page en français" and link.get_text(strip=True) == "Français"


@pytest.mark.parametrize("page, lang, home, heading", [
    ("404.html", "fr", "", "Cette page est introuvable"),
    ("en/404.html", "en", "en/", "This page cannot be found"),
])
def test_each_language_has_its_404_page(site, page, lang, home, heading):
    soup = site.html(page)
    assert soup.html["lang"] == lang and soup.h1.get_text(strip=True) == heading
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.select_one("a.not-found-home")["href"] == f"{site.siteurl}/{home}"
    form = soup.select_one("form[role=search]")
    assert form["action"] == f"{site.siteurl}/{home}search/" and form.select_one("input[name=q]")
    recent = soup.select(".not-found-recent .card-title a")
    assert len(recent) == 3
    for link in recent + soup.select("a[href]"):
        href = link["href"]
        # Served at any address, the page may hold no relative link.
        assert href.startswith(("https://", "http://", "#", "mailto:")), href
    for link in recent:
        assert site.html(site.local(link["href"])).html["lang"] == lang
    sitemap = (site.output / f"sitemap-{lang}.xml").read_text()
    assert "404.html" not in sitemap and f"{site.siteurl}/{home}" in sitemap


# --- In the browser ---------------------------------------------------------------------------

def test_the_compact_menu_opens_without_javascript_and_the_wide_one_shows_from_768px(browser, served_site):
    base, _ = served_site
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 700})
    page = context.new_page()
    page.goto(f"{base}/")
    compact, wide = page.locator(".menu-compact"), page.locator(".menu-wide")
    assert compact.is_visible() and not wide.is_visible()
    archives = compact.locator("nav a").first
    assert not archives.is_visible()
    page.locator(".menu-compact summary").click()
    assert archives.is_visible() and archives.inner_text() == "Articles"
    box = archives.bounding_box()
    assert box["height"] >= 44
    # Only one of the two menus is exposed.
    assert page.locator("nav:visible", has=page.locator("a[href$='/archives/']")).count() == 1
    with page.expect_navigation():
        archives.click()
    assert page.url == f"{base}/archives/"
    context.close()

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{base}/en/")
    assert page.locator(".menu-wide").is_visible() and not page.locator(".menu-compact").is_visible()
    links = page.locator(".menu-wide a")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, "the menu holds on one line at 1280px"
    switch = page.locator(".site-header .language-link")
    assert switch.is_visible() and round(switch.bounding_box()["y"]) <= max(tops) + 10
    context.close()


def test_print_shows_the_text_black_on_white_with_link_addresses_and_no_navigation(browser, served_site):
    base, _ = served_site
    page = browser.new_page(color_scheme="dark")
    page.goto(f"{base}/audit-seo-priorites/")   # its text links to part 1
    page.emulate_media(media="print")
    for hidden in (".menu-wide", ".menu-compact", ".language-switcher", ".site-footer"):
        assert not page.locator(hidden).first.is_visible(), hidden
    colours = page.evaluate("""() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]""")
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    href, after = page.evaluate("""() => { const a = document.querySelector('.content a[href^="http"]');
        return [a.getAttribute('href'), getComputedStyle(a, '::after').content]; }""")
    assert href in after, (href, after)
    page.close()


def test_a_png_logo_without_wordmark_room_is_copied_with_its_size_and_named_by_its_alt(tmp_path):
    from PIL import Image

    project = SmallProject(tmp_path)
    Image.new("RGB", (240, 60), "#a4361d").save(project.folder / "content/images/wide-logo.png")
    Image.new("RGB", (320, 180), "#eeeeee").save(project.folder / "content/images/cover.jpg")
    with (project.folder / "conf.py").open("a") as conf:
        conf.write("BRAND = {'logo': 'images/wide-logo.png', 'wordmark': 'Atelier', 'cover': 'images/cover.jpg',"
                   " 'cover_alt': {'fr': 'Un atelier', 'en': 'A workshop'}}\n")
    project.build()
    soup = project.page("article-a-commenter/")
    logo = soup.select_one(".site-header .brand img")
    assert (logo["width"], logo["height"], logo["alt"]) == ("240", "60", "Atelier")
    assert not soup.select(".site-header .brand-wordmark"), "a wide logo holds the name: no wordmark beside it"
    assert not soup.select(".site-header .brand source"), "no dark variant set"
    assert (project.output / logo["src"].lstrip("/")).is_file()
    home = project.page("en/")
    cover = home.select_one("img.home-cover")
    if cover is not None:   # the home shows BRAND's cover (theme/templates/index.html)
        assert (cover["width"], cover["height"], cover["alt"]) == ("320", "180", "A workshop")
    assert (project.output / "theme/brand/cover.jpg").is_file()
