"""Reading times (plugins/post_meta) kept from one build to the next in cache/reading-minutes.json:
an unchanged text's time is read back, an edited text is counted again, and another reading
speed counts every text again."""

import re

import pytest
from bs4 import BeautifulSoup

from post_meta.handlers import PostMeta
from sitekit.build_context import state_of
from project_copy import build_copy, copy_project

POST = "content/posts/fr/strategie-editoriale-en-5-etapes.md"
PAGE = "strategie-editoriale-en-5-etapes/index.html"


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path)


def minutes_shown(report):
    meta = BeautifulSoup((report.output / PAGE).read_text(encoding="utf-8"), "html.parser").select_one(".post .meta")
    return int(re.search(r"(\d+)\s*min de lecture", meta.get_text()).group(1))


def test_times_are_kept_and_an_edited_text_is_counted_again(project):
    first = build_copy(project, "first")
    assert state_of(first.settings, PostMeta).counted > 10
    second = build_copy(project, "second")
    assert state_of(second.settings, PostMeta).counted == 0
    assert minutes_shown(second) == minutes_shown(first)

    post = project / POST
    post.write_text(post.read_text(encoding="utf-8") + "\n" + "Encore un mot. " * 2000 + "\n", encoding="utf-8")
    edited = build_copy(project, "edited")
    assert state_of(edited.settings, PostMeta).counted == 1
    assert minutes_shown(edited) >= minutes_shown(first) + 5  # 6,000 more words at 220 a minute


def test_another_reading_speed_counts_every_text_again(project):
    usual = build_copy(project, "usual")
    slow = build_copy(project, "slow", POST_META={"words_per_minute": 50})
    assert state_of(slow.settings, PostMeta).counted == state_of(usual.settings, PostMeta).counted
    assert minutes_shown(slow) > minutes_shown(usual)
