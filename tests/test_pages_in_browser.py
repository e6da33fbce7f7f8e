"""Every page type, in both languages, in headless chromium: accessibility and privacy."""

import pytest

from conftest import ROOT

pytestmark = pytest.mark.browser

PAGE_TYPES = {
    "home": ("", "en/"),
    "post": ("strategie-editoriale-en-5-etapes/", "en/editorial-strategy-in-5-steps/"),
    "guest post": ("referencement-local-commerces/", "en/local-seo-for-neighbourhood-shops/"),
    "series post": ("audit-seo-priorites/", "en/seo-audit-setting-priorities/"),
    "untranslated post": ("texte-alternatif-des-images/", "en/writing-for-non-native-readers/"),
    "page": ("pages/a-propos/", "en/pages/about/"),
    "category": ("category/strategie/", "en/category/strategy/"),
    "tag": ("tag/seo/", "en/tag/seo/"),
    "author": ("author/elise-marchand/", "en/author/elise-marchand/"),
    "archives": ("archives/", "en/archives/"),
    "categories": ("categories/", "en/categories/"),
    "tags": ("tags/", "en/tags/"),
    "search": ("search/", "en/search/"),
    "404": ("404.html", "en/404.html"),
    "newsletter landing": ("newsletter/", "en/newsletter/"),
    "newsletter issue": ("newsletter/2/", "en/newsletter/2/"),
    "newsletter subscribe": ("newsletter/subscribe/check-inbox/", "en/newsletter/subscribe/done/"),
    "newsletter feedback": ("newsletter/feedback/yes/", "en/newsletter/feedback/no/"),
    "newsletter privacy": ("newsletter/privacy/", "en/newsletter/privacy/"),
}
PAGES = [(kind, path) for kind, paths in PAGE_TYPES.items() for path in paths]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test` (runs npm ci) or `npm ci`")
    page.add_script_tag(path=str(AXE))  # inline: nothing is fetched
    return page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
        return result.violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
    }""", WCAG_22_AA)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind, path", PAGES)
def test_axe_finds_no_violation(browser, served_site, kind, path, scheme):
    base, _ = served_site
    # axe is injected as an inline script, which the site's CSP refuses:
    # this page alone lifts it. Other tests run under the CSP.
    page = browser.new_page(color_scheme=scheme, bypass_csp=True)
    try:
        page.goto(f"{base}/{path}", wait_until="networkidle")  # the comment widget too
        assert axe_violations(page) == []
    finally:
        page.close()


@pytest.mark.parametrize("kind, path", PAGES)
def test_every_request_goes_to_the_site_itself(browser, served_site, kind, path):
    """...or to its own comment server (first party: Isso), never to anyone else."""
    base, site = served_site
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"{base}/{path}", wait_until="networkidle")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lazy images load too
        page.wait_for_load_state("networkidle")
    finally:
        page.close()
    assert requests and all(url.startswith((base + "/", site.comment_server)) for url in requests), requests
    assert errors == []


LAYOUT_SHIFTS = """async () => {
    await document.fonts.ready;
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    const observer = new PerformanceObserver(() => {});
    observer.observe({type: "layout-shift", buffered: true});
    const shifts = observer.takeRecords().map(entry => entry.value);
    observer.disconnect();
    return shifts;
}"""


@pytest.mark.parametrize("width", [375, 1280])
def test_no_page_shifts_while_it_loads(browser, served_site, width):
    """Cumulative layout shift 0 (issue 23): pictures reserve their space and the web fonts
    keep the fallback's metrics, at a phone's width and a laptop's."""
    base, _ = served_site
    page = browser.new_page(viewport={"width": width, "height": 800})
    shifted = {}
    try:
        for path in [path for _, path in PAGES]:
            page.goto(f"{base}/{path}", wait_until="load")
            shifts = page.evaluate(LAYOUT_SHIFTS)
            if sum(shifts) > 0:
                shifted[path] = round(sum(shifts), 4)
    finally:
        page.close()
    assert len(PAGES) > 30 and shifted == {}


def test_pages_stay_readable_at_320_pixels(browser, served_site):
    base, _ = served_site
    page = browser.new_page(viewport={"width": 320, "height": 640})
    try:
        for path in ("strategie-editoriale-en-5-etapes/", "en/local-seo-for-neighbourhood-shops/", ""):
            page.goto(f"{base}/{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    finally:
        page.close()


@pytest.mark.parametrize("path, provider", [("texte-alternatif-des-images/", "youtube-nocookie.com"),
                                            ("en/writing-for-non-native-readers/", "player.vimeo.com")])
def test_a_video_loads_nothing_from_its_provider_before_the_click(browser, served_site, path, provider):
    base, site = served_site
    page = browser.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(f"{base}/{path}", wait_until="networkidle")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        assert all(url.startswith((base + "/", site.comment_server)) for url in requests), requests
        assert page.locator("iframe").count() == 0
        with page.expect_request(lambda request: provider in request.url):
            page.locator(".embed-preview").first.click()
        assert provider in page.locator(".embed iframe").get_attribute("src")
    finally:
        page.close()
