"""The publishing process killed (SIGKILL) between or during provider calls, then run again:
exactly one campaign per language at the provider, each sent once.

The provider is the loopback listmonk fake; the process is the editor's real
command (python -m publisher.deliver) in a child process, killed by the fake
itself at a chosen request, so the moment is exact and nothing sleeps.
"""

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from conftest import ROOT
from delivery_contract import make_campaign
from fake_providers.listmonk import ListmonkFake

TOKEN = "lm-kill-test-token"
CAMPAIGNS = r"/api/campaigns"
STATUS = r"/api/campaigns/\d+/status"


class Editor:
    """Runs the deliver command in a child process the fake can kill."""

    def __init__(self, folder, fake):
        self.folder = folder
        self.fake = fake
        self.process = None
        for lang in ("fr", "en"):
            make_campaign(folder / "outbox", lang=lang)
        (folder / "conf.py").write_text(
            "NEWSLETTER = {'delivery': {'backend': 'listmonk', 'ledger': 'ledger.json', 'retry': {'base': 0.01},\n"
            f"    'listmonk': {{'url': {fake.url!r}, 'username': 'publisher',\n"
            "                 'audiences': {'fr': {'lists': [3]}, 'en': {'lists': [4]}}}}}\n")

    def run(self, *options):
        environment = {**os.environ, "LISTMONK_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
        environment.pop("NEWSLETTER_BACKEND", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publisher.deliver", "--settings", "conf.py", "--outbox", "outbox", *options],
            cwd=self.folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = self.process.communicate(timeout=120)
        return self.process.returncode, out + err

    def kill(self, request):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def ledger(self):
        entries = json.loads((self.folder / "ledger.json").read_text())["entries"]
        return {key: providers["listmonk"]["state"] for key, providers in entries.items()}


@pytest.fixture
def fake():
    subscribers = {"lea@exemple.fr": [3], "ann@example.com": [4]}
    with ListmonkFake(users={"publisher": TOKEN}, lists={3: "fr", 4: "en"}, subscribers=subscribers) as server:
        yield server


@pytest.fixture
def editor(tmp_path, fake):
    return Editor(tmp_path, fake)


def campaigns_by_name(fake):
    return sorted(campaign["name"] for campaign in fake.campaigns.values())


def sends_by_name(fake):
    return sorted(fake.campaigns[campaign_id]["name"] for campaign_id in fake.sends)


@pytest.mark.parametrize("moment, kind", [
    ("after listmonk created the first campaign, before its answer", "call_after"),
    ("before the second campaign is created", "call_before"),
], ids=["answer-lost", "between-calls"])
def test_killed_while_creating_drafts(editor, fake, moment, kind):
    if kind == "call_before":
        fake.fail("POST", CAMPAIGNS, kind="call_after", action=lambda request: None)  # the first one passes
    fake.fail("POST", CAMPAIGNS, kind=kind, action=editor.kill)
    code, output = editor.run()
    assert code == -signal.SIGKILL, output
    assert list(editor.ledger().values()) == (["creating"] if kind == "call_after" else ["draft", "creating"])
    assert len(fake.campaigns) == 1   # created by the first call, whose answer may never have arrived
    code, output = editor.run()
    assert code == 0, output
    assert campaigns_by_name(fake) == ["issue-5-en", "issue-5-fr"]
    assert set(editor.ledger().values()) == {"draft"}
    code, output = editor.run()
    assert code == 0 and campaigns_by_name(fake) == ["issue-5-en", "issue-5-fr"]


def test_killed_after_the_send_started(editor, fake):
    assert editor.run()[0] == 0
    fake.fail("PUT", STATUS, kind="call_after", action=editor.kill)
    code, output = editor.run("--send", "--yes")
    assert code == -signal.SIGKILL, output
    assert sends_by_name(fake) == ["issue-5-en"] or sends_by_name(fake) == ["issue-5-fr"]
    assert "sending" in editor.ledger().values()
    code, output = editor.run("--send", "--yes")
    assert code == 0, output
    assert sends_by_name(fake) == ["issue-5-en", "issue-5-fr"]
    assert campaigns_by_name(fake) == ["issue-5-en", "issue-5-fr"]
    assert set(editor.ledger().values()) == {"sent"}
    assert editor.run("--send", "--yes")[0] == 0
    assert sends_by_name(fake) == ["issue-5-en", "issue-5-fr"]


def statuses_by_name(fake):
    return {campaign["name"]: campaign["status"] for campaign in fake.campaigns.values()}


def test_killed_after_the_provider_scheduled_leaves_scheduling_in_the_ledger(editor, fake):
    """The intent is written before the call: a run killed once listmonk scheduled a campaign
    leaves "scheduling", which the next run settles by asking listmonk (a "draft" would be wrong)."""
    when = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0).isoformat()
    assert editor.run()[0] == 0
    fake.fail("PUT", STATUS, kind="call_after", action=editor.kill)
    code, output = editor.run("--schedule", when, "--yes")
    assert code == -signal.SIGKILL, output
    assert sorted(statuses_by_name(fake).values()) == ["draft", "scheduled"]
    [scheduled] = [name for name, status in statuses_by_name(fake).items() if status == "scheduled"]
    assert editor.ledger()[scheduled] == "scheduling"
    code, output = editor.run("--schedule", when, "--yes")
    assert code == 0, output
    [settled] = [line for line in output.splitlines() if line.startswith(f"{scheduled} at listmonk")]
    assert "found it scheduled at the provider after an interrupted run" in settled, output
    assert set(editor.ledger().values()) == {"scheduled"}
    assert statuses_by_name(fake) == {"issue-5-en": "scheduled", "issue-5-fr": "scheduled"}
    assert campaigns_by_name(fake) == ["issue-5-en", "issue-5-fr"]
