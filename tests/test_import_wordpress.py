"""The WordPress (WXR) reader: a hand-written export read into the shared model, its
bodies' Markdown as the media plugin expects it, comments, languages, old addresses,
variants of the format (https namespaces, WXR 1.0, split files, zips) and bad input."""

import re
import runpy
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from importers.html_markdown import to_markdown
from importers.model import FormatError, ReadOptions
from importers.sources import wordpress

FIXTURES = Path(__file__).parent / "fixtures" / "imports" / "wordpress"
SITE = FIXTURES / "site.xml"
UPLOADS = FIXTURES / "uploads"


@pytest.fixture(scope="module")
def export():
    return wordpress.read(SITE, ReadOptions(lang="fr"))


def item(export, source_id):
    return next(i for i in export.items if i.source_id == source_id)


def render(markdown_text):
    """The HTML the site's Markdown settings make of a body (extra, as pelicanconf.py)."""
    return markdown.markdown(markdown_text, extensions=["extra", "toc"], output_format="html5")


def replaced(tmp_path, pairs, name="variant.xml"):
    text = SITE.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- Items -------------------------------------------------------------------------

def test_items_kinds_and_statuses(export):
    kinds = {i.source_id: (i.kind, i.status) for i in export.items}
    assert kinds == {
        "wordpress:10": ("post", "published"), "wordpress:11": ("post", "published"),
        "wordpress:12": ("page", "published"), "wordpress:13": ("post", "draft"),
        "wordpress:14": ("post", "draft"),  # private: kept as a draft
        "wordpress:16": ("post", "published"), "wordpress:17": ("post", "published"),
    }
    # Attachments, menu entries, reusable blocks and the trash are left out without a word.
    said = {s.source_id for s in export.skipped}
    assert not said & {"wordpress:18", "wordpress:20", "wordpress:30", "wordpress:40"}
    assert [(s.what, s.reason) for s in export.skipped if s.source_id == "wordpress:15"] == [
        ("post", "password-protected: not imported")]


def test_fields_of_a_post(export):
    post = item(export, "wordpress:10")
    assert post.title == "Planifier ses contenus sur un trimestre"
    assert post.date == datetime(2021, 2, 7, 8, 30, tzinfo=timezone.utc)
    assert post.modified == datetime(2021, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert (post.lang, post.slug, post.author) == ("fr", "planifier-ses-contenus", "elise-marchand")
    assert post.category == "strategie" and post.tags == ["redaction", "calendrier"]
    assert post.summary == "Une méthode en trois étapes pour planifier un trimestre de contenus."
    assert export.exported_at == datetime(2021, 6, 7, 8, 30, tzinfo=timezone.utc)


def test_a_draft_without_date_or_slug(export):
    draft = item(export, "wordpress:13")
    # post_date_gmt is 0000-00-00: the local date, in the site's zone (Paris, winter).
    assert draft.date == datetime(2021, 2, 20, 14, 0, tzinfo=timezone(timedelta(hours=1)))
    assert draft.slug == "idees-pour-la-newsletter-de-mars"
    assert draft.old_urls == []  # never had a public address


def test_the_site_zone_is_the_option(tmp_path):
    exported = wordpress.read(SITE, ReadOptions(site_timezone="America/Montreal"))
    assert item(exported, "wordpress:13").date.utcoffset() == timedelta(hours=-5)


def test_uncategorized_is_no_category(export):
    assert item(export, "wordpress:14").category is None
    assert "non-classe" not in export.categories


def test_a_repeated_slug_is_made_unique_and_listed(export):
    assert item(export, "wordpress:16").slug == "newsletter-rythme"
    assert item(export, "wordpress:17").slug == "newsletter-rythme-2"
    listed = [s for s in export.skipped if s.what == "slug"]
    assert [s.source_id for s in listed] == ["wordpress:17"] and "newsletter-rythme-2" in listed[0].reason


def test_authors_without_their_email(export):
    assert export.authors == {"elise-marchand": {"name": "Élise Marchand"},
                              "nadia-ferrand": {"name": "Nadia Ferrand"}}
    assert "atelier-exemple.fr" not in repr(export.authors)


# --- Taxonomy and languages ------------------------------------------------------------

def test_polylang_pair(export):
    french, english = item(export, "wordpress:10"), item(export, "wordpress:11")
    assert (french.lang, english.lang) == ("fr", "en")
    assert french.translation_group == english.translation_group == "pll_60b8a1f2c3d4e"
    assert item(export, "wordpress:12").translation_group is None


def test_polylang_terms_merged_across_languages(export):
    assert export.categories == {
        "strategie": {"fr": "Stratégie", "en": "Strategy",
                      "description": {"fr": "Savoir quoi publier, pour qui et à quel rythme.",
                                      "en": "Deciding what to publish, for whom and how often."}},
        "e-mailing": {"fr": "E-mailing"},
    }
    assert export.tags == {"redaction": {"fr": "Rédaction", "en": "Writing"},
                           "calendrier": {"fr": "Calendrier", "en": "Calendar"}}
    english = item(export, "wordpress:11")
    assert english.category == "strategie" and sorted(english.tags) == ["calendrier", "redaction"]


def test_without_polylang_term_links_only_safe_pairs_merge(tmp_path):
    # Without term_translations: the first categories of a pair merge; two tags listed by name don't.
    text = re.sub(r"\t<wp:term><wp:term_id>1[456]</wp:term_id>.*\n", "", SITE.read_text(encoding="utf-8"))
    path = tmp_path / "no-term-links.xml"
    path.write_text(text, encoding="utf-8")
    exported = wordpress.read(path, ReadOptions())
    assert exported.categories["strategie"]["en"] == "Strategy" and "strategy" not in exported.categories
    assert set(exported.tags) == {"redaction", "calendrier", "writing", "calendar"}
    assert item(exported, "wordpress:11").tags == ["calendar", "writing"]


def test_wpml_export_add_on_languages(tmp_path):
    wpml = ('<wp:postmeta><wp:meta_key>_wpml_import_language_code</wp:meta_key><wp:meta_value>{lang}</wp:meta_value></wp:postmeta>'
            '<wp:postmeta><wp:meta_key>_wpml_import_translation_group</wp:meta_key><wp:meta_value>77</wp:meta_value></wp:postmeta>')
    text = SITE.read_text(encoding="utf-8")
    text = re.sub(r'\s*<category domain="(?:language|post_translations)"[^>]*>.*?</category>', "", text)
    text = text.replace("<wp:post_id>10</wp:post_id>", "<wp:post_id>10</wp:post_id>" + wpml.format(lang="fr"))
    text = text.replace("<wp:post_id>11</wp:post_id>", "<wp:post_id>11</wp:post_id>" + wpml.format(lang="en"))
    path = tmp_path / "wpml.xml"
    path.write_text(text, encoding="utf-8")
    exported = wordpress.read(path, ReadOptions())
    assert [(i.lang, i.translation_group) for i in exported.items[:2]] == [("fr", "wpml-77"), ("en", "wpml-77")]


def test_language_from_the_link_then_the_option(tmp_path):
    text = re.sub(r'\s*<category domain="(?:language|post_translations)"[^>]*>.*?</category>', "",
                  SITE.read_text(encoding="utf-8"))
    path = tmp_path / "plain.xml"
    path.write_text(text, encoding="utf-8")
    exported = wordpress.read(path, ReadOptions(lang="en"))
    assert item(exported, "wordpress:11").lang == "en"      # /en/ in its link
    assert item(exported, "wordpress:10").lang == "en"      # nothing says: the option
    assert item(exported, "wordpress:10").translation_group is None


# --- Bodies ------------------------------------------------------------------------------

def test_classic_body(export):
    body = item(export, "wordpress:10").body
    assert body.startswith("Trois mois, c'est l'horizon idéal\u00a0: assez long")  # NBSP kept
    assert "concret.  \nVoici comment" in body   # a single line break stays a line break
    assert "**Première étape** : lister" in body
    assert "\n* les salons et événements du secteur ;\n* les lancements prévus.\n" in body
    assert "<!--" not in body and "[caption" not in body and "[gallery" not in body


def test_shortcodes_become_the_projects_forms(export):
    body = item(export, "wordpress:10").body
    lines = body.splitlines()
    assert ('![Une carte mentale autour du mot « trimestre »]({static}/images/wordpress/2021/02/carte-mentale.jpg '
            '"La carte mentale de départ")') in lines
    # [gallery ids="21,22"]: one figure per image, captioned by the attachment's excerpt.
    assert ('![Des post-it jaunes sur un tableau blanc]({static}/images/wordpress/2021/02/atelier-1.png '
            '"Le tableau blanc en début d\'atelier")') in lines
    assert "![Le même tableau, couvert de flèches]({static}/images/wordpress/2021/02/atelier-2.png)" in lines
    assert "![]({static}/media/wordpress/2021/02/jingle.wav)" in lines
    assert "<https://www.youtube.com/watch?v=aqz-KE-bpKQ>" in lines


def test_unknown_shortcode_left_as_text_and_listed(export):
    body = item(export, "wordpress:10").body
    assert '\\[contact-form-7 id="42" title="Modèle"\\]' in body
    assert [(s.source_id, s.what) for s in export.skipped if s.what == "shortcode"] == [("wordpress:10", "shortcode")]
    assert "[contact-form-7 id=\"42\" title=\"Modèle\"]" in render(body)


def test_block_editor_body(export):
    body = item(export, "wordpress:11").body
    assert "wp:" not in body and "srcset" not in body
    assert body.startswith("Three months is the right horizon: long enough to see what's coming, "
                           "short enough to stay\u00a0practical.")
    assert ('![A planning board with three columns]({static}/images/wordpress/2021/02/plan-trimestre.jpg '
            '"The board we fill in during the first session")') in body.splitlines()
    assert "| Channel | Cost |\n| --- | --- |\n| Blog \\| newsletter | 2 days a month |" in body
    assert "```python\nfor week in range(13):\n    plan[week] = topics.pop() if topics else \"catch-up\"\n```" in body
    assert "<https://vimeo.com/76979871>" in body.splitlines()
    # The reusable block (wp_block 30) is expanded where it was referenced.
    assert body.rstrip().endswith("[join the newsletter](https://blog.atelier-exemple.fr/en/newsletter/).")


def test_bodies_render_as_the_media_plugin_expects(export):
    """Python-Markdown turns each body into what plugins/media/transforms.py makes a figure,
    a player or a table of it: an image or a video link alone in its paragraph."""
    french = BeautifulSoup(render(item(export, "wordpress:10").body), "html.parser")
    lone = [p.contents[0] for p in french.find_all("p") if len(p.contents) == 1 and p.contents[0].name]
    assert [(tag.name, tag.get("src") or tag.get("href")) for tag in lone] == [
        ("img", "{static}/images/wordpress/2021/02/carte-mentale.jpg"),
        ("img", "{static}/images/wordpress/2021/02/atelier-1.png"),
        ("img", "{static}/images/wordpress/2021/02/atelier-2.png"),
        ("img", "{static}/media/wordpress/2021/02/jingle.wav"),
        ("a", "https://www.youtube.com/watch?v=aqz-KE-bpKQ"),
    ]
    assert lone[0]["title"] == "La carte mentale de départ"
    english = BeautifulSoup(render(item(export, "wordpress:11").body), "html.parser")
    assert [td.get_text() for td in english.find_all("td")][:2] == ["Blog | newsletter", "2 days a month"]
    assert english.find("code").get_text().startswith("for week in range(13):")
    assert english.find("a", href="https://vimeo.com/76979871").parent.name == "p"


# --- Media --------------------------------------------------------------------------------

def test_media_of_a_post_and_its_cover(export):
    post = item(export, "wordpress:10")
    assert [(m.url, m.target, m.kind) for m in post.media] == [
        # From i0.wp.com, "-scaled" and "?w=640": the original on the site.
        ("https://blog.atelier-exemple.fr/wp-content/uploads/2021/02/carte-mentale.jpg",
         "images/wordpress/2021/02/carte-mentale.jpg", "image"),
        ("https://blog.atelier-exemple.fr/wp-content/uploads/2021/02/atelier-1.png",
         "images/wordpress/2021/02/atelier-1.png", "image"),
        ("https://blog.atelier-exemple.fr/wp-content/uploads/2021/02/atelier-2.png",
         "images/wordpress/2021/02/atelier-2.png", "image"),
        ("https://blog.atelier-exemple.fr/wp-content/uploads/2021/02/jingle.wav",
         "media/wordpress/2021/02/jingle.wav", "audio"),
    ]
    assert (post.cover.url, post.cover.target) == (
        "https://blog.atelier-exemple.fr/wp-content/uploads/2021/02/plan-trimestre.jpg",
        "images/wordpress/2021/02/plan-trimestre.jpg")
    # -300x200 in the English body: the same original as the cover.
    assert [m.target for m in item(export, "wordpress:11").media] == ["images/wordpress/2021/02/plan-trimestre.jpg"]


def test_media_urls_find_the_uploads_folder(export):
    """Each Media URL's uploads path names a file of the fixture's folder, but the one left out on purpose."""
    media = [m for i in export.items for m in i.media + ([i.cover] if i.cover else [])]
    paths = {m.url.split("/wp-content/uploads/")[1] for m in media}
    assert {p for p in paths if not (UPLOADS / p).is_file()} == {"2021/02/atelier-2.png"}
    assert all((UPLOADS / p).stat().st_size < 2048 for p in paths - {"2021/02/atelier-2.png"})


@pytest.mark.parametrize("url, expected", [
    ("https://ex.fr/wp-content/uploads/2019/05/photo-1024x768.jpeg?resize=1", "images/wordpress/2019/05/photo.jpeg"),
    ("https://monblog.files.wordpress.com/2012/03/carte.png?w=300", "images/wordpress/2012/03/carte.png"),
    ("/wp-content/uploads/2020/01/guide%20complet.pdf", "files/wordpress/2020/01/guide-complet.pdf"),
    ("https://ex.fr/wp-content/uploads/photo-scaled.jpg", "images/wordpress/photo.jpg"),
    ("https://ex.fr/images/photo.jpg", None),
])
def test_media_targets(url, expected):
    media = wordpress.media_of(url, "https://ex.fr")
    assert (media.target if media else None) == expected


# --- Comments --------------------------------------------------------------------------------

def test_comments_threaded_with_their_status(export):
    comments = item(export, "wordpress:10").comments
    assert [(c.id, c.parent, c.status) for c in comments] == [
        ("101", None, "approved"), ("102", "101", "approved"), ("103", "102", "approved"),
        ("104", None, "spam"), ("105", None, "pending")]
    first = comments[0]
    assert (first.author, first.email, first.website) == ("Camille Roux", "camille@exemple.org",
                                                          "https://camille.exemple.org")
    assert first.date == datetime(2021, 2, 8, 9, 15, tzinfo=timezone.utc)
    assert first.text == ("<p>Merci pour la méthode !<br>\nJe l'essaie dès lundi.</p>\n"
                          "<p>Une question : combien de temps pour la première étape ?</p>")
    assert comments[4].website is None


def test_pingbacks_are_listed_not_kept(export):
    pingbacks = [s for s in export.skipped if s.what == "pingback"]
    assert [(s.source_id, s.reason) for s in pingbacks] == [
        ("wordpress:10:comment:106", "pingback from https://sam.exemple.com/2021/02/mes-lectures/")]


# --- Old addresses ---------------------------------------------------------------------------

def test_old_addresses_of_items(export):
    assert item(export, "wordpress:10").old_urls == [
        "/2021/02/07/planifier-ses-contenus/", "?p=10", "/2021/02/07/planifier-contenus-trimestre/"]
    assert item(export, "wordpress:11").old_urls == ["/en/2021/02/09/planning-a-quarter/", "?p=11"]
    assert item(export, "wordpress:12").old_urls == ["/a-propos/", "?page_id=12"]


def test_old_addresses_of_the_site(export):
    assert export.old_urls == {
        "/category/strategie/": "category:strategie", "/category/strategy/": "category:strategie",
        "/en/category/strategy/": "category:strategie", "/category/e-mailing/": "category:e-mailing",
        "/tag/redaction/": "tag:redaction", "/tag/writing/": "tag:redaction", "/en/tag/writing/": "tag:redaction",
        "/tag/calendrier/": "tag:calendrier", "/tag/calendar/": "tag:calendrier",
        "/en/tag/calendar/": "tag:calendrier",
        "/feed/": "feed:fr", "/en/feed/": "feed:en",
    }


def test_old_date_gives_another_address(tmp_path):
    path = replaced(tmp_path, [("<wp:post_id>16</wp:post_id>", "<wp:post_id>16</wp:post_id><wp:postmeta>"
                                "<wp:meta_key>_wp_old_date</wp:meta_key><wp:meta_value>2021-02-26</wp:meta_value>"
                                "</wp:postmeta>")])
    assert "/2021/02/26/newsletter-rythme/" in item(wordpress.read(path, ReadOptions()), "wordpress:16").old_urls


# --- Variants of the format --------------------------------------------------------------------

def summary(exported):
    return [(i.source_id, i.slug, i.lang, i.category, tuple(i.tags), len(i.comments), i.body) for i in exported.items]


def test_https_namespaces_and_wxr_1_0(tmp_path, export):
    text = SITE.read_text(encoding="utf-8")
    text = text.replace("http://wordpress.org/export/1.2/", "https://wordpress.org/export/1.0/")
    text = text.replace('domain="post_tag"', 'domain="tag"')
    text = re.sub(r"\t<wp:author>.*\n", "", text)   # WXR 1.0 lists no authors
    path = tmp_path / "wxr-1.0.xml"
    path.write_text(text, encoding="utf-8")
    exported = wordpress.read(path, ReadOptions())
    assert summary(exported) == summary(export)
    assert exported.authors == {"elise": {"name": "elise"}, "nadia": {"name": "nadia"}}


def split_export(tmp_path):
    """The fixture as `wp export` splits it: each file a whole WXR with the channel's header."""
    text = SITE.read_text(encoding="utf-8")
    head, _, rest = text.partition("\t<item>")
    items = ["\t<item>" + part for part in rest.split("\t<item>")]
    items[-1] = items[-1].split("</channel>")[0]
    folder = tmp_path / "split"
    folder.mkdir()
    middle = len(items) // 2
    for number, chunk in enumerate((items[:middle], items[middle:])):
        (folder / f"atelier.wordpress.2021-06-07.{number:03d}.xml").write_text(
            head + "".join(chunk) + "</channel>\n</rss>\n", encoding="utf-8")
    return folder


def test_split_files_in_a_folder_or_a_zip(tmp_path, export):
    folder = split_export(tmp_path)
    assert summary(wordpress.read(folder, ReadOptions())) == summary(export)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.iterdir(), reverse=True):
            zipped.write(path, f"atelier/{path.name}")
    zipped_export = wordpress.read(archive, ReadOptions())
    assert summary(zipped_export) == summary(export)
    assert zipped_export.old_urls == export.old_urls


def test_control_characters_removed_and_listed(tmp_path):
    path = tmp_path / "controls.xml"
    data = SITE.read_bytes().replace(b"qu'on attend", b"qu'on\x0b attend\x01")
    path.write_bytes(data)
    exported = wordpress.read(path, ReadOptions())
    assert "qu'on attend qu'une par semaine" in item(exported, "wordpress:16").body
    assert [(s.source_id, s.what) for s in exported.skipped if s.what == "character"] == [("wordpress:16", "character")]


def test_a_generated_large_export_reads_whole(tmp_path):
    make_large_wxr = runpy.run_path(str(FIXTURES / "generate.py"))["make_large_wxr"]
    exported = wordpress.read(make_large_wxr(tmp_path / "large.xml", posts=20, comments=70), ReadOptions())
    assert len(exported.items) == 20 and sum(len(i.comments) for i in exported.items) == 70
    assert all("{static}/images/wordpress/2015/01/" in i.body for i in exported.items)


# --- Bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, problem", [
    ("not-a-wxr.xml", "an RSS feed without WordPress's wp: elements, not a WordPress export (WXR)"),
    ("malformed.xml", "malformed XML at line 8: Opening and ending tag mismatch: strong line 8 and p"),
    ("cut-short.xml", "the export ends early at line 176"),
])
def test_bad_fixtures(name, problem):
    with pytest.raises(FormatError) as raised:
        wordpress.read(FIXTURES / name, ReadOptions())
    message = str(raised.value)
    assert message.startswith(f"{FIXTURES / name}: {problem}")
    assert "\n" not in message


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&lol2;</title></channel></rss>
"""


@pytest.mark.parametrize("content, problem", [
    (b"<!DOCTYPE html>\n<html><head><title>Blog</title></head><body><p>Hello</p></body></html>",
     "an HTML page, not a WordPress export (WXR)"),
    (BILLION_LAUGHS.encode(), "declares a DOCTYPE"),
    (BILLION_LAUGHS.replace("\n<!DOCTYPE", "\n<!--" + "x" * 5000 + "-->\n<!DOCTYPE", 1).encode(), "declares a DOCTYPE"),
    (b"", "the file is empty"),
    (b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
     "its root element is <feed>, not <rss>"),
    (b'<?xml version="1.0" encoding="x-martian"?>\n<rss><channel/></rss>', "unknown or wrong encoding"),
])
def test_bad_files(tmp_path, content, problem):
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    with pytest.raises(FormatError) as raised:
        wordpress.read(path, ReadOptions())
    assert str(raised.value).startswith(f"{path}: {problem}")
    assert "\n" not in str(raised.value)


def test_missing_or_empty_sources(tmp_path):
    with pytest.raises(FormatError, match="no such file or folder"):
        wordpress.read(tmp_path / "absent.xml", ReadOptions())
    with pytest.raises(FormatError, match="no WordPress export"):
        wordpress.read(tmp_path, ReadOptions())
    archive = tmp_path / "media.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("uploads/2021/02/a.txt", "x")
    with pytest.raises(FormatError, match="no WordPress export"):
        wordpress.read(archive, ReadOptions())


def test_a_bad_file_in_a_zip_is_named(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(FIXTURES / "cut-short.xml", "atelier.000.xml")
    with pytest.raises(FormatError) as raised:
        wordpress.read(archive, ReadOptions())
    assert str(raised.value).startswith(f"{archive}:atelier.000.xml: the export ends early at line 176")


# --- HTML to Markdown -------------------------------------------------------------------------

def test_escaping_round_trips_through_python_markdown():
    html = ("<p>1 &lt; 2 &amp; 3 * 4 _x_ [note] a|b `tick` &amp;amp; C:\\dir</p>"
            "<p># pas un titre</p><p>2021. Une année</p><p>- pas une liste</p><p>&gt; pas une citation</p>")
    text = to_markdown(html)
    rendered = BeautifulSoup(render(text), "html.parser")
    assert [p.get_text() for p in rendered.find_all("p")] == [
        "1 < 2 & 3 * 4 _x_ [note] a|b `tick` &amp; C:\\dir", "# pas un titre", "2021. Une année",
        "- pas une liste", "> pas une citation"]
    assert not rendered.find(["h1", "ul", "ol", "blockquote", "em", "code"])


def test_code_languages_and_fences():
    assert to_markdown('<pre class="brush: php; title: ; notranslate">echo "```";</pre>') == \
        '````php\necho "```";\n````\n'
    assert to_markdown('<pre lang="js"><code>let a = 1 < 2;</code></pre>') == "```js\nlet a = 1 < 2;\n```\n"
    assert to_markdown("<pre><code>plain</code></pre>") == "```\nplain\n```\n"


def test_figures_kept_raw_when_markdown_cannot_say_them():
    html = ('<figure class="wp-block-image"><img src="a.jpg" alt="A" class="wp-image-1" srcset="a-300.jpg 300w">'
            '<figcaption>Photo de <a href="https://ex.fr">Camille</a></figcaption></figure>')
    assert to_markdown(html) == ('<figure class="wp-block-image"><img alt="A" src="a.jpg"/>'
                                 '<figcaption>Photo de <a href="https://ex.fr">Camille</a></figcaption></figure>\n')
    assert to_markdown('<p><a href="a.jpg"><img src="a.jpg" alt="Seule"></a></p>') == "![Seule](a.jpg)\n"
    assert to_markdown('<iframe src="https://www.youtube.com/embed/aqz-KE-bpKQ"></iframe>') == \
        "<https://www.youtube.com/embed/aqz-KE-bpKQ>\n"


def test_nested_lists_and_line_breaks():
    html = "<ul><li>un<ul><li>deux</li></ul></li><li>trois</li></ul><p>ligne<br>suite</p>"
    assert to_markdown(html) == "* un\n  * deux\n* trois\n\nligne  \nsuite\n"


def test_query_languages_and_encoded_slugs(tmp_path):
    path = replaced(tmp_path, [
        ("https://blog.atelier-exemple.fr/en/2021/02/09/planning-a-quarter/",
         "https://blog.atelier-exemple.fr/2021/02/09/planning-a-quarter/?lang=en"),
        ("<wp:post_name><![CDATA[a-propos]]></wp:post_name>", "<wp:post_name><![CDATA[%c3%a0-propos]]></wp:post_name>"),
        ('<category domain="language" nicename="en"><![CDATA[English]]></category>', ""),
    ])
    exported = wordpress.read(path, ReadOptions())
    english = item(exported, "wordpress:11")
    assert english.lang == "en" and english.old_urls[0] == "/2021/02/09/planning-a-quarter/?lang=en"
    assert item(exported, "wordpress:12").slug == "a-propos"   # "à-propos", folded to the project's slugs


def test_video_and_embed_shortcodes():
    from importers.sources.wordpress_html import BodyContext, prepare_body

    skipped = []
    html = ('[video width="640" mp4="https://ex.fr/wp-content/uploads/2020/05/demo.mp4"][/video]\n'
            "[youtube=https://www.youtube.com/watch?v=aqz-KE-bpKQ&amp;w=320]\n"
            "[vimeo 76979871]\n[embed]https://youtu.be/aqz-KE-bpKQ[/embed]\n"
            "<code>[caption]</code> s'écrit [[caption]] ; [playlist ids=\"4,5\"] n'existe pas ici.")
    context = BodyContext(post_id="1", unknown_shortcode=skipped.append)
    text = to_markdown(prepare_body(html, context))
    assert text.splitlines() == [
        "![](https://ex.fr/wp-content/uploads/2020/05/demo.mp4)", "",
        "<https://www.youtube.com/watch?v=aqz-KE-bpKQ&w=320>", "",
        "<https://vimeo.com/76979871>", "",
        "<https://youtu.be/aqz-KE-bpKQ>", "",
        '`[caption]` s\'écrit \\[caption\\] ; \\[playlist ids="4,5"\\] n\'existe pas ici.']
    assert skipped == ["playlist"]


def test_links_as_python_markdown_reads_them():
    html = ('<p>Voir <a href="/guide (1).pdf" title=\'Le "guide" &amp; co\'>le guide</a>, '
            '<a href="https://ex.fr/a_b">https://ex.fr/a_b</a> et <a href="/x">/x</a>.</p>')
    text = to_markdown(html)
    assert text == ('Voir [le guide](/guide%20%281%29.pdf "Le &quot;guide&quot; &amp; co"), '
                    "<https://ex.fr/a_b> et [/x](/x).\n")
    links = BeautifulSoup(render(text), "html.parser").find_all("a")
    assert [(a["href"], a.get("title")) for a in links] == [
        ("/guide%20%281%29.pdf", 'Le "guide" & co'), ("https://ex.fr/a_b", None), ("/x", None)]


def test_links_to_wordpress_attachment_pages_are_dropped():
    html = ('<p><a href="https://ex.fr/2021/02/07/post/attachment/plan/"><img src="plan.jpg" alt="Plan"></a></p>'
            '<p><a href="https://ex.fr/?attachment_id=20"><img src="plan.jpg" alt="Plan"></a></p>'
            '<p><a href="https://ex.fr/offre/"><img src="plan.jpg" alt="Plan"></a></p>')
    assert to_markdown(html) == "![Plan](plan.jpg)\n\n![Plan](plan.jpg)\n\n[![Plan](plan.jpg)](https://ex.fr/offre/)\n"
