"""The media plugin's caches (plugins/media/caches.py).

A post's transform is kept in a file and replayed by the next build, with the problems it
reported and the resized copies it asked for, as long as every file it looked at is as it
was; a copy is made once and hard-linked into each build's site. A real build of the
sample site is the same, byte for byte, with and without the caches.
"""

import logging
import os

import pytest
from bs4 import BeautifulSoup
from media_content import make_content
from PIL import Image

from media.caches import TransformCache, VariantCache, transforms_fingerprint
from media.settings import load
from media.state import MediaState
from sitekit.build_context import state_of
from media.state import MediaState, Variant
from media.transforms import Page, transform
from project_copy import assert_same_tree, build_copy, copy_project

SITEURL = "https://site.example"
PHOTO = '<p><img src="{static}/images/photo.jpg"></p>\n<p><a href="{static}/files/guide.pdf">Guide</a></p>'


class Build:
    """One build's media state, reading and writing the cache in ``cache`` as the plugin does."""

    def __init__(self, content, cache, output, **media):
        config = load({"MEDIA": media})
        self.state = MediaState(config, TransformCache(str(cache / "transforms.json"), transforms_fingerprint(config)),
                                VariantCache(str(cache / "variants")))
        self.content, self.output = content, output
        self.reports = []

    def __call__(self, html, post="posts/fr/post.md"):
        page = Page(source_path=str(self.content / post), lang="fr", content_root=str(self.content),
                    output_path=str(self.output), siteurl=SITEURL, static_url="{path}", static_save_as="{path}",
                    state=self.state, report=lambda field, message, about: self.reports.append(message))
        return self.state.transformed(html, page, transform)

    def finish(self):
        """What the plugin does at the end of a run: save the transforms, write the copies."""
        self.state.transforms.save()
        return self.state.write_pending(lambda variant, message: self.reports.append(message))


@pytest.fixture
def content(tmp_path):
    return make_content(tmp_path / "content")


@pytest.fixture
def builds(content, tmp_path):
    count = iter(range(1, 100))
    return lambda **media: Build(content, tmp_path / "cache", tmp_path / f"output-{next(count)}", **media)


def _img(html):
    return BeautifulSoup(html, "html.parser").img


def _replace_image(path, size):
    """A new version of an image; its time moved on so no clock granularity can hide the change."""
    before = os.stat(path).st_mtime_ns
    Image.new("RGB", size, (10, 20, 30)).save(path)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_the_next_build_replays_the_html_the_problems_and_the_copies(builds):
    first = builds()
    html = first(PHOTO)
    assert first.finish() == 2 and first.state.transforms.made == 1
    assert len(first.reports) == 1 and "has no alt text" in first.reports[0]

    second = builds()
    assert second(PHOTO) == html
    assert second.state.transforms.made == 0
    assert second.reports == first.reports  # still told, though nothing was transformed
    assert 'class="download-meta"' in html and _img(html)["srcset"]
    assert second.finish() == 0  # nothing resized: the copies are linked from the cache
    for width in (480, 800):
        made, linked = (build.output / "images" / "_w" / f"photo-{width}.jpg" for build in (first, second))
        assert os.stat(made).st_ino == os.stat(linked).st_ino
        with Image.open(linked) as copy:
            assert copy.size == (width, width // 2)


def test_an_edited_image_is_measured_and_resized_again(builds, content):
    first = builds()
    first(PHOTO)
    first.finish()
    _replace_image(content / "images" / "photo.jpg", (1600, 400))

    second = builds()
    img = _img(second(PHOTO))
    assert second.state.transforms.made == 1
    assert (img["width"], img["height"]) == ("1600", "400")
    assert second.finish() == 3  # 480, 800 and 1200 from the new version
    with Image.open(second.output / "images" / "_w" / "photo-800.jpg") as copy:
        assert copy.size == (800, 200)
    # The copies of the old version are gone from the cache: one file per width.
    cached = [path.name for path in (second.output.parent / "cache" / "variants").rglob("*") if path.is_file()]
    assert sorted(name.split(".")[0] for name in cached) == ["1200", "480", "800"]


def test_an_image_that_appears_is_found_by_the_next_build(builds, content):
    html = '<p>x <img alt="New" src="{static}/images/new.jpg"></p>'
    first = builds()
    assert first(html) == html
    assert "does not exist" in first.reports[0]
    first.finish()
    Image.new("RGB", (900, 300)).save(content / "images" / "new.jpg")

    second = builds()
    assert _img(second(html))["width"] == "900"
    assert second.reports == []


def test_a_file_that_appears_next_to_the_post_is_the_one_shown_next_time(builds, content):
    # A plain path is looked for next to the post first, then in the content folder.
    html = '<p>x <img alt="Photo" src="images/photo.jpg"></p>'
    first = builds()
    assert _img(first(html))["width"] == "1000"
    first.finish()
    (content / "posts" / "fr" / "images").mkdir()
    Image.new("RGB", (700, 700)).save(content / "posts" / "fr" / "images" / "photo.jpg")

    second = builds()
    assert _img(second(html))["width"] == "700"


def test_other_settings_or_a_damaged_file_transform_again(builds, tmp_path, caplog):
    first = builds()
    first(PHOTO)
    first.finish()
    other = builds(widths=[600])
    assert "600w" in other(PHOTO) and other.state.transforms.made == 1
    other.finish()

    (tmp_path / "cache" / "transforms.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        damaged = builds()
        damaged(PHOTO)
    assert damaged.state.transforms.made == 1
    assert "transforms.json cannot be read" in caplog.text and "transforming every post again" in caplog.text


def test_another_quality_makes_a_new_copy_and_forgets_the_other(content, tmp_path):
    variants = VariantCache(str(tmp_path / "variants"))
    variant = Variant(str(content / "images" / "photo.jpg"), 480, "post.md")
    assert variants.put(str(tmp_path / "a" / "photo-480.jpg"), variant, 82) == 1
    assert variants.put(str(tmp_path / "b" / "photo-480.jpg"), variant, 82) == 0
    assert variants.put(str(tmp_path / "c" / "photo-480.jpg"), variant, 40) == 1
    assert len([path for path in (tmp_path / "variants").rglob("*") if path.is_file()]) == 1
    sizes = [os.path.getsize(tmp_path / folder / "photo-480.jpg") for folder in "abc"]
    assert sizes[0] == sizes[1] != sizes[2]


def test_a_real_build_is_the_same_with_and_without_the_caches(tmp_path):
    """To regenerate nothing: the reference is a build with the caches off, made in the test."""
    project = copy_project(tmp_path)
    reference = build_copy(project, "reference", MEDIA={"cache": False})
    first = build_copy(project, "first")
    second = build_copy(project, "second")
    assert state_of(first.settings, MediaState).transforms.made > 10
    assert state_of(second.settings, MediaState).transforms.made == 0
    assert_same_tree(reference.output, first.output)
    assert_same_tree(reference.output, second.output)
    copies = sorted(second.output.rglob("_w/*.jpg"))
    assert copies and all(os.stat(path).st_nlink > 1 for path in copies)  # linked, not resized again


def test_a_copy_linked_already_is_left_as_it_is(content, tmp_path):
    # `invoke serve` writes into the site in place, where the copy may be the cache's file already.
    variants = VariantCache(str(tmp_path / "variants"))
    variant = Variant(str(content / "images" / "photo.jpg"), 480, "post.md")
    target = tmp_path / "site" / "photo-480.jpg"
    variants.put(str(target), variant, 82)
    inode = os.stat(target).st_ino
    assert variants.put(str(target), variant, 82) == 0
    assert [path.name for path in target.parent.iterdir()] == ["photo-480.jpg"]
    assert os.stat(target).st_ino == inode
