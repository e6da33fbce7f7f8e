"""sitekit.csp: the one place a service's origins join the site's Content-Security-Policy."""

from sitekit.csp import add_sources, parse, serialize

SITE = {"default-src": ["'self'"], "script-src": ["'self'", "'wasm-unsafe-eval'"], "object-src": ["'none'"]}


def test_sources_join_the_directive_once_and_the_setting_is_left_as_it_was():
    given = {name: list(sources) for name, sources in SITE.items()}
    merged = add_sources(given, {"script-src": ["https://isso.example", "https://isso.example", "'self'"]})
    assert merged["script-src"] == ["'self'", "'wasm-unsafe-eval'", "https://isso.example"]
    assert given == SITE


def test_a_missing_fetch_directive_starts_from_default_src_and_form_action_from_self():
    merged = add_sources({"default-src": ["https://cdn.example"]},
                         {"frame-src": ["https://giscus.app"], "form-action": ["https://buttondown.com"]})
    assert merged == {"default-src": ["https://cdn.example"],
                      "frame-src": ["https://cdn.example", "https://giscus.app"],
                      "form-action": ["'self'", "https://buttondown.com"]}
    assert add_sources({"object-src": ["'none'"]}, {"form-action": []})["form-action"] == ["'self'"]


def test_none_goes_only_once_something_is_allowed():
    assert add_sources(SITE, {"object-src": ["https://x.example"]})["object-src"] == ["https://x.example"]
    assert add_sources(SITE, {"object-src": []})["object-src"] == ["'none'"]


def test_an_empty_policy_restricts_nothing_and_stays_empty():
    assert add_sources(None, {"script-src": ["https://isso.example"]}) is None
    assert add_sources({}, {"script-src": ["https://isso.example"]}) == {}


def test_text_is_read_as_browsers_do_and_written_back():
    directives = parse(" Script-Src 'none';; script-src https://ignored.example ; connect-src 'self' ")
    assert directives == {"script-src": ["'none'"], "connect-src": ["'self'"]}
    assert serialize(add_sources(directives, {"script-src": ["'self'"]})) == "script-src 'self'; connect-src 'self'"
