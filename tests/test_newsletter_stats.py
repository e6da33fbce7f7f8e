"""invoke newsletter-stats (publisher/newsletter_stats.py) against the loopback fake providers.

Each fake holds sent campaigns with known counts and clicks; the ledger names
them as delivery would have written it. The tests read the printed table,
the CSV, the chart files and the cache file, and count the requests the fakes
received.
"""

import csv
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import date

import pytest
from PIL import Image

from fake_providers.brevo import FakeBrevo
from fake_providers.buttondown import FakeButtondown
from fake_providers.listmonk import ListmonkFake
from publisher.newsletter_stats import main

SITE = "https://example.org/"
UTM = "utm_source=newsletter&utm_medium=email"
POST = {"fr": SITE + "posts/le-billet/", "en": SITE + "en/posts/the-post/"}
SENT_AT = {1: "2026-10-04T07:00:00+00:00", 2: "2026-11-01T07:00:00+00:00"}


def feedback(lang, answer, number):
    folder = "" if lang == "fr" else "en/"
    return f"{SITE}{folder}newsletter/feedback/{answer}/?issue={number}&{UTM}"


# Issue -> language -> Buttondown's Analytics and click events (reader, link).
BUTTONDOWN = {
    1: {"fr": ({"recipients": 200, "deliveries": 196, "opens": 98, "clicks": 49, "unsubscriptions": 2,
                "permanent_failures": 4, "complaints": 1},
               [("sub_a", feedback("fr", "yes", 1)), ("sub_a", feedback("fr", "yes", 1)),
                ("sub_b", feedback("fr", "yes", 1)), ("sub_c", feedback("fr", "yes", 1)),
                ("sub_d", feedback("fr", "no", 1))] + [(f"sub_r{i}", f"{POST['fr']}?{UTM}") for i in range(5)]),
        "en": ({"recipients": 100, "deliveries": 100, "opens": 40, "clicks": 10},
               [("sub_e", feedback("en", "yes", 1)), ("sub_f", feedback("en", "yes", 1)),
                ("sub_g", feedback("en", "no", 1)), ("sub_h", feedback("en", "no", 1)),
                ("sub_e", f"{POST['en']}?{UTM}")])},
    2: {"fr": ({"recipients": 210, "deliveries": 200, "opens": 120, "clicks": 60},
               [("sub_a", feedback("fr", "yes", 2))]),
        "en": ({"recipients": 110, "deliveries": 110, "opens": 33, "clicks": 11}, [])},
}


def write_project(tmp_path, delivery, entries):
    (tmp_path / "conf.py").write_text(f"DEFAULT_LANG = 'fr'\nNEWSLETTER = {{'delivery': {delivery!r}}}\n")
    (tmp_path / "ledger.json").write_text(json.dumps({"version": 1, "entries": entries}))


def sent_entry(remote_id, number, state="sent"):
    return {"state": state, "remote_id": str(remote_id), "sent_at": SENT_AT.get(number, SENT_AT[2]),
            "created_at": SENT_AT.get(number, SENT_AT[2])}


@pytest.fixture
def buttondown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    monkeypatch.setenv("BUTTONDOWN_API_KEY", "bd-test-key")
    with FakeButtondown() as fake:
        entries = {}
        for number, languages in BUTTONDOWN.items():
            for lang, (counts, clicks) in languages.items():
                key = f"issue-{number}-{lang}"
                email_id = fake.add_email(subject=key, metadata={"issue_key": key})
                fake.set_results(email_id, click_events=clicks, **counts)
                entries[key] = {"buttondown": sent_entry(email_id, number)}
        fake.ids = {key: providers["buttondown"]["remote_id"] for key, providers in entries.items()}
        write_project(tmp_path, {"backend": "buttondown", "ledger": "ledger.json",
                                 "retry": {"attempts": 2, "base": 0.0},
                                 "buttondown": {"base_url": fake.url + "/v1"}}, entries)
        yield fake


def run(*options):
    return main(["--settings", "conf.py", *options])


def table_rows(text):
    """The table's body rows, as lists of cells (rich draws the columns with │)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return rows


def results_rows(text):
    """{(issue, lang): cells} of the results table (its rows have 13 cells)."""
    found, issue = {}, None
    for cells in table_rows(text):
        if len(cells) != 13:
            continue
        issue = cells[0] or issue
        found[(issue, cells[1])] = cells
    return found


def test_the_table_shows_each_language_and_both_with_rates_and_answers(buttondown, capsys):
    assert run() == 0
    out = capsys.readouterr().out
    rows = results_rows(out)
    # Issue, Lang, Sent, Recipients, Delivered, Opens, Clicks, Unsubscribes, Bounces, Complaints, Yes, No, Read
    assert rows[("1", "fr")][2:12] == ["2026-10-04", "200", "196", "98 (50.0 %)", "49 (25.0 %)", "2 (1.0 %)",
                                       "4 (2.0 %)", "1 (0.5 %)", "3", "1"]
    assert rows[("1", "en")][3:12] == ["100", "100", "40 (40.0 %)", "10 (10.0 %)", "0 (0.0 %)", "0 (0.0 %)",
                                       "0 (0.0 %)", "2", "2"]
    assert rows[("1", "all")][3:12] == ["300", "296", "138 (46.6 %)", "59 (19.9 %)", "2 (0.7 %)", "4 (1.3 %)",
                                        "1 (0.3 %)", "5", "3"]
    assert rows[("2", "fr")][5:7] == ["120 (60.0 %)", "60 (30.0 %)"] and rows[("2", "fr")][10:12] == ["1", "0"]
    assert rows[("2", "all")][3:7] == ["320", "310", "153 (49.4 %)", "71 (22.9 %)"]
    # Only the events of each email were asked for, page by page.
    asked = {call.query["email_id"][0] for call in buttondown.calls("GET", "/v1/events")}
    assert asked == set(buttondown.ids.values())


def test_top_links_of_the_issue_asked_for(buttondown, capsys):
    assert run("1") == 0
    out = capsys.readouterr().out
    assert "Issue 1: the 5 most-clicked links" in out
    links = [cells for cells in table_rows(out) if len(cells) == 3]
    first_fr = links.index(next(cells for cells in links if cells[0] == "fr"))
    # Each reader once per link; the utm_ parameters left out of the address shown.
    assert links[first_fr][1:] == ["5", POST["fr"]]
    assert links[first_fr + 1][1:] == ["3", feedback("fr", "yes", 1).split("&")[0]]
    together = links[links.index(next(cells for cells in links if cells[0] == "all")):]
    assert [cells[1] for cells in together][:5] == ["5", "3", "2", "2", "1"]
    assert "Issue 2" not in out


def test_csv_holds_the_figures_and_rates(buttondown, tmp_path):
    assert run("--csv", "out/stats.csv") == 0
    with open(tmp_path / "out/stats.csv", newline="") as handle:
        rows = {(row["issue"], row["lang"]): row for row in csv.DictReader(handle)}
    assert set(rows) == {(n, lang) for n in ("1", "2") for lang in ("fr", "en", "all")}
    fr = rows[("1", "fr")]
    assert (fr["provider"], fr["campaign_id"]) == ("buttondown", buttondown.ids["issue-1-fr"])
    assert (fr["recipients"], fr["delivered"], fr["opens"], fr["clicks"]) == ("200", "196", "98", "49")
    assert (fr["open_rate"], fr["click_rate"], fr["bounce_rate"]) == ("0.5000", "0.2500", "0.0200")
    assert (fr["feedback_yes"], fr["feedback_no"]) == ("3", "1")
    assert fr["top_links"].startswith(f"{POST['fr']} (5) | ")
    assert rows[("1", "all")]["opens"] == "138" and rows[("1", "all")]["feedback_yes"] == "5"


def test_the_chart_is_written_as_png_and_svg(buttondown, tmp_path, capsys):
    assert run("--chart-dir", "charts") == 0
    assert "Chart: charts/rates.png and charts/rates.svg" in capsys.readouterr().out
    png, svg = tmp_path / "charts/rates.png", tmp_path / "charts/rates.svg"
    assert 0 < png.stat().st_size < 60_000
    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.size == (880, 520)
        image.load()
    root = ElementTree.parse(svg).getroot()
    space = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{space}svg"
    # Two panels (open rate, click rate), one line per language in each.
    assert len(root.findall(f"{space}polyline")) == 4
    texts = [element.text for element in root.findall(f"{space}text")]
    assert {"fr", "en", "n° 1", "n° 2", "2026-10-04"} <= set(texts)
    # Issue N alone: its table, and the chart still holds the issues read before (from the cache).
    assert run("2", "--chart-dir", "charts") == 0
    assert ("1", "fr") not in results_rows(capsys.readouterr().out)
    root = ElementTree.parse(svg).getroot()
    assert {"n° 1", "n° 2"} <= {element.text for element in root.findall(f"{space}text")}


def test_numbers_are_cached_until_refresh(buttondown, tmp_path, capsys):
    assert run() == 0
    asked = len(buttondown.requests)
    cache = json.loads((tmp_path / "cache/stats/stats.json").read_text())
    entry = cache["campaigns"]["issue-1-fr.buttondown"]
    assert entry["campaign_id"] == buttondown.ids["issue-1-fr"] and entry["figures"]["opens"] == 98
    assert entry["read_at"].endswith("+00:00")
    capsys.readouterr()

    buttondown.set_results(buttondown.ids["issue-1-fr"], recipients=200, deliveries=196, opens=120, clicks=49)
    assert run() == 0
    assert len(buttondown.requests) == asked, "the cache answered: no request"
    assert results_rows(capsys.readouterr().out)[("1", "fr")][5] == "98 (50.0 %)"

    assert run("--refresh") == 0
    assert len(buttondown.requests) > asked
    assert results_rows(capsys.readouterr().out)[("1", "fr")][5] == "120 (61.2 %)"


def test_a_failing_provider_exits_5_with_the_last_numbers_dated(buttondown, tmp_path, capsys):
    assert run() == 0
    read_at = json.loads((tmp_path / "cache/stats/stats.json").read_text())["campaigns"]["issue-1-fr.buttondown"][
        "read_at"]
    capsys.readouterr()
    buttondown.fail("GET", r"/v1/emails/.*", status=503, times=100)
    assert run("--refresh") == 5
    captured = capsys.readouterr()
    assert results_rows(captured.out)[("1", "fr")][5] == "98 (50.0 %)"
    line, = [line for line in captured.err.splitlines() if line.startswith("buttondown failed")]
    assert "HTTP 503" in line and f"last ones read, on {read_at[:16].replace('T', ' ')} UTC" in line
    assert "Traceback" not in captured.err


def test_a_failing_provider_without_cache_says_so(buttondown, capsys):
    buttondown.fail("GET", r"/v1/emails/.*", status=500, times=100)
    assert run() == 5
    err = capsys.readouterr().err
    assert "buttondown failed" in err and "no numbers were read from it before" in err


def test_an_issue_never_sent(buttondown, tmp_path, capsys):
    ledger = json.loads((tmp_path / "ledger.json").read_text())
    ledger["entries"]["issue-3-fr"] = {"buttondown": {"state": "draft", "remote_id": "em_x"}}
    (tmp_path / "ledger.json").write_text(json.dumps(ledger))
    assert run("3") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Issue 3 was never sent (ledger.json: issue-3-fr at buttondown: draft)" in err
    assert run("7") == 2
    assert "Issue 7 was never sent (ledger.json: no entry)" in capsys.readouterr().err


def test_a_campaign_the_provider_no_longer_has(buttondown, tmp_path, capsys):
    del buttondown.emails[buttondown.ids["issue-2-en"]]
    assert run() == 2
    captured = capsys.readouterr()
    assert f"issue-2-en: Buttondown has no email {buttondown.ids['issue-2-en']} any more" in captured.err
    assert "Traceback" not in captured.err
    rows = results_rows(captured.out)
    assert ("2", "fr") in rows and ("2", "en") not in rows and ("2", "all") not in rows


def test_stats_not_yet_available(buttondown, tmp_path, capsys):
    ledger = json.loads((tmp_path / "ledger.json").read_text())
    email_id = buttondown.add_email(subject="issue-3-fr", metadata={"issue_key": "issue-3-fr"})
    buttondown.emails[email_id]["status"] = "about_to_send"
    ledger["entries"]["issue-3-fr"] = {"buttondown": sent_entry(email_id, 3)}
    (tmp_path / "ledger.json").write_text(json.dumps(ledger))
    assert run("3") == 2
    assert capsys.readouterr().err.strip() == ("issue-3-fr: Buttondown has it as 'about_to_send', not sent yet: "
                                               "no numbers until it is")
    assert run() == 0   # the other issues are shown; the newest waits
    captured = capsys.readouterr()
    assert ("1", "fr") in results_rows(captured.out) and "issue-3-fr: Buttondown has it as" in captured.err


def test_outbox_and_smtp_have_no_numbers(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, {"ledger": "ledger.json"},
                  {"issue-1-fr": {"smtp": sent_entry("", 1)}, "issue-1-en": {"outbox": sent_entry("", 1)}})
    assert run() == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{name}: it hands the emails over and hears nothing back, so there are no numbers for the "
                   "issues it sent" for name in ("outbox", "smtp")]


def test_listmonk(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LISTMONK_TOKEN", "secret-token")
    with ListmonkFake() as fake:
        entries = {}
        counts = {"fr": (120, 118, 59, 30, 2), "en": (80, 80, 20, 8, 0)}
        for lang, (to_send, sent, views, clicks, bounces) in counts.items():
            campaign = fake.add(name=f"issue-1-{lang}", subject="n° 1", lists=[3 if lang == "fr" else 4],
                                tags=[f"issue-1-{lang}"])
            links = {feedback(lang, "yes", 1): 7 if lang == "fr" else 3, feedback(lang, "no", 1): 1,
                     POST[lang]: 12}
            fake.set_results(campaign["id"], to_send, sent, date(2026, 10, 4), views, clicks, bounces, links)
            entries[f"issue-1-{lang}"] = {"listmonk": sent_entry(campaign["id"], 1)}
        draft = fake.add(name="issue-2-fr", subject="n° 2", lists=[3], tags=["issue-2-fr"])
        entries["issue-2-fr"] = {"listmonk": sent_entry(draft["id"], 2)}    # still a draft there
        write_project(tmp_path, {"backend": "listmonk", "ledger": "ledger.json", "retry": {"attempts": 1},
                                 "listmonk": {"url": fake.url, "username": "publisher"}}, entries)
        assert run("--csv", "stats.csv") == 0
        analytics = fake.calls("GET", r"/api/campaigns/analytics/.*")
        captured = capsys.readouterr()
        assert captured.err == (f"issue-2-fr: listmonk has it as 'draft' with nothing sent yet: no numbers until it "
                                "goes out\n")
        entries["issue-1-en"]["listmonk"]["remote_id"] = "999"   # deleted at listmonk since
        (tmp_path / "ledger.json").write_text(json.dumps({"version": 1, "entries": entries}))
        assert run("--refresh", "1") == 2
        assert "issue-1-en: listmonk has no campaign 999 any more" in capsys.readouterr().err
    rows = results_rows(captured.out)
    # Delivered: sent minus bounces; listmonk ties no unsubscription or complaint to a campaign.
    assert rows[("1", "fr")][3:12] == ["120", "116", "59 (50.9 %)", "30 (25.9 %)", "—", "2 (1.7 %)", "—", "7", "1"]
    assert rows[("1", "all")][3:12] == ["200", "196", "79 (40.3 %)", "38 (19.4 %)", "—", "2 (1.0 %)", "—", "10",
                                        "2"]
    assert {call.query["from"][0] for call in analytics} == {"2026-10-04"}
    with open(tmp_path / "stats.csv", newline="") as handle:
        fr = next(row for row in csv.DictReader(handle) if row["lang"] == "fr")
    assert (fr["unsubscribes"], fr["unsubscribe_rate"], fr["feedback_yes"]) == ("", "", "7")


def test_brevo(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BREVO_API_KEY", "xkeysib-test-0123456789abcdef")
    with FakeBrevo() as fake:
        entries = {}
        for lang, (sent, delivered, views, clicks) in {"fr": (300, 290, 145, 58), "en": (100, 98, 49, 9)}.items():
            campaign = fake.add_campaign(f"issue-2-{lang}", status="draft")
            fake.set_statistics(campaign["id"], links={feedback(lang, "yes", 2): 4, feedback(lang, "no", 2): 2},
                                sent=sent, delivered=delivered, uniqueViews=views, uniqueClicks=clicks,
                                unsubscriptions=3, hardBounces=4, softBounces=6, complaints=1)
            entries[f"issue-2-{lang}"] = {"brevo": sent_entry(campaign["id"], 2)}
        entries["issue-1-fr"] = {"brevo": sent_entry(999, 1)}   # deleted at Brevo since
        write_project(tmp_path, {"backend": "brevo", "ledger": "ledger.json", "retry": {"attempts": 1},
                                 "brevo": {"base_url": fake.url}}, entries)
        assert run() == 2
        asked = {call.query["statistics"][0] for call in fake.calls("GET", r"/emailCampaigns/\d+")}
    captured = capsys.readouterr()
    assert asked == {"globalStats", "linksStats"}
    assert captured.err.strip().startswith("issue-1-fr: Brevo has no campaign 999 any more")
    rows = results_rows(captured.out)
    assert rows[("2", "fr")][3:12] == ["300", "290", "145 (50.0 %)", "58 (20.0 %)", "3 (1.0 %)", "10 (3.3 %)",
                                       "1 (0.3 %)", "4", "2"]
    assert rows[("2", "all")][3:7] == ["400", "388", "194 (50.0 %)", "67 (17.3 %)"]


def test_settings_that_do_not_exist_and_an_unwritable_csv(buttondown, tmp_path, capsys):
    assert main(["--settings", "nowhere.py"]) == 2
    assert capsys.readouterr().err == ("Newsletter stats not read: the settings file nowhere.py does not exist; "
                                       "give one with --settings\n")
    (tmp_path / "taken").write_text("a file, not a folder")
    assert run("--csv", "taken/stats.csv") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "taken" in err and "Traceback" not in err


def test_the_privacy_notice_says_what_the_provider_counts(tmp_path):
    """Both languages' notice name the counts and the feedback links; without a provider, nothing is counted."""
    import pelicanconf
    from small_project import SmallProject

    for subscribe, expected in ((pelicanconf.NEWSLETTER["subscribe"], {
            "fr": ["Ce qui est compté", "Buttondown compte, pour chaque numéro", "Le «\u00a0Oui\u00a0» et le "
                   "«\u00a0Non\u00a0»", "ce site n’ajoute aucun suivi de son côté"],
            "en": ["What is counted", "Buttondown counts, for each issue", "The “Yes” and “No” at the end",
                   "this site adds no tracking of its own"]}),
                                (None, {"fr": ["Rien\u00a0: aucune ouverture ni aucun clic n’est compté"],
                                        "en": ["Nothing: no opening and no click is counted"]})):
        project = SmallProject(tmp_path / str(bool(subscribe)))
        project.build(NEWSLETTER={**pelicanconf.NEWSLETTER, "subscribe": subscribe})
        for lang, prefix in (("fr", ""), ("en", "en/")):
            text = re.sub(r"[ \t\n]+", " ", project.page(f"{prefix}newsletter/privacy/").main.get_text())
            for words in expected[lang]:
                assert words in text, (lang, words)
