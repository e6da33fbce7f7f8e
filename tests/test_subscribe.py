"""The newsletter's subscribe form: posted straight to the mailing provider in the
reader's language, with a consent box, a privacy notice and a honeypot, working
without JavaScript; the "check your inbox" and "subscribed" pages; the
Content-Security-Policy letting the form post there; the setting's checks.

The sample site uses Buttondown. Other providers are built in small projects;
in the browser, a listmonk stand-in on loopback receives the forms (it refuses
what listmonk's own handler refuses), and Buttondown's endpoint is answered by
the test, so nothing leaves the machine.
"""

import logging
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from newsletter_issues.settings import load
from publisher.local_server import LocalServer
from sitekit.settings import SettingsError as NewsletterSettingsError
from small_project import SmallProject

BUTTONDOWN = "https://buttondown.com/api/emails/embed-subscribe/elise-marchand"
FR_LIST = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
EN_LIST = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"
NO_COMMENTS = {"isso": {"url": "http://127.0.0.1:9/"}, "default_state": "off"}
PAGES = {  # sample site: archive and a post, per language
    "fr": ("newsletter/", "strategie-editoriale-en-5-etapes/"),
    "en": ("en/newsletter/", "en/editorial-strategy-in-5-steps/"),
}
CONSENT = {"fr": "J’accepte de recevoir La lettre d’Élise par e-mail", "en": "I agree to receive Élise’s letter by email"}
PRIVACY = {"fr": "Ce que devient votre adresse (confidentialité)", "en": "How your address is used (privacy notice)"}
HEADINGS = {"check-inbox": {"fr": "Vérifiez votre boîte de réception", "en": "Check your inbox"},
            "done": {"fr": "Inscription confirmée", "en": "Subscription confirmed"}}


def policy(soup):
    meta = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    return {part.split()[0]: part.split()[1:] for part in meta["content"].split(";") if part.strip()}


def fields(form):
    """name -> value of the form's hidden inputs."""
    return {i["name"]: i.get("value", "") for i in form.select('input[type="hidden"]')}


def newsletter_setting(subscribe):
    import pelicanconf

    return {**pelicanconf.NEWSLETTER, "subscribe": subscribe}


# --- The sample site (Buttondown), parsed -----------------------------------------------------

@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_page_posts_to_buttondown_with_its_language_tag(site, lang):
    for path in PAGES[lang]:
        soup = site.html(path)
        assert soup.html["lang"] == lang
        [form] = soup.select("#subscribe form")
        assert form["action"] == BUTTONDOWN and form["method"] == "post"
        assert fields(form) == {"embed": "1", "tag": lang}
        email = form.select_one('input[name="email"]')
        assert email["type"] == "email" and email.has_attr("required") and email["autocomplete"] == "email"
        assert form.find("label", attrs={"for": email["id"]}).get_text(strip=True)
        assert form.select_one('button[type="submit"]').get_text() == ("S’abonner" if lang == "fr" else "Subscribe")
        assert not form.find("script") and not soup.select("#subscribe script")


def test_the_honeypot_is_out_of_sight_and_out_of_reach(site):
    for paths in PAGES.values():
        for path in paths:
            [trap] = site.html(path).select('#subscribe input[name="metadata__website"]')
            assert trap["type"] == "text" and trap["value"] == "" and trap["tabindex"] == "-1"
            assert trap["autocomplete"] == "off"
            assert trap.find_parent(attrs={"aria-hidden": "true"}) is not None
            assert "subscribe-trap" in trap.parent["class"]
    css = (site.output / "theme/css/site.css").read_text()
    rule = re.search(r"\.subscribe-trap\s*\{([^}]*)\}", css).group(1).replace(" ", "")  # site.css is compacted
    assert "position:absolute" in rule and "left:-10000px" in rule


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_consent_and_privacy_notice_speak_the_page_language(site, lang):
    for path in PAGES[lang]:
        form = site.html(path).select_one("#subscribe form")
        box = form.select_one('input[type="checkbox"]')
        assert box.has_attr("required")
        label = form.find("label", attrs={"for": box["id"]}).get_text()
        assert label.startswith(CONSENT[lang]) and ("désabonner" in label if lang == "fr" else "unsubscribe" in label)
        link = form.select_one(".subscribe-privacy a")
        assert link.get_text() == PRIVACY[lang]
        notice = site.local(link["href"])
        assert notice == ("" if lang == "fr" else "en/") + "newsletter/privacy/"
        page = site.html(notice)
        assert page.html["lang"] == lang
        assert "Buttondown" in page.main.get_text()
        assert page.find("a", href="mailto:elise@elise-marchand.example") is not None


def test_check_inbox_and_subscribed_pages_exist_in_both_languages(site):
    for step, headings in HEADINGS.items():
        for lang, heading in headings.items():
            prefix = "" if lang == "fr" else "en/"
            soup = site.html(f"{prefix}newsletter/subscribe/{step}/")
            assert soup.html["lang"] == lang and soup.h1.get_text() == heading
            other = "en" if lang == "fr" else "fr"
            other_prefix = "" if other == "fr" else "en/"
            alternate = soup.find("link", hreflang=other)["href"]
            assert alternate == f"{site.siteurl}/{other_prefix}newsletter/subscribe/{step}/"
    check = site.html("newsletter/subscribe/check-inbox/").main.get_text()
    assert "Rien reçu après quelques minutes\u202f?" in check  # French typography from the catalogue
    assert "Merci\u00a0:" in site.html("newsletter/subscribe/done/").main.get_text()


def test_the_policy_lets_forms_post_to_the_site_and_the_provider_only(site):
    forms = {"fr": 0, "en": 0}
    for page in site.pages():
        soup = site.html(page)
        allowed = policy(soup).get("form-action")
        assert allowed == ["'self'", "https://buttondown.com"], page
        for form in soup.find_all("form"):
            action = urlsplit(form.get("action", ""))
            assert not action.netloc or f"{action.scheme}://{action.netloc}" in allowed + [site.siteurl], page
            forms["en" if page.startswith("en/") else "fr"] += 1
    assert min(forms.values()) >= 5, f"too few forms to check: {forms}"


def test_every_post_ends_with_the_form(site):
    posts = [page for page in site.pages() if site.html(page).select_one("article.post")]
    assert len(posts) > 10
    for page in posts:
        soup = site.html(page)
        section = soup.select_one("section#subscribe")
        assert section.find_previous_sibling("article", class_="post") is not None, page
        assert section.select_one("form")["action"] == BUTTONDOWN


# --- Other providers, in small projects --------------------------------------------------------

def build_with(tmp_path, subscribe, **overrides):
    project = SmallProject(tmp_path)
    project.build(COMMENTS=NO_COMMENTS, NEWSLETTER=newsletter_setting(subscribe), **overrides)
    return project


PROVIDERS = {
    "listmonk": (
        {"provider": "listmonk", "url": "https://lists.example.org/", "lists": {"fr": FR_LIST, "en": EN_LIST},
         "ask_name": True},
        {"fr": ("https://lists.example.org/subscription/form", "email", "nonce", {"l": FR_LIST}),
         "en": ("https://lists.example.org/subscription/form", "email", "nonce", {"l": EN_LIST})},
        ["https://lists.example.org"]),
    "brevo": (
        {"provider": "brevo", "forms": {"fr": "https://a1b2.sibforms.com/serve/MUIFfr", "en": "https://c3d4.sibforms.com/serve/MUIFen"}},
        {"fr": ("https://a1b2.sibforms.com/serve/MUIFfr", "EMAIL", "email_address_check", {"locale": "fr"}),
         "en": ("https://c3d4.sibforms.com/serve/MUIFen", "EMAIL", "email_address_check", {"locale": "en"})},
        ["https://a1b2.sibforms.com", "https://c3d4.sibforms.com"]),
    "custom": (
        {"provider": "custom", "action": "https://mail.example.org/subscribe/42", "email_field": "address",
         "language_field": "list", "languages": {"fr": "lettre", "en": "letter"}, "honeypot_field": "website",
         "hidden": {"form": "site"}, "label": "Mailcoach",
         "redirect_fields": {"redirect_after_subscription_pending": "check-inbox", "redirect_after_subscribed": "done"}},
        {lang: ("https://mail.example.org/subscribe/42", "address", "website",
                {"form": "site", "list": value,
                 "redirect_after_subscription_pending": f"https://elise-marchand.example/{prefix}newsletter/subscribe/check-inbox/",
                 "redirect_after_subscribed": f"https://elise-marchand.example/{prefix}newsletter/subscribe/done/"})
         for lang, value, prefix in (("fr", "lettre", ""), ("en", "letter", "en/"))},
        ["https://mail.example.org"]),
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_provider_gets_its_own_fields_in_each_language(tmp_path, provider):
    subscribe, expected, origins = PROVIDERS[provider]
    project = build_with(tmp_path, subscribe, FEED_DOMAIN="https://elise-marchand.example")
    for lang, path in (("fr", "article-a-commenter/"), ("en", "en/post-to-comment-on/")):
        for page in (path, ("" if lang == "fr" else "en/") + "newsletter/"):
            soup = project.page(page)
            form = soup.select_one("#subscribe form")
            action, email, honeypot, hidden = expected[lang]
            assert form["action"] == action and form["method"] == "post"
            assert form.select_one(f'input[name="{email}"]')["type"] == "email"
            trap = form.select_one(f'input[name="{honeypot}"]')
            assert trap["tabindex"] == "-1" and trap.find_parent(attrs={"aria-hidden": "true"})
            assert fields(form) == hidden
            assert policy(soup)["form-action"] == ["'self'", *origins]
            consent = form.select_one('input[type="checkbox"]')
            if provider == "brevo":  # Brevo's opt-in box is a field of its forms
                assert (consent["name"], consent["value"]) == ("OPT_IN", "1")
            else:
                assert not consent.has_attr("name")
            if provider == "listmonk":  # ask_name: an optional name listmonk stores
                name = form.select_one('input[name="name"]')
                assert name["autocomplete"] == "name" and not name.has_attr("required")
    if provider == "custom":
        assert "Mailcoach" in project.page("newsletter/privacy/").main.get_text()


def test_without_a_provider_readers_are_asked_to_write_to_the_sender(tmp_path):
    project = build_with(tmp_path, None)
    for page, lang in (("article-a-commenter/", "fr"), ("en/newsletter/", "en")):
        soup = project.page(page)
        section = soup.select_one("#subscribe")
        assert section.find("form") is None
        assert section.find("a", href="mailto:lettre@elise-marchand.example") is not None
        assert ("écrivez à" if lang == "fr" else "write to") in section.get_text()
        assert policy(soup)["form-action"] == ["'self'"]
    notice = project.page("newsletter/privacy/").main.get_text()
    assert "sans passer par un service extérieur" in notice


def test_a_privacy_page_of_the_sites_own_replaces_the_written_one(tmp_path):
    project = SmallProject(tmp_path)
    project.write("content/pages/fr/confidentialite.md", "Title: Confidentialité\nLang: fr\nSlug: confidentialite\n\nTexte.\n")
    project.write("content/pages/en/privacy.md", "Title: Privacy\nLang: en\nSlug: privacy\n\nText.\n")
    subscribe = {"provider": "buttondown", "username": "elise-marchand",
                 "privacy_url": {"fr": "pages/confidentialite/", "en": "/en/pages/privacy/"}}
    project.build(COMMENTS=NO_COMMENTS, NEWSLETTER=newsletter_setting(subscribe))
    for page, expected in (("article-a-commenter/", "pages/confidentialite/"), ("en/newsletter/", "en/pages/privacy/")):
        link = project.page(page).select_one("#subscribe .subscribe-privacy a")["href"]
        assert link.endswith("/" + expected) or link == expected
    assert not (project.output / "newsletter/privacy").exists()
    assert not (project.output / "en/newsletter/privacy").exists()


# --- The setting's checks ----------------------------------------------------------------------

def settings_with(subscribe):
    import pelicanconf

    return {"NEWSLETTER": newsletter_setting(subscribe), "BILINGUAL": pelicanconf.BILINGUAL,
            "PLUGINS": pelicanconf.PLUGINS, "DEFAULT_LANG": "fr"}


BAD = [
    ("buttondown", "NEWSLETTER['subscribe'] must be None or a dict"),
    ({"provider": "mailchimp"}, "NEWSLETTER['subscribe']['provider'] must be one of 'buttondown', 'listmonk', "
                                "'brevo', 'custom', or None for no form, not 'mailchimp'"),
    ({"provider": "buttondown"}, "NEWSLETTER['subscribe']['username'] is required for buttondown: your Buttondown "
                                 "username, e.g. 'elise-marchand'"),
    ({"provider": "buttondown", "username": "Élise M"}, "NEWSLETTER['subscribe']['username'] must be your Buttondown username"),
    ({"provider": "buttondown", "username": "elise", "tags": {"fr": "fr"}},
     "NEWSLETTER['subscribe']['tags'] has no 'en' entry; write one per language: {'fr': ..., 'en': ...}"),
    ({"provider": "buttondown", "username": "elise", "tags": {"fr": "fr", "en": "en", "de": "de"}},
     "NEWSLETTER['subscribe']['tags'] names 'de', which is not a language of the site (fr, en)"),
    ({"provider": "buttondown", "username": "elise", "tags": {"fr": "fr", "en": ""}},
     "NEWSLETTER['subscribe']['tags']['en'] must be a tag name, not ''"),
    ({"provider": "listmonk", "url": "lists.example.org", "lists": {"fr": FR_LIST, "en": EN_LIST}},
     "NEWSLETTER['subscribe']['url'] must be an http(s) address: e.g. 'https://lists.example.org'"),
    ({"provider": "listmonk", "url": "https://lists.example.org", "lists": {"fr": 3, "en": EN_LIST}},
     "NEWSLETTER['subscribe']['lists']['fr'] must be a list UUID such as"),
    ({"provider": "listmonk", "url": "https://lists.example.org"}, "NEWSLETTER['subscribe']['lists'] is required for listmonk"),
    ({"provider": "brevo", "forms": "https://a1b2.sibforms.com/serve/X"},
     "NEWSLETTER['subscribe']['forms'] must give one value per language: {'fr': ..., 'en': ...}"),
    ({"provider": "custom", "action": "https://mail.example.org/s", "language_field": "list"},
     "NEWSLETTER['subscribe']['honeypot_field'] is required for custom"),
    ({"provider": "custom", "action": "https://mail.example.org/s", "honeypot_field": "website"},
     "NEWSLETTER['subscribe']: the service cannot tell the reader's language; give 'language_field'"),
    ({"provider": "custom", "action": {"fr": "https://m.example.org/fr", "en": "https://m.example.org/en"},
      "honeypot_field": "website", "redirect_fields": {"next": "thanks"}},
     "NEWSLETTER['subscribe']['redirect_fields'] must map field names to 'check-inbox' or 'done'"),
    ({"provider": "custom", "action": "https://mail.example.org/s", "language_field": "list", "honeypot_field": "web site"},
     "NEWSLETTER['subscribe']['honeypot_field'] must be a form field name"),
    ({"provider": "buttondown", "username": "elise", "privacy_url": {"fr": "pages/confidentialite/"}},
     "NEWSLETTER['subscribe']['privacy_url'] has no 'en' entry"),
]


@pytest.mark.parametrize("given, message", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_subscribe_settings_are_refused_saying_what_to_write(given, message):
    with pytest.raises(NewsletterSettingsError) as error:
        load(settings_with(given))
    assert str(error.value).startswith(message), str(error.value)


def test_a_bad_subscribe_setting_stops_the_build_before_anything_is_written(tmp_path):
    project = SmallProject(tmp_path)
    with pytest.raises(NewsletterSettingsError, match=r"\['username'\] is required for buttondown"):
        project.build(COMMENTS=NO_COMMENTS, NEWSLETTER=newsletter_setting({"provider": "buttondown"}))
    assert not project.output.exists()


def test_unknown_subscribe_keys_warn_and_defaults_fill_in(caplog):
    with caplog.at_level(logging.WARNING):
        config = load(settings_with({"provider": "buttondown", "username": "elise", "tgas": {"fr": "x"}}))
    assert config["subscribe"]["tags"] == {"fr": "fr", "en": "en"}
    assert any("NEWSLETTER['subscribe']: unknown key 'tgas' ignored (keys for buttondown: privacy_url, provider, "
               "tags, username)" == record.getMessage() for record in caplog.records)
    assert load(settings_with(None))["subscribe"] is None
    assert load(settings_with({"provider": None}))["subscribe"] is None
    own = load(settings_with({"provider": None, "privacy_url": {"fr": "pages/confidentialite/", "en": "en/pages/privacy/"}}))
    assert own["subscribe"]["provider"] is None and own["subscribe"]["privacy_url"]["en"] == "en/pages/privacy/"


# --- In the browser -----------------------------------------------------------------------------

class FakeListmonk:
    """listmonk's public form handler on loopback, as its source (cmd/public.go) reads a form:
    POST /subscription/form, urlencoded, "email", "name", "l" (list UUIDs), "nonce" empty or refused.
    A subscription it accepts is recorded and answered, as listmonk can be set to, by a
    redirect to the site's "check your inbox" page of the list's language."""

    def __init__(self, redirects):
        self.redirects = redirects  # list UUID -> where to send the reader
        self.received, self.refused = [], []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = parse_qs(body, keep_blank_values=True)
                problem = fake.problem(self.path, self.headers.get("Content-Type", ""), form)
                if problem:
                    fake.refused.append(problem)
                    self.send_response(400)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(f"<title>Error</title><p>{problem}</p>".encode())
                    return
                fake.received.append((form["email"][0], form["l"]))
                self.send_response(303)
                self.send_header("Location", fake.redirects[form["l"][0]])
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def problem(self, path, content_type, form):
        if path != "/subscription/form":
            return f"no such page {path}"
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return f"not a form post: {content_type}"
        if form.get("nonce", [""]) != [""]:
            return "nonce filled in: a bot"
        if not form.get("l") or any(uuid not in self.redirects for uuid in form["l"]):
            return f"no list or unknown list: {form.get('l')}"
        if "@" not in form.get("email", [""])[0]:
            return "invalid email"
        return None


@contextmanager
def fake_listmonk(redirects):
    """A FakeListmonk answering on loopback for the duration of the block."""
    fake = FakeListmonk(redirects)
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


POSTS = {"fr": "article-a-commenter/", "en": "en/post-to-comment-on/"}


def watch(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_reader_subscribes_through_listmonk_in_each_language(browser, tmp_path, javascript):
    project = SmallProject(tmp_path)
    with LocalServer(project.output) as site:
        site.start()
        check_inbox = {"fr": f"{site.url}/newsletter/subscribe/check-inbox/",
                       "en": f"{site.url}/en/newsletter/subscribe/check-inbox/"}
        with fake_listmonk({FR_LIST: check_inbox["fr"], EN_LIST: check_inbox["en"]}) as listmonk:
            subscribe = {"provider": "listmonk", "url": listmonk.url, "lists": {"fr": FR_LIST, "en": EN_LIST}}
            project.build(SITEURL=site.url, FEED_DOMAIN=site.url, COMMENTS=NO_COMMENTS,
                          NEWSLETTER=newsletter_setting(subscribe))
            context = browser.new_context(java_script_enabled=javascript)
            page = context.new_page()
            errors = watch(page)
            try:
                for lang, address in (("fr", "lectrice@example.org"), ("en", "reader@example.org")):
                    page.goto(f"{site.url}/{POSTS[lang]}")
                    form = page.locator("#subscribe form")
                    expect(form.locator(".subscribe-trap input")).not_to_be_in_viewport()
                    email = form.get_by_label("Votre adresse e-mail" if lang == "fr" else "Your email address")
                    email.fill(address)
                    email.press("Tab")  # the honeypot is out of the tab order: next is the consent box
                    expect(form.locator("#subscribe-consent")).to_be_focused()
                    form.get_by_label(CONSENT[lang][:20], exact=False).check()
                    form.get_by_role("button", name="S’abonner" if lang == "fr" else "Subscribe").click()
                    page.wait_for_url(check_inbox[lang])
                    expect(page.locator("h1")).to_have_text(HEADINGS["check-inbox"][lang])
                    assert page.locator("html").get_attribute("lang") == lang
            finally:
                context.close()
    assert listmonk.received == [("lectrice@example.org", [FR_LIST]), ("reader@example.org", [EN_LIST])]
    assert listmonk.refused == []
    assert errors == []


@pytest.mark.browser
def test_the_form_does_not_leave_without_consent_and_the_honeypot_is_refused(browser, tmp_path):
    project = SmallProject(tmp_path)
    with LocalServer(project.output) as site:
        site.start()
        with fake_listmonk({FR_LIST: f"{site.url}/newsletter/subscribe/check-inbox/", EN_LIST: site.url}) as listmonk:
            subscribe = {"provider": "listmonk", "url": listmonk.url, "lists": {"fr": FR_LIST, "en": EN_LIST}}
            project.build(SITEURL=site.url, FEED_DOMAIN=site.url, COMMENTS=NO_COMMENTS,
                          NEWSLETTER=newsletter_setting(subscribe))
            context = browser.new_context(java_script_enabled=False)
            page = context.new_page()
            try:
                page.goto(f"{site.url}/{POSTS['fr']}")
                form = page.locator("#subscribe form")
                form.locator('input[type="email"]').fill("robot@example.org")
                form.locator('button[type="submit"]').click()  # no consent: the browser keeps the form
                expect(form.locator("#subscribe-consent")).to_be_focused()
                assert page.url == f"{site.url}/{POSTS['fr']}"
                form.locator(".subscribe-trap input").fill("https://spam.example", force=True)
                form.locator("#subscribe-consent").check()
                with page.expect_navigation():
                    form.locator('button[type="submit"]').click()
            finally:
                context.close()
    assert listmonk.received == []
    assert listmonk.refused == ["nonce filled in: a bot"]


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_sample_sites_form_reaches_buttondown_with_the_language_tag(browser, served_site, javascript):
    base, _ = served_site
    context = browser.new_context(java_script_enabled=javascript)
    posted = []

    def answer(route):  # Buttondown's endpoint, answered here: nothing leaves the machine
        posted.append((route.request.method, route.request.headers.get("content-type", ""),
                       parse_qs(route.request.post_data or "", keep_blank_values=True)))
        route.fulfill(status=200, content_type="text/html", body="<title>Buttondown stand-in</title><p>OK</p>")

    context.route(BUTTONDOWN, answer)
    page = context.new_page()
    errors = watch(page)
    try:
        for lang, (archive, post) in PAGES.items():
            for path in (post, archive):
                page.goto(f"{base}/{path}")
                form = page.locator("#subscribe form")
                form.locator('input[type="email"]').fill(f"{lang}@example.org")
                form.locator("#subscribe-consent").check()
                with page.expect_navigation(url=BUTTONDOWN):
                    form.locator('button[type="submit"]').click()
                expect(page.locator("p")).to_have_text("OK")
    finally:
        context.close()
    assert [(method, kind.split(";")[0]) for method, kind, _ in posted] == [("POST", "application/x-www-form-urlencoded")] * 4
    assert [fields for _, _, fields in posted] == [
        {"email": [f"{lang}@example.org"], "metadata__website": [""], "embed": ["1"], "tag": [lang]}
        for lang in ("fr", "fr", "en", "en")]
    assert errors == []


NEWSLETTER_PAGES = [prefix + page for prefix in ("", "en/") for page in
                    ("newsletter/", "newsletter/subscribe/check-inbox/", "newsletter/subscribe/done/", "newsletter/privacy/")]


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_the_newsletter_pages(browser, served_site, scheme):
    from test_pages_in_browser import axe_violations

    base, _ = served_site
    page = browser.new_page(color_scheme=scheme, bypass_csp=True)  # axe is injected inline
    try:
        for path in NEWSLETTER_PAGES:
            page.goto(f"{base}/{path}", wait_until="networkidle")
            assert axe_violations(page) == [], path
    finally:
        page.close()
