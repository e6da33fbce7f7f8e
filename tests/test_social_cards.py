"""The social_cards plugin: cards of a real build of the sample site, and their text layout."""

import logging
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from pelican import signals

from conftest import ROOT, build_sample
from sitekit.settings import SettingsError as SocialCardsSettingsError
from social_cards import cards as social_cards
from social_cards.render import TITLE_LINES, TITLE_SIZES, WIDTH, draw_card
from social_cards.settings import load
from social_cards.state import Cards
from social_cards.text import Face, fit_lines, wrap

CARDS = "images/cards"
NBSP, NNBSP = "\u00a0", "\u202f"
LONG_TITLE = (f"Référencement local{NBSP}: le guide de survie des commerces de quartier, "
              f"«{NBSP}pas à pas{NBSP}», pour les boulangeries, fleuristes et cordonniers{NNBSP}? "
              f"Oui{NNBSP}! Et même les maîtres d’œuvre, naïfs ou non")


# --- A real build, twice into the same folder ------------------------------------

def sample_posts():
    """(lang, slug, translation_of, has Image:) of each published sample post, from its header."""
    posts = []
    for path in sorted((ROOT / "content" / "posts").glob("*/*.md")):
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", header, re.M))
        if fields.get("Status", "published").strip().lower() != "published":
            continue
        lang = fields.get("Lang", path.parent.name).strip()
        posts.append((lang, fields.get("Slug", path.stem).strip(), fields.get("Translation-Of"), "Image" in fields))
    return posts


def site_plugins():
    """The site's plugins (the theme needs their template functions) and this one."""
    plugins = list(runpy.run_path(str(ROOT / "pelicanconf.py"))["PLUGINS"])
    return plugins + ["social_cards"] * ("social_cards" not in plugins)


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two builds into one output folder, with what each logged and the content it wrote."""
    root = tmp_path_factory.mktemp("social_cards")
    output, overrides = root / "output", {"PLUGINS": site_plugins(), "SOCIAL_CARDS": {"cache_dir": str(root / "cache")}}
    written = {}

    def record(path, context):
        content = context.get("article") or context.get("page")
        if content is not None and type(content).__name__ in ("Article", "Page"):  # newsletter issues have none
            written[(content.lang, type(content).__name__, content.slug)] = content

    logger, recorder = logging.getLogger("social_cards"), Recorder()
    logger.addHandler(recorder)
    logger.setLevel(logging.INFO)
    signals.content_written.connect(record)
    try:
        build_sample(output, **overrides)
        first = (list(recorder.lines), card_times(output))
        recorder.lines.clear()
        build_sample(output, **overrides)
        second = (list(recorder.lines), card_times(output))
    finally:
        signals.content_written.disconnect(record)
        logger.removeHandler(recorder)
        logger.setLevel(logging.NOTSET)
    return SimpleNamespace(output=output, first=first, second=second, written=written)


def card_times(output):
    return {path.relative_to(output).as_posix(): path.stat().st_mtime_ns for path in (output / CARDS).rglob("*.png")}


def test_every_post_has_a_card_in_its_own_language_folder_only(builds):
    for lang in ("fr", "en"):
        expected = {f"{slug}.png" for post_lang, slug, _, has_image in sample_posts()
                    if post_lang == lang and not has_image}
        found = {path.name for path in (builds.output / CARDS / lang).glob("*.png")}
        assert expected and found == expected, lang


def test_cards_are_small_1200_by_630_pngs(builds):
    paths = list((builds.output / CARDS).rglob("*.png"))
    assert paths
    for path in paths:
        with Image.open(path) as image:
            assert (image.format, image.size) == ("PNG", (1200, 630)), path
        assert path.stat().st_size < 80_000, path


def test_a_post_and_its_translation_have_different_cards(builds):
    slugs = {slug: lang for lang, slug, _, _ in sample_posts()}
    pairs = [(slugs[original], original, lang, slug) for lang, slug, original, _ in sample_posts() if original]
    assert pairs
    for pair in pairs:
        first, second = (builds.output / CARDS / lang / f"{slug}.png" for lang, slug in (pair[:2], pair[2:]))
        assert first.read_bytes() != second.read_bytes(), pair


def test_pages_have_cards_of_their_own(builds):
    assert (builds.output / CARDS / "fr" / "pages" / "a-propos.png").exists()
    assert (builds.output / CARDS / "en" / "pages" / "about.png").exists()


def test_newsletter_issues_have_cards_named_after_their_number(builds):
    first_log = builds.first[0]
    for lang in ("fr", "en"):
        found = sorted(path.name for path in (builds.output / CARDS / lang / "newsletter").glob("*.png"))
        assert found == ["1.png", "2.png"], lang
        assert f"Social cards ({lang}, issues): 2 drawn, 0 copied from the cache, 0 up to date" in first_log


def test_written_posts_and_pages_point_to_their_card(builds):
    assert builds.written
    for (lang, kind, slug), content in builds.written.items():
        folder = f"{CARDS}/{lang}/" + ("pages/" if kind == "Page" else "")
        assert content.social_image == f"{folder}{slug}.png", (lang, slug)
        assert re.fullmatch(rf"https?://[^/]+/{folder}{slug}\.png", content.social_image_url)
        assert (content.social_image_width, content.social_image_height) == (1200, 630)
        assert (builds.output / content.social_image).is_file(), content.social_image


def test_the_second_build_draws_nothing_and_keeps_the_card_dates(builds):
    (first_log, first_times), (second_log, second_times) = builds.first, builds.second
    assert any(re.search(r"\(fr, articles\): [1-9]\d* drawn", line) for line in first_log), first_log
    assert any("(en, articles)" in line for line in second_log), second_log
    assert all(" 0 drawn" in line for line in second_log if line.startswith("Social cards")), second_log
    assert second_times == first_times


# --- Writing one card ------------------------------------------------------------

def card(**changes):
    fields = dict(lang="fr", slug="essai", kind="article", title=f"Un essai{NNBSP}?", category="Stratégie",
                  site_name="Élise Marchand")
    return social_cards.Card(**{**fields, **changes})


def test_an_unchanged_card_is_left_alone_and_a_changed_one_redrawn(tmp_path):
    state = Cards(load({"SOCIAL_CARDS": {"cache_dir": False}}))
    target = tmp_path / "out" / "essai.png"
    assert social_cards.write(card(), str(target), state) == "drawn"
    assert social_cards.write(card(), str(target), state) == "up to date"
    assert social_cards.write(card(title="Un autre titre"), str(target), state) == "drawn"


def test_the_cache_serves_a_fresh_output_folder_and_keeps_one_version(tmp_path):
    state = Cards(load({"SOCIAL_CARDS": {"cache_dir": str(tmp_path / "cache")}}))
    assert social_cards.write(card(), str(tmp_path / "a" / "essai.png"), state) == "drawn"
    assert social_cards.write(card(), str(tmp_path / "b" / "essai.png"), state) == "copied"
    social_cards.write(card(title="Nouveau titre"), str(tmp_path / "c" / "essai.png"), state)
    assert len(list((tmp_path / "cache" / "fr").glob("essai.*.png"))) == 1


def test_cards_drawn_by_worker_processes_are_the_cards_drawn_in_the_build_process(tmp_path):
    count = social_cards.PARALLEL_FROM * 2  # enough for two workers
    cards = [card(slug=f"essai-{n}", title=f"Essai numéro {n}{NNBSP}!") for n in range(count)]
    by_workers = Cards(load({"SOCIAL_CARDS": {"cache_dir": str(tmp_path / "cache"), "workers": 2}}))
    here = Cards(load({"SOCIAL_CARDS": {"cache_dir": False, "workers": 1}}))
    social_cards.draw_all([(c, str(tmp_path / "workers" / f"{c.slug}.png")) for c in cards], by_workers)
    social_cards.draw_all([(c, str(tmp_path / "here" / f"{c.slug}.png")) for c in cards], here)
    for c in cards:
        assert (tmp_path / "workers" / f"{c.slug}.png").read_bytes() == (tmp_path / "here" / f"{c.slug}.png").read_bytes()
    assert len(list((tmp_path / "cache" / "fr").glob("essai-*.png"))) == count


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_whole_number(workers):
    with pytest.raises(SocialCardsSettingsError, match=r"SOCIAL_CARDS\['workers'\]"):
        load({"SOCIAL_CARDS": {"workers": workers}})


# --- The Image: line ---------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("{static}/images/plan-editorial.jpg", "images/plan-editorial.jpg"),
    ("images/plan-editorial.jpg", "images/plan-editorial.jpg"),
    ("/images/plan-editorial.jpg", "images/plan-editorial.jpg"),
    ("{static}../../images/plan-editorial.jpg", "images/plan-editorial.jpg"),
    ("https://cdn.example/x.jpg", "https://cdn.example/x.jpg"),
])
def test_image_lines_become_paths_relative_to_the_site(value, expected):
    content = ROOT / "content"
    assert social_cards.image_path(value, str(content / "posts" / "fr" / "x.md"), str(content)) == expected


def item(**fields):
    base = dict(status="published", slug="essai", lang="fr", title="Essai", category=None, metadata={},
                source_path=str(ROOT / "content" / "posts" / "fr" / "essai.md"))
    return SimpleNamespace(**{**base, **fields})


def test_a_post_with_an_image_line_is_shared_with_that_image_and_gets_no_card():
    settings = {"PATH": str(ROOT / "content"), "SITEURL": "https://example.org", "SITENAME": "Site"}
    post = item(image="{static}/images/plan-editorial.jpg", metadata={"image_alt": "Un calendrier"})
    assert social_cards.attach(post, "article", settings, load({})) is None
    assert post.social_image == "images/plan-editorial.jpg"
    assert post.social_image_url == "https://example.org/images/plan-editorial.jpg"
    with Image.open(ROOT / "content" / "images" / "plan-editorial.jpg") as image:
        assert (post.social_image_width, post.social_image_height) == image.size
    assert post.social_image_alt == "Un calendrier"


def test_drafts_and_pages_turned_off_get_no_card():
    settings = {"PATH": str(ROOT / "content"), "SITEURL": "", "SITENAME": "Site"}
    draft = item(status="draft")
    assert social_cards.attach(draft, "article", settings, load({})) is None
    assert not hasattr(draft, "social_image")
    assert social_cards.attach(item(), "page", settings, load({"SOCIAL_CARDS": {"pages": False}})) is None
    page_card = social_cards.attach(item(), "page", settings, load({}))
    assert page_card.relative_path == "fr/pages/essai.png"


# --- Text layout -----------------------------------------------------------------

@pytest.fixture(scope="module")
def state():
    return Cards(load({"SOCIAL_CARDS": {"cache_dir": False}}))


def test_a_long_french_title_fits_in_four_lines_and_keeps_its_no_break_spaces(state):
    width = WIDTH - 200
    face, lines = fit_lines(LONG_TITLE, state.face_at, TITLE_SIZES, width, TITLE_LINES)
    assert 2 <= len(lines) <= TITLE_LINES
    assert all(face.length(line) <= width for line in lines)
    assert not any(line[0] in ":?!»" for line in lines), lines
    assert " ".join(lines) == LONG_TITLE, "nothing is cut"


def test_a_title_too_long_for_four_lines_is_cut_with_an_ellipsis(state):
    face, lines = fit_lines(LONG_TITLE * 3, state.face_at, TITLE_SIZES, 1000, TITLE_LINES)
    assert len(lines) == TITLE_LINES and lines[-1].endswith("…")
    assert face.size == TITLE_SIZES[-1] and all(face.length(line) <= 1000 for line in lines)


def test_a_single_very_long_word_is_cut_to_fit(state):
    word = "anticonstitutionnellement" * 12
    face, lines = fit_lines(word, state.face_at, TITLE_SIZES, 1000, TITLE_LINES)
    assert 1 < len(lines) <= TITLE_LINES
    assert all(face.length(line) <= 1000 for line in lines)
    assert wrap(word, face.length, 1000)[0] == lines[0]
    image = draw_card(card(title=word, category=None), state.config, state.face_at)
    assert image.size == (1200, 630)


def test_a_card_is_drawn_in_its_colours_and_their_blends_only():
    colours = {"background": "#102030", "band": "#405060", "text": "#f0e0d0", "accent": "#80ff00"}
    config = load({"SOCIAL_CARDS": {**colours, "cache_dir": False}})
    state = Cards(config)
    image = draw_card(card(title="Écrire pour être lu", category="Méthode"), config, state.face_at).convert("RGB")
    rgb = {key: config[key] for key in colours}
    assert image.getpixel((5, 5)) == rgb["background"]
    assert image.getpixel((100, 66)) == rgb["accent"], "the bar above the site name"
    assert image.getpixel((600, 630 - 102)) == rgb["accent"], "the line atop the band"
    assert image.getpixel((1195, 625)) == rgb["band"]

    def between(pixel, ground, ink):
        return all(min(g, i) <= p <= max(g, i) for p, g, i in zip(pixel, ground, ink))

    top = {pixel for _, pixel in image.crop((0, 0, 1200, 526)).getcolors(1 << 16)}
    band = {pixel for _, pixel in image.crop((0, 530, 1200, 630)).getcolors(1 << 16)}
    assert rgb["text"] in top and rgb["accent"] in band, "full ink is the ink's own colour"
    assert all(between(p, rgb["background"], rgb["text"]) or p == rgb["accent"] for p in top), top
    assert all(between(p, rgb["band"], rgb["accent"]) for p in band), band
    assert len(top) > 4 and len(band) > 4, "text edges are smoothed"


def test_wrapping_only_breaks_at_ordinary_spaces():
    lines = wrap(f"aaaa{NBSP}bbbb{NNBSP}? cc", len, 12)
    assert lines == [f"aaaa{NBSP}bbbb{NNBSP}?", "cc"]


def test_french_letters_and_spaces_are_drawn_never_as_boxes(state):
    face = state.face_at(60)
    assert face.missing(f"éèêëàâçîïôùûüÉÈÀÇœ«»’…{NBSP}{NNBSP}") == []
    assert face.length(f"a{NBSP}b") == face.length("a b")
    assert face.length(f"a{NNBSP}b") < face.length("a b")


def test_an_accent_adds_ink_above_its_letter(state):
    face = state.face_at(60)

    def ink(text):
        image = Image.new("L", (120, 100))
        face.draw(image, (10, 80), text, 255)
        return sum(image.histogram()[129:])

    assert ink("é") > ink("e") and ink("ô") > ink("o") and ink("ç") > ink("c")


# --- Settings ----------------------------------------------------------------------

@pytest.mark.parametrize("given, named", [
    ("not a dict", "must be a dict"),
    ({"background": "reddish"}, "'background'"),
    ({"folder": "../elsewhere"}, "'folder'"),
    ({"pages": "yes"}, "'pages'"),
    ({"font": str(ROOT / "README.md")}, "'font'"),
    ({"cache_dir": 3}, "'cache_dir'"),
])
def test_unusable_settings_stop_the_build_with_a_named_error(given, named):
    with pytest.raises(SocialCardsSettingsError, match=re.escape(named)):
        load({"SOCIAL_CARDS": given})


def test_unknown_keys_are_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="social_cards"):
        config = load({"SOCIAL_CARDS": {"colour": "#000"}})
    assert "unknown key 'colour'" in caplog.text and "colour" not in config


def test_the_default_cache_is_in_pelicans_cache_folder(tmp_path):
    assert load({"CACHE_PATH": str(tmp_path)})["cache_dir"] == str(tmp_path / "social-cards")
    assert Path(load({})["cache_dir"]).name == "social-cards"
