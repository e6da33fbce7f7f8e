"""The unsubscribe tokens and endpoint, unit by unit: each behaviour a careless edit would change, pinned.

The endpoint is the WSGI callable itself, called in-process with a WSGI environ (test_unsubscribe.py runs it
under waitress); what it did is read back from the page, the headers and the suppression file.
"""

import base64
import hashlib
import hmac
import io
import json
import logging

import pytest
from bs4 import BeautifulSoup
from pelican.log import LimitFilter

from newsletter.delivery.errors import ConfigurationError
from newsletter.delivery.suppression import SuppressionList, address_digest
from newsletter.unsubscribe import pages
from newsletter.unsubscribe.app import MAX_BODY, UnsubscribeApp, from_environment
from newsletter.unsubscribe.tokens import (InvalidToken, Unsubscribe, list_label, make_token, token_for_digest,
                                           verify)

SECRET = b"test-secret-0f8a2c71d9e4b6a3"
LIST_ID = "La lettre d'\u00c9lise <lettre.elise-marchand.example>"
ADDRESS = "claire.dupont@example.org"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def expected_signature(label, lang, reader, secret=SECRET):
    """The signature as the tokens' docstring specifies it, computed here from the standard library alone."""
    key = hmac.new(secret, b"newsletter/unsubscribe-token", hashlib.sha256).digest()
    return hmac.new(key, f"{label}\n{lang}\n{reader}".encode("utf-8"), hashlib.sha256).digest()[:16]


def reasons(token, list_id=LIST_ID, secret=SECRET):
    with pytest.raises(InvalidToken) as refused:
        verify(secret, list_id, token)
    return str(refused.value)


# ----------------------------------------------------------------------------------------------- tokens

@pytest.mark.parametrize("list_id, label", [
    ("La lettre <Lettre.Example.ORG>", "lettre.example.org"),
    ("  La lettre <lettre.example.org>  \t", "lettre.example.org"),
    ("Nom <premier.example> <second.example>", "second.example"),
    ("Nom < espace.example >", "espace.example"),
    ("  Bare.Label.Example  ", "bare.label.example"),
    ("<a> then text", "<a> then text"),
    ("Nom <>", "nom <>"),
    (None, ""),
    ("", ""),
])
def test_list_label_is_the_bracketed_id_lowercased_else_the_whole_id(list_id, label):
    assert list_label(list_id) == label


def test_a_token_is_language_reader_and_a_128_bit_signature_over_the_list_label():
    digest = address_digest(SECRET, ADDRESS)
    token = make_token(SECRET, LIST_ID, "fr", ADDRESS)
    lang, reader, signature = token.split(".")
    assert lang == "fr"
    assert reader == b64(bytes.fromhex(digest)) and len(reader) == 43 and "=" not in token
    assert signature == b64(expected_signature("lettre.elise-marchand.example", "fr", reader))
    assert len(signature) == 22
    assert token_for_digest(SECRET, LIST_ID, "FR", digest) == token
    # The name before the brackets is not signed: the list is its label.
    assert make_token(SECRET, "Another name <LETTRE.elise-marchand.example>", "fr", ADDRESS) == token
    assert make_token(SECRET.decode(), LIST_ID, "fr", ADDRESS) == token


@pytest.mark.parametrize("lang", ["fr", "en", "fra", "pt-br", "zh-hans", "de-1996", "en-abcdefgh"])
def test_a_token_is_made_and_verified_for_each_language_code(lang):
    token = make_token(SECRET, LIST_ID, lang, ADDRESS)
    assert token.startswith(lang + ".")
    assert verify(SECRET, LIST_ID, token) == Unsubscribe(lang=lang, digest=address_digest(SECRET, ADDRESS),
                                                         list_label="lettre.elise-marchand.example")


@pytest.mark.parametrize("lang", ["f", "fran", "fr_ca", "fr-", "fr-a", "fr-abcdefghi", "1r", "fr ", " fr", ""])
def test_a_token_is_not_made_for_what_is_no_language_code(lang):
    with pytest.raises(ValueError) as refused:
        make_token(SECRET, LIST_ID, lang, ADDRESS)
    assert str(refused.value) == f"language {lang.lower()!r} is not a language code such as fr or en"


def test_verify_gives_the_reader_the_language_and_the_list_label():
    token = make_token(SECRET, LIST_ID, "en", ADDRESS)
    allowed = verify(SECRET, LIST_ID, f"  {token}\n")
    assert allowed.lang == "en" and allowed.list_label == "lettre.elise-marchand.example"
    assert allowed.digest == SuppressionList("/nonexistent/s.jsonl", SECRET).digest(ADDRESS)
    assert verify(SECRET.decode(), "x <LETTRE.ELISE-MARCHAND.EXAMPLE>", token) == allowed


def test_each_refusal_says_why():
    token = make_token(SECRET, LIST_ID, "fr", ADDRESS)
    lang, reader, signature = token.split(".")
    assert reasons("") == reasons(None) == "no token"
    assert reasons(f"{lang}.{reader}") == "a token has 3 fields, this one 2 (cut short?)"
    assert reasons(token + ".x") == "a token has 3 fields, this one 4 (cut short?)"
    assert reasons(f"FR.{reader}.{signature}") == "no language in the token"
    assert reasons(f".{reader}.{signature}") == "no language in the token"
    not_base64 = "the token is not base64url (cut short or altered?)"
    assert reasons(f"{lang}.{reader[:-1]}+.{signature}") == not_base64
    assert reasons(f"{lang}.{reader}.{signature[:-1]}/") == not_base64
    assert reasons(f"{lang}.{reader}=.{signature}") == not_base64
    assert reasons(f"{lang}..{signature}") == not_base64
    assert reasons(f"{lang}.{reader}.") == not_base64
    assert reasons(f"{lang}.{reader}.{signature[:-1]}\u00e9") == not_base64
    assert reasons(f"{lang}.A.{signature}") == not_base64                       # one character: no byte
    too_short = "the token is too short (cut short by a mail client?)"
    assert reasons(f"{lang}.{reader[:-1]}.{signature}") == too_short
    longer_reader = b64(bytes.fromhex(address_digest(SECRET, ADDRESS)) + b"\0")
    assert reasons(f"{lang}.{longer_reader}.{signature}") == too_short        # one byte too many
    assert reasons(f"{lang}.{reader}.{signature[:-2]}") == too_short
    for cut in (15, 30, 35):                            # field lengths that need one or two "=" to decode
        assert reasons(f"{lang}.{reader[:cut]}.{signature}") == too_short
    longer_signature = b64(expected_signature("lettre.elise-marchand.example", lang, reader) + b"\0")
    assert reasons(f"{lang}.{reader}.{longer_signature}") == too_short
    no_match = "the signature does not match (altered, or made for another list or secret)"
    assert reasons(f"en.{reader}.{signature}") == no_match
    assert reasons(token, list_id="La lettre <autre.example>") == no_match
    assert reasons(token, secret=b"another-secret-0123456789") == no_match
    flipped = signature[:-1] + ("B" if signature[-1] == "A" else "A")
    assert reasons(f"{lang}.{reader}.{flipped}") == no_match
    assert issubclass(InvalidToken, ValueError)


def test_a_signature_over_another_layout_of_the_fields_does_not_verify():
    digest = address_digest(SECRET, ADDRESS)
    reader = b64(bytes.fromhex(digest))
    label = "lettre.elise-marchand.example"
    for forged in (expected_signature(label, "fr", reader + "x")[:16], expected_signature(label.upper(), "fr", reader),
                   hmac.new(SECRET, f"{label}\nfr\n{reader}".encode(), hashlib.sha256).digest()[:16]):
        assert reasons(f"fr.{reader}.{b64(forged)}") .startswith("the signature does not match")
    assert verify(SECRET, LIST_ID, f"fr.{reader}.{b64(expected_signature(label, 'fr', reader))}").digest == digest


# ----------------------------------------------------------------------------------------------- the endpoint

class Answer:
    def __init__(self, status, headers, chunks):
        self.status, self.headers, self.body = status, dict(headers), b"".join(chunks)
        self.header_list = headers
        self.page = BeautifulSoup(self.body, "html.parser")

    @property
    def title(self):
        return self.page.h1.get_text() if self.page.h1 else None


def call(app, method="GET", token=None, body=None, content_type="application/x-www-form-urlencoded",
         length="auto", **extra):
    """One request to the WSGI callable; ``length``: the CONTENT_LENGTH given ("auto": the body's)."""
    environ = {"SCRIPT_NAME": "/lettre", "PATH_INFO": "/unsubscribe", **extra}
    if method is not None:
        environ["REQUEST_METHOD"] = method
    if token is not None:
        environ["QUERY_STRING"] = f"token={token}"
    if body is not None:
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_TYPE"] = content_type
        if length is not None:
            environ["CONTENT_LENGTH"] = str(len(body)) if length == "auto" else length
    seen = []
    chunks = app(environ, lambda status, headers: seen.append((status, headers)))
    [(status, headers)] = seen
    return Answer(status, headers, chunks)


@pytest.fixture(autouse=True)
def endpoint_log(caplog):
    """Every log line of each test: Pelican (imported by other tests) drops a message seen once per process."""
    LimitFilter._raised_messages.clear()
    caplog.set_level(logging.INFO, logger="newsletter.unsubscribe.app")


@pytest.fixture
def suppression(tmp_path):
    return tmp_path / "private" / "suppressed.jsonl"


@pytest.fixture
def app(suppression):
    return UnsubscribeApp(suppression, SECRET, LIST_ID)


def token(lang="fr", address=ADDRESS):
    return make_token(SECRET, LIST_ID, lang, address)


def records(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


ONE_CLICK = b"List-Unsubscribe=One-Click"


def test_a_one_click_post_adds_the_reader_once_with_every_header(app, suppression, caplog):
    answer = call(app, "POST", token("en"), ONE_CLICK)
    assert answer.status == "200 OK" and answer.title == "You are unsubscribed"
    assert answer.page.html["lang"] == "en" and answer.page.find("form") is None
    assert answer.header_list == [
        ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(answer.body))),
        ("Content-Language", "en"), ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
        ("X-Robots-Tag", "noindex"), ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", pages.CONTENT_SECURITY_POLICY)]
    [record] = records(suppression)
    assert record["reason"] == "unsubscribe" and record["hmac"] == address_digest(SECRET, ADDRESS)
    assert "La lettre d'\u00c9lise" in answer.page.p.get_text()
    assert "unsubscribe: a en reader left the list" in caplog.messages

    again = call(app, "post", token("en"), ONE_CLICK)                 # a replay; the method in lower case
    assert again.status == "200 OK" and again.title == "Already unsubscribed"
    assert len(records(suppression)) == 1
    assert "unsubscribe: a en reader already off the list (a replay or a second click)" in caplog.messages


def test_get_confirms_with_a_button_and_head_gives_the_headers_only(app, suppression):
    answer = call(app, "GET", token("fr"))
    assert answer.status == "200 OK" and answer.title == "Se d\u00e9sabonner\u202f?"
    assert answer.page.find("form").button.get_text() == "Me d\u00e9sabonner"
    assert answer.headers["Content-Language"] == "fr"
    default = call(app, None, token("en"))                            # no REQUEST_METHOD: a GET
    assert default.status == "200 OK" and default.title == "Unsubscribe?" and default.page.find("form")
    head = call(app, "HEAD", token("en"))
    assert head.status == "200 OK" and head.body == b""
    assert head.headers["Content-Length"] == default.headers["Content-Length"] != "0"
    assert not suppression.exists()

    call(app, "POST", token("en"), ONE_CLICK)
    already = call(app, "GET", token("en"))
    assert already.title == "Already unsubscribed" and already.page.find("form") is None
    assert call(app, "HEAD", token("en")).body == b""


def test_a_token_in_another_known_language_speaks_it_and_an_unknown_one_english(app):
    assert call(app, "GET", token("fr")).page.html["lang"] == "fr"
    answer = call(app, "GET", token("de"))
    assert answer.page.html["lang"] == "en" and answer.headers["Content-Language"] == "en"


def test_an_invalid_token_is_refused_in_the_browsers_language_and_logged(app, suppression, caplog):
    answer = call(app, "POST", "fr.abc.d=f", ONE_CLICK, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert answer.status == "400 Bad Request" and answer.title == "This link does not work"
    assert answer.headers["Content-Language"] == "en" and answer.body
    assert caplog.messages == ["unsubscribe: POST /lettre/unsubscribe refused: "
                               "the token is not base64url (cut short or altered?)"]
    assert call(app, "GET").title == "Lien non valable"               # no token, no browser language: French
    head = call(app, "HEAD", "nonsense")
    assert head.status == "400 Bad Request" and head.body == b"" and int(head.headers["Content-Length"]) > 0
    assert not suppression.exists()


def test_other_methods_are_refused_with_the_allowed_ones(app, suppression):
    for method in ("PUT", "DELETE", "OPTIONS"):
        answer = call(app, method, token(), ONE_CLICK, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status == "405 Method Not Allowed" and answer.headers["Allow"] == "GET, HEAD, POST"
        assert answer.title == "Incomplete request" and answer.headers["Content-Language"] == "en"
        assert answer.header_list[-1] == ("Allow", "GET, HEAD, POST")
    assert call(app, "PUT", token()).title == "Demande incompl\u00e8te"
    assert not suppression.exists()


@pytest.mark.parametrize("body, content_type", [
    (b"List-Unsubscribe=One-Click&other=", "application/x-www-form-urlencoded"),
    (b"other=&List-Unsubscribe=One-Click", "application/x-www-form-urlencoded; charset=utf-8"),
    (b"List-Unsubscribe=Nope&List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"),
    (b"List-Unsubscribe=One-Click", ""),
    (b"--B\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--B--\r\n",
     "Multipart/Form-Data; boundary=B"),
    (b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n--B\r\nContent-Disposition: form-data; "
     b"name=\"List-Unsubscribe\"\r\n\r\n  One-Click \r\n--B--\r\n", "multipart/form-data; boundary=B"),
    (b"--B\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\nContent-Transfer-Encoding: base64"
     b"\r\n\r\nT25lLUNsaWNr\r\n--B--\r\n", "multipart/form-data; boundary=B"),
])
def test_the_one_click_body_is_found_in_each_form_encoding(app, suppression, body, content_type):
    answer = call(app, "POST", token(), body, content_type)
    assert answer.status == "200 OK" and answer.title == "D\u00e9sabonnement enregistr\u00e9"
    assert len(records(suppression)) == 1


@pytest.mark.parametrize("body, content_type", [
    (b"List-Unsubscribe=One-Click", "multipart/form-data; boundary=B"),           # not multipart after all
    (b"--B\r\nContent-Disposition: form-data\r\n\r\nOne-Click\r\n--B--\r\n", "multipart/form-data; boundary=B"),
    (b"--B\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Clic\xe9\r\n--B--\r\n",
     "multipart/form-data; boundary=B"),
    (b"List-Unsubscribe=one-click", "application/x-www-form-urlencoded"),
    (b"list-unsubscribe=One-Click", "application/x-www-form-urlencoded"),
    (b"List-Unsubscribe", "application/x-www-form-urlencoded"),
    (b"List-Unsubscribe=One-Click\xff", "application/x-www-form-urlencoded"),
    (b"", "application/x-www-form-urlencoded"),
])
def test_a_post_without_the_one_click_pair_changes_nothing(app, suppression, body, content_type, caplog):
    answer = call(app, "POST", token(), body, content_type)
    assert answer.status == "400 Bad Request" and answer.title == "Demande incompl\u00e8te"
    assert caplog.messages == ["unsubscribe: POST without List-Unsubscribe=One-Click in its body; nothing changed"]
    assert not suppression.exists()


def test_a_body_without_a_stream_is_empty(app, suppression):
    environ = {"REQUEST_METHOD": "POST", "QUERY_STRING": f"token={token()}", "CONTENT_LENGTH": "26"}
    seen = []
    answer = Answer(None, [], app(environ, lambda status, headers: seen.append(status)))
    assert seen == ["400 Bad Request"] and answer.title == "Demande incompl\u00e8te"


def test_bodies_up_to_the_limit_are_read_and_larger_ones_refused(app, suppression, caplog):
    padded = ONE_CLICK + b"&x=" + b"y" * (MAX_BODY - len(ONE_CLICK) - 3)
    assert len(padded) == MAX_BODY == 16 * 1024
    assert call(app, "POST", token(), padded).title == "D\u00e9sabonnement enregistr\u00e9"
    assert call(app, "POST", token("fr", "b@example.org"), padded, length=None).status == "200 OK"
    assert call(app, "POST", token("fr", "c@example.org"), padded, length="").status == "200 OK"
    # A length given is what is read: the rest of the stream is another request's.
    assert call(app, "POST", token("fr", "d@example.org"), ONE_CLICK + b"xyz", length="26").status == "200 OK"
    assert len(records(suppression)) == 4

    caplog.clear()
    for length in ("auto", None, "", "-5"):
        answer = call(app, "POST", token("en", "e@example.org"), padded + b"y", length=length)
        assert answer.status == "413 Content Too Large" and answer.title == "Incomplete request"
    assert caplog.messages[0] == "unsubscribe: POST body above 16384 bytes refused"
    assert call(app, "POST", token("en", "e@example.org"), ONE_CLICK, length=str(MAX_BODY + 1)).status == \
        "413 Content Too Large"
    assert len(records(suppression)) == 4


def test_a_list_that_cannot_be_read_or_written_asks_to_try_again(tmp_path, caplog):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    app = UnsubscribeApp(blocked / "suppressed.jsonl", SECRET, LIST_ID)
    answer = call(app, "POST", token("en"), ONE_CLICK)
    assert answer.status == "503 Service Unavailable" and answer.headers["Retry-After"] == "300"
    assert answer.title == "Please try again later" and answer.headers["Content-Language"] == "en"
    assert caplog.messages[-1].startswith("unsubscribe: ") and "cannot be written" in caplog.messages[-1]

    unreadable = tmp_path / "folder.jsonl"
    unreadable.mkdir()
    answer = call(UnsubscribeApp(unreadable, SECRET, LIST_ID), "GET", token())
    assert answer.status == "503 Service Unavailable" and answer.title == "R\u00e9essayez plus tard"
    assert answer.header_list[-1] == ("Retry-After", "300")
    assert "cannot be read" in caplog.messages[-1]


@pytest.mark.parametrize("list_id, shown", [
    ("\"La lettre\" <lettre.example.org>", "La lettre"),
    ("  Nom  <a> <lettre.example.org>", "Nom  <a>"),
    ("lettre.example.org", "this newsletter"),
    ("<lettre.example.org>", "this newsletter"),
])
def test_the_pages_name_the_list_by_the_name_before_its_label(tmp_path, list_id, shown):
    app = UnsubscribeApp(tmp_path / "s.jsonl", SECRET, list_id)
    answer = call(app, "GET", make_token(SECRET, list_id, "en", ADDRESS))
    assert answer.page.strong.get_text() == shown


def test_the_settings_come_from_the_environment(tmp_path, monkeypatch):
    settings = {"NEWSLETTER_SECRET": SECRET.decode(), "NEWSLETTER_SUPPRESSION": str(tmp_path / "s.jsonl"),
                "NEWSLETTER_LIST_ID": LIST_ID}
    app = from_environment(settings)
    assert call(app, "POST", token(), ONE_CLICK).status == "200 OK"
    assert ADDRESS in SuppressionList(tmp_path / "s.jsonl", SECRET)

    monkeypatch.setattr("os.environ", {**settings, "NEWSLETTER_SUPPRESSION": str(tmp_path / "t.jsonl")})
    assert call(from_environment(), "POST", token(), ONE_CLICK).status == "200 OK"
    assert ADDRESS in SuppressionList(tmp_path / "t.jsonl", SECRET)

    with pytest.raises(ConfigurationError) as missing:
        from_environment({**settings, "NEWSLETTER_SUPPRESSION": ""})
    assert str(missing.value).startswith("NEWSLETTER_SUPPRESSION is not set: give the path of the suppression list")
    for list_id in ("", "  ", "Nom <  >"):
        with pytest.raises(ConfigurationError) as missing:
            from_environment({**settings, "NEWSLETTER_LIST_ID": list_id})
        assert str(missing.value).startswith("no list id: set NEWSLETTER_LIST_ID to the list's id")
    without = dict(settings)
    del without["NEWSLETTER_LIST_ID"]
    with pytest.raises(ConfigurationError, match="no list id"):
        from_environment(without)


def test_without_a_token_the_log_says_so_and_names_an_empty_path(app, caplog):
    environ = {"REQUEST_METHOD": "GET", "HTTP_ACCEPT_LANGUAGE": "fr-CA,en;q=0.5"}
    seen = []
    body = b"".join(app(environ, lambda status, headers: seen.append((status, dict(headers)))))
    [(status, headers)] = seen
    assert status == "400 Bad Request" and headers["Content-Language"] == "fr" and b"Lien non valable" in body
    assert caplog.messages == ["unsubscribe: GET  refused: no token"]


def test_the_refusal_pages_follow_a_browser_asking_for_a_regional_french(app):
    for method in ("PUT", "GET"):
        answer = call(app, method, "not-a-token", HTTP_ACCEPT_LANGUAGE="fr-CA,en;q=0.5")
        assert answer.headers["Content-Language"] == "fr" and answer.page.html["lang"] == "fr"


def test_a_body_of_unknown_length_is_read_up_to_the_limit_only(app, suppression):
    class Endless:
        """An upload without Content-Length that never ends (a chunked request)."""

        def read(self, size=-1):
            if size is None or size < 0:
                raise AssertionError("read without a limit")
            return b"List-Unsubscribe=One-Click&x=" + b"y" * size

    environ = {"REQUEST_METHOD": "POST", "QUERY_STRING": f"token={token()}", "wsgi.input": Endless(),
               "CONTENT_TYPE": "application/x-www-form-urlencoded"}
    seen = []
    app(environ, lambda status, headers: seen.append(status))
    assert seen == ["413 Content Too Large"] and not suppression.exists()


def test_the_list_name_is_shown_as_given_less_its_quotes(tmp_path):
    app = UnsubscribeApp(tmp_path / "s.jsonl", SECRET, '"Lettre X" <lettre.example.org>')
    answer = call(app, "GET", make_token(SECRET, "lettre.example.org", "en", ADDRESS))
    assert answer.page.strong.get_text() == "Lettre X"


def test_settings_missing_from_the_environment_are_named_in_full(tmp_path):
    settings = {"NEWSLETTER_SECRET": SECRET.decode(), "NEWSLETTER_LIST_ID": LIST_ID}
    with pytest.raises(ConfigurationError) as missing:
        from_environment(settings)
    assert str(missing.value) == ("NEWSLETTER_SUPPRESSION is not set: give the path of the suppression list the sends "
                                  "read (suppressed.jsonl, in the folder beside the subscribers file)")
    with pytest.raises(ConfigurationError) as missing:
        UnsubscribeApp(tmp_path / "s.jsonl", SECRET, " ")
    assert str(missing.value) == ("no list id: set NEWSLETTER_LIST_ID to the list's id, as the letters' List-Id "
                                  "header has it (e.g. \"La lettre <lettre.example.org>\")")
