"""The media plugin: figures, responsive images, audio and video, click-to-load
videos and download links; the transforms on small HTML, then one real build."""

import logging
import re

import pytest
from bs4 import BeautifulSoup
from conftest import build_sample
from media_content import make_content
from PIL import Image

from media.downloads import size_label
from media.embeds import embed_for
from media.settings import DEFAULTS, load
from media.state import MediaState
from media.transforms import Page, transform
from sitekit.settings import SettingsError as MediaSettingsError

SITEURL = "https://site.example"


class Sample:
    """A post of the content folder, transformed; problems are collected in .reports."""

    def __init__(self, content, output, lang="fr", siteurl=SITEURL):
        self.root = content
        self.output = output
        self.reports = []
        self.state = MediaState(load({}))
        self.page = Page(
            source_path=str(self.root / "posts" / lang / "post.md"), lang=lang,
            content_root=str(self.root), output_path=str(self.output), siteurl=siteurl,
            static_url="{path}", static_save_as="{path}", state=self.state,
            report=lambda field, message, about: self.reports.append(f"{field}: {message}"))

    def __call__(self, html):
        return transform(html, self.page)


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    return make_content(tmp_path_factory.mktemp("media-content"))


@pytest.fixture
def sample(content, tmp_path):
    return Sample(content, tmp_path / "output")


# --- Figures ----------------------------------------------------------------------

def test_an_image_alone_with_a_title_becomes_a_figure_with_its_caption(sample):
    html = '<p><img alt="A calendar" src="https://cdn.example/a.jpg" title="One page is enough."></p>'
    assert sample(html) == ('<figure><img alt="A calendar" src="https://cdn.example/a.jpg">'
                            "<figcaption>One page is enough.</figcaption></figure>")
    assert sample.reports == []


def test_an_image_alone_without_a_title_becomes_a_figure_without_caption(sample):
    html = '<p>\n<img alt="A calendar" src="https://cdn.example/a.jpg">\n</p>'
    assert sample(html) == '<figure><img alt="A calendar" src="https://cdn.example/a.jpg"></figure>'


def test_a_caption_is_escaped_as_text(sample):
    html = '<p><img alt="x" src="https://cdn.example/a.jpg" title="Sales &lt;b&gt; &amp; costs"></p>'
    assert "<figcaption>Sales &lt;b&gt; &amp; costs</figcaption>" in sample(html)


def test_an_image_inside_a_sentence_stays_in_its_paragraph(sample):
    html = '<p>See <img alt="icon" src="https://cdn.example/i.png" title="t"> here.</p>'
    assert sample(html) == html


def test_everything_else_is_kept_byte_for_byte(sample):
    html = ("<p>Intro&nbsp;: <br>\n<em>texte</em> &rsquo;</p>\n"
            "<pre><code>&lt;p&gt;<img src='x.png'></code></pre>\n"
            "<!-- <p><img src=\"y.png\"></p> -->\n<p>fin</p>")
    assert sample(html) == html
    assert sample.reports == []  # nothing inside code or comments is checked


def test_running_twice_changes_nothing(sample):
    html = ('<p><img alt="Photo" src="{static}/images/photo.jpg" title="Cap"></p>\n'
            '<p><a href="https://youtu.be/aqz-KE-bpKQ">Video</a></p>\n'
            '<p><a href="{static}/files/guide.pdf">Guide</a></p>\n'
            '<p><img alt="Chime" src="{static}/media/chime.wav"></p>')
    once = sample(html)
    assert sample(once) == once


# --- Alt text -----------------------------------------------------------------------

@pytest.mark.parametrize("img", ['<img alt="" src="https://cdn.example/a.jpg">',
                                 '<img src="https://cdn.example/a.jpg">',
                                 '<img alt="  " src="https://cdn.example/a.jpg">'])
def test_an_image_without_alt_text_is_reported_with_the_fix(sample, img):
    sample(f"<p>Look: {img}</p>")
    assert sample.reports == ["image: 'https://cdn.example/a.jpg' has no alt text; "
                              "describe it: ![what the image shows](https://cdn.example/a.jpg)"]


def test_an_image_marked_decorative_is_not_reported(sample):
    sample('<p>x <img alt="" role="presentation" src="https://cdn.example/rule.png"></p>')
    assert sample.reports == []


# --- Responsive images --------------------------------------------------------------

def _img(html):
    return BeautifulSoup(html, "html.parser").img


def test_a_local_image_gets_its_size_lazy_loading_and_a_srcset(sample):
    img = _img(sample('<p><img alt="Photo" src="{static}/images/photo.jpg"></p>'))
    assert (img["width"], img["height"]) == ("1000", "500")
    assert (img["loading"], img["decoding"]) == ("lazy", "async")
    assert img["sizes"] == DEFAULTS["sizes"]
    assert img["srcset"] == (f"{SITEURL}/images/_w/photo-480.jpg 480w, "
                             f"{SITEURL}/images/_w/photo-800.jpg 800w, {SITEURL}/images/photo.jpg 1000w")
    assert img["src"] == "{static}/images/photo.jpg"  # Pelican rewrites src itself


def test_local_builds_get_root_relative_srcset_urls(content, tmp_path):
    sample = Sample(content, tmp_path, siteurl="")
    img = _img(sample('<p>x <img alt="Photo" src="{static}../../images/photo.jpg"></p>'))
    assert img["srcset"].split(", ")[0] == "/images/_w/photo-480.jpg 480w"


def test_static_without_slash_and_plain_paths_are_next_to_the_post(sample):
    # As Pelican reads {static}x: relative to the post's folder (posts/fr/).
    img = _img(sample('<p>x <img alt="Schema" src="{static}schema.png"></p>'))
    assert img["width"] == "900"
    assert img["srcset"] == (f"{SITEURL}/posts/fr/_w/schema-480.png 480w, "
                             f"{SITEURL}/posts/fr/_w/schema-800.png 800w, {SITEURL}/posts/fr/schema.png 900w")
    # A plain relative path stays as written for the original.
    img = _img(sample('<p>x <img alt="Schema" src="schema.png"></p>'))
    assert img["srcset"].endswith(", schema.png 900w")


def test_an_image_narrower_than_every_width_gets_its_size_but_no_srcset(sample):
    img = _img(sample('<p>x <img alt="Small" src="{static}/images/small.png"></p>'))
    assert (img["width"], img["height"]) == ("300", "200")
    assert not img.has_attr("srcset") and not img.has_attr("sizes")


def test_sizes_written_by_the_author_are_kept(sample):
    img = _img(sample('<p>x <img alt="Photo" width="200" src="{static}/images/photo.jpg" loading="eager"></p>'))
    assert img["width"] == "200" and not img.has_attr("height")
    assert img["loading"] == "eager"


def test_a_missing_image_is_reported_with_the_file_it_names(sample):
    html = '<p>x <img alt="Gone" src="{static}/images/gone.jpg"></p>'
    assert sample(html) == html
    assert len(sample.reports) == 1
    assert re.fullmatch(r"image: '\{static\}/images/gone\.jpg' names \S*/images/gone\.jpg, "
                        r"which does not exist; fix the path or add the file", sample.reports[0])


def test_an_unreadable_image_is_reported_not_raised(sample):
    (sample.root / "images" / "broken.jpg").write_bytes(b"not a jpeg")
    sample('<p>x <img alt="Broken" src="{static}/images/broken.jpg"></p>')
    assert "cannot be read as an image" in sample.reports[0]


def test_resized_copies_are_written_once_with_their_width(sample):
    sample('<p><img alt="Photo" src="{static}/images/photo.jpg"></p>')
    sample('<p><img alt="Photo" src="{static}/images/photo.jpg"></p>')  # the other language's run
    assert sample.state.write_pending(print) == 2
    for width in (480, 800):
        with Image.open(sample.output / "images" / "_w" / f"photo-{width}.jpg") as copy:
            assert copy.size == (width, width // 2) and copy.format == "JPEG"
    sample('<p><img alt="Photo" src="{static}/images/photo.jpg"></p>')  # a rebuild
    assert sample.state.write_pending(print) == 0  # already up to date


def test_a_photo_turned_by_exif_is_measured_as_shown(sample):
    image = Image.new("RGB", (1200, 800))
    exif = image.getexif()
    exif[0x0112] = 6  # taken with the phone upright
    image.save(sample.root / "images" / "upright.jpg", exif=exif)
    img = _img(sample('<p>x <img alt="Upright" src="{static}/images/upright.jpg"></p>'))
    assert (img["width"], img["height"]) == ("800", "1200")
    sample.state.write_pending(print)
    with Image.open(sample.output / "images" / "_w" / "upright-480.jpg") as copy:
        assert copy.size == (480, 720)


# --- Audio and video ------------------------------------------------------------------

def test_audio_alone_becomes_a_figure_with_a_player(sample):
    html = '<p><img alt="Two soft notes" src="{static}/media/chime.wav" title="The podcast chime"></p>'
    assert sample(html) == ('<figure class="media-audio"><audio controls preload="none" '
                            'src="{static}/media/chime.wav"></audio>'
                            "<figcaption>The podcast chime</figcaption></figure>")


@pytest.mark.parametrize("ext", ["mp3", "ogg", "oga", "m4a", "WAV"])
def test_every_audio_format_gets_a_player_captioned_by_its_alt_text(sample, ext):
    figure = BeautifulSoup(sample(f'<p><img alt="Chime" src="{{static}}/media/c.{ext}"></p>'), "html.parser").figure
    assert figure.audio["src"] == f"{{static}}/media/c.{ext}"
    assert figure.figcaption.get_text() == "Chime"


@pytest.mark.parametrize("ext", ["mp4", "webm", "ogv"])
def test_video_alone_becomes_a_figure_with_a_player(sample, ext):
    html = f'<p><img alt="A demo" src="{{static}}/media/demo.{ext}"></p>'
    assert sample(html) == ('<figure class="media-video"><video controls preload="none" '
                            f'src="{{static}}/media/demo.{ext}"></video><figcaption>A demo</figcaption></figure>')


def test_audio_inside_a_sentence_gets_a_player_without_figure(sample):
    html = '<p>Listen: <img alt="Chime" src="{static}/media/chime.mp3"> then read.</p>'
    assert sample(html) == ('<p>Listen: <audio controls preload="none" src="{static}/media/chime.mp3" '
                            'aria-label="Chime"></audio> then read.</p>')
    assert sample.reports == []


# --- YouTube and Vimeo ----------------------------------------------------------------------

YOUTUBE_PLAYER = "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
    "https://youtube.com/watch?v=aqz-KE-bpKQ&amp;t=42s",
    "http://m.youtube.com/watch?feature=share&amp;v=aqz-KE-bpKQ",
    "https://youtu.be/aqz-KE-bpKQ",
    "https://youtu.be/aqz-KE-bpKQ?si=abc",
    "https://www.youtube.com/shorts/aqz-KE-bpKQ",
])
def test_a_youtube_link_alone_becomes_a_click_to_load_figure(sample, url):
    html = f'<p><a href="{url}">Watch the demo</a></p>'
    assert sample(html) == (f'<figure class="embed" data-provider="youtube" data-embed-src="{YOUTUBE_PLAYER}">'
                            f'<a href="{url}" class="embed-preview">Watch the demo</a>'
                            "<figcaption>YouTube</figcaption></figure>")


def test_a_bare_or_autolinked_url_becomes_a_figure_too(sample):
    url = "https://youtu.be/aqz-KE-bpKQ"
    for html in (f"<p>{url}</p>", f'<p><a href="{url}">{url}</a></p>'):
        figure = BeautifulSoup(sample(html), "html.parser").figure
        assert figure["data-embed-src"] == YOUTUBE_PLAYER
        assert figure.a["href"] == url and figure.a.get_text() == url
        assert figure.a["class"] == ["embed-preview"]


@pytest.mark.parametrize("url, player", [
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?autoplay=1"),
    ("https://www.vimeo.com/channels/staffpicks/76979871", "https://player.vimeo.com/video/76979871?autoplay=1"),
    ("https://vimeo.com/76979871/abcdef1234", "https://player.vimeo.com/video/76979871?h=abcdef1234&autoplay=1"),
])
def test_a_vimeo_link_alone_becomes_a_click_to_load_figure(sample, url, player):
    figure = BeautifulSoup(sample(f'<p><a href="{url}">Watch it</a></p>'), "html.parser").figure
    assert (figure["data-provider"], figure["data-embed-src"]) == ("vimeo", player)
    assert figure.figcaption.get_text() == "Vimeo"


def test_an_embed_figure_asks_nothing_of_the_provider(sample):
    out = sample('<p><a href="https://www.youtube.com/watch?v=aqz-KE-bpKQ">Demo</a></p>')
    soup = BeautifulSoup(out, "html.parser")
    assert not soup.find(["iframe", "img", "script", "video"])
    assert not [tag for tag in soup.find_all(True) if tag.has_attr("src") or tag.has_attr("srcset")]


@pytest.mark.parametrize("html", [
    '<p>Watch <a href="https://youtu.be/aqz-KE-bpKQ">this video</a> first.</p>',   # more than the link
    '<p><a href="https://youtu.be/aqz-KE-bpKQ">one</a> <a href="https://youtu.be/aqz-KE-bpKQ">two</a></p>',
    '<p><a href="https://www.youtube.com/watch?v=short">Too short an id</a></p>',
    '<p><a href="https://www.youtube.com/channel/UC123">A channel</a></p>',
    '<p><a href="https://vimeo.com/about">About Vimeo</a></p>',
    '<p><a href="https://example.org/watch?v=aqz-KE-bpKQ">Elsewhere</a></p>',
    "<li><a href=\"https://youtu.be/aqz-KE-bpKQ\">In a list</a></li>",
])
def test_other_links_are_left_alone(sample, html):
    assert sample(html) == html


def test_embed_for_rejects_what_is_not_a_video():
    assert embed_for("javascript:alert(1)") is None
    assert embed_for("https://vimeo.com/1?h=not-hex") is None
    assert embed_for("https://youtu.be/aqz-KE-bpKQ").provider == "youtube"


# --- Download links ---------------------------------------------------------------------------

def test_a_download_link_gets_its_type_and_size_in_french(sample):
    html = '<p>Voir <a href="{static}/files/guide.pdf">le guide</a>.</p>'
    assert sample(html) == ('<p>Voir <a href="{static}/files/guide.pdf" type="application/pdf" download>le guide</a>'
                            ' <span class="download-meta">(PDF, 3\u202fko)</span>.</p>')


def test_a_download_link_gets_its_size_in_english_and_megabytes(content, tmp_path):
    sample = Sample(content, tmp_path, lang="en")
    out = sample('<p><a href="{static}/files/big.zip">All files</a></p>')
    assert 'type="application/zip" download>' in out
    assert '<span class="download-meta">(ZIP, 2.4 MB)</span>' in out


@pytest.mark.parametrize("size, lang, label", [
    (40, "fr", "0,1\u202fko"), (1638, "fr", "1,6\u202fko"), (3000, "en", "3 kB"),
    (123_456, "en", "123 kB"), (999_999, "en", "1 MB"), (12_300_000, "fr", "12\u202fMo"),
])
def test_sizes_read_as_people_write_them(size, lang, label):
    assert size_label(size, lang) == label


@pytest.mark.parametrize("html", [
    '<p><a href="https://example.org/guide.pdf">Elsewhere</a></p>',
    '<p><a href="{static}/files/missing.pdf">Missing</a></p>',  # the link check reports it
    '<p><a href="{static}/images/photo.jpg">An image</a></p>',
    '<p><a href="{filename}/posts/fr/other.md">A post</a></p>',
])
def test_other_links_get_no_download_meta(sample, html):
    assert sample(html) == html


# --- The MEDIA setting ----------------------------------------------------------------------------

def test_the_setting_is_merged_over_the_defaults():
    assert load({"MEDIA": {"widths": [800, 400, 800]}}) == {**DEFAULTS, "widths": [400, 800]}


def test_an_unknown_key_is_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        load({"MEDIA": {"widht": [400]}})
    assert "MEDIA: unknown key 'widht' ignored" in caplog.text


@pytest.mark.parametrize("media, named", [
    ([480], "MEDIA must be a dict"), ({"widths": [480, "800"]}, "MEDIA['widths']"),
    ({"widths": [0]}, "MEDIA['widths']"), ({"quality": 100}, "MEDIA['quality']"),
    ({"sizes": ""}, "MEDIA['sizes']"), ({"folder": "a/b"}, "MEDIA['folder']"),
])
def test_a_bad_value_stops_with_a_clear_message(media, named):
    with pytest.raises(MediaSettingsError, match=re.escape(named)):
        load({"MEDIA": media})


# --- A real build of the sample site -----------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import pelicanconf

    output = tmp_path_factory.mktemp("media") / "output"
    plugins = [name for name in pelicanconf.PLUGINS if name != "media"] + ["media"]
    static = sorted(set(pelicanconf.STATIC_PATHS) | {"images", "media", "files"})
    report = build_sample(output, PLUGINS=plugins, STATIC_PATHS=static)
    return report.output


def _page(output, relative):
    return BeautifulSoup((output / relative / "index.html").read_text(encoding="utf-8"), "html.parser")


def _local(url):
    assert url.startswith("https://elise-marchand.example/"), url
    return url[len("https://elise-marchand.example/"):]


@pytest.mark.parametrize("post", ["strategie-editoriale-en-5-etapes", "en/editorial-strategy-in-5-steps"])
def test_built_posts_have_figures_with_resized_copies(built, post):
    figure = _page(built, post).select_one("article figure img, main figure img").parent
    assert figure.figcaption.get_text(strip=True)
    img = figure.img
    assert not img.has_attr("title")
    with Image.open(built / _local(img["src"])) as original:
        assert (img["width"], img["height"]) == (str(original.width), str(original.height))
    entries = [entry.split() for entry in img["srcset"].split(", ")]
    assert [int(w[:-1]) for _, w in entries] == [480, 800, 1200]
    for url, width in entries:
        with Image.open(built / _local(url)) as copy:
            assert f"{copy.width}w" == width


def test_built_french_post_has_audio_video_and_download(built):
    page = _page(built, "texte-alternatif-des-images")
    audio = page.select_one("figure.media-audio audio")
    assert (built / _local(audio["src"])).is_file()
    assert audio.find_parent("figure").figcaption.get_text(strip=True)
    embed = page.select_one("figure.embed")
    assert embed["data-provider"] == "youtube"
    assert embed["data-embed-src"].startswith("https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ")
    assert embed.select_one("a.embed-preview")["href"] == "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
    link = page.select_one("a[download]")
    assert (built / _local(link["href"])).is_file() and link["type"] == "application/pdf"
    assert re.fullmatch(r"\(PDF, \d,\d\u202fko\)", link.find_next_sibling("span", class_="download-meta").get_text())


def test_built_english_post_has_a_vimeo_figure_and_download(built):
    page = _page(built, "en/writing-for-non-native-readers")
    assert page.select_one("figure.embed")["data-provider"] == "vimeo"
    meta = page.select_one("a[download] + span.download-meta").get_text()
    assert re.fullmatch(r"\(TXT, \d\.\d kB\)", meta)


def test_built_pages_ask_nothing_of_video_providers(built):
    for post in ("texte-alternatif-des-images", "en/writing-for-non-native-readers"):
        page = _page(built, post)
        assert not page.find("iframe")
        for tag in page.find_all(True):
            for attribute in ("src", "srcset", "poster", "data"):
                assert not re.search(r"youtube|vimeo", tag.get(attribute, "")), tag
