"""`invoke publish` end to end: the sample content built, checked, deployed to a local
folder, and its newsletter drafted at the loopback listmonk (tests/fake_providers).

Each test works on a copy of content/ in a temporary project whose settings import
the real publishconf.py; the commands run from that project, as the editor's do.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from conftest import ROOT
from fake_providers.listmonk import ListmonkFake
from publisher.publish import main

TOKEN = "lm-publish-test-token"

SETTINGS = """\
import sys
sys.path.insert(0, {root!r})
from publishconf import *
THEME = {theme!r}
PLUGIN_PATHS = [{plugins!r}] + EXTRA_PLUGIN_PATHS
PLUGINS = PLUGINS + EXTRA_PLUGINS
{comments}
DEPLOY = {deploy!r}
NEWSLETTER = {{**NEWSLETTER, "delivery": {delivery!r}}}
"""


class Project:
    """A copy of the sample content with its own settings, cache, ledger and deploy folder."""

    def __init__(self, folder, delivery, deploy=None, extra_plugins=(), extra_plugin_paths=(),
                 local_comments=True):
        self.folder = Path(folder)
        shutil.copytree(ROOT / "content", self.folder / "content")
        # The production comment server cannot be reached from a test: a closed loopback port instead.
        comments = 'COMMENTS = {**COMMENTS, "isso": {"url": "http://127.0.0.1:9/"}}' if local_comments else ""
        text = f"EXTRA_PLUGINS = {list(extra_plugins)!r}\nEXTRA_PLUGIN_PATHS = {list(extra_plugin_paths)!r}\n"
        text += f"BREAK_HREFLANG = {'break_hreflang' in extra_plugins}\n"
        text += SETTINGS.format(root=str(ROOT), theme=str(ROOT / "theme"), plugins=str(ROOT / "plugins"),
                                deploy=deploy or {"target": "folder", "folder": {"path": "public"}},
                                delivery=delivery, comments=comments)
        (self.folder / "settings.py").write_text(text)

    def publish(self, *options):
        previous = os.getcwd()
        os.chdir(self.folder)
        try:
            return main(["--settings", "settings.py", *options])
        finally:
            os.chdir(previous)

    def ledger(self):
        entries = json.loads((self.folder / "ledger.json").read_text())["entries"]
        return {key: providers["listmonk"]["state"] for key, providers in entries.items()}

    def public_files(self):
        """relative path -> (inode, mtime): what a second deploy must leave alone."""
        public = self.folder / "public"
        return {p.relative_to(public).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
                for p in public.rglob("*") if p.is_file()}


@pytest.fixture
def listmonk(monkeypatch):
    monkeypatch.setenv("LISTMONK_TOKEN", TOKEN)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    monkeypatch.delenv("COMMENTS_URL", raising=False)
    with ListmonkFake(users={"publisher": TOKEN}, lists={3: "fr", 4: "en"},
                      subscribers={"lea@exemple.fr": [3], "ann@example.com": [4]}) as fake:
        yield fake


def listmonk_delivery(fake):
    return {"backend": "listmonk", "ledger": "ledger.json", "retry": {"base": 0.01},
            "listmonk": {"url": fake.url, "username": "publisher",
                         "audiences": {"fr": {"lists": [3]}, "en": {"lists": [4]}}}}


@pytest.fixture
def project(tmp_path, listmonk):
    return Project(tmp_path / "blog", listmonk_delivery(listmonk))


def campaign_names(fake):
    return sorted(campaign["name"] for campaign in fake.campaigns.values())


def test_publish_deploys_then_drafts_each_language_and_a_second_run_changes_nothing(project, listmonk, capsys):
    assert project.publish() == 0
    out = capsys.readouterr().out
    public = project.folder / "public"
    assert (public / "index.html").read_bytes() == (project.folder / "output/index.html").read_bytes()
    assert '<html lang="en"' in (public / "en/index.html").read_text()
    assert campaign_names(listmonk) == ["issue-1-en", "issue-1-fr", "issue-2-en", "issue-2-fr"]
    assert {c["status"] for c in listmonk.campaigns.values()} == {"draft"} and listmonk.sends == []
    assert set(project.ledger().values()) == {"draft"}
    for step in ("[1/4] build", "[2/4] check", "[3/4] deploy", "[4/4] newsletter", "Published in"):
        assert step in out
    assert f"Deployed to {public.as_uri()}/ (folder): " in out and "39 pages in fr, 39 pages in en" in out  # with each language's 404 page

    requests_before, deployed, ledger = len(listmonk.requests), project.public_files(), project.ledger()
    assert project.publish() == 0
    out = capsys.readouterr().out
    assert len(listmonk.requests) == requests_before, "the second run asked the provider something"
    assert project.public_files() == deployed
    assert project.ledger() == ledger
    assert "0 new, 0 changed, 0 deleted" in out and "nothing new for listmonk (4 already there)" in out


def test_an_edited_issue_updates_its_draft_and_nothing_else(project, listmonk, capsys):
    assert project.publish() == 0
    issue = next((project.folder / "content/newsletter/fr").glob("*.md"))
    issue.write_text(issue.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", encoding="utf-8")
    listmonk.requests.clear()
    assert project.publish() == 0
    changed = {r.method for r in listmonk.requests if r.method != "GET"}
    assert changed == {"PUT"} and len(listmonk.campaigns) == 4 and listmonk.sends == []
    assert "updated the draft" in capsys.readouterr().out


def test_send_goes_out_once_after_the_deploy(project, listmonk, capsys):
    assert project.publish("--send", "--yes") == 0
    sent = sorted(listmonk.campaigns[i]["name"] for i in listmonk.sends)
    assert sent == ["issue-2-en", "issue-2-fr"]
    assert project.publish("--send", "--yes") == 0
    assert len(listmonk.sends) == 2


def test_a_failing_deploy_stops_before_the_provider(tmp_path, listmonk, capsys):
    project = Project(tmp_path / "blog", listmonk_delivery(listmonk))
    (project.folder / "public").write_text("a file where the site should go")
    assert project.publish() == 4
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "No newsletter was sent" in err
    assert listmonk.requests == []
    assert not (project.folder / "ledger.json").exists()


BREAK_HREFLANG = '''\
"""Test plugin: once the English home page is written, drop its link to the French version.
(Signals outlive a build in the same process: it acts only where BREAK_HREFLANG is set.)"""
import re
from pathlib import Path
from pelican import signals


def drop_link(pelican):
    if not pelican.settings.get("BREAK_HREFLANG"):
        return
    page = Path(pelican.settings["OUTPUT_PATH"]) / "en" / "index.html"
    if page.exists():
        html = page.read_text(encoding="utf-8")
        page.write_text(re.sub(r'<link[^>]*hreflang="fr"[^>]*>', "", html), encoding="utf-8")


def register():
    signals.finalized.connect(drop_link)
'''


def test_a_failing_check_stops_before_the_deploy_and_the_provider(tmp_path, listmonk, capsys):
    (tmp_path / "testplugins").mkdir()
    (tmp_path / "testplugins/break_hreflang.py").write_text(BREAK_HREFLANG)
    project = Project(tmp_path / "blog", listmonk_delivery(listmonk), extra_plugins=["break_hreflang"],
                      extra_plugin_paths=[str(tmp_path / "testplugins")])
    assert project.publish() == 3
    err = capsys.readouterr().err
    assert "en/index.html" in err and "hreflang" in err and "the site was not deployed" in err
    assert listmonk.requests == []
    assert not (project.folder / "public").exists()


def test_a_content_error_stops_before_everything(project, listmonk, capsys):
    post = project.folder / "content/posts/fr/broken.md"
    post.write_text("Title: Cassé\nDate: 2025-03-01\nLang: de\n\nTexte.\n", encoding="utf-8")
    assert project.publish() == 1
    assert "content/posts/fr/broken.md" in capsys.readouterr().err
    assert listmonk.requests == [] and not (project.folder / "public").exists()


def test_a_bad_deploy_setting_is_named_before_building(tmp_path, listmonk, capsys):
    project = Project(tmp_path / "blog", listmonk_delivery(listmonk), deploy={"target": "ftp"})
    assert project.publish() == 2
    assert "DEPLOY['target']" in capsys.readouterr().err
    assert not (project.folder / "output").exists() and listmonk.requests == []


# --- dry run ------------------------------------------------------------------------------

AUDIT = textwrap.dedent("""\
    # Records every address the dry run resolves or connects to, and every program it starts,
    # with Python's audit hooks (PEP 578), then runs the publish command.
    import json, sys
    seen = []
    def hook(event, args):
        if event in ("socket.getaddrinfo", "socket.connect", "socket.sendto", "subprocess.Popen"):
            seen.append([event, repr(args[0] if event == "socket.getaddrinfo" else args[1])])
    sys.addaudithook(hook)
    from publisher.publish import main
    code = main(["--settings", "settings.py", *sys.argv[2:]])
    with open(sys.argv[1], "w") as record:
        json.dump(seen, record)
    sys.exit(code)
    """)

REMOTE_DEPLOY = {"target": "rsync", "rsync": {"destination": "editor@deploy.elise-marchand.example:/var/www/"}}


def tree_state(folder, skip=(".git", ".venv", "node_modules", "__pycache__", ".pytest_cache")):
    state = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            path = Path(dirpath, name)
            stat = path.lstat()
            state[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return state


def run_audited(project_folder, record, *options):
    (record.parent / "audit.py").write_text(AUDIT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LISTMONK_TOKEN": TOKEN}
    env.pop("COMMENTS_URL", None)
    return subprocess.run([sys.executable, str(record.parent / "audit.py"), str(record), *options],
                          cwd=project_folder, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("deploy", [None, REMOTE_DEPLOY], ids=["folder", "rsync-over-ssh"])
def test_dry_run_contacts_no_other_machine_and_writes_nothing(tmp_path, deploy):
    """The real publishconf's comment server and a remote listmonk and rsync host: none is contacted."""
    delivery = {"backend": "listmonk", "ledger": "ledger.json",
                "listmonk": {"url": "https://lists.elise-marchand.example/", "username": "publisher",
                             "audiences": {"fr": {"lists": [3]}, "en": {"lists": [4]}}}}
    project = Project(tmp_path / "blog", delivery, deploy, local_comments=False)
    (project.folder / "cache/comments").mkdir(parents=True)
    before = tree_state(project.folder)
    result = run_audited(project.folder, tmp_path / "audit.json", "--dry-run", "--send", "--yes")
    assert result.returncode == 0, result.stderr
    assert tree_state(project.folder) == before
    events = json.loads((tmp_path / "audit.json").read_text())
    remote = [event for event in events if event[0].startswith("socket")
              and "127.0.0.1" not in event[1] and "'localhost'" not in event[1] and "::1" not in event[1]]
    assert remote == []
    assert not [event for event in events if "ssh" in event[1] or "rsync" in event[1]]
    out = result.stdout
    assert "would create the draft issue-2-fr at listmonk" in out
    assert "would send issue-2-en to its readers at listmonk" in out
    if deploy:
        assert "a dry run does not connect to editor@deploy.elise-marchand.example:/var/www/" in out
    else:
        assert "Would deploy to " in out and "new" in out


def test_dry_run_after_a_publish_has_nothing_to_do(project, listmonk, capsys):
    assert project.publish() == 0
    capsys.readouterr()
    listmonk.requests.clear()
    before = tree_state(project.folder)
    assert project.publish("--dry-run") == 0
    out = capsys.readouterr().out
    assert "Dry run done" in out and "0 new, 0 changed, 0 deleted" in out and "would" not in out
    assert listmonk.requests == [] and tree_state(project.folder) == before


def test_send_without_a_terminal_needs_yes_and_sends_nothing(project, listmonk, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert project.publish("--send") == 2
    assert "--send without a terminal needs --yes" in capsys.readouterr().err
    assert listmonk.sends == [] and listmonk.campaigns == {}


# --- exit status with --debug -------------------------------------------------------------

def invoke_publish(project, *options):
    """The editor's own command, `invoke publish`, run from the project."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("COMMENTS_URL", None)
    return subprocess.run([sys.executable, "-m", "invoke", "--search-root", str(ROOT), "publish",
                           "--settings", "settings.py", *options],
                          cwd=project.folder, env=env, capture_output=True, text=True)


def test_invoke_publish_debug_shows_the_traceback_and_exits_5_when_the_provider_fails(project, listmonk):
    listmonk.fail("POST", r"/api/campaigns", status=500, times=100)
    done = invoke_publish(project, "--debug")
    assert done.returncode == 5, done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert "The site is deployed; the newsletter stopped: listmonk HTTP 500" in done.stderr
    assert (project.folder / "public/index.html").exists() and listmonk.campaigns == {}


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_a_content_error_exits_1_with_or_without_debug(project, listmonk, capsys, debug):
    post = project.folder / "content/posts/fr/broken.md"
    post.write_text("Title: Cassé\nDate: 2025-03-01\nLang: de\n\nTexte.\n", encoding="utf-8")
    assert project.publish(*debug) == 1
    assert "content/posts/fr/broken.md" in capsys.readouterr().err
    assert listmonk.requests == [] and not (project.folder / "public").exists()


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_a_bad_delivery_setting_exits_2_before_building(tmp_path, listmonk, capsys, debug):
    project = Project(tmp_path / "blog", {"backend": "carrier-pigeon"})
    assert project.publish(*debug) == 2
    err = capsys.readouterr().err
    assert "'carrier-pigeon' is not a backend" in err and "deployed" not in err
    assert not (project.folder / "output").exists() and listmonk.requests == []


def test_publish_deletes_a_late_duplicate_the_ledger_says_may_exist(project, listmonk, capsys):
    """A creation whose answer was lost lands after the run (twin_possible in the ledger): the next
    publish looks again even though the draft is settled, and deletes the stray draft."""
    assert project.publish() == 0
    [create] = [r for r in listmonk.requests if r.method == "POST" and r.path == "/api/campaigns"
                and r.body["name"] == "issue-2-fr"]
    late = requests.post(f"{listmonk.url}/api/campaigns", json=create.body, timeout=10,
                         headers={"Authorization": create.headers["authorization"]})
    late.raise_for_status()
    ledger_file = project.folder / "ledger.json"
    ledger = json.loads(ledger_file.read_text())
    ledger["entries"]["issue-2-fr"]["listmonk"]["twin_possible"] = True
    ledger_file.write_text(json.dumps(ledger))
    capsys.readouterr()

    assert project.publish() == 0
    assert campaign_names(listmonk) == ["issue-1-en", "issue-1-fr", "issue-2-en", "issue-2-fr"]
    assert [campaign["id"] for campaign in listmonk.deleted] == [late.json()["data"]["id"]]
    assert not json.loads(ledger_file.read_text())["entries"]["issue-2-fr"]["listmonk"]["twin_possible"]
