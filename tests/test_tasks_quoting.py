"""tasks.py hands the editor's values to the commands as arguments: no shell ever reads them.

Each test runs the real `invoke` (tasks.py of the project) from a temporary project, as the
editor would, with values a shell would split, expand or run.
"""

import email
import json
import os
import subprocess
import sys
from email import policy

import pytest

from conftest import ROOT
from project_copy import copy_project


def invoke(project, *arguments):
    """`invoke ARGUMENTS` from ``project``, with this checkout's tasks.py and publisher package."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("NEWSLETTER_BACKEND", "COMMENTS_URL"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "invoke", "--search-root", str(ROOT), *arguments],
                          cwd=project, env=env, capture_output=True, text=True)


@pytest.fixture
def marker(tmp_path):
    """A file that only a shell running the editor's value would create."""
    return tmp_path / "marker"


def test_test_addresses_reach_the_provider_as_typed(tmp_path, marker):
    """The sample content, built and delivered to the outbox backend (files, no network)."""
    project = copy_project(tmp_path)
    addresses = [f"a@x.org;touch {marker}", "Élise <e@x.org>", "\"Marie 'Mimi' Curie\" <marie@x.org>"]
    options = [option for address in addresses for option in ("--test-to", address)]

    done = invoke(project, "newsletter-send", "--settings", "conf.py", "--issue", "2", "--lang", "fr", *options)

    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    ledger = (project / "content/newsletter/ledger.json").read_text()
    assert json.loads(ledger)["entries"]["issue-2-fr"]["outbox"]["tests"] == [{"recipients": 3}]
    assert "x.org" not in ledger  # the committed ledger names no test recipient
    sent = email.message_from_bytes((project / "delivered/tests/issue-2-fr.eml").read_bytes(), policy=policy.default)
    recipients = [(a.display_name, a.addr_spec) for a in sent["To"].addresses]
    assert ("Élise", "e@x.org") in recipients and ("Marie 'Mimi' Curie", "marie@x.org") in recipients


def test_a_schedule_value_is_never_run(tmp_path, marker):
    done = invoke(tmp_path, "newsletter-send", "--schedule", f"soon;touch {marker}")
    assert not marker.exists()
    assert done.returncode == 2
    assert f"soon;touch {marker}" in done.stderr


# Every command gives exit status 2 for a settings file that does not exist (a setting problem).
MISSING_SETTINGS = dict.fromkeys(("build", "check", "publish", "newsletter-check", "newsletter-send",
                                  "newsletter-new", "newsletter-stats"), 2)


@pytest.mark.parametrize("task", MISSING_SETTINGS)
def test_every_task_passes_its_settings_file_as_one_argument(tmp_path, marker, task):
    """A settings file that does not exist: the command names it in full, and invoke ends with its status."""
    settings = f"nowhere.py; touch {marker}; echo .py"
    done = invoke(tmp_path, task, "--settings", settings)
    assert not marker.exists()
    assert done.returncode == MISSING_SETTINGS[task]
    assert settings in done.stderr


def test_new_post_takes_a_title_with_quotes_and_spaces(tmp_path, marker):
    project = copy_project(tmp_path)
    title = f"L'art \"du\" $HOME ; touch {marker}"
    done = invoke(project, "new-post", title, "--settings", "conf.py", "--slug", "art-du-titre")
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    text = (project / "content/posts/fr/art-du-titre.md").read_text(encoding="utf-8")
    assert f"Title: {title}\n" in text
