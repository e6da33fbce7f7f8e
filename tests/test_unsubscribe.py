"""One-click unsubscribe, end to end: the endpoint under waitress on loopback, then sends that skip who left.

The endpoint runs as the author runs it (``python -m newsletter.unsubscribe``, a real
waitress process) and is driven over HTTP with RFC 8058's exact body; what it
did is read back from the suppression file and from what a real SMTP server
(aiosmtpd, smtp_server.py) accepts afterwards.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from delivery_contract import make_campaign
from newsletter.delivery import config
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.errors import ConfigurationError
from newsletter.delivery.ledger import Ledger
from newsletter.delivery.suppression import SuppressionList
from newsletter.unsubscribe.tokens import make_token
from publisher.newsletter_subscribers import main as subscribers_main
from smtp_server import SmtpServer

SECRET = "test-secret-0f8a2c71d9e4b6a3"
LIST_ID = "La lettre d'Élise <lettre.elise-marchand.example>"
ENDPOINT = "https://elise-marchand.example/unsubscribe"
MAILTO = "lettre+unsubscribe@elise-marchand.example"
ONE_CLICK = b"List-Unsubscribe=One-Click"          # RFC 8058 section 3.1, byte for byte
FIXTURE = Path(__file__).parent / "fixtures" / "subscribers.csv"
FRENCH = ["claire.dupont@example.org", "jean-luc+lettre@example.net", "ana.martins@example.org",
          "Mathilde.Roux@example.org", "yann.le-goff@example.fr", "lucie_b@example.com"]


class Endpoint:
    """`python -m newsletter.unsubscribe` on 127.0.0.1, a port of the system's choosing."""

    def __init__(self, suppression, environ=None):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": SECRET,
               "NEWSLETTER_SUPPRESSION": str(suppression), "NEWSLETTER_LIST_ID": LIST_ID, **(environ or {})}
        self.process = subprocess.Popen([sys.executable, "-m", "newsletter.unsubscribe", "--listen", "127.0.0.1:0"],
                                        env=env, stderr=subprocess.PIPE, text=True)
        self.log = []
        for line in self.process.stderr:  # waits for waitress's own "Serving on" line
            self.log.append(line)
            if match := re.search(r"Serving on http://127\.0\.0\.1:(\d+)", line):
                self.base = f"http://127.0.0.1:{match.group(1)}"
                return
        raise AssertionError("the endpoint did not start:\n" + "".join(self.log))

    def stop(self):
        """Stop it (once) and give everything it logged."""
        if self.process.returncode is None:
            self.process.terminate()
            self.log.append(self.process.communicate(timeout=30)[1])
        return "".join(self.log)

    def request(self, token=None, method="GET", body=None, headers=None, url=None):
        """(status, headers, parsed page) of one request to the endpoint."""
        address = url or (f"{self.base}/unsubscribe" + (f"?token={token}" if token is not None else ""))
        request = urllib.request.Request(address, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.headers, BeautifulSoup(answer.read(), "html.parser")
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers, BeautifulSoup(answer.read(), "html.parser")

    def post(self, token=None, body=ONE_CLICK, content_type="application/x-www-form-urlencoded", url=None):
        return self.request(token, "POST", body, {"Content-Type": content_type}, url=url)


@pytest.fixture
def suppression(tmp_path):
    return tmp_path / "private" / "subscribers.private" / "suppressed.jsonl"


@pytest.fixture
def endpoint(suppression):
    server = Endpoint(suppression)
    yield server
    server.stop()


def token(address="claire.dupont@example.org", lang="fr", list_id=LIST_ID, secret=SECRET):
    return make_token(secret.encode(), list_id, lang, address)


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def text(page):
    return " ".join(page.get_text(" ").split())


# The endpoint.

def test_rfc8058_one_click_post_unsubscribes_and_a_replay_changes_nothing(endpoint, suppression):
    status, headers, page = endpoint.post(token())
    assert status == 200 and page.html["lang"] == "fr"
    assert page.h1.get_text() == "Désabonnement enregistré"
    assert "La lettre d'Élise" in text(page)
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
    [record] = lines(suppression)
    assert record["reason"] == "unsubscribe" and re.fullmatch(r"[0-9a-f]{64}", record["hmac"])
    assert "claire" not in suppression.read_text()              # a keyed hash, never the address
    assert "Claire.Dupont@Example.org" in SuppressionList(suppression, SECRET)

    status, _, page = endpoint.post(token())                     # the same request again
    assert status == 200 and page.h1.get_text() == "Déjà désabonné"
    assert len(lines(suppression)) == 1


def test_a_multipart_one_click_post_is_accepted(endpoint, suppression):
    body = (b"--b0undary\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
            b"One-Click\r\n--b0undary--\r\n")
    status, _, page = endpoint.post(token("tom.baker@example.com", "en"), body,
                                    content_type="multipart/form-data; boundary=b0undary")
    assert status == 200 and page.h1.get_text() == "You are unsubscribed"
    assert "tom.baker@example.com" in SuppressionList(suppression, SECRET)


def test_get_shows_a_confirmation_in_the_readers_language_and_changes_nothing(endpoint, suppression):
    for lang, title, button in (("fr", "Se désabonner\u202f?", "Me désabonner"),
                                ("en", "Unsubscribe?", "Unsubscribe me")):
        status, headers, page = endpoint.request(token(lang=lang))
        assert status == 200 and page.html["lang"] == lang and headers["Content-Language"] == lang
        assert page.h1.get_text() == title
        form = page.find("form")
        assert form["method"] == "post" and form.button.get_text() == button
        assert {field["name"]: field["value"] for field in form.find_all("input")} == {
            "List-Unsubscribe": "One-Click"}
        assert "script" not in str(page) and "default-src 'none'" in headers["Content-Security-Policy"]
    assert not suppression.exists()                              # a link scanner's GET unsubscribes nobody

    # The button posts the form to the page's own address (the form has no action).
    status, _, page = endpoint.post(token(lang="en"), body=b"List-Unsubscribe=One-Click")
    assert status == 200 and page.h1.get_text() == "You are unsubscribed"
    status, _, page = endpoint.request(token(lang="en"))
    assert page.h1.get_text() == "Already unsubscribed" and page.find("form") is None


@pytest.mark.parametrize("bad, why", [
    (None, "no token"),
    ("", "no token"),
    (lambda t: t[:-6], "too short"),                                   # cut by a mail client
    (lambda t: t[: t.rindex(".")], "3 fields"),                       # the signature lost
    (lambda t: "en" + t[2:], "signature does not match"),             # another language, same signature
    (lambda t: t[:10] + ("A" if t[10] != "A" else "B") + t[11:], "signature does not match"),  # another reader
    (lambda t: token(list_id="Autre <autre.example.org>"), "signature does not match"),  # another list
    (lambda t: token(secret="another-secret-123456789"), "signature does not match"),
    (lambda t: t.replace(".", "!", 1), "3 fields"),
])
def test_a_forged_or_truncated_token_changes_nothing(endpoint, suppression, bad, why):
    given = bad(token()) if callable(bad) else bad
    for method in ("GET", "POST"):
        status, _, page = endpoint.post(given) if method == "POST" else endpoint.request(given)
        assert status == 400
        assert page.h1.get_text() == "Lien non valable"              # no language to trust: the site's first
    assert not suppression.exists()
    log = endpoint.stop()
    assert log.count(why) == 2 and "Traceback" not in log


def test_an_invalid_token_page_follows_the_browser_language(endpoint):
    status, _, page = endpoint.request("nonsense", headers={"Accept-Language": "en-GB,en;q=0.8,fr;q=0.5"})
    assert status == 400 and page.html["lang"] == "en" and page.h1.get_text() == "This link does not work"


@pytest.mark.parametrize("body, content_type", [
    (b"", "application/x-www-form-urlencoded"),
    (b"List-Unsubscribe=Yes", "application/x-www-form-urlencoded"),
    (b"unsubscribe=One-Click", "application/x-www-form-urlencoded"),
    (b"--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nOne-Click\r\n--x--\r\n",
     "multipart/form-data; boundary=x"),
])
def test_a_post_without_the_one_click_body_changes_nothing(endpoint, suppression, body, content_type):
    status, _, page = endpoint.post(token(), body, content_type)
    assert status == 400 and page.h1.get_text() == "Demande incomplète"
    assert not suppression.exists()


def test_other_methods_and_huge_bodies_are_refused(endpoint, suppression):
    status, headers, _ = endpoint.request(token(), "PUT", ONE_CLICK)
    assert status == 405 and headers["Allow"] == "GET, HEAD, POST"
    status, _, _ = endpoint.post(token(), ONE_CLICK + b"&x=" + b"y" * 20000)
    assert status == 413
    assert not suppression.exists()


def test_a_suppression_list_that_cannot_be_written_loses_nothing(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    server = Endpoint(blocked / "suppressed.jsonl")
    try:
        status, headers, page = server.post(token())
        assert status == 503 and headers["Retry-After"] == "300"
        assert page.h1.get_text() == "Réessayez plus tard" and "rien n’a été perdu" in text(page)
    finally:
        log = server.stop()
    assert "cannot be written" in log and "Traceback" not in log


def test_the_endpoint_does_not_start_without_its_settings(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SUPPRESSION": str(tmp_path / "s.jsonl"),
           "NEWSLETTER_LIST_ID": LIST_ID}
    env.pop("NEWSLETTER_SECRET", None)
    done = subprocess.run([sys.executable, "-m", "newsletter.unsubscribe", "--listen", "127.0.0.1:0"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        done.stderr.strip()] and "NEWSLETTER_SECRET is not set" in done.stderr


# The sends: the header carries the signed address, and who left gets nothing more.

@pytest.fixture
def subscribers(tmp_path):
    path = tmp_path / "private" / "subscribers.csv"
    path.parent.mkdir()
    shutil.copyfile(FIXTURE, path)
    return path


def send(server, subscribers, campaigns, **unsubscribe):
    settings = config.load({"backend": "smtp", "smtp": {
        "host": "127.0.0.1", "port": server.port, "security": "none", "subscribers": str(subscribers),
        "list_id": LIST_ID, "unsubscribe": {"mailto": MAILTO, **unsubscribe}}},
        environ={"NEWSLETTER_SECRET": SECRET})
    ledger_path = subscribers.parent.parent / "ledger.json"
    with Ledger(ledger_path).locked() as ledger, config.open_backend(settings) as backend:
        return [Dispatcher(backend, ledger).deliver(campaign, Action("send")) for campaign in campaigns]


def test_two_readers_leave_by_one_click_and_the_next_issue_reaches_the_others_only(tmp_path, subscribers,
                                                                                   suppression, endpoint):
    with SmtpServer() as server:
        send(server, subscribers, [make_campaign(tmp_path / "outbox", number=5, lang="fr")], endpoint=ENDPOINT)
        assert len(server.messages) == len(FRENCH)
        leaving = {}
        for received in server.messages:
            message = received.message
            header = str(message["List-Unsubscribe"])
            https, mailto = re.fullmatch(r"<([^>]+)>, <([^>]+)>", header).groups()
            assert https.startswith(ENDPOINT + "?token=fr.") and mailto == f"mailto:{MAILTO}?subject=unsubscribe"
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert received.rcpt_tos[0].split("@")[0] not in header   # no address in the link
            assert https in message.get_body(("plain",)).get_content()  # the letter's own unsubscribe link
            if received.rcpt_tos[0] in ("ana.martins@example.org", "Mathilde.Roux@example.org"):
                leaving[received.rcpt_tos[0]] = https
        for https in leaving.values():  # what a mail client does with the two headers, at our loopback server
            parts = urlsplit(https)
            status, _, _ = endpoint.post(url=f"{endpoint.base}{parts.path}?{parts.query}")
            assert status == 200
        assert len(lines(suppression)) == 2

        server.messages.clear()
        send(server, subscribers, [make_campaign(tmp_path / "outbox6", number=6, lang="fr")], endpoint=ENDPOINT)
        reached = sorted(address for received in server.messages for address in received.rcpt_tos)
        assert len(server.messages) == len(FRENCH) - 2
        assert reached == sorted(set(FRENCH) - set(leaving))
    assert "reader" in endpoint.stop()


def test_without_the_secret_a_suppression_list_stops_the_send(tmp_path, subscribers, suppression):
    SuppressionList(suppression, SECRET).add("ana.martins@example.org", "bounce")
    settings = config.load({"backend": "smtp", "smtp": {
        "host": "127.0.0.1", "port": 9, "security": "none", "subscribers": str(subscribers),
        "unsubscribe": {"mailto": MAILTO}}}, environ={})
    with pytest.raises(ConfigurationError, match="NEWSLETTER_SECRET is not set"):
        with Ledger(tmp_path / "ledger.json").locked() as ledger, config.open_backend(settings) as backend:
            Dispatcher(backend, ledger).deliver(make_campaign(tmp_path / "outbox", lang="fr"), Action("send"))


# invoke newsletter-subscribers

@pytest.fixture
def project(tmp_path, subscribers, monkeypatch):
    (tmp_path / "conf.py").write_text(
        "NEWSLETTER = {'delivery': {'backend': 'smtp', 'ledger': 'ledger.json', 'smtp': {"
        f"'host': 'localhost', 'security': 'none', 'subscribers': {str(subscribers)!r}, "
        f"'unsubscribe': {{'mailto': {MAILTO!r}}}}}}}}}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    return tmp_path


def test_subscribers_counts_per_language_and_state_and_a_clean_copy(project, subscribers, suppression, capsys):
    assert subscribers_main(["--settings", "conf.py"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{subscribers}: 10 rows", "  en: 3 active, 0 suppressed, 0 without consent",
                   "  fr: 6 active, 0 suppressed, 1 without consent",
                   "Suppression list: none yet (nobody has unsubscribed, bounced or complained)"]

    suppressed = SuppressionList(suppression, SECRET)
    suppressed.add("MATHILDE.ROUX@example.org", "unsubscribe")
    suppressed.add("sipho@example.net", "bounce")
    suppressed.add("gone.long.ago@example.org", "complaint")     # no longer in the CSV
    clean = subscribers.with_name("clean.csv")
    assert subscribers_main(["--settings", "conf.py", "--write-clean", str(clean)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:3] == ["  en: 2 active, 1 suppressed, 0 without consent",
                        "  fr: 5 active, 1 suppressed, 1 without consent"]
    assert out[3].startswith(f"Suppression list {suppression}: 3 (bounce 1, complaint 1, unsubscribe 1;")
    assert out[4] == f"Wrote {clean}: 8 rows, 2 suppressed readers left out"
    original = subscribers.read_text().splitlines()
    assert clean.read_text().splitlines() == [row for row in original
                                              if not row.lower().startswith(("mathilde.roux", "sipho"))]
    assert oct(clean.stat().st_mode & 0o777) == "0o600"


def test_subscribers_without_the_secret_is_one_line(project, suppression, monkeypatch, capsys):
    SuppressionList(suppression, SECRET).add("sipho@example.net", "bounce")
    monkeypatch.delenv("NEWSLETTER_SECRET")
    assert subscribers_main(["--settings", "conf.py"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Subscribers not read: ") and "NEWSLETTER_SECRET is not set" in err
    assert len(err.strip().splitlines()) == 1


def test_a_copy_fetched_from_the_endpoints_machine_is_honoured_and_never_written(tmp_path, subscribers,
                                                                                  suppression):
    """The endpoint ran elsewhere: its file, fetched beside the list as suppressed.endpoint.jsonl, counts too."""
    elsewhere = tmp_path / "server" / "suppressed.jsonl"
    SuppressionList(elsewhere, SECRET).add("ana.martins@example.org", "unsubscribe")
    SuppressionList(suppression, SECRET).add("lucie_b@example.com", "bounce")     # the mailbox command, here
    shutil.copyfile(elsewhere, suppression.with_name("suppressed.endpoint.jsonl"))
    copy = suppression.with_name("suppressed.endpoint.jsonl").read_bytes()
    assert SuppressionList(suppression, SECRET).add("ana.martins@example.org", "bounce") is False
    with SmtpServer() as server:
        send(server, subscribers, [make_campaign(tmp_path / "outbox", lang="fr")], endpoint=ENDPOINT)
        reached = sorted(address for received in server.messages for address in received.rcpt_tos)
    assert reached == sorted(set(FRENCH) - {"ana.martins@example.org", "lucie_b@example.com"})
    assert suppression.with_name("suppressed.endpoint.jsonl").read_bytes() == copy


def test_the_cgi_example_unsubscribes_with_the_one_click_body(tmp_path, suppression):
    """docs/unsubscribe/unsubscribe.cgi run as a web server runs a CGI script: environment and stdin."""
    env = {"PATH": os.environ.get("PATH", ""), "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
           "REQUEST_METHOD": "POST", "QUERY_STRING": f"token={token()}", "SCRIPT_NAME": "/cgi-bin/unsubscribe.cgi",
           "SERVER_NAME": "elise-marchand.example", "SERVER_PORT": "443", "HTTPS": "on",
           "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(ONE_CLICK)),
           "NEWSLETTER_CODE": str(ROOT), "NEWSLETTER_SECRET": SECRET, "NEWSLETTER_SUPPRESSION": str(suppression),
           "NEWSLETTER_LIST_ID": LIST_ID}
    script = ROOT / "docs" / "unsubscribe" / "unsubscribe.cgi"
    done = subprocess.run([sys.executable, str(script)], input=ONE_CLICK, env=env, capture_output=True, timeout=60)
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"Status: 200 OK") and b"Content-Type: text/html; charset=utf-8" in head
    assert "Désabonnement enregistré" in BeautifulSoup(body, "html.parser").h1.get_text()
    assert "claire.dupont@example.org" in SuppressionList(suppression, SECRET)

    done = subprocess.run([sys.executable, str(script)], input=b"", env={**env, "QUERY_STRING": "token=forged"},
                          capture_output=True, timeout=60)
    assert done.stdout.startswith(b"Status: 400 Bad Request") and len(lines(suppression)) == 1
