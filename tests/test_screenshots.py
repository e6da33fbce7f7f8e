"""`invoke screenshots`: the design gallery (every page type, language, width and scheme, the email)
and its contact sheet."""

import json
import subprocess
import sys

import pytest
from PIL import Image, ImageStat

import pelicanconf
from conftest import ROOT
from publisher.screenshots import FIRST_SCREEN, Shot, contact_sheet, narrowed

# Issue 23, item 9: the page types the gallery must show.
PAGE_TYPES = {"home", "post", "guest-post", "series-post", "page", "category", "tag", "author", "archives",
              "search", "newsletter", "newsletter-issue", "404", "subscribe-check-inbox", "subscribe-done"}
SETTING = pelicanconf.SCREENSHOTS
# The suite photographs a part of the gallery (every shot takes a browser page load): two page
# types (search types its query), the email, one width; `invoke screenshots` takes them all.
ONLY, WIDTHS = ["home", "search", "email"], [375]


def expected_files():
    setting = narrowed(SETTING, ONLY, WIDTHS)
    pages = [(lang, name, width, scheme) for name, paths in setting["pages"].items() for lang in paths
             for width in setting["widths"] for scheme in setting["schemes"]]
    emails = [(lang, "email", width, scheme) for lang in ("fr", "en") for width in setting["email"]["widths"]
              for scheme in setting["schemes"]]
    return {Shot(name, lang, width, scheme, "").label: f"{lang}-{name}-{width}{'-dark' if scheme == 'dark' else ''}.png"
            for lang, name, width, scheme in pages + emails}


def test_the_setting_asks_for_every_page_type_both_languages_three_widths_and_both_schemes():
    assert set(SETTING["pages"]) >= PAGE_TYPES
    assert all(set(paths) == {"fr", "en"} for paths in SETTING["pages"].values())
    assert SETTING["widths"] == [375, 768, 1280] and SETTING["schemes"] == ["light", "dark"]
    assert SETTING["email"]["widths"] == [375, 600]
    assert all(where.get("query") for where in SETTING["pages"]["search"].values())


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gallery")
    narrowing = [f"--only={name}" for name in ONLY] + [f"--width={width}" for width in WIDTHS]
    result = subprocess.run([sys.executable, "-m", "publisher.screenshots", "--destination", str(folder), *narrowing],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


@pytest.mark.browser
def test_the_gallery_writes_one_png_per_page_language_width_and_scheme_and_the_email(gallery):
    expected = expected_files()
    assert sorted(path.name for path in gallery.glob("*.png")) == sorted([*expected.values(), "contact-sheet.png"])
    brightness = {}
    for name in expected.values():
        with Image.open(gallery / name) as image:
            width = int(name.removesuffix(".png").removesuffix("-dark").rsplit("-", 1)[1])
            assert image.width == width, name
            assert image.height >= FIRST_SCREEN[width], name
            brightness[name] = ImageStat.Stat(image.convert("L")).mean[0]
    # The dark shots are taken in the dark scheme: each is darker than its light twin.
    for name in expected.values():
        if name.endswith("-dark.png") and "-email-" not in name:
            assert brightness[name] < brightness[name.replace("-dark.png", ".png")] - 40, name


@pytest.mark.browser
def test_the_contact_sheet_holds_one_labelled_tile_per_shot(gallery):
    tiles = json.loads((gallery / "contact-sheet.json").read_text(encoding="utf-8"))["tiles"]
    expected = expected_files()
    assert {tile["label"]: tile["file"] for tile in tiles} == expected
    assert len(tiles) == len(expected)
    with Image.open(gallery / "contact-sheet.png") as sheet:
        sheet = sheet.convert("RGB")
        assert sheet.width <= 4000
        _assert_tiles_drawn(sheet, tiles)


def _assert_tiles_drawn(sheet, tiles):
    boxes = []
    for tile in tiles:
        box, label = tile["box"], tile["label_box"]
        assert 0 <= box[0] < box[2] <= sheet.width and 0 <= box[1] < box[3] <= sheet.height, tile
        assert box[3] <= label[1] < label[3] <= sheet.height, tile  # the label is under its tile
        # The tile shows a picture (not one flat colour), the label has dark text.
        assert max(ImageStat.Stat(sheet.crop(box)).stddev) > 1, tile["label"]
        assert sheet.crop(label).convert("L").getextrema()[0] < 90, tile["label"]
        boxes.append(box)
    for index, first in enumerate(boxes):  # no tile covers another
        for second in boxes[index + 1:]:
            assert first[2] <= second[0] or second[2] <= first[0] or first[3] <= second[1] or second[3] <= first[1]


def test_the_contact_sheet_lays_out_any_shots_in_rows_per_page_type(tmp_path):
    shots = []
    for index, (name, lang, width, scheme) in enumerate([("home", "fr", 375, "light"), ("home", "fr", 1280, "dark"),
                                                         ("home", "en", 768, "light"), ("email", "en", 600, "dark")]):
        shot = Shot(name, lang, width, scheme, f"shot-{index}.png")
        image = Image.new("RGB", (width, 2000), (250, 250, 250))
        image.paste((20 * index, 90, 160), (10, 10, width - 10, 300))
        image.save(tmp_path / shot.file)
        shots.append(shot)
    sheet_path = contact_sheet(shots, tmp_path, tmp_path / "sheet.png")
    tiles = json.loads((tmp_path / "sheet.json").read_text(encoding="utf-8"))["tiles"]
    assert [tile["label"] for tile in tiles] == ["fr home 375", "fr home 1280 dark", "en home 768", "en email 600 dark"]
    assert len({tile["box"][1] for tile in tiles}) == 2  # one row per page type
    with Image.open(sheet_path) as sheet:
        _assert_tiles_drawn(sheet.convert("RGB"), tiles)


def test_a_part_of_the_gallery_keeps_the_page_types_and_widths_asked_for_and_refuses_unknown_ones():
    part = narrowed(SETTING, ["post"], [768])
    assert list(part["pages"]) == ["post"] and part["widths"] == [768] and part["email"]["widths"] == []
    assert narrowed(SETTING, ["email"], [600])["email"]["widths"] == [600]
    assert narrowed(SETTING) == SETTING
    from publisher.screenshots import ScreenshotError
    with pytest.raises(ScreenshotError, match="no page type blog"):
        narrowed(SETTING, ["blog"])
