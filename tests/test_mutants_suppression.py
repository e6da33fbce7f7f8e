"""The suppression list on disk: its secret, its lines, its copies, its folder (kills suppression.py's mutants)."""

import hashlib
import hmac
import json
import locale
import logging
import stat
import subprocess
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from newsletter.delivery.errors import ConfigurationError
from newsletter.delivery.suppression import (SuppressionError, SuppressionList, address_digest, canonical_address,
                                             default_path, derived_key, prepare_private_folder, private_folder,
                                             refuse_inside_repository, secret_from_environment)

SECRET = b"0123456789abcdef-secret"
SETTING = "NEWSLETTER['delivery']['smtp']['private_folder']"


def expected_digest(address, secret=SECRET):
    key = hmac.new(secret, b"newsletter/suppression", hashlib.sha256).digest()
    return hmac.new(key, address.encode("utf-8"), hashlib.sha256).hexdigest()


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def path(tmp_path):
    return tmp_path / "private" / "suppressed.jsonl"


# ----------------------------------------------------------------------------------------------- the secret

def test_the_secret_is_read_from_newsletter_secret_as_utf8():
    assert secret_from_environment({"NEWSLETTER_SECRET": "é" * 16}) == ("é" * 16).encode("utf-8")


def test_the_process_environment_is_read_when_none_is_given(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", "from-the-environment")
    assert secret_from_environment() == b"from-the-environment"
    with pytest.raises(ConfigurationError):
        secret_from_environment({})


def test_a_missing_secret_says_how_to_make_one():
    with pytest.raises(ConfigurationError) as caught:
        secret_from_environment({"OTHER": "x" * 40})
    assert str(caught.value) == (
        "smtp: NEWSLETTER_SECRET is not set: export a long random secret (e.g. the output of `openssl rand -hex "
        "32`), the same for sending, the unsubscribe endpoint and the mailbox command")


def test_a_secret_of_sixteen_characters_is_enough_fifteen_is_not():
    assert secret_from_environment({"NEWSLETTER_SECRET": "x" * 16}) == b"x" * 16
    with pytest.raises(ConfigurationError) as caught:
        secret_from_environment({"NEWSLETTER_SECRET": "x" * 15})
    assert str(caught.value) == ("smtp: NEWSLETTER_SECRET is 15 characters long; use at least 16 random ones "
                                 "(e.g. `openssl rand -hex 32`)")


def test_each_purpose_has_its_own_key_from_text_or_bytes():
    expected = hmac.new(SECRET, b"newsletter/unsubscribe", hashlib.sha256).digest()
    assert derived_key(SECRET, "unsubscribe") == expected
    assert derived_key(SECRET.decode(), "unsubscribe") == expected


# ----------------------------------------------------------------------------------------------- where and what

def test_the_private_folder_is_beside_the_subscribers_file_or_configured(tmp_path):
    assert private_folder(tmp_path / "subscribers.csv") == tmp_path / "subscribers.private"
    assert private_folder("list.csv", str(tmp_path / "elsewhere")) == tmp_path / "elsewhere"
    assert default_path(tmp_path / "subscribers.csv") == tmp_path / "subscribers.private" / "suppressed.jsonl"
    assert default_path("list.csv", tmp_path / "x") == tmp_path / "x" / "suppressed.jsonl"


def test_the_hashed_form_is_the_lower_case_address_with_an_ascii_domain():
    assert canonical_address("  Claire@Bücher.Example ") == "claire@xn--bcher-kva.example"
    assert canonical_address("  Not An@Address  ") == "not an@address"


def test_the_digest_is_the_keyed_hash_of_the_hashed_form(path):
    digest = expected_digest("claire@xn--bcher-kva.example")
    assert address_digest(SECRET, "Claire@Bücher.example") == digest
    assert SuppressionList(path, SECRET).digest("CLAIRE@bücher.example") == digest
    assert SuppressionList(path, SECRET.decode()).digest("claire@xn--bcher-kva.example") == digest


# ----------------------------------------------------------------------------------------------- adding

def test_the_first_addition_writes_one_private_line(path, caplog):
    caplog.set_level(logging.INFO, logger="newsletter.delivery.suppression")
    suppressed = SuppressionList(path, SECRET)
    assert suppressed.add("Claire@Example.org", "bounce", when=date(2026, 12, 7)) is True
    digest = expected_digest("claire@example.org")
    assert path.read_text(encoding="utf-8") == json.dumps({"hmac": digest, "reason": "bounce",
                                                           "date": "2026-12-07"}) + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"{path}: one reader added (bounce)" in caplog.messages


def test_adding_again_keeps_the_first_reason_and_writes_nothing(path, caplog):
    suppressed = SuppressionList(path, SECRET)
    suppressed.add("claire@example.org", "bounce", when="2026-12-07")
    before = path.read_text(encoding="utf-8")
    caplog.set_level(logging.INFO, logger="newsletter.delivery.suppression")
    assert suppressed.add("CLAIRE@example.org", "complaint", when="2026-12-08") is False
    assert path.read_text(encoding="utf-8") == before and caplog.messages == []
    assert suppressed.counts() == {"bounce": 1}


def test_the_default_reason_is_manual(path):
    suppressed = SuppressionList(path, SECRET)
    suppressed.add("a@example.org", when="2026-12-07")
    suppressed.add_digest(expected_digest("b@example.org"), when="2026-12-07")
    assert [line["reason"] for line in lines(path)] == ["manual", "manual"]


def test_a_reason_or_digest_out_of_the_list_is_refused(path):
    suppressed = SuppressionList(path, SECRET)
    with pytest.raises(ValueError) as caught:
        suppressed.add("a@example.org", "spam")
    assert str(caught.value) == "reason 'spam': one of unsubscribe, bounce, soft-bounce, complaint, manual"
    for digest in ("A" * 64, "a" * 63, "a" * 65, "g" * 64):
        with pytest.raises(ValueError) as caught:
            suppressed.add_digest(digest, "unsubscribe")
        assert str(caught.value) == "not an HMAC-SHA256 in hexadecimal"
    assert not path.exists()
    for reason in ("unsubscribe", "bounce", "soft-bounce", "complaint", "manual"):
        assert suppressed.add(f"{reason}@example.org", reason) is True
    assert suppressed.counts() == dict.fromkeys(("unsubscribe", "bounce", "soft-bounce", "complaint", "manual"), 1)


def test_a_reader_known_by_digest_only_is_on_the_list(path):
    suppressed = SuppressionList(path, SECRET)
    digest = expected_digest("claire@example.org")
    assert suppressed.add_digest(digest, "unsubscribe", when="2026-12-07") is True
    assert suppressed.has_digest(digest) and "Claire@example.org" in suppressed
    assert not suppressed.has_digest(expected_digest("other@example.org"))
    assert suppressed.digests() == frozenset({digest}) and len(suppressed) == 1


def test_the_folder_is_created_on_the_first_addition_and_reused(tmp_path):
    path = tmp_path / "a" / "b" / "suppressed.jsonl"
    assert SuppressionList(path, SECRET).add("a@example.org") is True
    assert SuppressionList(path, SECRET).add("b@example.org") is True
    assert len(SuppressionList(path, SECRET)) == 2


def test_a_line_torn_by_a_crash_is_skipped_and_not_continued(path):
    path.parent.mkdir()
    torn = '{"hmac": "' + "0" * 20
    path.write_text(torn, encoding="utf-8")
    suppressed = SuppressionList(path, SECRET)
    assert len(suppressed) == 0
    suppressed.add("claire@example.org", "bounce", when="2026-12-07")
    assert path.read_text(encoding="utf-8").splitlines()[0] == torn
    assert "claire@example.org" in SuppressionList(path, SECRET)


def test_lines_that_are_not_records_are_skipped_and_the_rest_read(path):
    path.parent.mkdir()
    first, second = expected_digest("a@example.org"), expected_digest("b@example.org")
    path.write_text("\n".join(['{"hmac": "' + first + '", "reason": "bounce"}', '{"torn', "5", '{"reason": "x"}',
                               '{"hmac": "' + second + '"}', '{"hmac": "' + first + '", "reason": "manual"}']) + "\n",
                    encoding="utf-8")
    suppressed = SuppressionList(path, SECRET)
    assert suppressed.digests() == {first, second}
    assert suppressed.counts() == {"bounce": 1, "manual": 1}   # a line without reason counts as manual


def test_the_date_is_the_utc_day(path):
    suppressed = SuppressionList(path, SECRET)
    today = datetime.now(timezone.utc).date().isoformat()
    suppressed.add("a@example.org")
    suppressed.add("b@example.org", when=datetime(2026, 12, 8, 0, 30, tzinfo=timezone(timedelta(hours=2))))
    suppressed.add("c@example.org", when=datetime(2026, 12, 8, 0, 30))
    suppressed.add("d@example.org", when=date(2026, 1, 2))
    suppressed.add("e@example.org", when="2026-03-04T23:59:00+05:00")
    dates = [line["date"] for line in lines(path)]
    assert dates[0] in {today, datetime.now(timezone.utc).date().isoformat()}
    assert dates[1:] == ["2026-12-07", "2026-12-08", "2026-01-02", "2026-03-04"]


def test_a_file_that_cannot_be_written_is_a_suppression_error(tmp_path):
    (tmp_path / "private").write_text("a file where the folder should be")
    path = tmp_path / "private" / "suppressed.jsonl"
    with pytest.raises(SuppressionError) as caught:
        SuppressionList(path, SECRET).add("a@example.org")
    assert str(caught.value) == f"smtp: {path}: cannot be written (File exists)"


def test_a_file_that_is_not_text_cannot_be_added_to_nor_read(path):
    path.parent.mkdir()
    path.write_bytes(b"\xff\xfe not utf-8\n")
    with pytest.raises(SuppressionError) as caught:
        SuppressionList(path, SECRET).add("a@example.org")
    assert str(caught.value).startswith(f"smtp: {path}: cannot be written ('utf-8' codec can't decode byte 0xff")
    with pytest.raises(SuppressionError) as caught:
        "a@example.org" in SuppressionList(path, SECRET)
    assert str(caught.value).startswith(f"smtp: {path}: cannot be read ('utf-8' codec can't decode byte 0xff")
    assert str(caught.value).endswith("); restore it from a backup before sending: the readers on it must not be "
                                      "written to")
    assert caught.value.provider == "smtp"


# ----------------------------------------------------------------------------------------------- reading

def test_a_list_without_its_file_is_empty(path):
    suppressed = SuppressionList(path, SECRET)
    assert "a@example.org" not in suppressed and len(suppressed) == 0 and suppressed.counts() == {}
    assert suppressed.copies() == []
    assert not path.parent.exists()


def test_another_writers_additions_are_seen(path):
    reader, writer = SuppressionList(path, SECRET), SuppressionList(path, SECRET)
    assert "a@example.org" not in reader
    writer.add("a@example.org")
    assert "a@example.org" in reader
    writer.add("b@example.org")
    assert reader.has_digest(expected_digest("b@example.org")) and len(reader) == 2


def test_copies_beside_the_file_are_read_never_written(path):
    path.parent.mkdir()
    copy = path.parent / "suppressed.endpoint.jsonl"
    copy.write_text(json.dumps({"hmac": expected_digest("a@example.org"), "reason": "unsubscribe"}) + "\n")
    (path.parent / "other.jsonl").write_text(json.dumps({"hmac": expected_digest("z@example.org")}) + "\n")
    path.write_text(json.dumps({"hmac": expected_digest("b@example.org"), "reason": "bounce"}) + "\n")
    suppressed = SuppressionList(path, SECRET)
    assert suppressed.copies() == [copy]
    assert "a@example.org" in suppressed and "b@example.org" in suppressed and "z@example.org" not in suppressed
    assert suppressed.counts() == {"unsubscribe": 1, "bounce": 1}
    copied = copy.read_text()
    assert suppressed.add("a@example.org", "manual") is False
    assert len(lines(path)) == 1 and copy.read_text() == copied


def test_a_copy_is_looked_at_when_adding_even_if_the_list_was_read_before(path):
    writer = SuppressionList(path, SECRET)
    writer.add("b@example.org", "bounce")
    (path.parent / "suppressed.endpoint.jsonl").write_text(
        json.dumps({"hmac": expected_digest("a@example.org"), "reason": "unsubscribe"}) + "\n")
    assert writer.add("a@example.org", "manual") is False
    assert len(lines(path)) == 1


# ----------------------------------------------------------------------------------------------- the folder

def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_a_private_folder_is_created_for_the_owner_only(tmp_path):
    folder = prepare_private_folder(tmp_path / "x" / ".." / "private" / "deep")
    assert folder == tmp_path / "private" / "deep"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert prepare_private_folder(folder) == folder   # already there: fine


def test_a_private_folder_that_cannot_be_made_says_why(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigurationError) as caught:
        prepare_private_folder(tmp_path / "file" / "private")
    assert str(caught.value) == f"smtp: {tmp_path / 'file' / 'private'}: cannot be created (Not a directory)"


def test_a_folder_inside_a_repository_is_refused_unless_ignored(tmp_path):
    git("init", "-q", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    with pytest.raises(ConfigurationError) as caught:
        prepare_private_folder(tmp_path / "site" / "private")
    assert str(caught.value) == (
        f"smtp: {tmp_path / 'site' / 'private'} is inside the git repository {tmp_path} and not ignored: readers' "
        "addresses would be committed. Keep the subscribers file outside the repository (e.g. "
        f"../private/subscribers.csv), set {SETTING} outside it, or add the folder to .gitignore")
    assert not (tmp_path / "site").exists()
    assert prepare_private_folder(tmp_path / "ignored" / "private") == tmp_path / "ignored" / "private"
    refuse_inside_repository(tmp_path / "ignored" / "subscribers.csv", "X")   # no error


def test_a_folder_outside_any_repository_is_accepted(tmp_path):
    assert not any((parent / ".git").exists() for parent in (tmp_path, *tmp_path.parents))
    refuse_inside_repository(tmp_path / "subscribers.csv", "X")


def test_without_git_a_folder_inside_a_repository_is_refused(tmp_path, monkeypatch):
    git("init", "-q", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    with pytest.raises(ConfigurationError):
        refuse_inside_repository(tmp_path / "ignored" / "subscribers.csv", "X")


def test_a_whitelisting_gitignore_does_not_hide_a_folder_it_lets_in(tmp_path):
    git("init", "-q", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("/*\n!/site/\n")   # everything at the top is ignored but site/
    with pytest.raises(ConfigurationError):
        refuse_inside_repository(tmp_path / "site" / "private" / "subscribers.csv", "X")
    refuse_inside_repository(tmp_path / "private" / "subscribers.csv", "X")


def test_git_says_nothing_on_the_terminal_when_asked(tmp_path, capfd):
    (tmp_path / ".git").mkdir()   # not a real repository: git fails, and says so on stderr
    with pytest.raises(ConfigurationError):
        refuse_inside_repository(tmp_path / "private" / "subscribers.csv", "X")
    assert capfd.readouterr() == ("", "")


def test_the_files_are_read_as_utf8_whatever_the_locale(path):
    """An endpoint on a server with LANG=C still reads the list and its copies (non-ASCII in a line)."""
    path.parent.mkdir()
    path.write_text(json.dumps({"hmac": expected_digest("a@example.org"), "note": "désabonnée"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    (path.parent / "suppressed.endpoint.jsonl").write_text(
        json.dumps({"hmac": expected_digest("b@example.org"), "note": "supprimé"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")   # files opened without an encoding would now be read as ASCII
    try:
        suppressed = SuppressionList(path, SECRET)
        assert "a@example.org" in suppressed and "b@example.org" in suppressed
        assert suppressed.add("b@example.org") is False and suppressed.add("c@example.org") is True
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


def test_the_date_is_the_utc_day_whatever_the_local_zone(path, monkeypatch):
    # 14 hours ahead and 12 behind: at any hour one of them is on another day than UTC.
    try:
        for number, zone in enumerate(("XYZ-14", "XYZ+12")):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            suppressed = SuppressionList(path, SECRET)
            today = datetime.now(timezone.utc).date().isoformat()
            suppressed.add(f"today{number}@example.org")
            suppressed.add(f"naive{number}@example.org", when=datetime(2026, 12, 8, 0, 30))
            suppressed.add(f"aware{number}@example.org",
                           when=datetime(2026, 12, 8, 0, 30, tzinfo=timezone(timedelta(hours=2))))
            dates = [line["date"] for line in lines(path)[-3:]]
            assert dates[0] in {today, datetime.now(timezone.utc).date().isoformat()}
            assert dates[1:] == ["2026-12-08", "2026-12-07"]
    finally:
        monkeypatch.undo()
        time.tzset()
