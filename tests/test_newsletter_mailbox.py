"""invoke newsletter-mailbox against a real Dovecot on loopback, holding real unsubscribe mails, DSNs and ARF reports.

The messages are tests/fixtures/mailbox/*.eml, written from RFC 3464 (delivery
status notifications), RFC 5965 (abuse reports) and what a mail client sends
for a List-Unsubscribe mailto. They are put in the server with IMAP APPEND;
the command's work is read back from the server's folders, the suppression
list and the state file.

Dovecot runs as the tests' own user, every process of it (master, login,
auth, imap), with a configuration written in tmp_path: TLS on 127.0.0.1 with
a certificate made by openssl, one user in a passwd-file, maildir under
tmp_path. It is ready when its master logs "starting up" (its listeners are
bound before that line). Under root, only the login process (the one facing
the network) runs as an unprivileged user, chrooted: another user could not
reach tmp_path, as pytest keeps its root folder owner-only (every session
takes the other users' bits off again at its start).
"""

import email
import imaplib
import json
import logging
import os
import pwd
import socket
import ssl
import subprocess
import threading
from email import policy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import self_signed_certificate

from newsletter.delivery.backends.smtp import SmtpBackend
from newsletter.delivery.campaign import Campaign
from newsletter.delivery.suppression import SuppressionList
from newsletter.mailbox import classify
from newsletter.mailbox.config import check
from newsletter.delivery.errors import ConfigurationError
from publisher import newsletter_mailbox

FIXTURES = Path(__file__).parent / "fixtures" / "mailbox"
DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "lettre", "correct horse battery"
SECRET = "a-test-secret-of-enough-length-0123456789"
HANDLED = "Newsletter-handled"

EXPECTED = {
    "01-unsubscribe-subject.eml": ("unsubscribe", [("ana@example.org", "unsubscribe")]),
    "02-unsubscribe-body.eml": ("unsubscribe", [("bruno@example.com", "unsubscribe")]),
    "03-dsn-hard.eml": ("bounce", [("claire@example.org", "bounce")]),
    "04-dsn-soft-delayed.eml": ("soft-bounce", [("dan@example.com", "soft-bounce")]),
    "05-arf-complaint.eml": ("complaint", [("eve@example.com", "complaint")]),
    "06-dsn-malformed.eml": ("malformed", []),
    "07-dsn-soft-failed.eml": ("soft-bounce", [("dan@example.com", "soft-bounce")]),
    "08-reply.eml": ("unrelated", []),
}
SUPPRESSED = ["ana@example.org", "bruno@example.com", "claire@example.org", "eve@example.com"]


# The classifier, on the fixture files alone.

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_is_recognised(name):
    finding = classify.classify(classify.parse((FIXTURES / name).read_bytes()))
    assert (finding.kind, finding.readers) == EXPECTED[name]
    if finding.kind == "malformed":
        assert "Final-Recipient" in finding.why and "Status" in finding.why


def test_the_mailto_our_letters_carry_is_read_as_an_unsubscribe_request():
    """The mail a client writes for the SMTP backend's List-Unsubscribe mailto is an unsubscribe request."""
    backend = SmtpBackend({"host": "127.0.0.1", "security": "none",
                           "unsubscribe": {"mailto": "lettre+unsubscribe@example.org"}})
    campaign = Campaign("issue-3-fr", 3, "fr", "La lettre n°3", "<p>Bonjour</p>", "Bonjour",
                        sender="La lettre <lettre@example.org>")
    letter = backend.message(campaign, "ana@example.org", message_id="<issue-3-fr.x@example.org>")
    mailto = next(target.strip(" <>") for target in str(letter["List-Unsubscribe"]).split(",")
                  if target.strip(" <>").startswith("mailto:"))
    target = urlsplit(mailto)
    request = email.message.EmailMessage(policy=policy.default)
    request["From"] = "Ana <ana@example.org>"
    request["To"] = target.path
    request["Subject"] = parse_qs(target.query).get("subject", [""])[0]
    request.set_content(parse_qs(target.query).get("body", [""])[0])
    finding = classify.classify(classify.parse(request.as_bytes()))
    assert (finding.kind, finding.readers) == ("unsubscribe", [("ana@example.org", "unsubscribe")])


@pytest.mark.parametrize("settings, words", [
    ({"security": "none"}, "never travels in clear"),
    ({"folders": "INBOX"}, "['folders']"),
    ({"handled": "INBOX"}, "['handled']"),
    ({"soft_bounce_threshold": 0}, "['soft_bounce_threshold']"),
    ({"port": "imap"}, "['port']"),
])
def test_a_wrong_setting_names_its_key(settings, words):
    with pytest.raises(ConfigurationError) as caught:
        check(settings)
    assert words in str(caught.value) and "NEWSLETTER['mailbox']" in str(caught.value)


def test_an_unknown_key_is_ignored_with_a_warning(caplog):
    assert "hots" not in check({"hots": "imap.example.org"})
    assert "unknown key 'hots' ignored" in caplog.text


# A real Dovecot.

class Dovecot:
    """Dovecot's IMAP over TLS on 127.0.0.1, its files under ``folder``; start(), kill(), stop()."""

    def __init__(self, folder, certificate):
        self.folder = Path(folder)
        self.certificate, self.key = certificate
        self.port = None
        self.process = None
        self.log = []
        account = pwd.getpwuid(os.geteuid())
        self.uid, self.gid, self.user = account.pw_uid, account.pw_gid, account.pw_name
        self.root = self.uid == 0
        # Dovecot will not serve mail, nor run its login process, as root: under root those run as
        # unprivileged users, each chrooted (Dovecot's own ways), since they could not reach tmp_path.
        self.login_user, self.login_chroot = ("dovenull", "login") if self.root else (self.user, "")
        mail = pwd.getpwnam("nobody") if self.root else account
        self.mail_uid, self.mail_gid = mail.pw_uid, mail.pw_gid

    def start(self):
        if self.port is None:
            self.port, self.starttls_port = _free_ports(2)
            self._write_configuration()
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.folder / "dovecot.conf")],
                                        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                        start_new_session=True)
        for line in self.process.stderr:  # blocks until the master says it is up, or exits
            self.log.append(line.rstrip())
            if "starting up" in line:
                # The rest of its log is read as it comes, so a full pipe never stops the server.
                threading.Thread(target=self._read_log, args=(self.process.stderr,), daemon=True).start()
                return self
        self.process.wait()
        raise RuntimeError("dovecot did not start:\n" + "\n".join(self.log))

    def _read_log(self, stream):
        for line in stream:
            self.log.append(line.rstrip())

    def kill(self):
        """SIGKILL to the master and its children (one process group): every connection drops."""
        os.killpg(self.process.pid, 9)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait()

    def client(self):
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=ssl.create_default_context(
            cafile=str(self.certificate)))
        imap.login(USER, PASSWORD)
        return imap

    def _write_configuration(self):
        for name in ("run", "mail"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        # Under root the mail processes are chrooted in mail/ ("/./" splits the chroot from the home).
        home = f"{self.folder / 'mail'}/./home" if self.root else f"{self.folder / 'mail' / 'home'}"
        (self.folder / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{self.mail_uid}:{self.mail_gid}::{home}::\n")
        (self.folder / "mail" / "home").mkdir()
        os.chown(self.folder / "mail" / "home", self.mail_uid, self.mail_gid)
        group = _group_name(self.gid)
        (self.folder / "dovecot.conf").write_text(f"""\
base_dir = {self.folder / 'run'}
state_dir = {self.folder / 'run' / 'state'}
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
default_internal_user = {self.user}
default_internal_group = {group}
default_login_user = {self.login_user}
first_valid_uid = {self.mail_uid}
last_valid_uid = {self.mail_uid}
ssl = required
ssl_cert = <{self.certificate}
ssl_key = <{self.key}
auth_mechanisms = plain
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {self.folder / 'users'}
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {self.folder / 'users'}
}}
mail_location = maildir:~/Maildir
valid_chroot_dirs = {self.folder / 'mail'}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot = {self.login_chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.port}
    ssl = yes
  }}
}}
""")


def _free_ports(count):
    """Ports free now, all different (each probe stays bound until all are found)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _group_name(gid):
    import grp

    return grp.getgrgid(gid).gr_name


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("imap-tls"), "IP:127.0.0.1,DNS:localhost")


@pytest.fixture
def dovecot(tmp_path, certificate):
    if not os.path.exists(DOVECOT):
        pytest.skip("Debian's dovecot-imapd is needed (invoke test installs it)")
    server = Dovecot(tmp_path / "dovecot", certificate).start()
    yield server
    server.stop()
    print("\n".join(server.log))  # shown when the test fails


@pytest.fixture
def project(tmp_path, dovecot, certificate, monkeypatch):
    """A settings file, the environment of a run, and the mailbox loaded with every fixture."""
    monkeypatch.setenv("IMAP_USERNAME", USER)
    monkeypatch.setenv("IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    for variable in ("IMAP_HOST", "IMAP_PORT"):
        monkeypatch.delenv(variable, raising=False)
    imap = dovecot.client()
    for name in sorted(EXPECTED):
        imap.append("INBOX", None, None, (FIXTURES / name).read_bytes())
    imap.logout()
    return Project(tmp_path, dovecot)


class Project:
    def __init__(self, folder, server):
        self.folder, self.server = folder, server
        self.private = folder / "private" / "subscribers.private"
        self.write_settings()

    def write_settings(self, **mailbox):
        mailbox = {"host": "127.0.0.1", "port": self.server.port, "soft_bounce_threshold": 2, **mailbox}
        newsletter = {"delivery": {"backend": "smtp", "smtp": {
            "host": "127.0.0.1", "security": "none", "subscribers": str(self.folder / "private" / "subscribers.csv"),
            "unsubscribe": {"mailto": "lettre+unsubscribe@example.org"}}}, "mailbox": mailbox}
        self.settings = self.folder / "settings.py"
        self.settings.write_text(f"NEWSLETTER = {newsletter!r}\n")

    def run(self, capsys, *options):
        status = newsletter_mailbox.main([f"--settings={self.settings}", *options])
        out, err = capsys.readouterr()
        return status, out.splitlines(), [line for line in err.splitlines() if not line.startswith("INFO:")]

    def suppression(self):
        return SuppressionList(self.private / "suppressed.jsonl", SECRET)

    def state(self):
        return json.loads((self.private / "mailbox-state.json").read_text())

    def folders(self):
        """{folder: [(Message-ID, flags)]} as the server holds them."""
        imap = self.server.client()
        try:
            found = {}
            for folder in ("INBOX", HANDLED):
                status, _ = imap.select(f'"{folder}"', readonly=True)
                if status != "OK":
                    found[folder] = []
                    continue
                _, data = imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                found[folder] = sorted(_message_id(item) for item in data if isinstance(item, tuple))
            return found
        finally:
            imap.logout()


def _message_id(item):
    header = email.message_from_bytes(item[1], policy=policy.default)
    return str(header["Message-ID"]), b"\\Seen" in item[0]


def fixture_ids(*names):
    return sorted((str(classify.parse((FIXTURES / name).read_bytes())["Message-ID"]), False) for name in names)


LEFT = ("06-dsn-malformed.eml", "08-reply.eml")
HANDLED_NAMES = tuple(name for name in sorted(EXPECTED) if name not in LEFT)


def test_a_run_suppresses_the_readers_moves_what_it_handled_and_a_second_run_does_nothing(project, capsys):
    status, out, err = project.run(capsys, "--dry-run")
    assert status == 0, err
    assert out[0] == ("unsubscribe requests: 2 (2 readers would be added to the suppression list, 0 already on "
                      "it)")
    assert project.folders() == {"INBOX": fixture_ids(*EXPECTED), HANDLED: []}, "a dry run moves nothing"
    assert not project.private.joinpath("suppressed.jsonl").exists()

    status, out, err = project.run(capsys)
    assert status == 0, err
    assert out == [
        "unsubscribe requests: 2 (2 readers added to the suppression list, 0 already on it)",
        "hard bounces: 1 (1 reader added to the suppression list, 0 already on it)",
        "complaints: 1 (1 reader added to the suppression list, 0 already on it)",
        "soft bounces: 2 (2 counted; 1 reader suppressed on reaching 2)",
        "left in place: 1 malformed report (listed above), 1 other message",
    ]
    assert len(err) == 1 and "INBOX #6" in err[0] and "Delivery Status Notification (Failure)" in err[0]
    assert "lacks a readable Final-Recipient, Status" in err[0] and "left in INBOX" in err[0]
    suppression = project.suppression()
    assert suppression.counts() == {"unsubscribe": 2, "bounce": 1, "complaint": 1, "soft-bounce": 1}
    assert all(address in suppression for address in [*SUPPRESSED, "dan@example.com"])
    assert "gaelle@example.org" not in suppression
    folders = project.folders()
    assert folders["INBOX"] == fixture_ids(*LEFT), "what is left stays unread"
    assert [message_id for message_id, _ in folders[HANDLED]] == [
        message_id for message_id, _ in fixture_ids(*HANDLED_NAMES)]
    private_files = b"".join(path.read_bytes() for path in project.private.iterdir())
    assert b"@example" not in private_files, "no address is written, only keyed hashes"
    list_bytes = (project.private / "suppressed.jsonl").read_bytes()
    state = project.state()

    malformed = err
    status, out, err = project.run(capsys)
    assert status == 0 and err == malformed, "listed again until the editor deals with it"
    assert out == [
        "unsubscribe requests: 0 (0 readers added to the suppression list, 0 already on it)",
        "hard bounces: 0 (0 readers added to the suppression list, 0 already on it)",
        "complaints: 0 (0 readers added to the suppression list, 0 already on it)",
        "soft bounces: 0 (0 counted; 0 readers suppressed on reaching 2)",
        "left in place: 1 malformed report (listed above), 1 other message",
    ]
    assert (project.private / "suppressed.jsonl").read_bytes() == list_bytes
    assert project.state() == state
    assert project.folders() == folders


def test_starttls_on_the_plain_port(project, capsys):
    project.write_settings(security="starttls", port=project.server.starttls_port)
    status, out, err = project.run(capsys)
    assert status == 0, err
    assert out[0] == "unsubscribe requests: 2 (2 readers added to the suppression list, 0 already on it)"


def test_a_refused_login_is_one_line_and_exit_5(project, capsys, monkeypatch):
    monkeypatch.setenv("IMAP_PASSWORD", "not the password")
    status, out, err = project.run(capsys)
    assert status == 5 and out == []
    assert len(err) == 1, err
    assert "refused the login" in err[0] and "IMAP_USERNAME and IMAP_PASSWORD" in err[0]
    assert "not the password" not in err[0] and "Traceback" not in err[0]
    assert project.folders()["INBOX"] == fixture_ids(*EXPECTED)


def test_no_secret_no_server_or_an_untrusted_certificate_is_one_line_and_exit_2(project, capsys, monkeypatch):
    monkeypatch.delenv("NEWSLETTER_SECRET")
    status, _, err = project.run(capsys)
    assert status == 2 and len(err) == 1 and "NEWSLETTER_SECRET is not set" in err[0]
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)
    project.write_settings(host="")
    status, _, err = project.run(capsys)
    assert status == 2 and len(err) == 1 and "IMAP_HOST" in err[0]
    project.write_settings()
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")
    status, _, err = project.run(capsys)
    assert status == 2 and len(err) == 1 and "certificate cannot be trusted" in err[0]


class KillOnMove(logging.Handler):
    """Kills the server when the command is about to move the n-th message: acted on, not yet moved."""

    def __init__(self, server, nth):
        super().__init__()
        self.server, self.left = server, nth

    def emit(self, record):
        if "moving it to" in record.getMessage():
            self.left -= 1
            if self.left == 0:
                self.server.kill()


def test_a_connection_dropped_midway_is_resumed_by_the_next_run_and_nothing_is_done_twice(project, capsys):
    project.write_settings(soft_bounce_threshold=3)
    logger = logging.getLogger("newsletter.mailbox.processing")
    killer = KillOnMove(project.server, nth=4)  # the 4th: the first soft bounce, counted but not moved
    level = logger.level
    logger.addHandler(killer)
    logger.setLevel(logging.INFO)
    try:
        status, out, err = project.run(capsys)
    finally:
        logger.removeHandler(killer)
        logger.setLevel(level)
    assert status == 5 and out == []
    assert len(err) == 1 and "was lost" in err[0] and "Run the same command again" in err[0], err
    assert project.suppression().counts() == {"unsubscribe": 2, "bounce": 1}

    project.server.start()
    status, out, err = project.run(capsys)
    assert status == 0, err
    assert out == [
        "unsubscribe requests: 0 (0 readers added to the suppression list, 0 already on it)",
        "hard bounces: 0 (0 readers added to the suppression list, 0 already on it)",
        "complaints: 1 (1 reader added to the suppression list, 0 already on it)",
        "soft bounces: 2 (1 counted; 0 readers suppressed on reaching 3)",
        "left in place: 1 malformed report (listed above), 1 other message",
    ]
    suppression = project.suppression()
    assert suppression.counts() == {"unsubscribe": 2, "bounce": 1, "complaint": 1}
    assert "dan@example.com" not in suppression
    letters = project.state()["soft_bounces"][suppression.digest("dan@example.com")]["letters"]
    assert len(letters) == 2, "the soft bounce acted on before the drop is counted once"
    folders = project.folders()
    assert folders["INBOX"] == fixture_ids(*LEFT)
    assert [message_id for message_id, _ in folders[HANDLED]] == [
        message_id for message_id, _ in fixture_ids(*HANDLED_NAMES)], "each message moved once"


def test_after_the_mailbox_run_the_next_send_skips_the_readers_it_suppressed(project, capsys, tmp_path):
    """The chain of the issue: mails read from the real IMAP server, then a real send through the SMTP
    backend to a loopback server, which receives nothing for the readers who unsubscribed, bounced
    or complained."""
    from delivery_contract import make_campaign
    from newsletter.delivery import config
    from newsletter.delivery.dispatch import Action, Dispatcher
    from newsletter.delivery.ledger import Ledger
    from smtp_server import SmtpServer

    status, _, err = project.run(capsys)
    assert status == 0, err
    staying = ["gaelle@example.org", "hugo@example.net"]
    subscribers = project.folder / "private" / "subscribers.csv"
    subscribers.write_text("email,lang,consent_date\n" + "".join(
        f"{address},fr,2025-09-14\n" for address in [*SUPPRESSED, "dan@example.com", *staying]))
    with SmtpServer() as server:
        settings = config.load({"backend": "smtp", "smtp": {
            "host": "127.0.0.1", "port": server.port, "security": "none", "subscribers": str(subscribers),
            "unsubscribe": {"mailto": "lettre+unsubscribe@example.org"}}}, environ={"NEWSLETTER_SECRET": SECRET})
        with Ledger(tmp_path / "ledger.json").locked() as ledger, config.open_backend(settings) as backend:
            Dispatcher(backend, ledger).deliver(make_campaign(tmp_path / "outbox", number=7, lang="fr"),
                                                Action("send"))
        reached = sorted(address for received in server.messages for address in received.rcpt_tos)
    assert reached == staying
