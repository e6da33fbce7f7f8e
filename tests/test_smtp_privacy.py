"""Readers' addresses stay beside the subscribers file: never in the site's repository.

The editor's real command (``python -m publisher.deliver``) sends from a copy of
the project, made a git repository as a site usually is, through a real SMTP
server on loopback (aiosmtpd); then every file of the whole temporary tree is
searched for every reader's and test recipient's address.
"""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from delivery_contract import make_campaign
from project_copy import copy_project
from smtp_server import SmtpServer

SECRET = "privacy-secret-5b0e9d2a7c4f"
READERS = 12
FRENCH = [f"lectrice.{n:02d}@example.org" for n in range(1, 9)]
ENGLISH = [f"reader.{n:02d}@example.com" for n in range(1, READERS - len(FRENCH) + 1)]
TESTER = "Proof.Reader@example.net"
DELIVERY = """
NEWSLETTER = {{**NEWSLETTER, "delivery": {{"backend": "smtp", "smtp": {{
    "host": "127.0.0.1", "port": {port}, "security": "none", "subscribers": {subscribers!r},
    "list_id": "La lettre <lettre.elise-marchand.example>",
    "unsubscribe": {{"mailto": "lettre+unsubscribe@elise-marchand.example",
                     "endpoint": "https://elise-marchand.example/unsubscribe"}}}}}}}}
"""


@pytest.fixture
def server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def project(tmp_path, server):
    """The site (a git repository) in tmp/blog, its readers in tmp/private/subscribers.csv."""
    blog = copy_project(tmp_path)
    subprocess.run(["git", "init", "-q", str(blog)], check=True)
    private = tmp_path / "private"
    private.mkdir()
    rows = [f"{address},fr,2026-01-0{1 + n % 9}" for n, address in enumerate(FRENCH)]
    rows += [f"{address},en,2026-02-0{1 + n % 9}" for n, address in enumerate(ENGLISH)]
    (private / "subscribers.csv").write_text("email,lang,consent_date\n" + "\n".join(rows) + "\n")
    configure(blog, server, "../private/subscribers.csv")
    for lang in ("fr", "en"):
        make_campaign(blog / "outbox", number=5, lang=lang)
    return blog


def configure(blog, server, subscribers):
    settings = (blog / "conf.py").read_text().split("\nNEWSLETTER = {**NEWSLETTER", 1)[0]
    (blog / "conf.py").write_text(settings + DELIVERY.format(port=server.port, subscribers=subscribers))


def deliver(blog, *options):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSLETTER_SECRET": SECRET}
    env.pop("NEWSLETTER_BACKEND", None)
    return subprocess.run([sys.executable, "-m", "publisher.deliver", "--settings", "conf.py", "--outbox", "outbox",
                           *options], cwd=blog, env=env, capture_output=True, text=True, timeout=300)


def files_naming(tree, addresses):
    """{file: addresses it holds} over every file under ``tree`` (any case, as a journal lowers it)."""
    found = {}
    for path in tree.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(tree).parts[:2]:
            text = path.read_bytes().decode("utf-8", "replace").lower()
            named = sorted(address for address in addresses if address.lower() in text)
            if named:
                found[path.relative_to(tree).as_posix()] = named
    return found


def test_after_a_test_and_a_send_no_address_is_outside_the_private_folder(tmp_path, project, server):
    tested = deliver(project, "--test-to", f"Proof Reader <{TESTER}>")
    assert tested.returncode == 0, tested.stderr
    sent = deliver(project, "--send", "--yes")
    assert sent.returncode == 0, sent.stderr
    assert sorted(address.lower() for message in server.messages for address in message.rcpt_tos) == sorted(
        address.lower() for address in [*FRENCH, *ENGLISH, TESTER, TESTER])   # each reader once, a test each

    everyone = [*FRENCH, *ENGLISH, TESTER]
    found = files_naming(tmp_path, everyone)
    assert found.pop("private/subscribers.csv") == sorted([*FRENCH, *ENGLISH])
    journals = {path: named for path, named in found.items() if path.startswith("private/subscribers.private/")}
    assert sorted(journals) == ["private/subscribers.private/journals/issue-5-en.smtp.jsonl",
                                "private/subscribers.private/journals/issue-5-fr.smtp.jsonl"]
    assert found.keys() == journals.keys(), f"addresses outside the private folder: {found}"
    assert oct((tmp_path / "private/subscribers.private").stat().st_mode & 0o777) == "0o700"

    ledger = json.loads((project / "content/newsletter/ledger.json").read_text())
    assert ledger["entries"]["issue-5-fr"]["smtp"]["tests"] == [{"recipients": 1}]
    assert "@" not in (project / "content/newsletter/ledger.json").read_text()
    assert not (project / "content/newsletter/ledger.d").exists()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project,
                            capture_output=True, text=True, check=True).stdout
    assert "@" not in status and "journal" not in status and ".jsonl" not in status


def test_a_journal_left_in_the_repository_is_moved_once_and_still_counts(tmp_path, project, server):
    """An older version wrote the journal beside the ledger: a send cut off then resumes from it."""
    server.drop_after(3, stay_down=True)            # the 4th message is never answered
    cut = deliver(project, "--send", "--yes", "--lang", "fr", "--issue", "5")
    assert cut.returncode == 5, cut.stderr
    journal = tmp_path / "private/subscribers.private/journals/issue-5-fr.smtp.jsonl"
    old = project / "content/newsletter/ledger.d/issue-5-fr.smtp.jsonl"
    old.parent.mkdir(parents=True)
    journal.rename(old)                              # where the older version kept it

    server.up()
    sent = deliver(project, "--send", "--yes", "--lang", "fr", "--issue", "5")
    assert sent.returncode == 0, sent.stderr
    notes = [line for line in sent.stderr.splitlines() if "moved the journal" in line]
    assert len(notes) == 1 and "content/newsletter/ledger.d/issue-5-fr.smtp.jsonl to " in notes[0]
    assert str(journal) in notes[0]
    assert not old.parent.exists()
    reached = sorted(address for message in server.messages for address in message.rcpt_tos)
    assert reached == sorted(FRENCH)                 # each reader exactly once over both runs
    states = [json.loads(line) for line in journal.read_text().splitlines()]
    assert {line["to"] for line in states if line["state"] == "sent"} == set(FRENCH)

    again = deliver(project, "--send", "--yes", "--lang", "fr", "--issue", "5")
    assert again.returncode == 0 and "moved the journal" not in again.stderr
    assert len(server.messages) == len(FRENCH)


def test_a_subscribers_file_inside_the_repository_stops_the_send_until_ignored(tmp_path, project, server):
    (project / "readers").mkdir()
    (project / "readers/subscribers.csv").write_text((tmp_path / "private/subscribers.csv").read_text())
    configure(project, server, "readers/subscribers.csv")

    refused = deliver(project, "--send", "--yes")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "is inside the git repository" in refused.stderr and "readers/subscribers.private" in refused.stderr
    assert server.messages == [] and not (project / "readers/subscribers.private").exists()

    (project / ".gitignore").write_text("/readers/\n")
    sent = deliver(project, "--send", "--yes")
    assert sent.returncode == 0, sent.stderr
    assert len(server.messages) == READERS
