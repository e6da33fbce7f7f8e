"""Newsletter issues: the email of each issue and language (MJML, HTML, text,
MIME), the checks that stop a broken one, and the archive on the site.

Golden files: tests/golden/newsletter/issue-<n>-<lang>.mjml hold the MJML
rendered from FIXTURE_BODY. After an intended change of the template,
regenerate them with
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_newsletter.py -k golden
and review the diff before committing.
"""

import email
import os
import shutil
from datetime import datetime
from email import policy
from zoneinfo import ZoneInfo

import feedparser
import markdown
import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from bilingual.catalogue import load_translations
from newsletter.checks import check_email
from newsletter.links import LinkMaker
from newsletter.model import Issue, PostCard
from newsletter.render import IssueLinks, Renderer, RenderError

GOLDEN = ROOT / "tests/golden/newsletter"
TEMPLATES = ROOT / "theme/newsletter"
SITE = "https://elise-marchand.example"
PLACEHOLDER = "[[UNSUBSCRIBE_URL]]"
CONFIG = {
    "site_url": SITE,
    "utm": {"utm_source": "newsletter", "utm_campaign": "issue-{number}-{lang}"},
    "name": {"fr": "La lettre d’Élise", "en": "Élise’s letter"},
    "tagline": {"fr": "Le marketing, simplement", "en": "Marketing, simply"},
    "postal_address": "Élise Marchand, 14 rue des Tanneurs, 69001 Lyon, France",
    "powered_by": "Pelican · MJML",
    "unsubscribe_placeholder": PLACEHOLDER,
}
FIXTURE_BODY = {
    "fr": """Bonjour 👋

## Au sommaire

- Une *liste* avec un [lien](/strategie-editoriale-en-5-etapes/)
- Un second point

> Une citation.

![Un carnet ouvert](/images/newsletter-enveloppe.jpg "Le carnet des idées.")

[Lire la suite](/newsletter-qui-se-fait-lire/){.button}
""",
    "en": """Hello 👋

## In this issue

- A *list* with a [link](/en/editorial-strategy-in-5-steps/)
- A second point

> A quote.

![An open notebook](/images/newsletter-enveloppe.jpg "The notebook of ideas.")

[Read more](/en/a-newsletter-people-actually-read/){.button}
""",
}
SUBJECTS = {"fr": "Numéro 5 : la lettre d’essai", "en": "Issue 5: the test letter"}


def fixture_issue(lang, body=None, subject=None, posts=()):
    html = markdown.markdown(body if body is not None else FIXTURE_BODY[lang], extensions=["extra"],
                             output_format="html5")
    return Issue(number=5, lang=lang, subject=subject or SUBJECTS[lang],
                 date=datetime(2026, 2, 7, 8, 0, tzinfo=ZoneInfo("Europe/Paris")), body_html=html,
                 source_path=f"content/newsletter/{lang}/5.md", preheader="Un aperçu" if lang == "fr" else "A preview",
                 author="Élise Marchand", posts=list(posts), url=("" if lang == "fr" else "en/") + "newsletter/5/")


def links_of(issue):
    prefix = "" if issue.lang == "fr" else "en/"
    return IssueLinks(view_online=issue.url, archive=prefix + "newsletter/",
                      feedback_yes=prefix + "newsletter/feedback/yes/?issue=5",
                      feedback_no=prefix + "newsletter/feedback/no/?issue=5", subscribe=prefix + "newsletter/#subscribe")


def renderer(template_dirs=(TEMPLATES,), **config):
    catalogues = ROOT / "theme/translations"
    return Renderer(template_dirs, {**CONFIG, **config}, lambda lang: load_translations(catalogues, lang))


def render(lang="fr", template_dirs=(TEMPLATES,), **issue_changes):
    issue = fixture_issue(lang, **issue_changes)
    return renderer(template_dirs).render(issue, links_of(issue))


def problems_of(rendered, exists=lambda path: True, **config):
    maker = LinkMaker(SITE, CONFIG["utm"], number=5, lang=rendered.issue.lang)
    return check_email(rendered, maker, config.get("placeholder", PLACEHOLDER), exists)


# --- Golden MJML and the parsed email ------------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "en"])
def test_golden_mjml(lang):
    mjml = render(lang).mjml
    golden = GOLDEN / f"issue-5-{lang}.mjml"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(mjml, encoding="utf-8")
    assert mjml == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang, header, view_online, yes, no", [
    ("fr", "Numéro #5 · 7 février 2026", f"{SITE}/newsletter/5/", "Oui", "Non"),
    ("en", "Issue #5 · February 7, 2026", f"{SITE}/en/newsletter/5/", "Yes", "No"),
])
def test_the_html_part_holds_what_a_reader_needs(lang, header, view_online, yes, no):
    rendered = render(lang)
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.html["lang"] == lang
    text = soup.get_text(" ")
    assert header in text
    online = [a["href"] for a in soup.find_all("a") if a.get_text(strip=True) in ("Voir en ligne", "View online")]
    assert online == [f"{view_online}?utm_source=newsletter&utm_campaign=issue-5-{lang}"]
    feedback = {a.get_text(strip=True): a["href"] for a in soup.find_all("a") if "/feedback/" in a["href"]}
    assert feedback[yes].startswith(f"{SITE}/{'' if lang == 'fr' else 'en/'}newsletter/feedback/yes/?issue=5&")
    assert feedback[no].startswith(f"{SITE}/{'' if lang == 'fr' else 'en/'}newsletter/feedback/no/?issue=5&")
    assert soup.find("a", href=PLACEHOLDER) is not None
    assert CONFIG["postal_address"] in text
    assert ("Un aperçu" if lang == "fr" else "A preview") in text  # the preheader
    image = soup.find("img", alt=True, src=lambda s: s and s.endswith("newsletter-enveloppe.jpg"))
    assert image["src"] == f"{SITE}/images/newsletter-enveloppe.jpg" and image["alt"]
    assert ("Le carnet des idées." if lang == "fr" else "The notebook of ideas.") in text
    assert "👋" in text
    assert all(a["href"].startswith(("https://", "[[")) for a in soup.find_all("a"))


def test_the_text_part_is_readable_with_its_links_listed():
    text = render("fr").text
    assert "Numéro #5 · 7 février 2026" in text
    assert "Au sommaire\n-----------" in text
    assert "- Une liste avec un lien [" in text
    assert "> Une citation." in text
    assert "[Image: Un carnet ouvert]" in text
    assert f"Se désabonner\u00a0: {PLACEHOLDER}" in text or f"Se désabonner: {PLACEHOLDER}" in text
    links = text.split("Liens\u00a0:\n", 1)[1]
    assert f"{SITE}/strategie-editoriale-en-5-etapes/?utm_source=newsletter" in links


def test_digest_posts_become_cards():
    card = PostCard(title="Un article", url=f"{SITE}/un-article/", summary="Résumé.", image=f"{SITE}/images/a.png")
    soup = BeautifulSoup(render("fr", posts=[card]).html, "html.parser")
    assert "Publié depuis le dernier numéro" in soup.get_text()
    assert soup.find("a", string="Un article")["href"].startswith(f"{SITE}/un-article/?utm_source=")
    assert soup.find("img", src=f"{SITE}/images/a.png") is not None


# --- One test per check, each on a deliberately broken issue ---------------------------------

def test_a_sound_issue_passes_every_check():
    assert problems_of(render("fr")) == []


def test_an_email_over_100_kb_is_refused():
    big = "\n\n".join(f"Paragraphe {n} : " + "du texte " * 40 for n in range(400))
    [problem] = problems_of(render("fr", body=big))
    assert problem.startswith("the HTML weighs ") and "Gmail would clip it" in problem


def test_an_image_without_alt_is_refused():
    problems = problems_of(render("fr", body='<p>Texte <img src="/images/a.png"> ici.</p>'))
    assert any(p.startswith(f"image {SITE}/images/a.png has no alt text") for p in problems)


def test_an_image_missing_from_the_site_is_refused():
    problems = problems_of(render("fr"), exists=lambda path: not path.startswith("images/"))
    assert problems == [f"image {SITE}/images/newsletter-enveloppe.jpg does not exist in the built site; check its file name"]


def test_a_link_into_the_site_must_exist():
    problems = problems_of(render("fr"), exists=lambda path: path != "strategie-editoriale-en-5-etapes/")
    assert len(problems) == 1 and "points into the site, but no such page was built" in problems[0]


def test_a_link_that_is_not_http_is_refused():
    problems = problems_of(render("fr", body="[Fichier](ftp://files.example/a.zip)"))
    assert problems == ["link 'ftp://files.example/a.zip' ('Fichier') is not an absolute http(s) address"]


def test_a_subject_over_78_characters_is_refused():
    [problem] = problems_of(render("fr", subject="Numéro 5 : " + "un sujet beaucoup trop long " * 4))
    assert problem.startswith("the subject (Title) has ") and "over 78" in problem


@pytest.fixture
def own_templates(tmp_path):
    """A copy of the theme's email templates, to break."""
    folder = tmp_path / "newsletter"
    shutil.copytree(TEMPLATES, folder)
    return folder


def edit(folder, old, new):
    path = folder / "issue.mjml"
    source = path.read_text(encoding="utf-8")
    assert old in source
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def test_a_template_without_the_unsubscribe_link_is_refused(own_templates):
    edit(own_templates, '<a href="{{ unsubscribe_url }}" style="color:{{ brand.muted }};">{{ _("Unsubscribe") }}</a> ·', "")
    problems = problems_of(render("fr", template_dirs=[own_templates]))
    assert problems == [f"the unsubscribe link ({PLACEHOLDER}) is missing from the HTML part; keep it in the template's footer"]


def test_a_plain_text_part_without_the_unsubscribe_link_is_refused(own_templates):
    """Readers whose client shows the text part must find the way out there too."""
    path = own_templates / "issue.text.html"
    source = path.read_text(encoding="utf-8")
    footer = '<p>{{ _("Unsubscribe") }}: {{ unsubscribe_url }}</p>'
    assert footer in source
    path.write_text(source.replace(footer, ""), encoding="utf-8")
    rendered = render("fr", template_dirs=[own_templates])
    assert PLACEHOLDER in rendered.html and PLACEHOLDER not in rendered.text
    assert problems_of(rendered) == [
        f"the unsubscribe link ({PLACEHOLDER}) is missing from the text part; keep it in the template's footer"]


def test_remote_scripts_and_stylesheets_are_refused(own_templates):
    edit(own_templates, "<mj-raw>", '<mj-raw><link rel="stylesheet" href="https://cdn.example/x.css">'
                                    '<script src="https://cdn.example/x.js"></script>')
    problems = problems_of(render("fr", template_dirs=[own_templates]))
    assert "a <script> (https://cdn.example/x.js): mail clients refuse scripts; remove it" in problems
    assert any(p.startswith("a remote stylesheet (https://cdn.example/x.css)") for p in problems)


def test_an_unknown_mjml_element_names_the_template_and_line(own_templates):
    edit(own_templates, "<mj-divider padding=\"8px 24px 20px\"", "<mj-dividr padding=\"8px 24px 20px\"")
    with pytest.raises(RenderError) as error:
        render("fr", template_dirs=[own_templates])
    message = str(error.value)
    assert message.startswith(f"{own_templates / 'issue.mjml'}: MJML rendered for issue-5-fr, line ")
    assert message.endswith("unknown element <mj-dividr>")


def test_misplaced_mjml_and_broken_jinja_are_reported(own_templates):
    edit(own_templates, "<mj-divider padding=\"8px 24px 20px\"", "</mj-column><mj-divider padding=\"8px 24px 20px\"")
    with pytest.raises(RenderError) as error:
        render("fr", template_dirs=[own_templates])
    assert "not well-formed" in str(error.value) or "cannot be inside" in str(error.value)
    edit(own_templates, "{% for post in posts %}", "{% for post in posts %")
    with pytest.raises(RenderError) as error:
        render("fr", template_dirs=[own_templates])
    assert str(error.value).startswith(f"{own_templates / 'issue.mjml'}, line ")


# --- The sample issues through a real build --------------------------------------------------

def test_publish_writes_each_issue_as_a_multipart_email(site):
    outbox = site.output.parent / "outbox"
    names = sorted(p.name for p in outbox.iterdir())
    assert names == ["issue-1-en.eml", "issue-1-fr.eml", "issue-2-en.eml", "issue-2-fr.eml"]
    for name in names:
        message = email.message_from_bytes((outbox / name).read_bytes(), policy=policy.default)
        assert message.get_content_type() == "multipart/alternative"
        parts = list(message.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" for p in parts)
        assert message["Subject"].startswith(("Numéro", "Issue"))
        assert message["Message-ID"] and message["Date"] and "lettre@elise-marchand.example" in message["From"]
        html = message.get_body(("html",)).get_content()
        assert "[[UNSUBSCRIBE_URL]]" in html and "[[UNSUBSCRIBE_URL]]" in message.get_body(("plain",)).get_content()


def test_the_archive_lists_the_issues_in_each_language(site):
    for archive, lang in (("newsletter/", "fr"), ("en/newsletter/", "en")):
        soup = site.html(archive)
        links = [a["href"] for a in soup.select(".newsletter-issues a")]
        assert links == [f"{SITE}/{archive}2/", f"{SITE}/{archive}1/"]
        feed = feedparser.parse((site.output / archive / "feed.xml").read_bytes())
        assert not feed.bozo and len(feed.entries) == 2 and feed.feed.language == lang
    issue = site.html("newsletter/1/")
    assert issue.find("link", hreflang="en")["href"] == f"{SITE}/en/newsletter/1/"
    assert site.html("en/newsletter/1/").find("link", hreflang="fr")["href"] == f"{SITE}/newsletter/1/"
    for page in ("newsletter/feedback/yes/", "en/newsletter/feedback/no/"):
        assert site.html(page).h1.get_text() in ("Merci", "Thank you")


# --- Bad input: one line naming the file ------------------------------------------------------

ISSUE = """\
Title: {title}
Date: {date}
Issue: {number}
Lang: {lang}
{extra}
{body}
"""


def newsletter_project(tmp_path, issues):
    from small_project import SmallProject

    project = SmallProject(tmp_path)
    for relative, fields in issues.items():
        values = {"title": "Numéro", "date": "2025-03-01", "extra": "", "body": "Bonjour.", **fields}
        project.write(f"content/newsletter/{relative}", ISSUE.format(**values))
    return project


def build_lines(project, caplog, fails=True):
    import logging

    from publisher.build import ContentErrors

    overrides = {"COMMENTS": {"isso": {"url": "http://127.0.0.1:9/"}, "default_state": "off"}}
    if fails:
        with pytest.raises(ContentErrors):
            project.build(**overrides)
    else:
        project.build(**overrides)
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_same_issue_number_twice_in_one_language(tmp_path, caplog):
    project = newsletter_project(tmp_path, {"fr/a.md": {"number": 3, "lang": "fr"}, "fr/b.md": {"number": 3, "lang": "fr"},
                                            "en/a.md": {"number": 3, "lang": "en"}})
    assert ("ERROR", "content/newsletter/fr/b.md: Issue: issue 3 in fr is also content/newsletter/fr/a.md; "
            "give each issue its own number") in build_lines(project, caplog)


def test_a_digest_without_new_posts(tmp_path, caplog):
    project = newsletter_project(tmp_path, {"fr/a.md": {"number": 1, "lang": "fr", "date": "2020-01-01", "extra": "Digest: oui"},
                                            "en/a.md": {"number": 1, "lang": "en", "date": "2020-01-01"}})
    assert ("ERROR", "content/newsletter/fr/a.md: Digest: no post in this language was published since the previous "
            "issue; remove the Digest line or publish a post first") in build_lines(project, caplog)


def test_an_image_that_does_not_exist(tmp_path, caplog):
    project = newsletter_project(tmp_path, {
        "fr/a.md": {"number": 1, "lang": "fr", "body": "![Une photo]({static}/images/absente.jpg)"},
        "en/a.md": {"number": 1, "lang": "en"}})
    lines = build_lines(project, caplog)
    assert any(level == "ERROR" and line.startswith("content/newsletter/fr/a.md: ") and "absente.jpg" in line
               for level, line in lines), lines


def test_a_missing_issue_number(tmp_path, caplog):
    project = newsletter_project(tmp_path, {"fr/a.md": {"number": "cinq", "lang": "fr"}})
    assert ("ERROR", "content/newsletter/fr/a.md: Issue: missing or not a whole number; add a line such as "
            "'Issue: 5'") in build_lines(project, caplog)


def test_a_missing_translation_warns_and_the_rest_is_published(tmp_path, caplog):
    project = newsletter_project(tmp_path, {"fr/a.md": {"number": 1, "lang": "fr"}})
    lines = build_lines(project, caplog, fails=False)
    assert ("WARNING", "content/newsletter/fr/a.md: Issue: issue 1 has no en version; write one in newsletter/en/ "
            "with 'Issue: 1' (or leave it fr only)") in lines
    assert sorted(p.name for p in (project.folder / "outbox").iterdir()) == ["issue-1-fr.eml"]
