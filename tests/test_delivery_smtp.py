"""The SMTP backend against a real SMTP server on loopback (aiosmtpd, see smtp_server.py).

Everything is observed in what the server accepted (envelopes and raw
messages parsed back), never in the backend's own objects. Retries record
their waits instead of sleeping.
"""

import html
import logging
import re
import shutil
import ssl
import traceback
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import self_signed_certificate

from delivery_contract import PLACEHOLDER, SUBJECTS, BackendContract, in_a_week, make_campaign
from newsletter.delivery import config
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.errors import AuthenticationError, ConfigurationError, InvalidRequest, ProviderUnavailable
from newsletter.delivery.ledger import Ledger
from newsletter.delivery.subscribers import SubscriberListError, read_subscribers
from smtp_server import SmtpServer

SUBSCRIBERS = Path(__file__).parent / "fixtures" / "subscribers.csv"
FRENCH = ["claire.dupont@example.org", "jean-luc+lettre@example.net", "ana.martins@example.org",
          "Mathilde.Roux@example.org", "yann.le-goff@example.fr", "lucie_b@example.com"]
ENGLISH = ["tom.baker@example.com", "sipho@example.net", "priya@example.org"]
UNSUBSCRIBE_URL = "https://elise-marchand.example/newsletter/unsubscribe/?list=lettre&email={email}"
MAILTO = "lettre+unsubscribe@elise-marchand.example"
LIST_ID = "La lettre d'Élise <lettre.elise-marchand.example>"
MESSAGE_KEY = re.compile(r"^<(issue-\d+-[A-Za-z_-]+?)\.[0-9a-f]+@")
# aiosmtpd warns that AUTH without TLS is unsafe: these servers listen on loopback only.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class SmtpWorld:
    """The contract's view of SMTP: drafts live in the ledger, deliveries at the server."""

    name = "smtp"

    def __init__(self, server, ledger, subscribers=SUBSCRIBERS):
        self.server = server
        self.ledger = ledger
        self.subscribers = subscribers
        self.sleeps = []

    def settings(self, environ=None, **changes):
        smtp = {"host": "127.0.0.1", "port": self.server.port, "security": "none",
                "subscribers": str(self.subscribers), "list_id": LIST_ID,
                "unsubscribe": {"mailto": MAILTO, "url": UNSUBSCRIBE_URL}, **changes}
        return config.load({"backend": "smtp", "smtp": smtp}, environ=environ or {})

    def backend(self, environ=None, **changes):
        settings = self.settings(environ, **changes)
        return config.open_backend(settings, retry=config.retry_policy(settings, sleep=self.sleeps.append))

    def audience(self, lang):
        return {reader.email.lower() for reader in read_subscribers(self.subscribers) if reader.lang == lang}

    def received(self, key):
        """Addresses (lower case) of every copy of ``key`` the server accepted, one entry per copy."""
        found = []
        for received in self.server.messages:
            match = MESSAGE_KEY.match(str(received.message["Message-ID"]))
            if match and match.group(1) == key:
                found.extend(address.lower() for address in received.rcpt_tos)
        return found

    def copies(self, key):
        """{reader: copies received} over the language's readers and whoever else received it as a reader."""
        lang = key.rpartition("-")[2]
        readers = self.audience("fr") | self.audience("en")
        counts = Counter(address for address in self.received(key) if address in readers)
        return {address: counts[address] for address in sorted(self.audience(lang) | set(counts))}

    def campaigns(self, lang):
        keys = {key for key, provider, _ in self.ledger.entries() if provider == self.name}
        keys |= {match.group(1) for received in self.server.messages
                 if (match := MESSAGE_KEY.match(str(received.message["Message-ID"])))}
        return [{"key": key, "subject": None, "html": None} for key in sorted(keys) if key.endswith(f"-{lang}")]

    def sent(self, key):
        """How many times every reader of the language got it; the per-reader counts when they differ."""
        copies = self.copies(key)
        counts = set(copies.values())
        strangers = set(copies) - self.audience(key.rpartition("-")[2])
        return counts.pop() if len(counts) == 1 and not strangers else copies

    def tests_received(self, key):
        readers = self.audience("fr") | self.audience("en")
        return sorted(address for address in self.received(key) if address not in readers)


@pytest.fixture
def server():
    with SmtpServer() as server:
        yield server




@pytest.fixture
def subscribers(tmp_path):
    """A copy of the list per test: Pelican's logger says a given warning only once per process."""
    path = tmp_path / "subscribers.csv"
    shutil.copyfile(SUBSCRIBERS, path)
    return path


@pytest.fixture
def world(server, ledger, subscribers):
    return SmtpWorld(server, ledger, subscribers)


class TestSmtpContract(BackendContract):
    @pytest.fixture
    def world(self, server, ledger, subscribers):
        return SmtpWorld(server, ledger, subscribers)


def deliver(world, ledger, campaigns, action=Action(), **settings):
    with world.backend(**settings) as backend:
        dispatcher = Dispatcher(backend, ledger)
        return [dispatcher.deliver(campaign, action) for campaign in campaigns]


def french(campaigns):
    return [campaign for campaign in campaigns if campaign.lang == "fr"]


# What each reader receives.

def test_headers_and_mime_structure(world, ledger, campaigns, server):
    [outcome] = deliver(world, ledger, french(campaigns), Action("send"))
    assert outcome.state == "sent"
    assert len(server.messages) == 6 and server.connections == 1  # one transaction each, one connection
    ids = set()
    for received in server.messages:
        [to] = received.rcpt_tos
        assert received.mail_from == "lettre@elise-marchand.example"
        raw = received.content
        assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 998
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        message = received.message
        assert message["To"] == to
        assert re.search(r"^Subject: =\?utf-8\?", head, re.M)  # RFC 2047 encoded-words
        assert message["Subject"] == SUBJECTS["fr"] == "Numéro 5 · l’été arrive ☀️"
        assert message["From"] == "Élise Marchand <lettre@elise-marchand.example>"
        assert message["Reply-To"] == "Élise Marchand <elise@elise-marchand.example>"
        assert abs(parsedate_to_datetime(message["Date"]) - datetime.now(timezone.utc)) < timedelta(minutes=5)
        assert message["List-Id"] == LIST_ID
        assert re.search(r"^List-Id: .*<lettre\.elise-marchand\.example>\r?$", head, re.M)
        url = UNSUBSCRIBE_URL.replace("{email}", quote(to, safe="@"))
        assert message["List-Unsubscribe"] == f"<{url}>, <mailto:{MAILTO}?subject=unsubscribe>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
        assert [(part.get_content_type(), part.get_content_charset()) for part in message.iter_parts()] == [
            ("text/plain", "utf-8"), ("text/html", "utf-8")]
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP's line ends
        page = message.get_body(("html",)).get_content()
        assert PLACEHOLDER not in text and PLACEHOLDER not in page
        assert f"Unsubscribe: {url}\n" in text and f'href="{html.escape(url)}"' in page
        assert "Bonjour à toutes et à tous." in text and "Bonjour à toutes et à tous." in page
        ids.add(message["Message-ID"])
    assert len(ids) == 6
    assert "jean-luc%2Blettre@example.net" in str(server.received_by("jean-luc+lettre@example.net")[0]
                                                   .message["List-Unsubscribe"])


def test_without_an_unsubscribe_page_the_mailto_alone_and_no_one_click(world, ledger, campaigns, server):
    deliver(world, ledger, french(campaigns), Action("send"), unsubscribe={"mailto": MAILTO, "url": None}, list_id="")
    message = server.messages[0].message   # a reader's (a test's link leads to the archive page instead)
    assert message["List-Id"] == "<lettre.elise-marchand.example>"  # made from the sender's address
    assert message["List-Unsubscribe"] == f"<mailto:{MAILTO}?subject=unsubscribe>"
    assert message["List-Unsubscribe-Post"] is None  # RFC 8058 needs an https URI
    assert f"Unsubscribe: mailto:{MAILTO}?subject=unsubscribe\r\n" in message.get_body(("plain",)).get_content()


def test_a_test_send_reaches_each_given_address_once_and_no_reader(world, ledger, campaigns, server):
    deliver(world, ledger, french(campaigns), Action("test", test_to=("editor@example.org", "Proof@Example.net")))
    assert [received.rcpt_tos for received in server.messages] == [["editor@example.org"], ["Proof@example.net"]]
    assert not (ledger.path.parent / "ledger.d").exists()  # tests leave no journal
    [outcome] = deliver(world, ledger, french(campaigns), Action("send"))
    assert outcome.state == "sent" and world.sent("issue-5-fr") == 1


def test_a_test_address_may_carry_a_name(world, ledger, campaigns, server):
    """An editor copies "Name <address>" from a mail client: the test reaches the address."""
    deliver(world, ledger, french(campaigns),
            Action("test", test_to=("Élise <elise@example.org>", '"Marie \'Mimi\' Curie" <marie@example.org>')))
    assert [received.rcpt_tos for received in server.messages] == [["elise@example.org"], ["marie@example.org"]]
    assert server.messages[0].message["To"] == "elise@example.org"


def test_english_readers_get_only_the_english_issue(world, ledger, campaigns, server, caplog):
    outcomes = deliver(world, ledger, campaigns, Action("send"))
    assert [outcome.state for outcome in outcomes] == ["sent", "sent"]
    for lang, readers in (("fr", FRENCH), ("en", ENGLISH)):
        for address in readers:
            [received] = server.received_by(address)
            assert received.message["Subject"] == SUBJECTS[lang]
            assert received.message["Content-Language"] == lang
    assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 1
    assert len(server.messages) == len(FRENCH) + len(ENGLISH)
    assert server.received_by("no.consent@example.org") == []
    assert "subscribers.csv:8: no.consent@example.org has no consent date; skipped" in caplog.text


def test_drafts_need_no_network(world, ledger, campaigns, server, tmp_path):
    deliver(world, ledger, campaigns)
    changed = make_campaign(tmp_path / "outbox2", lang="fr", body="Une phrase corrigée.")
    [outcome] = deliver(world, ledger, [changed])
    assert outcome.done == ["updated the draft"]
    assert server.connections == 0


def test_smtp_cannot_schedule(world, ledger, campaigns, server):
    with pytest.raises(ConfigurationError, match="SMTP cannot schedule; use --send at the time"):
        deliver(world, ledger, french(campaigns), Action("schedule", when=in_a_week()))
    assert server.messages == []
    [outcome] = deliver(world, ledger, french(campaigns))
    assert outcome.state == "draft"


# Faults.

@pytest.mark.parametrize("stage", ["RCPT", "DATA"])
def test_a_451_is_tried_again_then_delivered_once(world, ledger, campaigns, server, stage):
    server.defer("ana.martins@example.org", times=2, at=stage)
    [outcome] = deliver(world, ledger, french(campaigns), Action("send"))
    assert outcome.state == "sent"
    assert len(world.sleeps) == 2 and all(wait <= 1.0 for wait in world.sleeps)  # base 0.5, doubled, jittered
    tries = [command for command in server.commands if command[0] == stage and "ana.martins@example.org" in
             (command[1] if stage == "RCPT" else command[1][0])]
    assert len(tries) == 3
    assert world.sent("issue-5-fr") == 1
    assert server.connections == 1


def test_a_550_is_reported_and_never_retried(world, ledger, campaigns, server, caplog):
    server.refuse("yann.le-goff@example.fr")
    [outcome] = deliver(world, ledger, french(campaigns), Action("send"))
    assert outcome.state == "sent"
    assert world.sleeps == []
    assert server.commands.count(("RCPT", "yann.le-goff@example.fr")) == 1
    copies = world.copies("issue-5-fr")
    assert copies.pop("yann.le-goff@example.fr") == 0 and set(copies.values()) == {1}
    assert "yann.le-goff@example.fr: RCPT TO:<yann.le-goff@example.fr>: 550 5.1.1 No such mailbox" in caplog.text
    assert "refused it for good" in caplog.text


def test_a_reader_deferred_every_time_stops_the_run_and_the_rerun_sends_to_them_only(world, ledger, campaigns,
                                                                                      server):
    server.defer("ana.martins@example.org", times=5)
    with pytest.raises(ProviderUnavailable, match=r"deferred 1 reader \(ana\.martins@example\.org: RCPT"):
        deliver(world, ledger, french(campaigns), Action("send"))
    assert ledger.entry("issue-5-fr", "smtp")["state"] == "sending"
    copies = world.copies("issue-5-fr")
    assert copies.pop("ana.martins@example.org") == 0 and set(copies.values()) == {1}
    [outcome] = deliver(world, ledger, french(campaigns), Action("send"))
    assert outcome.state == "sent" and world.sent("issue-5-fr") == 1


def test_a_connection_dropped_half_way_stops_and_the_rerun_delivers_each_reader_once(world, ledger, campaigns,
                                                                                   server):
    server.drop_after(3, stay_down=True)  # the 4th message's DATA is never answered, and the server is gone
    with pytest.raises(ProviderUnavailable) as stopped:
        deliver(world, ledger, campaigns, Action("send"))  # French first: English never starts
    message = str(stopped.value)
    assert "issue-5-fr: 3 of 6 readers have it; run the same command again" in message
    assert "nobody gets it twice" in message and "cannot connect to 127.0.0.1" in message
    assert world.sent("issue-5-en") == 0
    assert sorted(world.copies("issue-5-fr").values()) == [0, 0, 0, 1, 1, 1]
    assert ledger.entry("issue-5-fr", "smtp")["state"] == "sending"
    journals = world.subscribers.with_name("subscribers.private") / "journals"  # beside the list, not the ledger
    assert ledger.journal("issue-5-fr", "smtp").moved_to(journals).counts() == {"sent": 3, "interrupted": 1}

    server.up()
    outcomes = deliver(world, ledger, campaigns, Action("send"))
    assert [outcome.state for outcome in outcomes] == ["sent", "sent"]
    assert world.sent("issue-5-fr") == world.sent("issue-5-en") == 1  # each reader exactly one copy in all
    assert ledger.journal("issue-5-fr", "smtp").moved_to(journals).counts() == {"sent": 6, "interrupted": 0}


def test_a_dropped_connection_is_opened_again_and_the_run_goes_on(world, ledger, campaigns, server):
    server.drop_after(2)
    [outcome] = deliver(world, ledger, french(campaigns), Action("send"))
    assert outcome.state == "sent" and world.sent("issue-5-fr") == 1
    assert server.connections == 2 and len(world.sleeps) == 1


def test_a_relay_refusing_everyone_stops_the_run(world, ledger, campaigns, server):
    for address in FRENCH:
        server.refuse(address, at="DATA", reply="554 5.7.1 Message rejected as spam")
    with pytest.raises(InvalidRequest, match="turned down 5 readers in a row"):
        deliver(world, ledger, french(campaigns), Action("send"))
    assert server.messages == [] and len([c for c in server.commands if c[0] == "DATA"]) == 5
    assert ledger.entry("issue-5-fr", "smtp")["state"] == "sending"  # the rerun tries them again


# Logging in, TLS.

def test_login_from_the_environment_and_a_refused_one_shows_no_credential(ledger, campaigns, subscribers, caplog,
                                                                           capsys):
    caplog.set_level(logging.DEBUG)
    secret = "wr0ng-S3cret!"
    with SmtpServer(logins={"lettre@elise-marchand.example": "correct horse"}) as server:
        world = SmtpWorld(server, ledger, subscribers)
        with pytest.raises(AuthenticationError) as refused:
            deliver(world, ledger, french(campaigns), Action("send"),
                    environ={"SMTP_USERNAME": "lettre@elise-marchand.example", "SMTP_PASSWORD": secret})
        shown = "".join(traceback.format_exception(refused.value))
        assert "refused the login (535" in shown
        assert "SMTP_USERNAME and SMTP_PASSWORD" in shown
        for where in (shown, repr(refused.value.args), caplog.text, ledger.path.read_text(), capsys.readouterr()):
            assert secret not in str(where) and "lettre@elise-marchand.example" not in str(where)
        assert server.messages == []

        [outcome] = deliver(world, ledger, french(campaigns), Action("send"),
                            environ={"SMTP_USERNAME": "lettre@elise-marchand.example",
                                     "SMTP_PASSWORD": "correct horse"})
        assert outcome.state == "sent" and world.sent("issue-5-fr") == 1
        assert server.logins == ["lettre@elise-marchand.example"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, trusted by the client through SSL_CERT_FILE."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_and_login(security, certificate, monkeypatch, ledger, campaigns):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    tls = {"tls_context": context, "require_starttls": True} if security == "starttls" else {"ssl_context": context}
    with SmtpServer(logins={"lettre": "correct horse"}, **tls) as server:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        world = SmtpWorld(server, ledger)
        deliver(world, ledger, french(campaigns), Action("test", test_to=("editor@example.org",)),
                security=security, environ={"SMTP_USERNAME": "lettre", "SMTP_PASSWORD": "correct horse"})
        assert world.tests_received("issue-5-fr") == ["editor@example.org"]
        assert server.logins == ["lettre"]


def test_an_untrusted_certificate_stops_with_a_clear_error(certificate, ledger, campaigns, monkeypatch):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    with SmtpServer(tls_context=context) as server:
        monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")
        world = SmtpWorld(server, ledger)
        with pytest.raises(ConfigurationError, match="certificate cannot be trusted"):
            deliver(world, ledger, french(campaigns), Action("test", test_to=("editor@example.org",)),
                    security="starttls")
        assert server.messages == []


# Settings.

def test_settings_come_from_the_environment_too():
    settings = config.load({"backend": "smtp", "smtp": {"host": "smtp.example.net", "security": "tls"}},
                           environ={"SMTP_HOST": "relay.example.com", "SMTP_PORT": "2465",
                                    "SMTP_USERNAME": "lettre", "SMTP_PASSWORD": "s3cret"})
    backend = config.open_backend(settings)
    assert (backend.config["host"], backend.port, backend.config["username"]) == ("relay.example.com", 2465, "lettre")
    assert backend.secrets == ["lettre", "s3cret"]   # the user name is half of the login
    for security, port in (("starttls", 587), ("tls", 465), ("none", 25)):
        settings = config.load({"backend": "smtp", "smtp": {"host": "localhost", "security": security}}, environ={})
        assert config.open_backend(settings).port == port


@pytest.mark.parametrize("host", ["smtp.example.net", "192.0.2.10", "10.0.0.1"])
def test_plain_smtp_is_refused_beyond_this_machine(host):
    with pytest.raises(ConfigurationError, match="only allowed for a relay on this machine"):
        config.load({"backend": "smtp", "smtp": {"host": host, "security": "none"}}, environ={})


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_plain_smtp_is_allowed_on_this_machine(host):
    settings = config.load({"backend": "smtp", "smtp": {"host": host, "security": "none"}}, environ={})
    backend = config.open_backend(settings)
    assert (backend.config["host"], backend.config["security"], backend.port) == (host, "none", 25)


@pytest.mark.parametrize("smtp, complaint", [
    ({"security": "ssl"}, "choose 'starttls'"),
    ({"port": "abc"}, "not a port number"),
    ({"list_id": "La lettre"}, "angle brackets"),
    ({"unsubscribe": {"mailto": MAILTO, "url": "http://example.org/u?email={email}"}}, "https://"),
    ({"unsubscribe": {"mailto": MAILTO, "url": "https://example.org/unsubscribe"}}, "with {email}"),
    ({"unsubscribe": {"mailto": "not an address"}}, "not an email address"),
    ({"timeout": 0}, "above 0"),
])
def test_bad_settings_are_named(smtp, complaint):
    with pytest.raises(ConfigurationError, match=re.escape(complaint)) as refused:
        config.load({"backend": "smtp", "smtp": {"host": "smtp.example.net", **smtp}}, environ={})
    assert "NEWSLETTER['delivery']['smtp']" in str(refused.value)


def test_sending_needs_the_settings_a_build_does_not(world, ledger, campaigns, server):
    deliver(world, ledger, french(campaigns), subscribers=None)  # a draft needs no list
    with pytest.raises(ConfigurationError, match=r"no subscribers: set NEWSLETTER\['delivery'\]\['smtp'\]"):
        deliver(world, ledger, french(campaigns), Action("send"), subscribers=None)
    with pytest.raises(ConfigurationError, match="no unsubscribe address"):
        deliver(world, ledger, french(campaigns), Action("send"), unsubscribe={"mailto": "", "url": None})
    with pytest.raises(ConfigurationError, match="no password: set the environment variable SMTP_PASSWORD"):
        deliver(world, ledger, french(campaigns), Action("send"), environ={"SMTP_USERNAME": "lettre"})
    assert server.messages == []


# The subscribers file.

def test_the_subscriber_list_is_read(subscribers, caplog):
    readers = read_subscribers(subscribers)
    assert [reader.email for reader in readers if reader.lang == "fr"] == FRENCH
    assert [reader.email for reader in readers if reader.lang == "en"] == ENGLISH
    assert readers[1].consent_date.isoformat() == "2025-10-02" and readers[1].line == 3
    assert "subscribers.csv:8: no.consent@example.org has no consent date; skipped" in caplog.text


def test_bad_lines_are_named_by_file_and_line(tmp_path):
    path = tmp_path / "readers.csv"
    tomorrow_but_one = (datetime.now(timezone.utc) + timedelta(days=3)).date().isoformat()
    path.write_text("email,lang,consent_date\n"
                    "ok@example.org,fr,2026-01-01\n"
                    "not-an-address,fr,2026-01-01\n"
                    "x@example.org,français,2026-01-01\n"
                    "y@example.org,fr,01/02/2026\n"
                    "OK@example.org,fr,2026-01-05\n"
                    "z@example.org,fr,2026-01-01,extra\n"
                    f"w@example.org,en,{tomorrow_but_one}\n"
                    "ok@example.org,en,2026-01-01\n", encoding="utf-8")
    with pytest.raises(SubscriberListError) as refused:
        read_subscribers(path)
    message = str(refused.value)
    assert f"{path}: 6 bad lines" in message
    for line, complaint in ((3, "'not-an-address' is not an email address"),
                            (4, "language 'français' is not a language code"),
                            (5, "consent date '01/02/2026' is not a date"),
                            (6, "OK@example.org is already listed for 'fr' on line 2"),
                            (7, "4 fields where the header has 3"),
                            (8, f"consent date {tomorrow_but_one} is in the future")):
        assert f"{path}:{line}: {complaint}" in message
    assert f"{path}:9" not in message  # the same reader in the other language is fine


def test_a_spreadsheet_export_is_read(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffName;Consent_Date;Email;Lang\r\n"
                     "Élise;2026-01-02;elise@Exämple.org;FR\r\n"
                     "\r\n"
                     "\"Tom; Jr\";2026-01-03;tom@example.org;en\r\n".encode("utf-8"))
    readers = read_subscribers(path)
    assert [(reader.email, reader.lang, reader.line) for reader in readers] == [
        ("elise@xn--exmple-cua.org", "fr", 2), ("tom@example.org", "en", 4)]


def test_a_file_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "readers.csv"
    path.write_text("address,language\nok@example.org,fr\n", encoding="utf-8")
    with pytest.raises(SubscriberListError, match=r"readers.csv:1: no column email, lang, consent_date"):
        read_subscribers(path)
    with pytest.raises(SubscriberListError, match="no such file"):
        read_subscribers(tmp_path / "missing.csv")
