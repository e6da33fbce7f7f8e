"""Delivery hardening: listmonk's late creations and send_at, credentials in messages, test sends.

Every test observes a real provider stand-in (the loopback fakes, the SMTP
server of smtp_server.py) or the real deliver command's exit code and output.
"""

import email
import json
import re
import signal
from email import policy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from delivery_contract import PLACEHOLDER, SITE, SUBJECTS, archive_url, in_a_week, make_campaign
from fake_providers.base import Invalid
from fake_providers.listmonk import ListmonkFake
from newsletter.delivery import config
from newsletter.delivery.campaign import OutboxError, read_campaign
from newsletter.delivery.dispatch import Action, Dispatcher
from newsletter.delivery.errors import AuthenticationError, ConfigurationError
from test_delivery_killed import TOKEN as KILLED_TOKEN
from test_delivery_killed import Editor
from small_project import SmallProject
from smtp_server import SmtpServer
from test_delivery_listmonk import LISTS, SUBSCRIBERS, TOKEN, replace_route
from test_delivery_listmonk import fake, world  # noqa: F401 - the same listmonk stand-in
from test_delivery_smtp import SmtpWorld

CAMPAIGNS = r"/api/campaigns"
# Environment variables holding a login: the user name is half of it.
CREDENTIAL = re.compile(r"USER|KEY|TOKEN|PASSWORD|SECRET")




def deliver(world, ledger, campaigns, action=Action()):
    with world.backend() as backend:
        dispatcher = Dispatcher(backend, ledger)
        return [dispatcher.deliver(campaign, action) for campaign in campaigns]


# Item 4: listmonk's spec types send_at as a value, never null.

class TestSendAt:
    def test_drafts_updates_and_tests_leave_send_at_out(self, world, fake, ledger, campaigns, tmp_path):
        deliver(world, ledger, campaigns[:1])
        deliver(world, ledger, [make_campaign(tmp_path / "changed", lang="fr", body="Corrigé.")])
        deliver(world, ledger, campaigns[:1], Action("test", test_to=("editor@example.org",)))
        sent = [r for r in fake.requests if r.body is not None and "/status" not in r.path]
        # created, updated, updated back to the first text, then the test
        assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in sent] == \
            [("POST", "campaigns"), ("PUT", "1"), ("PUT", "1"), ("POST", "test")]
        assert all("send_at" not in r.body for r in sent)
        assert all(r.answered == 200 for r in fake.requests)

    def test_scheduling_sends_a_date_time_string(self, world, fake, ledger, campaigns):
        when = in_a_week()
        [outcome] = deliver(world, ledger, campaigns[:1], Action("schedule", when=when))
        assert outcome.state == "scheduled"
        [put] = fake.calls("PUT", r"/api/campaigns/\d+")
        assert isinstance(put.body["send_at"], str) and put.body["send_later"] is True
        assert put.body["send_at"] == when.isoformat(timespec="seconds")
        [held] = fake.campaigns.values()
        assert held["status"] == "scheduled"

    def test_the_fake_refuses_a_null_send_at(self, fake):
        import requests

        answer = requests.post(f"{fake.url}/api/campaigns", timeout=5,
                               json={"name": "n", "subject": "s", "lists": [3], "send_at": None},
                               headers={"Authorization": f"token publisher:{TOKEN}"})
        assert answer.status_code == 400 and "send_at" in answer.json()["message"]


# Item 3: a listmonk creation whose answer comes too late never leaves two campaigns behind an exit 0.

class LateEditor(Editor):
    """The deliver command, giving listmonk half a second to answer."""

    def __init__(self, folder, fake):
        super().__init__(folder, fake)
        conf = folder / "conf.py"
        conf.write_text(conf.read_text().replace("'retry': {'base': 0.01}", "'retry': {'base': 0.01}, 'timeout': 0.5"))


@pytest.fixture
def editor(tmp_path, fake):
    return LateEditor(tmp_path, fake)


def held_first_post(fake):
    """The first creation reaches listmonk but waits there: the client times out, looks, finds nothing."""
    return fake.fail("POST", CAMPAIGNS, kind="late")


def landing_during_the_retry(fake, late, then=lambda: None):
    """The retry is created, then the held first creation lands before the retry's answer leaves."""
    def land(request):
        late.release.set()
        late.landed.wait()
        then()
    fake.fail("POST", CAMPAIGNS, kind="call_after", action=land)


def by_name(fake):
    return sorted(campaign["name"] for campaign in fake.campaigns.values())


class TestLateCreation:
    @pytest.fixture
    def fake(self):
        """The fake the deliver command's credentials open (tests/test_delivery_killed.py)."""
        with ListmonkFake(users={"publisher": KILLED_TOKEN}, lists=LISTS, subscribers=SUBSCRIBERS) as server:
            yield server

    def test_the_late_twin_is_deleted_before_success(self, editor, fake):
        late = held_first_post(fake)
        landing_during_the_retry(fake, late)
        code, output = editor.run()
        assert code == 0, output
        assert by_name(fake) == ["issue-5-en", "issue-5-fr"]
        [stray] = fake.deleted
        assert stray["status"] == "draft" and stray["name"] == "issue-5-en"
        assert f"deleted the duplicate draft {stray['id']} made by a late creation" in output
        ledger = json.loads((editor.folder / "ledger.json").read_text())["entries"]
        kept = next(c for c in fake.campaigns.values() if c["name"] == "issue-5-en")
        assert ledger["issue-5-en"]["listmonk"]["remote_id"] == str(kept["id"])

    def test_a_sent_twin_is_never_touched_and_stops_the_run(self, editor, fake):
        late = held_first_post(fake)

        def send_the_late_one():
            [twin] = [c for c in fake.campaigns.values() if c["id"] == 2]
            twin["status"] = "finished"
        landing_during_the_retry(fake, late, then=send_the_late_one)
        code, output = editor.run()
        assert code == 5, output
        assert "id 1 'issue-5-en' (draft)" in output and "id 2 'issue-5-en' (finished)" in output
        assert fake.deleted == [] and fake.calls("DELETE") == []
        assert fake.calls("PUT", r"/api/campaigns/2(/.*)?") == []
        code, output = editor.run()      # stays stopped until the editor chose
        assert code == 5 and fake.deleted == [], output

    def test_a_twin_landing_after_the_run_is_deleted_by_the_next(self, editor, fake):
        late = held_first_post(fake)
        code, output = editor.run()
        assert code == 0, output
        assert by_name(fake) == ["issue-5-en", "issue-5-fr"]
        late.release.set()
        late.landed.wait()
        assert by_name(fake) == ["issue-5-en", "issue-5-en", "issue-5-fr"]
        code, output = editor.run()
        assert code == 0, output
        assert by_name(fake) == ["issue-5-en", "issue-5-fr"]
        assert [c["name"] for c in fake.deleted] == ["issue-5-en"]
        deletes = len(fake.calls("DELETE"))
        code, output = editor.run()      # settled: the third run asks nothing more
        assert code == 0 and "nothing to do" in output and len(fake.calls("DELETE")) == deletes

    def test_a_twin_left_by_a_killed_run_is_deleted_by_the_next(self, editor, fake):
        late = held_first_post(fake)
        fake.fail("POST", CAMPAIGNS, kind="call_after", action=editor.kill)
        code, output = editor.run()
        assert code == -signal.SIGKILL, output
        late.release.set()
        late.landed.wait()
        assert by_name(fake) == ["issue-5-en", "issue-5-en"]
        assert editor.ledger() == {"issue-5-en": "creating"}
        code, output = editor.run()
        assert code == 0, output
        assert by_name(fake) == ["issue-5-en", "issue-5-fr"]
        assert len(fake.deleted) == 1 and set(editor.ledger().values()) == {"draft"}


# Item 5: every credential is secret, the user name included.

USER = "api-editor-4c1d"


class TestCredentialsNeverShow:
    @pytest.fixture
    def fake(self):
        with ListmonkFake(users={USER: TOKEN}, lists=LISTS, subscribers=SUBSCRIBERS) as server:
            yield server

    def test_an_answer_quoting_the_authorization_header(self, world, fake, ledger, campaigns, caplog):
        """A proxy in front of listmonk that quotes the header it refused."""
        def quoting(request, match):
            raise Invalid(f"no access for {request.headers['authorization']}", 403)
        replace_route(fake, fake.list_campaigns, quoting)
        ledger.record("issue-5-fr", "listmonk", state="creating", remote_id=None)
        with pytest.raises(AuthenticationError) as caught:
            with world.backend(username=USER) as backend:
                Dispatcher(backend, ledger).deliver(campaigns[0])
        assert "no access for token ****" in str(caught.value)
        for shown in (str(caught.value), caplog.text, ledger.path.read_text()):
            assert USER not in shown and TOKEN not in shown

    def test_a_token_with_a_line_break_is_named_not_shown(self, world, fake, ledger, campaigns, caplog):
        with pytest.raises(ConfigurationError) as caught:
            with world.backend(username=USER, token=TOKEN + "\n") as backend:
                Dispatcher(backend, ledger).deliver(campaigns[0])
        assert "line break" in str(caught.value) and caught.value.provider == "listmonk"
        for shown in (str(caught.value), caplog.text):
            assert USER not in shown and TOKEN not in shown
        assert fake.requests == []

    @pytest.mark.parametrize("name", sorted(config.BACKENDS))
    def test_every_credential_variable_is_a_secret(self, name):
        cls = config.backend_class(name)
        credentials = [key for key, variable in cls.ENVIRONMENT.items() if CREDENTIAL.search(variable)]
        assert set(credentials) <= set(cls.SECRETS), f"{name}: {credentials} vs SECRETS {cls.SECRETS}"
        given = {key: f"value-of-{key}" for key in credentials}
        backend = cls({**cls.DEFAULTS, **given})
        assert sorted(backend.secrets) == sorted(given.values())


# Item 14: a test send says so in its subject, and its unsubscribe link leads to the archive page.

def assert_a_test(message, lang):
    """A test as its reader gets it: "[TEST]" subject, unsubscribe to the language's archive page."""
    assert str(message["Subject"]) == "[TEST] " + SUBJECTS[lang]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    page = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")
    assert PLACEHOLDER not in text and PLACEHOLDER not in str(page)
    assert f"Unsubscribe: {archive_url(lang)}\n" in text
    assert [a["href"] for a in page.find_all("a") if a.get_text() == "unsubscribe"] == [archive_url(lang)]


def read_eml(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


TEST = Action("test", test_to=("editor@example.org",))


class TestTestSends:
    def test_outbox(self, tmp_path, ledger, campaigns):
        settings = config.load({"backend": "outbox", "outbox": {"folder": str(tmp_path / "delivered")}}, environ={})
        with config.open_backend(settings) as backend:
            for campaign in campaigns:
                Dispatcher(backend, ledger).deliver(campaign, TEST)
        for lang in ("fr", "en"):
            assert_a_test(read_eml(tmp_path / "delivered" / "tests" / f"issue-5-{lang}.eml"), lang)

    def test_smtp(self, ledger, campaigns):
        with SmtpServer() as server:
            world = SmtpWorld(server, ledger)
            with world.backend() as backend:
                for campaign in campaigns:
                    Dispatcher(backend, ledger).deliver(campaign, TEST)
            assert [received.rcpt_tos for received in server.messages] == [["editor@example.org"]] * 2
            for received, lang in zip(server.messages, ("fr", "en")):
                assert_a_test(received.message, lang)

    def test_listmonk_mails_the_fields_we_send(self, world, fake, ledger, campaigns):
        deliver(world, ledger, campaigns, TEST)
        tests = [r.body for r in fake.calls("POST", r"/api/campaigns/\d+/test")]
        for body, lang in zip(tests, ("fr", "en")):
            assert body["subject"] == "[TEST] " + SUBJECTS[lang]
            text = fake.render(body["altbody"]).replace("\r\n", "\n")
            page = BeautifulSoup(fake.render(body["body"]), "html.parser")
            assert f"Unsubscribe: {archive_url(lang)}\n" in text and "/subscription/" not in text
            assert [a["href"] for a in page.find_all("a") if a.get_text() == "unsubscribe"] == [archive_url(lang)]
        for held in fake.campaigns.values():    # the drafts readers will get are unchanged
            assert not held["subject"].startswith("[TEST]") and "{{ UnsubscribeURL }}" in held["body"]

    def test_an_outbox_without_list_archive_is_named(self, tmp_path, ledger):
        campaign = make_campaign(tmp_path / "old", lang="fr")
        message = read_eml(Path(campaign.source))
        del message["List-Archive"]
        Path(campaign.source).write_bytes(message.as_bytes())
        settings = config.load({"backend": "outbox", "outbox": {"folder": str(tmp_path / "delivered")}}, environ={})
        with pytest.raises(OutboxError) as caught, config.open_backend(settings) as backend:
            Dispatcher(backend, ledger).deliver(read_campaign(campaign.source), TEST)
        assert campaign.source in str(caught.value) and "List-Archive" in str(caught.value)
        assert not (tmp_path / "delivered" / "tests").exists()

    def test_the_build_writes_where_the_archive_page_is(self, tmp_path):
        project = SmallProject(tmp_path)
        for lang, name in (("fr", "numero-1"), ("en", "issue-1")):
            project.write(f"content/newsletter/{lang}/{name}.md", f"""\
                Title: {'Numéro' if lang == 'fr' else 'Issue'} 1
                Date: 2025-03-03 08:00
                Issue: 1
                Lang: {lang}

                {'Bonjour.' if lang == 'fr' else 'Hello.'}
                """)
        project.build(SITEURL=SITE, FEED_DOMAIN=SITE)
        for lang in ("fr", "en"):
            campaign = read_campaign(tmp_path / "outbox" / f"issue-1-{lang}.eml")
            assert campaign.archive_url == archive_url(lang)
            page = project.output / campaign.archive_url[len(SITE) + 1:] / "index.html"
            assert page.is_file(), f"{campaign.archive_url} is not a page of the site"
