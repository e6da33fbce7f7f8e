"""The SMTP backend pinned down where mutation testing found changes no test noticed (issue 28).

Sends go to a real SMTP server on loopback (aiosmtpd, smtp_server.py), or, for replies aiosmtpd cannot
give (a refused greeting, a server that never greets, bytes that are not UTF-8), to a small scripted
TCP server on loopback below. Assertions are on what the server received, on the errors raised (their
whole message) and on the files and log lines the backend leaves.
"""

import dataclasses
import gc
import hashlib
import logging
import re
import socket
import socketserver
import ssl
import threading
import warnings

import pytest

from conftest import self_signed_certificate
from aiosmtpd.smtp import AuthResult

from delivery_contract import PLACEHOLDER, make_campaign
from newsletter.delivery import config
from newsletter.delivery.backends.smtp import SmtpBackend
from newsletter.delivery.errors import (AuthenticationError, ConfigurationError, InvalidRequest,
                                        ProviderUnavailable)
from newsletter.delivery.ledger import Journal
from newsletter.delivery.suppression import SuppressionList, default_path
from newsletter.unsubscribe.tokens import verify
from smtp_server import Recorder, SmtpServer

MAILTO = "lettre+unsubscribe@elise-marchand.example"
SENDER = "lettre@elise-marchand.example"
SECRET = "mutants-secret-0123456789abcdef"
WHERE = "NEWSLETTER['delivery']['smtp']"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


# Helpers.

def open_smtp(port, subscribers=None, sleeps=None, environ=None, attempts=5, **changes):
    smtp = {"host": "127.0.0.1", "port": port, "security": "none",
            "subscribers": str(subscribers) if subscribers else None,
            "unsubscribe": {"mailto": MAILTO}, **changes}
    settings = config.load({"backend": "smtp", "smtp": smtp, "retry": {"attempts": attempts}},
                           environ=environ or {})
    sleeps = [] if sleeps is None else sleeps
    return config.open_backend(settings, retry=config.retry_policy(settings, sleep=sleeps.append))


def readers_file(tmp_path, french, english=()):
    path = tmp_path / "readers" / "subscribers.csv"
    path.parent.mkdir(exist_ok=True)
    rows = [f"{address},fr,2026-01-01" for address in french] + [f"{address},en,2026-01-01" for address in english]
    path.write_text("email,lang,consent_date\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def journal(tmp_path, key="issue-5-fr"):
    return Journal(tmp_path / "ledger.d" / f"{key}.smtp.jsonl")


def send(backend, campaign, tmp_path):
    with backend:
        backend.send_now(campaign.key, campaign, journal(tmp_path, campaign.key))


def bare(campaign, **changes):
    """The campaign without the outbox's message: the backend writes the email from its fields."""
    return dataclasses.replace(campaign, message=None, **changes)


def header_names(raw):
    """The names of the message's headers, spelt as sent."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.split("\r\n") if line[:1] not in (" ", "\t")]


def keyed(campaign, number):
    return dataclasses.replace(campaign, key=f"issue-{number}-{campaign.lang}", number=number)


@pytest.fixture
def server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def campaign(tmp_path):
    return make_campaign(tmp_path / "outbox", lang="fr")


class Scripted(socketserver.ThreadingTCPServer):
    """A TCP server on loopback: its ``greeting`` (None: never greets, waits for the client to hang up),
    then to each command the reply ``replies`` gives for its verb (by default a 454)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, greeting, replies=None):
        self.greeting, self.replies = greeting, replies or {}

        class Handler(socketserver.StreamRequestHandler):
            def handle(handler):
                if self.greeting is None:
                    handler.rfile.read()
                    return
                handler.wfile.write(self.greeting)
                for line in handler.rfile:
                    if line.upper().startswith(b"QUIT"):
                        handler.wfile.write(b"221 Bye\r\n")
                        return
                    verb = line.split()[0].upper() if line.split() else b""
                    handler.wfile.write(self.replies.get(verb, b"454 4.7.0 TLS not available\r\n"))

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Settings.

def refusal(**settings):
    with pytest.raises(ConfigurationError) as refused:
        SmtpBackend.check_settings({**SmtpBackend.DEFAULTS, "host": "smtp.example.net", **settings}, "W")
    assert refused.value.provider == "smtp"
    return refused.value.args[0]


def accepts(**settings):
    SmtpBackend.check_settings({**SmtpBackend.DEFAULTS, "host": "smtp.example.net", **settings}, "W")
    return True


def test_an_unknown_security_names_the_three_choices():
    assert refusal(security="ssl") == ("W['security'] = 'ssl': choose 'starttls' (port 587), 'tls' (port 465) or "
                                       "'none' (a relay on this machine)")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "localhost.", "127.0.0.2", "::1", "[::1]", ""])
def test_plain_smtp_is_allowed_for_every_spelling_of_this_machine(host):
    assert accepts(security="none", host=host)


@pytest.mark.parametrize("host", ["localhost.example.org", "[2001:db8::1]", "mail.localhost"])
def test_plain_smtp_to_another_machine_says_why(host):
    assert refusal(security="none", host=host) == (
        f"W['security'] = 'none' would send the password and the letters in clear to {host}; it is only allowed "
        "for a relay on this machine (localhost, 127.0.0.1, ::1): use 'starttls' or 'tls'")


@pytest.mark.parametrize("port", [1, 65535, "2525", "", None])
def test_ports_from_1_to_65535_are_accepted(port):
    assert accepts(port=port)


@pytest.mark.parametrize("port", [0, 65536, "-1", "25a"])
def test_a_port_out_of_range_is_refused(port):
    assert refusal(port=port) == f"W['port'] = {port!r} is not a port number (or set SMTP_PORT)"


@pytest.mark.parametrize("timeout", [None, 0.5, 10])
def test_a_timeout_is_a_positive_number_or_none(timeout):
    assert accepts(timeout=timeout)


@pytest.mark.parametrize("timeout", [True, "30", 0, -1])
def test_a_timeout_that_is_not_a_positive_number_is_refused(timeout):
    assert refusal(timeout=timeout) == f"W['timeout'] = {timeout!r}: a number of seconds above 0, or None"


def test_the_subscribers_and_private_folder_must_be_paths():
    assert refusal(subscribers=5) == "W['subscribers'] must be the path of a CSV file (email,lang,consent_date)"
    assert refusal(private_folder=5) == ("W['private_folder'] must be the path of a folder outside the repository, "
                                         "or None (beside the subscribers file)")
    assert accepts(subscribers="readers.csv", private_folder="../private")


@pytest.mark.parametrize("list_id", ["La lettre <lettre.example.org>", "<a-b_c.example>", "Lettre <l.example> ",
                                     "Lettre <a.b.c.example>", "A<B <lettre.example.org>"])
def test_a_list_id_with_a_dotted_label_is_accepted(list_id):
    assert accepts(list_id=list_id)


@pytest.mark.parametrize("list_id", ["La lettre", "La lettre <lettre>", "<lettre.>", "<lettre..example>",
                                     "<lettré.example>", "<let tre.example>", "<lettre.example", "<lettre.ex!>"])
def test_a_list_id_without_a_dotted_label_in_brackets_is_refused(list_id):
    assert refusal(list_id=list_id) == (
        f"W['list_id'] = {list_id!r}: write a name then the list's id in angle brackets, a dotted name under a "
        "domain of yours (RFC 2919), e.g. \"La lettre <lettre.example.org>\"")


@pytest.mark.parametrize("unsubscribe", ["mailto:x@example.org", {"mailto": MAILTO, "link": "https://x.example"}])
def test_the_unsubscribe_setting_must_be_a_dict_of_known_keys(unsubscribe):
    assert refusal(unsubscribe=unsubscribe) == ("W['unsubscribe'] must be {'mailto': 'list+unsubscribe@example.org', "
                                                "'endpoint': 'https://example.org/unsubscribe' or None}")


def test_an_unsubscribe_mailto_must_be_an_address():
    assert refusal(unsubscribe={"mailto": "lettre at example"}) == (
        "W['unsubscribe']['mailto'] = 'lettre at example' is not an email address")
    assert accepts(unsubscribe={"mailto": MAILTO})


@pytest.mark.parametrize("url", ["http://example.org/u?email={email}", "https://example.org/u",
                                 "https://exämple.org/u?email={email}", "https://example.org/u?email={email}&a b",
                                 "https://example.org/<u>?email={email}", "https://example.org/u,v?email={email}",
                                 'https://example.org/"u"?email={email}'])
def test_an_unsubscribe_url_must_be_https_ascii_with_the_address(url):
    assert accepts(unsubscribe={"mailto": MAILTO, "url": "https://example.org/X?email={email}"})
    assert refusal(unsubscribe={"mailto": MAILTO, "url": url}) == (
        f"W['unsubscribe']['url'] = {url!r}: an https:// address (RFC 8058 one-click unsubscribe needs https), in "
        "ASCII, with {email} where the reader's address goes")


@pytest.mark.parametrize("endpoint", ["http://example.org/unsubscribe", "https://exämple.org/unsubscribe",
                                      "https://example.org/unsubscribe#top", "https://example.org/un subscribe",
                                      "https://example.org/<u>", "https://example.org/u,v", 'https://example.org/"u"',
                                      "https://example.org/u?email={email}"])
def test_an_unsubscribe_endpoint_must_be_a_plain_https_address(endpoint):
    assert accepts(unsubscribe={"mailto": MAILTO, "endpoint": "https://example.org/X"})
    assert refusal(unsubscribe={"mailto": MAILTO, "endpoint": endpoint}) == (
        f"W['unsubscribe']['endpoint'] = {endpoint!r}: the https:// address where the unsubscribe endpoint answers "
        "(RFC 8058 needs https), in ASCII, e.g. 'https://example.org/unsubscribe'")


def test_an_endpoint_and_a_url_together_are_refused():
    assert refusal(unsubscribe={"mailto": MAILTO, "endpoint": "https://example.org/unsubscribe",
                                "url": "https://example.org/u?email={email}"}) == (
        "W['unsubscribe']: set 'endpoint' (signed links) or 'url' (links with the address), not both")
    assert accepts(unsubscribe={"mailto": MAILTO, "endpoint": "https://example.org/unsubscribe?list=1"})


def test_the_timeout_and_port_settings_are_used():
    assert open_smtp("2525", timeout=4).timeout == 4 and open_smtp("2525").port == 2525
    assert open_smtp(None).timeout == 30.0 and open_smtp(None).port == 25


# Drafts.

def test_drafts_are_the_campaign_key_and_scheduling_is_refused(campaign):
    backend = open_smtp(2525)
    for remote in (backend.create_draft(campaign, "key"), backend.find(campaign), backend.get(campaign.key)):
        assert (remote.id, remote.state) == ("issue-5-fr", "draft")
    assert backend.update_draft(campaign.key, campaign) is None
    with pytest.raises(ConfigurationError) as refused:
        backend.schedule(campaign.key, campaign, None)
    assert str(refused.value) == "smtp: SMTP cannot schedule; use --send at the time"


# Test sends.

def test_a_test_address_that_is_not_one_is_refused_before_anything_is_sent(server, campaign, caplog):
    campaign = keyed(campaign, 510)  # its own key: Pelican's log filter drops a repeated line
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.smtp")
    with open_smtp(server.port) as backend, pytest.raises(InvalidRequest) as refused:
        backend.send_test(campaign.key, campaign, ["editor@example.org", "Proof <not an address>"])
    assert str(refused.value).startswith("smtp: test address: ") and "not an address" in str(refused.value)
    assert [received.rcpt_tos for received in server.messages] == [["editor@example.org"]]
    assert "issue-510-fr: test sent to editor@example.org" in caplog.messages


def test_a_test_carries_a_fresh_message_id_under_the_senders_domain(server, campaign):
    with open_smtp(server.port) as backend:
        backend.send_test(campaign.key, campaign, ["editor@example.org", "editor@example.org"])
    ids = [str(received.message["Message-ID"]) for received in server.messages]
    for message_id in ids:
        key, _, rest = message_id.strip("<>").partition(".")
        token, _, domain = rest.partition("@")
        assert (key, len(token), domain) == ("issue-5-fr", 20, "elise-marchand.example")
        int(token, 16)
    assert ids[0] != ids[1]


def test_a_campaign_without_a_from_address_is_refused(server, campaign):
    for sender in ("", "Élise Marchand <elise>"):
        with open_smtp(server.port) as backend, pytest.raises(ConfigurationError) as refused:
            backend.send_test(campaign.key, bare(campaign, sender=sender), ["editor@example.org"])
        assert str(refused.value) == "smtp: issue-5-fr: no From address; set NEWSLETTER['sender']"
    assert server.messages == []


def test_sending_without_an_unsubscribe_address_is_refused(server, campaign):
    with open_smtp(server.port, unsubscribe={"mailto": ""}) as backend, pytest.raises(ConfigurationError) as refused:
        backend.send_test(campaign.key, campaign, ["editor@example.org"])
    assert str(refused.value) == (
        "smtp: no unsubscribe address: set NEWSLETTER['delivery']['smtp']['unsubscribe']['mailto'] (every letter "
        "carries List-Unsubscribe)")


# The message each reader gets.

def test_a_campaign_without_an_outbox_message_is_written_from_its_fields(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["ana@example.org"])
    send(open_smtp(server.port, subscribers), bare(campaign, reply_to=""), tmp_path)
    [received] = server.messages
    message = received.message
    assert message["Subject"] == campaign.subject and message["From"] == campaign.sender
    assert message["Reply-To"] is None
    assert message["Content-Language"] == "fr"
    assert [(part.get_content_type(), part.get_content_charset(), part["Content-Transfer-Encoding"])
            for part in message.iter_parts()] == [("text/plain", "utf-8", "quoted-printable"),
                                                 ("text/html", "utf-8", "quoted-printable")]
    text = message.get_body(("plain",)).get_content()
    assert PLACEHOLDER not in text and f"mailto:{MAILTO}?subject=unsubscribe" in text
    raw = received.content
    assert header_names(raw) == ["Subject", "From", "MIME-Version", "Content-Type", "To", "Date", "Message-ID",
                                 "List-Id", "Content-Language", "List-Unsubscribe"]   # spelt as in RFC 5322
    assert b'\r\nContent-Type: text/plain; charset="utf-8"\r\n' in raw
    assert b'\r\nContent-Type: text/html; charset="utf-8"\r\n' in raw

    server.messages.clear()
    send(open_smtp(server.port, subscribers), bare(campaign, key="issue-6-fr", reply_to="Élise <e@example.org>"),
         tmp_path)
    assert server.messages[0].message["Reply-To"] == "Élise <e@example.org>"
    assert "Reply-To" in header_names(server.messages[0].content)


def test_the_outbox_headers_for_other_recipients_are_replaced(server, campaign, tmp_path):
    message = campaign.message
    for name, value in (("Cc", "copy@example.org"), ("Bcc", "hidden@example.org"), ("List-Id", "<old.example>"),
                        ("List-Unsubscribe", "<mailto:old@example.org>"),
                        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), ("Content-Language", "fr-CA")):
        del message[name]
        message[name] = value
    subscribers = readers_file(tmp_path, ["ana@example.org"])
    send(open_smtp(server.port, subscribers), campaign, tmp_path)
    [received] = server.messages
    assert received.rcpt_tos == ["ana@example.org"]
    headers = received.message
    assert headers["Cc"] is None and headers["Bcc"] is None and headers["List-Unsubscribe-Post"] is None
    assert headers.get_all("List-Id") == ["<lettre.elise-marchand.example>"]
    assert headers.get_all("List-Unsubscribe") == [f"<mailto:{MAILTO}?subject=unsubscribe>"]
    assert headers.get_all("Content-Language") == ["fr-CA"]   # the outbox's own is kept
    assert len(headers.get_all("Message-ID")) == 1 and len(headers.get_all("Date")) == 1


def test_the_list_id_is_made_from_the_senders_address(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["ana@example.org"])
    send(open_smtp(server.port, subscribers), bare(campaign, sender="La lettre <la.lettre+fr_2-b@example.org>"),
         tmp_path)
    assert server.messages[0].message["List-Id"] == "<la-lettre-fr-2-b.example.org>"


def test_a_signed_unsubscribe_link_names_the_list_and_language_not_the_address(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["ana@example.org", "bob@example.org"])
    endpoints = {"issue-5-fr": "https://elise-marchand.example/unsubscribe",
                 "issue-6-fr": "https://elise-marchand.example/unsubscribe?list=lettre"}
    for key, endpoint in endpoints.items():
        send(open_smtp(server.port, subscribers, environ={"NEWSLETTER_SECRET": SECRET},
                       unsubscribe={"mailto": MAILTO, "endpoint": endpoint}), dataclasses.replace(campaign, key=key),
             tmp_path)
    assert len(server.messages) == 4
    for received in server.messages:
        raw = received.content.decode("ascii")
        [to] = received.rcpt_tos
        key = received.message["Message-ID"].strip("<").partition(".")[0]
        link = f"{endpoints[key]}{'&' if '?' in endpoints[key] else '?'}token="
        assert f"\r\nList-Unsubscribe: <{link}" in raw and f">,\r\n <mailto:{MAILTO}?subject=unsubscribe>\r\n" in raw
        assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
        assert {"To", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"} <= set(
            header_names(received.content))
        token = raw.split(link, 1)[1].split(">", 1)[0]
        unsubscribe = verify(SECRET, "<lettre.elise-marchand.example>", token)
        assert unsubscribe.lang == "fr" and unsubscribe.digest == SuppressionList(tmp_path / "x", SECRET).digest(to)
        assert to not in received.message["List-Unsubscribe"]
        assert f"{link}{token}" in received.message.get_body(("plain",)).get_content()


def test_signed_links_need_a_long_enough_secret(server, campaign):
    endpoint = {"mailto": MAILTO, "endpoint": "https://elise-marchand.example/unsubscribe"}
    with open_smtp(server.port, unsubscribe=endpoint) as backend, pytest.raises(ConfigurationError) as refused:
        backend.send_test(campaign.key, campaign, ["editor@example.org"])
    assert str(refused.value) == (
        "smtp: NEWSLETTER_SECRET is not set (the unsubscribe links are signed with it): export the same long random "
        "secret as for the unsubscribe endpoint")
    with open_smtp(server.port, unsubscribe=endpoint, environ={"NEWSLETTER_SECRET": "x" * 15}) as backend:
        with pytest.raises(ConfigurationError) as refused:
            backend.send_test(campaign.key, campaign, ["editor@example.org"])
    assert str(refused.value) == ("smtp: NEWSLETTER_SECRET is too short: use at least 16 random characters, e.g. the "
                                  "output of `openssl rand -hex 32`")
    with open_smtp(server.port, unsubscribe=endpoint, environ={"NEWSLETTER_SECRET": "x" * 16}) as backend:
        backend.send_test(campaign.key, campaign, ["editor@example.org"])
    assert len(server.messages) == 1


def test_a_readers_message_id_is_the_same_on_every_run(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["Ana@Example.org"])
    for run in range(2):
        send(open_smtp(server.port, subscribers, private_folder=str(tmp_path / f"private{run}")), campaign, tmp_path)
    digest = hashlib.sha256("\0".join(["issue-5-fr", "ana@example.org", campaign.content_hash]).encode()).hexdigest()
    assert [received.message["Message-ID"] for received in server.messages] == [
        f"<issue-5-fr.{digest[:24]}@elise-marchand.example>"] * 2


# Sending to the list.

def test_nobody_to_send_to_is_said_and_sends_nothing(server, campaign, tmp_path, caplog):
    campaign = keyed(campaign, 550)  # its own key: Pelican's log filter drops a repeated line
    subscribers = readers_file(tmp_path, [], ["tom@example.com"])
    send(open_smtp(server.port, subscribers), campaign, tmp_path)
    assert f"issue-550-fr: no reader of 'fr' in {subscribers}; nothing to send" in caplog.messages
    assert server.connections == 0 and not (tmp_path / "readers" / "subscribers.private").exists()


def test_readers_on_the_suppression_list_are_skipped(server, campaign, tmp_path, caplog):
    campaign = keyed(campaign, 520)  # its own key: Pelican's log filter drops a repeated line
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.smtp")
    subscribers = readers_file(tmp_path, ["ana@example.org", "bob@example.org", "eve@example.org"])
    path = default_path(subscribers)
    path.parent.mkdir(mode=0o700)
    suppressed = SuppressionList(path, SECRET)
    backend = open_smtp(server.port, subscribers, environ={"NEWSLETTER_SECRET": SECRET})
    send(backend, keyed(campaign, 523), tmp_path)   # nobody on the list yet: nobody skipped, nothing said
    assert len(server.messages) == 3 and not [m for m in caplog.messages if "suppression list" in m]
    server.messages.clear()
    suppressed.add("Bob@example.org")
    send(backend, campaign, tmp_path)
    assert sorted(address for received in server.messages for address in received.rcpt_tos) == [
        "ana@example.org", "eve@example.org"]
    assert f"issue-520-fr: 1 reader on the suppression list ({path}) skipped" in caplog.messages
    assert "issue-520-fr: sent to 2 readers of 'fr'" in caplog.messages

    suppressed.add("eve@example.org")
    send(backend, dataclasses.replace(campaign, key="issue-522-fr", number=522), tmp_path)
    assert f"issue-522-fr: 2 readers on the suppression list ({path}) skipped" in caplog.messages
    suppressed.add("ana@example.org")
    caplog.clear()
    send(backend, dataclasses.replace(campaign, key="issue-521-fr", number=521), tmp_path)
    assert f"issue-521-fr: 3 readers on the suppression list ({path}) skipped" in caplog.messages
    assert (f"issue-521-fr: no reader of 'fr' in {subscribers} but those on the suppression list; nothing to send"
            in caplog.messages)


def test_a_suppression_list_without_the_secret_stops_the_send(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["ana@example.org"])
    path = default_path(subscribers)
    path.parent.mkdir(mode=0o700)
    SuppressionList(path, SECRET).add("bob@example.org")
    with pytest.raises(ConfigurationError) as refused:
        send(open_smtp(server.port, subscribers), campaign, tmp_path)
    assert str(refused.value) == (
        f"smtp: NEWSLETTER_SECRET is not set ({path} lists readers who must not be written to, by a hash made with "
        "it): export the same long random secret as for the unsubscribe endpoint")
    assert server.messages == []


def test_without_a_secret_or_a_suppression_list_everyone_is_sent_to(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["ana@example.org", "bob@example.org"])
    send(open_smtp(server.port, subscribers), campaign, tmp_path)
    assert len(server.messages) == 2 and not default_path(subscribers).exists()


def test_an_address_in_the_link_is_warned_about(server, campaign, tmp_path, caplog):
    campaign = keyed(campaign, 530)  # its own key: Pelican's log filter drops a repeated line
    subscribers = readers_file(tmp_path, ["ana@example.org"])
    send(open_smtp(server.port, subscribers, unsubscribe={"mailto": MAILTO, "url": "https://e.example/u?e={email}"}),
         campaign, tmp_path)
    assert ("issue-530-fr: NEWSLETTER['delivery']['smtp']['unsubscribe']['url'] puts the address in the link, so anyone "
            "could unsubscribe anyone: run the unsubscribe endpoint and set 'endpoint' instead (README, Sending by "
            "SMTP)") in caplog.messages
    assert server.messages[0].message["List-Unsubscribe"].startswith("<https://e.example/u?e=ana@example.org>, ")


def test_the_journal_folder_is_the_owners_only_and_a_rerun_says_who_has_it(server, campaign, tmp_path, caplog):
    campaign = keyed(campaign, 540)  # its own key: Pelican's log filter drops a repeated line
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.smtp")
    subscribers = readers_file(tmp_path, ["ana@example.org", "bob@example.org", "eve@example.org"])
    server.refuse("eve@example.org")
    send(open_smtp(server.port, subscribers), campaign, tmp_path)
    journals = tmp_path / "readers" / "subscribers.private" / "journals"
    assert oct(journals.stat().st_mode & 0o777) == "0o700"
    path = journals / "issue-540-fr.smtp.jsonl"
    assert Journal(path).counts() == {"sent": 2, "interrupted": 1}
    assert not [message for message in caplog.messages if "already have it" in message]
    assert "issue-540-fr: sent to 2 readers of 'fr'" in caplog.messages
    caplog.clear()
    send(open_smtp(server.port, subscribers), campaign, tmp_path)
    assert f"issue-540-fr: 2 of 3 readers already have it (journal {path}); sending to the 1 others" in caplog.messages
    assert "issue-540-fr: sent to 0 readers of 'fr'" in caplog.messages


def test_refusals_are_listed_at_the_end_of_the_run(server, campaign, tmp_path, caplog):
    campaign = keyed(campaign, 560)  # its own key: Pelican's log filter drops a repeated line
    subscribers = readers_file(tmp_path, ["ana@example.org", "bob@example.org", "eve@example.org"])
    server.refuse("ana@example.org")
    server.refuse("eve@example.org", at="DATA", reply="554 5.7.1 Spam")
    send(open_smtp(server.port, subscribers), campaign, tmp_path)
    assert (f"issue-560-fr: 2 addresses refused it for good (not retried; remove or correct them in {subscribers}): "
            "ana@example.org: RCPT TO:<ana@example.org>: 550 5.1.1 No such mailbox here; eve@example.org: DATA: "
            "554 5.7.1 Spam") in caplog.messages
    caplog.clear()
    send(open_smtp(server.port, subscribers), dataclasses.replace(campaign, key="issue-561-fr", number=561), tmp_path)
    assert any(message.startswith("issue-561-fr: 2 addresses refused") for message in caplog.messages)
    server.refuse("bob@example.org")
    send(open_smtp(server.port, readers_file(tmp_path, ["bob@example.org"])),
         dataclasses.replace(campaign, key="issue-562-fr", number=562), tmp_path)
    assert any(message.startswith("issue-562-fr: 1 address refused it for good") for message in caplog.messages)


def test_deferred_readers_are_named_and_the_others_have_it(server, campaign, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="newsletter.delivery.backends.smtp")
    campaign = keyed(campaign, 570)
    subscribers = readers_file(tmp_path, ["ana@example.org", "bob@example.org", "eve@example.org"])
    server.defer("ana@example.org", times=5)
    server.defer("eve@example.org", times=5, at="DATA", reply="452 4.2.2 Mailbox full")
    sleeps = []
    with pytest.raises(ProviderUnavailable) as stopped:
        send(open_smtp(server.port, subscribers, sleeps), campaign, tmp_path)
    assert str(stopped.value) == (
        "smtp: issue-570-fr: the server deferred 2 readers (ana@example.org: RCPT TO:<ana@example.org>: 451 4.3.0 Try "
        "again later; eve@example.org: DATA: 452 4.2.2 Mailbox full); the others have it. Run the same command again "
        "later to send to these only")
    assert len(sleeps) == 8 and [received.rcpt_tos for received in server.messages] == [["bob@example.org"]]
    assert "issue-570-fr: sent to 1 readers of 'fr'" in caplog.messages
    server.defer("bob@example.org", times=5)
    with pytest.raises(ProviderUnavailable, match=r": the server deferred 1 reader \(bob"):
        send(open_smtp(server.port, subscribers), dataclasses.replace(campaign, key="issue-6-fr"), tmp_path)


NINE = [f"reader{n}@example.org" for n in range(1, 10)]


def test_five_refusals_in_a_row_stop_the_run(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, NINE)
    for address in NINE:
        server.refuse(address)
    with pytest.raises(InvalidRequest) as stopped:
        send(open_smtp(server.port, subscribers), campaign, tmp_path)
    assert str(stopped.value) == (
        "smtp: issue-5-fr: the server turned down 5 readers in a row (last: RCPT TO:<reader5@example.org>: 550 5.1.1 "
        "No such mailbox here); stopped before trying the rest. Check the account and the sender address at the "
        "relay, then run the same command again: who has it already will not get it again")
    assert [command for command in server.commands if command[0] == "RCPT"] == [("RCPT", a) for a in NINE[:5]]


def test_a_delivery_between_refusals_starts_the_count_again(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, NINE)
    for address in NINE[:4] + NINE[5:]:   # four refused, one delivered, four refused
        server.refuse(address)
    send(open_smtp(server.port, subscribers), campaign, tmp_path)
    assert [received.rcpt_tos for received in server.messages] == [["reader5@example.org"]]
    assert len([command for command in server.commands if command[0] == "RCPT"]) == 9


def test_five_turned_down_ending_with_a_deferral_stop_as_unavailable(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, NINE)
    for address in NINE[:4]:
        server.refuse(address)
    server.defer(NINE[4], times=5)
    with pytest.raises(ProviderUnavailable) as stopped:
        send(open_smtp(server.port, subscribers, attempts=1), campaign, tmp_path)
    assert "the server turned down 5 readers in a row (last: RCPT TO:<reader5@example.org>: 451 4.3.0" in str(
        stopped.value)


def test_a_run_cut_off_counts_the_readers_who_have_it(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["ana@example.org", "bob@example.org", "eve@example.org", "max@example.org",
                                          "zoe@example.org"])
    server.refuse("ana@example.org")
    server.defer("bob@example.org", times=1)
    server.drop_after(1, stay_down=True)   # eve gets it, max's DATA is never answered
    with pytest.raises(ProviderUnavailable) as stopped:
        send(open_smtp(server.port, subscribers, attempts=1), campaign, tmp_path)
    journals = tmp_path / "readers" / "subscribers.private" / "journals"
    assert str(stopped.value) == (
        f"smtp: the connection to 127.0.0.1:{server.port} broke (Connection unexpectedly closed). issue-5-fr: 1 of 5 "
        "readers have it; run the same command again to send to the others (the journal "
        f"{journals / 'issue-5-fr.smtp.jsonl'} keeps who has it, nobody gets it twice)")

    server.up()
    server.drop_after(1, stay_down=True)   # bob gets it, max's DATA is cut again
    with pytest.raises(ProviderUnavailable) as stopped:
        send(open_smtp(server.port, subscribers, attempts=1), campaign, tmp_path)
    assert ". issue-5-fr: 2 of 5 readers have it; run" in str(stopped.value)


# Replies and connections.

class MailRecorder(Recorder):
    """The recorder that can also refuse MAIL FROM."""

    mail_reply = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


@pytest.fixture
def mail_server():
    server = SmtpServer()
    server.recorder = server.handler = MailRecorder()
    with server:
        yield server


def test_a_sender_refused_for_good_stops_with_a_hint(mail_server, campaign):
    mail_server.recorder.mail_reply = "553 5.7.1 Sender not allowed"
    sleeps = []
    with open_smtp(mail_server.port, sleeps=sleeps) as backend, pytest.raises(InvalidRequest) as refused:
        backend.send_test(campaign.key, campaign, ["editor@example.org"])
    assert str(refused.value) == (f"smtp: MAIL FROM:<{SENDER}>: 553 5.7.1 Sender not allowed; check that the relay "
                                  f"lets this account send as {SENDER}")
    assert sleeps == []


def test_a_sender_deferred_is_tried_again(mail_server, campaign):
    mail_server.recorder.mail_reply = "451 4.7.1 Greylisted"
    sleeps = []
    with open_smtp(mail_server.port, sleeps=sleeps, attempts=2) as backend, \
            pytest.raises(ProviderUnavailable) as deferred:
        backend.send_test(campaign.key, campaign, ["editor@example.org"])
    assert str(deferred.value) == f"smtp: MAIL FROM:<{SENDER}>: 451 4.7.1 Greylisted"
    assert len(sleeps) == 1 and mail_server.connections == 1


@pytest.mark.parametrize("reply, kind, retried", [("400 4.0.0 Later", ProviderUnavailable, True),
                                                  ("499 4.9.9 Later", ProviderUnavailable, True),
                                                  ("500 5.0.0 Never", InvalidRequest, False),
                                                  ("599 5.9.9 Never", InvalidRequest, False)])
def test_4xx_are_tried_again_and_5xx_are_not(server, campaign, reply, kind, retried):
    server.refuse("editor@example.org", reply=reply)
    sleeps = []
    with open_smtp(server.port, sleeps=sleeps, attempts=2) as backend, pytest.raises(kind) as stopped:
        backend.send_test(campaign.key, campaign, ["editor@example.org"])
    assert str(stopped.value) == f"smtp: RCPT TO:<editor@example.org>: {reply}"
    assert len(sleeps) == retried and server.connections == 1


@pytest.mark.parametrize("reply", ["399 3.9.9 Odd", "600 6.0.0 Odd"])
def test_a_reply_outside_4xx_and_5xx_opens_a_new_connection(server, campaign, reply):
    server.refuse("editor@example.org", reply=reply)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with open_smtp(server.port, attempts=2) as backend, pytest.raises(ProviderUnavailable) as stopped:
            backend.send_test(campaign.key, campaign, ["editor@example.org"])
        message = str(stopped.value)
        del stopped   # its traceback holds the connection
        gc.collect()
    assert message == f"smtp: unexpected reply to RCPT TO:<editor@example.org>: {reply}"
    assert server.connections == 2
    # each connection was closed by the backend, not left for the garbage collector
    assert [str(w.message) for w in caught if f"raddr=('127.0.0.1', {server.port})" in str(w.message)] == []


def test_a_421_opens_a_new_connection_and_the_message_goes_through(server, campaign, caplog):
    server.defer("editor@example.org", times=1, reply="421 4.3.2 Closing")
    with open_smtp(server.port) as backend:
        backend.send_test(campaign.key, campaign, ["editor@example.org"])
    assert len(server.messages) == 1 and server.connections == 2
    assert caplog.messages[0].startswith(
        f"smtp: to editor@example.org: smtp: 127.0.0.1:{server.port} closed the connection (RCPT TO:<editor@example.org>: "
        "421 4.3.2 Closing); trying again in ")
    server.defer("other@example.org", times=1, reply="421 4.3.2 Closing")
    with open_smtp(server.port, attempts=1) as backend, pytest.raises(ProviderUnavailable) as stopped:
        backend.send_test(campaign.key, campaign, ["other@example.org"])
    assert str(stopped.value) == (f"smtp: 127.0.0.1:{server.port} closed the connection (RCPT TO:<other@example.org>: "
                                  "421 4.3.2 Closing)")


def test_a_long_multiline_reply_is_shown_on_one_line_cut_short(server, campaign):
    server.refuse("editor@example.org", reply="550-5.1.1 First   line\r\n550 5.1.1 " + "x" * 400)
    with open_smtp(server.port) as backend, pytest.raises(InvalidRequest) as refused:
        backend.send_test(campaign.key, campaign, ["editor@example.org"])
    text = "5.1.1 First line 5.1.1 " + "x" * 400
    assert str(refused.value) == f"smtp: RCPT TO:<editor@example.org>: 550 {text[:300]}"


def test_the_connection_is_kept_between_tests_and_closed_at_the_end(server, campaign):
    backend = open_smtp(server.port)
    with backend:
        backend.send_test(campaign.key, campaign, ["a@example.org", "b@example.org"])
    assert server.connections == 1
    backend.close()   # twice is fine
    with backend:     # and it opens again
        backend.send_test(campaign.key, campaign, ["c@example.org"])
    assert server.connections == 2 and len(server.messages) == 3


def test_a_server_gone_before_close_is_closed_quietly(campaign):
    with SmtpServer() as server:
        backend = open_smtp(server.port)
        backend.send_test(campaign.key, campaign, ["a@example.org"])
    backend.close()
    with pytest.raises(ProviderUnavailable, match=r"^smtp: cannot connect to 127\.0\.0\.1:\d+ \(\[Errno 111\]"):
        backend.send_test(campaign.key, campaign, ["a@example.org"])


def test_a_host_is_needed_to_send(campaign):
    with open_smtp(25, host="") as backend, pytest.raises(ConfigurationError) as refused:
        backend.send_test(campaign.key, campaign, ["a@example.org"])
    assert str(refused.value) == "smtp: no host: set the environment variable SMTP_HOST"


def test_a_closed_port_is_unavailable(campaign):
    port = closed_port()
    with open_smtp(port, attempts=1) as backend, pytest.raises(ProviderUnavailable) as stopped:
        backend.send_test(campaign.key, campaign, ["a@example.org"])
    assert str(stopped.value) == f"smtp: cannot connect to 127.0.0.1:{port} ([Errno 111] Connection refused)"


@pytest.mark.parametrize("security", ["none", "tls"])
def test_a_server_that_never_answers_is_given_up_after_the_timeout(campaign, security):
    with Scripted(None) as silent:
        with open_smtp(silent.port, attempts=1, timeout=0.2, security=security, host="localhost") as backend, \
                pytest.raises(ProviderUnavailable) as stopped:
            backend.send_test(campaign.key, campaign, ["a@example.org"])
    message = str(stopped.value)
    assert message.startswith(f"smtp: cannot connect to localhost:{silent.port} (") and message.endswith("timed out)")
    assert ("handshake" in message) == (security == "tls")   # implicit TLS from the first byte


def test_a_refused_greeting_is_quoted_whole_even_when_not_utf8(campaign):
    with Scripted(b"554 5.3.2 Not accepting \xff mail " + b"y" * 400 + b"\r\n") as refusing:
        with open_smtp(refusing.port, attempts=1) as backend, pytest.raises(ProviderUnavailable) as stopped:
            backend.send_test(campaign.key, campaign, ["a@example.org"])
    assert str(stopped.value) == (f"smtp: 127.0.0.1:{refusing.port} refused the connection (554 "
                                  + ("5.3.2 Not accepting \ufffd mail " + "y" * 400)[:300] + ")")


def test_a_refused_starttls_stops_with_the_servers_reply(campaign):
    with Scripted(b"220 hello\r\n", {b"EHLO": b"250-hello\r\n250 STARTTLS\r\n"}) as refusing:
        with open_smtp(refusing.port, attempts=1, security="starttls", host="localhost") as backend, \
                pytest.raises(ProviderUnavailable) as stopped:
            backend.send_test(campaign.key, campaign, ["a@example.org"])
    assert str(stopped.value) == f"smtp: cannot connect to localhost:{refusing.port} (454 4.7.0 TLS not available)"


class LoginServer(SmtpServer):
    """Refuses every login with ``reply``."""

    reply = "454 4.7.0 Temporary authentication failure"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False, message=self.reply)


@pytest.mark.parametrize("reply, kind", [("400 4.0.0 Try later", ProviderUnavailable),
                                         ("454 4.7.0 Try later", ProviderUnavailable),
                                         ("499 4.9.9 Try later", ProviderUnavailable),
                                         ("500 5.0.0 No", AuthenticationError)])
def test_a_login_refused_for_now_is_tried_again(campaign, reply, kind):
    environ = {"SMTP_USERNAME": "lettre", "SMTP_PASSWORD": "s3cret-pw"}
    with LoginServer(logins={"lettre": "other"}) as server:
        server.reply = reply
        sleeps = []
        with open_smtp(server.port, sleeps=sleeps, attempts=2, environ=environ) as backend, \
                pytest.raises(kind) as stopped:
            backend.send_test(campaign.key, campaign, ["a@example.org"])
    if kind is AuthenticationError:
        assert str(stopped.value) == (f"smtp: 127.0.0.1:{server.port} refused the login ({reply}); check "
                                      "SMTP_USERNAME and SMTP_PASSWORD")
        assert sleeps == []
    else:
        assert str(stopped.value) == f"smtp: 127.0.0.1:{server.port} cannot check the login now ({reply})"
        assert len(sleeps) == 1 and server.connections == 2


def test_a_server_without_starttls_or_login_is_a_setting_to_fix(server, campaign):
    with open_smtp(server.port, security="starttls", host="localhost") as backend, \
            pytest.raises(ConfigurationError) as refused:
        backend.send_test(campaign.key, campaign, ["a@example.org"])
    assert str(refused.value) == (f"smtp: localhost:{server.port} does not offer STARTTLS; check "
                                  "NEWSLETTER['delivery']['smtp']['security'] and the port")
    with open_smtp(server.port, environ={"SMTP_USERNAME": "lettre", "SMTP_PASSWORD": "pw"}) as backend, \
            pytest.raises(ConfigurationError) as refused:
        backend.send_test(campaign.key, campaign, ["a@example.org"])
    assert str(refused.value) == (f"smtp: 127.0.0.1:{server.port} does not offer a login (AUTH); check "
                                  "NEWSLETTER['delivery']['smtp']['security'] and the port")
    assert server.messages == []


def test_a_private_folder_of_its_own_holds_the_suppression_list_and_journals(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["ana@example.org", "bob@example.org"])
    private = tmp_path / "elsewhere"
    private.mkdir(mode=0o700)
    SuppressionList(default_path(subscribers, str(private)), SECRET).add("ana@example.org")
    send(open_smtp(server.port, subscribers, environ={"NEWSLETTER_SECRET": SECRET}, private_folder=str(private)),
         campaign, tmp_path)
    assert [received.rcpt_tos for received in server.messages] == [["bob@example.org"]]
    assert Journal(private / "journals" / "issue-5-fr.smtp.jsonl").counts() == {"sent": 1, "interrupted": 0}
    assert not (tmp_path / "readers" / "subscribers.private").exists()


def test_a_signed_link_carries_the_issues_language(server, campaign, tmp_path):
    english = make_campaign(tmp_path / "outbox", lang="en")
    endpoint = {"mailto": MAILTO, "endpoint": "https://elise-marchand.example/unsubscribe"}
    with open_smtp(server.port, environ={"NEWSLETTER_SECRET": SECRET}, unsubscribe=endpoint) as backend:
        backend.send_test(english.key, english, ["editor@example.org"])
        backend.send_test(campaign.key, bare(campaign, lang=""), ["editor@example.org"])   # no language: French
    langs = []
    for received in server.messages:
        token = received.message["List-Unsubscribe"].split("?token=", 1)[1].split(">", 1)[0]
        langs.append(verify(SECRET, "<lettre.elise-marchand.example>", token).lang)
    assert langs == ["en", "fr"]
    assert server.messages[1].message["Content-Language"] is None


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, which the client does not trust."""
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_names_why_and_sends_nothing(certificate, campaign, monkeypatch, security):
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")
    tls = {"tls_context": certificate} if security == "starttls" else {"ssl_context": certificate}
    with SmtpServer(**tls) as server:
        with open_smtp(server.port, security=security) as backend, pytest.raises(ConfigurationError) as refused:
            backend.send_test(campaign.key, campaign, ["editor@example.org"])
        assert server.messages == []
    assert re.fullmatch(rf"smtp: 127\.0\.0\.1:{server.port}: the server's certificate cannot be trusted \(self[- ]signed "
                        r"certificate\); check the host name", str(refused.value)), str(refused.value)


def test_a_quoted_at_sign_in_the_senders_address_stays_in_its_local_part(server, campaign):
    with open_smtp(server.port) as backend:
        backend.send_test(campaign.key, bare(campaign, sender='La lettre <"la@lettre"@example.org>'),
                          ["editor@example.org"])
    [received] = server.messages
    assert received.message["List-Id"] == "<-la-lettre-.example.org>"
    assert re.fullmatch(r"<issue-5-fr\.[0-9a-f]{20}@example\.org>", received.message["Message-ID"])


def test_a_short_secret_is_refused_even_before_there_is_a_suppression_list(server, campaign, tmp_path):
    subscribers = readers_file(tmp_path, ["ana@example.org"])
    with pytest.raises(ConfigurationError, match="^smtp: NEWSLETTER_SECRET is too short"):
        send(open_smtp(server.port, subscribers, environ={"NEWSLETTER_SECRET": "x" * 15}), campaign, tmp_path)
    assert server.messages == [] and not default_path(subscribers).exists()
