"""Every page carries a Content-Security-Policy that refuses inline scripts,
and no page needs one: no inline code, no event attributes, no javascript: links.
(The browser tests run under this policy: a refused script would be a console error.)"""

import json

SCRIPT_DATA = {"application/ld+json"}  # data, never run


def policy(soup):
    meta = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert meta is not None
    return {part.split()[0]: part.split()[1:] for part in meta["content"].split(";") if part.strip()}


def test_every_page_refuses_inline_scripts(site):
    pages = site.pages()
    for page in pages:
        directives = policy(site.html(page))
        assert directives["script-src"], page
        assert "'unsafe-inline'" not in directives["script-src"], page
        assert "'unsafe-eval'" not in directives["script-src"], page
        assert directives["object-src"] == ["'none'"]
    assert len(pages) > 50, f"only {len(pages)} pages built: the sample site has more"


def test_no_page_holds_inline_code(site):
    scripts = 0
    for page in site.pages():
        soup = site.html(page)
        scripts += len(soup.find_all("script"))
        for script in soup.find_all("script"):
            assert script.get("src") or script.get("type") in SCRIPT_DATA, (page, str(script)[:80])
        for element in soup.find_all(True):
            assert not [name for name in element.attrs if name.lower().startswith("on")], (page, element.name)
            for name in ("href", "src", "action"):
                assert not str(element.get(name, "")).strip().lower().startswith("javascript:"), (page, element)
    assert scripts, "no page holds a script element: the checks above saw nothing"


def test_the_comment_server_is_allowed_where_its_widget_needs_it(site):
    widget = site.html("strategie-editoriale-en-5-etapes/").find(id="isso-thread")
    isso = json.loads(widget["data-script"])["data-isso"]  # the script comments.js adds near the comments
    origin = isso.rstrip("/")
    directives = policy(site.html(""))
    assert origin in directives["script-src"] and origin in directives["connect-src"]
