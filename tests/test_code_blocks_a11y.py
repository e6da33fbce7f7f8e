"""Wide code blocks scroll sideways: a keyboard must reach them (axe's scrollable-region-focusable)."""

import pytest

from test_pages_in_browser import axe_violations

POSTS_WITH_CODE = {"fr": "newsletter-qui-se-fait-lire/", "en": "en/a-newsletter-people-actually-read/"}
LABELS = {"fr": "Exemple de code", "en": "Code sample"}


@pytest.mark.parametrize("lang", POSTS_WITH_CODE)
def test_every_code_block_is_focusable_and_named_in_the_page_language(site, lang):
    blocks = site.html(POSTS_WITH_CODE[lang]).select(".content pre")
    assert blocks, "the sample post shows code"
    for block in blocks:
        assert block.get("tabindex") == "0"
        assert block.get("aria-label") == LABELS[lang]


@pytest.mark.browser
@pytest.mark.parametrize("lang", POSTS_WITH_CODE)
def test_axe_finds_no_violation_on_a_post_whose_code_scrolls(browser, served_site, lang):
    base, _ = served_site
    page = browser.new_page(bypass_csp=True)  # axe is injected inline, as in test_pages_in_browser
    try:
        page.goto(f"{base}/{POSTS_WITH_CODE[lang]}", wait_until="networkidle")
        assert page.locator(".content pre").first.evaluate("pre => pre.scrollWidth > pre.clientWidth"), \
            "the block must scroll at this width for the check to mean something"
        assert axe_violations(page) == []
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", POSTS_WITH_CODE)
def test_the_tab_key_reaches_the_code_block_and_shows_where_it_is(browser, served_site, lang):
    base, _ = served_site
    page = browser.new_page()  # under the site's CSP: no script is needed for this
    try:
        page.goto(f"{base}/{POSTS_WITH_CODE[lang]}")
        reached = None
        for _ in range(page.locator("a, button, input, select, textarea, [tabindex]").count() + 1):
            page.keyboard.press("Tab")
            reached = page.evaluate("document.activeElement.closest('.content pre') ? 'code'"
                                    " : document.activeElement.tagName")
            if reached in ("code", "BODY"):
                break
        assert reached == "code"
        # Recent chromium focuses a scroller by itself; other browsers need the tabindex, and
        # a screen reader needs the name.
        assert page.evaluate("document.activeElement.closest('pre').getAttribute('aria-label')") == LABELS[lang]
        outline = page.evaluate("(({outlineStyle, outlineWidth}) => [outlineStyle, outlineWidth])"
                                "(getComputedStyle(document.activeElement))")
        assert outline[0] != "none" and outline[1] != "0px", outline
    finally:
        page.close()


def test_a_block_keeps_the_tabindex_and_name_its_author_gave():
    from post_meta.code_blocks import focusable

    html = ('<pre class="wide"><code>a &lt;pre&gt; b</code></pre>'
            '<pre tabindex="-1" aria-labelledby="x">c</pre><p>d</p>')
    assert focusable(html, "Code & co") == (
        '<pre class="wide" tabindex="0" aria-label="Code &amp; co"><code>a &lt;pre&gt; b</code></pre>'
        '<pre tabindex="-1" aria-labelledby="x">c</pre><p>d</p>')
