"""The newsletter in the brand: the email (logo as a PNG, accent, digest cards with the post's own
picture, dark-mode metas, no SVG, held under Gmail's clipping) and the newsletter pages on the
site (the landing page's pitch, sample and cards; each issue page ending with the form)."""

import email
import io
from datetime import datetime
from email import policy
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from conftest import ROOT
from bilingual.catalogue import load_translations
from newsletter.model import Issue, PostCard
from newsletter.render import DEFAULT_BRAND, IssueLinks, Renderer
from sitekit.brand import contrast

SITE = "https://elise-marchand.example"
CONFIG = {
    "site_url": SITE, "utm": {}, "name": {"fr": "La lettre", "en": "The letter"}, "tagline": "",
    "postal_address": "14 rue des Tanneurs, Lyon", "powered_by": "", "unsubscribe_placeholder": "[[U]]",
}
WITH_PICTURE = PostCard(title="A post with a picture", url=f"{SITE}/a/", summary="One.",
                        image=f"{SITE}/images/vitrine-locale.jpg", image_alt="A shop window")
WITHOUT_PICTURE = PostCard(title="A post without one", url=f"{SITE}/b/", summary="Two.")


def render(brand=None, posts=(), lang="en"):
    issue = Issue(number=3, lang=lang, subject="Issue 3", date=datetime(2026, 3, 3, 8, tzinfo=ZoneInfo("Europe/Paris")),
                  body_html="<p>Hello</p>", source_path="content/newsletter/en/3.md", posts=list(posts),
                  url="en/newsletter/3/")
    links = IssueLinks(view_online=issue.url, archive="en/newsletter/", feedback_yes="en/newsletter/feedback/yes/",
                       feedback_no="en/newsletter/feedback/no/", subscribe="en/newsletter/#subscribe")
    renderer = Renderer([ROOT / "theme/newsletter"], CONFIG,
                        lambda lang: load_translations(ROOT / "theme/translations", lang), brand=brand)
    return renderer.render(issue, links)


def soup_of(html):
    return BeautifulSoup(html, "html.parser")


# --- The email, rendered alone ----------------------------------------------------------------

def test_the_button_and_links_take_the_brand_accent():
    brand = {"accent": "#0b5394", "accent_fill": "#0b5394", "on_accent": "#ffffff"}
    rendered = render(brand)
    soup = soup_of(rendered.html)
    online = soup.find("a", string="View online")
    assert "color:#0b5394" in online["style"].replace(" ", "")
    assert "#a4361d" not in rendered.html.lower()


def test_a_button_in_the_issue_is_filled_with_the_accent_behind_a_readable_label():
    issue_button = '<p><a class="button" href="/x/">Read it</a></p>'
    renderer_brand = {"accent": "#0b5394", "accent_fill": "#0b5394", "on_accent": "#ffffff"}
    issue = Issue(number=3, lang="en", subject="Issue 3", date=datetime(2026, 3, 3, tzinfo=ZoneInfo("UTC")),
                  body_html=issue_button, source_path="x.md", url="en/newsletter/3/")
    links = IssueLinks("en/newsletter/3/", "en/newsletter/", "y/", "n/", "en/newsletter/#subscribe")
    rendered = Renderer([ROOT / "theme/newsletter"], CONFIG, lambda lang: load_translations(
        ROOT / "theme/translations", lang), brand=renderer_brand).render(issue, links)
    link = soup_of(rendered.html).find("a", string=lambda s: s and "Read it" in s)
    cell = link.find_parent("td")
    assert cell["bgcolor"].lower() == "#0b5394"
    assert "color:#ffffff" in link["style"].replace(" ", "")
    assert contrast("#0b5394", "#ffffff") >= 4.5


def test_the_default_colours_read_at_4_5_to_1_on_the_emails_backgrounds():
    for background in (DEFAULT_BRAND["background"], DEFAULT_BRAND["card"]):
        for colour in (DEFAULT_BRAND["accent"], DEFAULT_BRAND["muted"], DEFAULT_BRAND["text"]):
            assert contrast(colour, background) >= 4.5, (colour, background)
    assert contrast(DEFAULT_BRAND["accent_fill"], DEFAULT_BRAND["on_accent"]) >= 4.5
    for colour in (DEFAULT_BRAND["accent_dark"], DEFAULT_BRAND["dark_text"], DEFAULT_BRAND["dark_muted"]):
        assert contrast(colour, DEFAULT_BRAND["dark_card"]) >= 4.5, colour


def test_a_digest_card_shows_the_posts_own_picture_and_none_without_one():
    soup = soup_of(render(posts=[WITH_PICTURE, WITHOUT_PICTURE]).html)
    [picture] = soup.find_all("img", src=WITH_PICTURE.image)
    assert picture["alt"] == "A shop window" and picture.find_parent("a")["href"] == WITH_PICTURE.url
    assert picture["width"] == "552"
    without = render(posts=[WITHOUT_PICTURE]).html
    assert soup_of(without).find("a", href=WITHOUT_PICTURE.url) is not None
    assert soup_of(without).find_all("img") == []  # no logo in the default brand, no picture: no image at all


def test_the_email_declares_its_colour_schemes_and_language_and_uses_web_safe_faces():
    for lang in ("fr", "en"):
        rendered = render(lang=lang)
        soup = soup_of(rendered.html)
        assert soup.html["lang"] == lang
        assert soup.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"
        assert soup.find("meta", attrs={"name": "supported-color-schemes"})["content"] == "light dark"
        assert "Georgia" in rendered.html and "Segoe UI" in rendered.html
        assert "<!--[if mso]>" in rendered.html  # the faces Outlook for Windows falls back to
        assert "fonts.googleapis" not in rendered.html and "@font-face" not in rendered.html


def test_the_logo_and_social_links_come_from_the_brand():
    brand = {"logo": {"url": f"{SITE}/images/brand/logo.png", "width": 48, "height": 48, "alt": "Élise Marchand"},
             "social": [{"name": "Mastodon", "url": "https://mastodon.example/@elise"}]}
    soup = soup_of(render(brand).html)
    logo = soup.find("img", src=f"{SITE}/images/brand/logo.png")
    assert (logo["width"], logo["height"], logo["alt"]) == ("48", "48", "Élise Marchand")
    assert soup.find("a", href="https://mastodon.example/@elise").get_text(strip=True) == "Mastodon"


# --- The email of the sample site, through a real build ---------------------------------------

def html_part(site, key):
    message = email.message_from_bytes((site.output.parent / "outbox" / f"{key}.eml").read_bytes(),
                                       policy=policy.default)
    return message.get_body(("html",)).get_content()


@pytest.mark.parametrize("key", ["issue-2-fr", "issue-2-en", "issue-1-fr", "issue-1-en"])
def test_the_sample_email_carries_the_png_logo_and_no_svg(site, key):
    html = html_part(site, key)
    soup = soup_of(html)
    logo = soup.find("img", src=lambda s: s and "/brand/" in s)
    assert logo["src"].startswith("https://") and logo["src"].endswith(".png")
    assert (logo["width"], logo["height"]) == ("48", "48") and logo["alt"]
    # The SVG logo of BRAND drawn at twice the size it shows, into the site the email links to.
    with Image.open(site.output / site.local(logo["src"])) as drawn:
        assert drawn.size == (96, 96) and drawn.getpixel((48, 4))[:3] == (0xa4, 0x36, 0x1d)
    assert "<svg" not in html.lower()
    assert not [img for img in soup.find_all("img") if img["src"].split("?")[0].lower().endswith(".svg")]
    assert len(html.encode()) < 100 * 1024
    social = {a.get_text(strip=True) for a in soup.find_all("a")}
    assert {"LinkedIn", "Mastodon"} <= social


def test_the_sample_digest_shows_the_posts_pictures_never_their_social_cards(site):
    soup = soup_of(html_part(site, "issue-2-fr"))
    pictures = [img["src"] for img in soup.find_all("img")]
    assert f"{SITE}/images/audit-seo-grille.png" in pictures
    assert not [src for src in pictures if "/images/cards/" in src]


# --- The newsletter on the site ---------------------------------------------------------------

@pytest.mark.parametrize("archive, latest, sample_heading, all_issues", [
    ("newsletter/", "newsletter/2/", "Le dernier numéro", "Tous les numéros"),
    ("en/newsletter/", "en/newsletter/2/", "The latest issue", "All issues"),
])
def test_the_landing_page_sells_the_letter(site, archive, latest, sample_heading, all_issues):
    main = site.html(archive).main
    hero = main.select_one(".newsletter-hero")
    assert hero.h1 and hero.select_one(".lede") and len(hero.select(".newsletter-perks li")) == 3
    assert hero.select_one('a[href="#subscribe"]')
    sample = main.select_one(".newsletter-sample")
    assert sample.h2.get_text(strip=True) == sample_heading
    [link] = sample.select("h3 a")
    assert link["href"] == f"{site.siteurl}/{latest}" and link.get_text(strip=True)
    assert len(sample.select_one(".excerpt").get_text(strip=True)) > 40
    assert sample.select_one(".meta").get_text().count("2025")
    # the form between the sample and the list of issues
    band = main.select_one("section#subscribe.subscribe-band")
    assert band.find("form") is not None
    assert sample.find_all_next("section", id="subscribe") and band.find_all_next(id="issues-title")
    cards = main.select(".newsletter-issues > li.issue-card")
    assert len(cards) == 2
    for card in cards:
        assert len(card.select("a")) == 1 and card.select_one(".meta") and card.select_one(".excerpt").get_text(strip=True)
    assert main.select_one("#issues-title").get_text(strip=True) == all_issues


@pytest.mark.parametrize("page", ["newsletter/1/", "newsletter/2/", "en/newsletter/1/", "en/newsletter/2/"])
def test_every_issue_page_ends_with_the_form(site, page):
    main = site.html(page).main
    last = [child for child in main.find_all(recursive=False)][-1]
    assert last.name == "section" and last.get("id") == "subscribe"
    assert last.find("form").find("input", type="email") is not None
    assert last.find_previous("article", class_="newsletter-issue") is not None


def test_the_site_digest_shows_each_posts_picture_with_its_size(site):
    digest = site.html("newsletter/2/").select_one(".newsletter-digest")
    items = digest.select("li")
    pictured = [li for li in items if li.img]
    assert pictured and all(li.img["width"] and li.img["height"] and li.img["src"].startswith(f"{site.siteurl}/images/")
                            for li in pictured)
    assert all("no-image" in li.get("class", []) for li in items if not li.img)


@pytest.mark.browser
@pytest.mark.parametrize("key", ["issue-2-fr", "issue-2-en"])
def test_the_email_turns_dark_in_a_dark_mail_client_and_stays_readable(browser, site, key):
    """The preview of dark mode: Apple Mail and the other clients that honour
    prefers-color-scheme show every part of the email on dark grounds, text at 4.5:1."""
    page = browser.new_page(color_scheme="dark", viewport={"width": 600, "height": 900})
    try:
        page.route("**/*", lambda route: route.abort())  # the pictures are the site's; not needed here
        page.set_content(html_part(site, key))
        grounds = page.evaluate("""() => {
            const ground = element => {
                for (let node = element; node; node = node.parentElement) {
                    const colour = getComputedStyle(node).backgroundColor;
                    if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
                }
                return getComputedStyle(document.documentElement).backgroundColor;
            };
            return [...document.querySelectorAll("p, h1, h2, h3, a, td, div")]
                .filter(element => element.checkVisibility() && element.innerText.trim() && element.children.length === 0)
                .map(element => [ground(element), getComputedStyle(element).color, element.innerText.slice(0, 30)]);
        }""")
    finally:
        page.close()
    assert len(grounds) > 10

    def rgb(text):
        return "#" + "".join(f"{int(part):02x}" for part in text[text.index("(") + 1:].rstrip(")").split(",")[:3])

    light_grounds = [text for ground, _, text in grounds if contrast(rgb(ground), "#000000") > 10]
    assert light_grounds == [], "text on a light ground in dark mode"
    unreadable = [(text, ratio) for ground, colour, text in grounds
                  if (ratio := round(contrast(rgb(colour), rgb(ground)), 2)) < 4.5]
    assert unreadable == []


def test_a_new_svg_logo_is_drawn_again_for_the_email_and_an_unchanged_one_is_not(tmp_path):
    """Replacing logo.svg changes the email's logo at the next build (no PNG to remake by hand)."""
    from sitekit.brand import logo_png

    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" '
                   'fill="#123456"/></svg>')
    cache = tmp_path / "cache"
    first = logo_png(svg, 40, cache)
    assert logo_png(svg, 40, cache) == first and len(list(cache.iterdir())) == 1
    svg.write_text(svg.read_text().replace("#123456", "#654321"))
    second = logo_png(svg, 40, cache)
    with Image.open(io.BytesIO(first)) as old, Image.open(io.BytesIO(second)) as new:
        assert old.size == new.size == (80, 40)
        assert old.getpixel((40, 20))[:3] == (0x12, 0x34, 0x56) and new.getpixel((40, 20))[:3] == (0x65, 0x43, 0x21)


def test_an_svg_logo_that_cannot_be_drawn_is_one_line(tmp_path):
    from sitekit.brand import logo_png
    from sitekit.settings import SettingsError

    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10"')
    with pytest.raises(SettingsError) as failure:
        logo_png(svg, 20, tmp_path / "cache")
    assert "logo.svg" in str(failure.value) and "\n" not in str(failure.value)
