"""Each build in one process says its own lines: Pelican's loggers drop a line already
logged once in the process, so a second build (an `invoke serve` rebuild, another project
built by the same command) would otherwise report its warnings and counts silently."""

import logging

from small_project import SmallProject

UNREACHABLE_COMMENTS = {"COMMENTS": {"isso": {"url": "http://127.0.0.1:9/"}}}


def lines_of_a_build(project, caplog):
    caplog.clear()
    with caplog.at_level(logging.INFO):
        report = project.build(**UNREACHABLE_COMMENTS)
    return report, [(r.levelname, r.getMessage()) for r in caplog.records
                    if "Social cards" in r.getMessage() or r.levelno >= logging.WARNING]


def test_two_identical_builds_in_one_process_each_say_their_lines(tmp_path, caplog):
    first_report, first = lines_of_a_build(SmallProject(tmp_path / "one"), caplog)
    second_report, second = lines_of_a_build(SmallProject(tmp_path / "two"), caplog)
    assert any(level == "WARNING" and "cannot reach" in message for level, message in first), first
    assert any("Social cards" in message for _, message in first), first
    assert [(level, message.replace("/one/", "/two/")) for level, message in first] == second
    assert second_report.warnings == first_report.warnings >= 1
