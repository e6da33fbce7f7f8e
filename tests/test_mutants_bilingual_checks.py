"""The content and link checks pinned down where `invoke mutate` found changes no test noticed (issue 28).

The checks run on a real build context (BilingualBuild with the site's URL patterns and a taxonomy file)
in a test folder; posts are the few attributes Pelican gives a post. Each test compares the problems the
build would print, whole: they are what the editor reads to fix the content.
"""

import codecs
from pathlib import Path
from types import SimpleNamespace

import pytest

from bilingual.checks import (
    AskedFiles, BuiltFiles, check_collection, check_fields, check_links, check_taxonomy, report_bad_value,
    text_problem)
from bilingual.state import BilingualBuild
from sitekit.content import digest_of, source_digest
from sitekit.languages import base_patterns, load

SETTINGS = {"ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html", "PAGE_URL": "pages/{slug}/",
            "PAGE_SAVE_AS": "pages/{slug}/index.html", "CATEGORY_URL": "category/{slug}/",
            "CATEGORY_SAVE_AS": "category/{slug}/index.html", "TAG_URL": "tag/{slug}/",
            "TAG_SAVE_AS": "tag/{slug}/index.html", "DIRECT_TEMPLATES": ["index", "archives"],
            "INDEX_URL": "", "INDEX_SAVE_AS": "index.html"}

TAXONOMY = """\
[categories.strategie]
fr = "Stratégie"
en = "Strategy"

[categories.emailing]
fr = "E-mailing"
en = "Email marketing"

[tags.seo]
fr = "SEO"
en = "SEO"

[tags.redaction]
fr = "Rédaction"
en = "Copywriting"

[tags.redaction-2]
en = "Writing"
"""


def make_build(folder, taxonomy=TAXONOMY, languages=("fr", "en")):
    (folder / "content/data").mkdir(parents=True, exist_ok=True)
    if taxonomy is not None:
        (folder / "content/data/taxonomy.toml").write_text(taxonomy, encoding="utf-8")
    settings = {**SETTINGS, "BILINGUAL": {"languages": list(languages)}}
    return BilingualBuild(load(settings), base_patterns(settings), str(folder / "content"))


@pytest.fixture
def build(tmp_path, monkeypatch):
    """A build in a test folder, run from it (so that problems name content/...)."""
    monkeypatch.chdir(tmp_path)
    return make_build(tmp_path)


def reported(build):
    """Every problem as the build prints it, errors first."""
    return ([f"ERROR: {problem}" for problem in build.problems.errors]
            + [f"WARNING: {problem}" for problem in build.problems.warnings])


def source(relative, text="Title: x\n\nText.\n"):
    path = Path(relative).absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- Text the site can carry ------------------------------------------------------------------------------

@pytest.mark.parametrize("data, problem", [
    (b"Title: ok\n\nCaf\xc3\xa9\ttab\r\n", None),
    (codecs.BOM_UTF8 + b"Title: ok\n", None),
    (codecs.BOM_UTF8 + b"a\nb\n\xe9t\xe9\n", (3, "byte 0xe9 is not UTF-8 (the file was saved in another encoding, "
                                               "such as Latin-1 or Windows-1252); save it as UTF-8 in your editor")),
    (b"\nx\xe9", (2, "byte 0xe9 is not UTF-8 (the file was saved in another encoding, such as Latin-1 or "
                      "Windows-1252); save it as UTF-8 in your editor")),
    ("\n\x07".encode(), (2, "holds the invisible control character U+0007, which web feeds and sitemaps (XML) "
                             "refuse; delete it (retype the line if your editor does not show it)")),
    (b"\x80", (1, "byte 0x80 is not UTF-8 (the file was saved in another encoding, such as Latin-1 or "
                  "Windows-1252); save it as UTF-8 in your editor")),
    (b"a\nb\nc\x0cd\x01\n", (3, "holds the invisible control character U+000C, which web feeds and sitemaps (XML) "
                                "refuse; delete it (retype the line if your editor does not show it)")),
    ("a\n\n\n\ufffe".encode(), (4, "holds the invisible control character U+FFFE, which web feeds and sitemaps "
                                   "(XML) refuse; delete it (retype the line if your editor does not show it)")),
])
def test_text_problems_name_the_line_and_what_to_do(tmp_path, data, problem):
    path = tmp_path / "post.md"
    path.write_bytes(data)
    assert text_problem(path) == problem


# --- Fields every post needs ----------------------------------------------------------------------------------

def content(path, title="Un titre", date="2025-02-01", lang="fr", text="Du texte.", **metadata):
    return SimpleNamespace(source_path=path, title=title, date=date, lang=lang, _content=text, metadata=metadata)


def test_a_post_without_title_date_language_or_text_is_told_each(build):
    check_fields(content(source("content/posts/fr/a.md"), title=" ", date=None, lang="", text="\n"), build, True)
    assert reported(build) == [
        "ERROR: content/posts/fr/a.md: Title: missing; add a line such as 'Title: Mon article' at the top of the file",
        "ERROR: content/posts/fr/a.md: Date: missing; add a line such as 'Date: 2025-01-31 09:30' at the top of the "
        "file",
        "ERROR: content/posts/fr/a.md: Lang: empty; write one of: fr, en",
        "WARNING: content/posts/fr/a.md: body: empty; write the text below the metadata lines and a blank line",
    ]


def test_a_page_needs_no_date_and_a_language_must_be_the_sites(build):
    page = content(source("content/pages/b.md"), date=None, lang="de", text=None)
    del page.title
    check_fields(page, build, False)
    assert reported(build) == [
        "ERROR: content/pages/b.md: Title: missing; add a line such as 'Title: Mon article' at the top of the file",
        "ERROR: content/pages/b.md: Lang: 'de' is not a language of this site; use one of: fr, en",
        "WARNING: content/pages/b.md: body: empty; write the text below the metadata lines and a blank line",
    ]


def test_a_post_pelican_gave_no_date_at_all_is_told_so(build):
    post = content(source("content/posts/fr/a.md"))
    del post.date
    check_fields(post, build, True)
    assert reported(build) == ["ERROR: content/posts/fr/a.md: Date: missing; add a line such as 'Date: 2025-01-31 "
                               "09:30' at the top of the file"]


def test_a_complete_post_has_no_problem(build):
    check_fields(content(source("content/posts/fr/a.md")), build, True)
    check_fields(content(source("content/pages/p.md"), date=None, save_as="p.html", url="p.html"), build, False)
    assert reported(build) == []


@pytest.mark.parametrize("save_as, address, kind", [("a-propos/index.html", "a-propos/", "page"),
                                                    ("a-propos.html", "a-propos.html", "post"),
                                                    ("index.html", "index.html", "post")])
def test_a_save_as_without_url_says_which_url_to_add(build, save_as, address, kind):
    check_fields(content(source("content/x.md"), save_as=save_as), build, kind == "post")
    assert reported(build) == [
        f"ERROR: content/x.md: Save_as: {save_as!r} is set without a URL line, so the links to this {kind} lead "
        f"to nothing; add 'URL: {address}'"]


# --- Categories and tags ----------------------------------------------------------------------------------

def tagged(build, lang="fr", **metadata):
    check_taxonomy(build, source("content/posts/fr/a.md"), metadata, lang)
    return reported(build)


def test_names_of_the_taxonomy_as_spelled_there_pass(build):
    assert tagged(build, category=SimpleNamespace(name="Stratégie"), tags=["SEO", SimpleNamespace(name="Rédaction")]) == []
    assert tagged(build, "en", category="Email marketing", tags=["Writing"]) == []


def test_a_name_spelled_otherwise_says_how_to_write_it(build):
    assert tagged(build, category="stratégie", tags=["seo"]) == [
        "ERROR: content/posts/fr/a.md: Category: 'stratégie' is spelled 'Stratégie' in content/data/taxonomy.toml; "
        "write it that way",
        "ERROR: content/posts/fr/a.md: Tags: 'seo' is spelled 'SEO' in content/data/taxonomy.toml; write it that way",
    ]


def test_a_name_of_the_other_language_says_which_to_write(build):
    assert tagged(build, tags=["Copywriting", "copywriting"]) == [
        "ERROR: content/posts/fr/a.md: Tags: 'Copywriting' is the English name of [tags.redaction] in "
        "content/data/taxonomy.toml; in a French post, write 'Rédaction'",
        "ERROR: content/posts/fr/a.md: Tags: 'copywriting' is the English name of [tags.redaction] in "
        "content/data/taxonomy.toml; in a French post, write 'Rédaction'",
    ]


def test_a_french_name_in_an_english_post_is_named_in_english(build):
    [error] = tagged(build, "en", tags=["Rédaction"])
    assert error == ("ERROR: content/posts/fr/a.md: Tags: 'Rédaction' is the French name of [tags.redaction] "
                     "in content/data/taxonomy.toml; in an English post, write 'Copywriting'")


def test_an_english_name_without_french_is_not_offered(build):
    assert tagged(build, tags=["Writing"]) == [
        "ERROR: content/posts/fr/a.md: Tags: 'Writing' is not a French tag name of content/data/taxonomy.toml (the "
        "closest: 'Rédaction', 'SEO'); write one of its names, or add the new tag to that file: [tags.writing] "
        "fr = \"Writing\" en = \"...\" (each on its own line)"]


def test_an_unknown_name_names_the_closest_and_a_free_key(build):
    assert tagged(build, "en", category="Strategie", tags=["Redaction", 'Say "hi"']) == [
        "ERROR: content/posts/fr/a.md: Category: 'Strategie' is not an English category name of "
        "content/data/taxonomy.toml (the closest: 'Strategy'); write one of its names, or add the new category to "
        "that file: [categories.strategie-2] fr = \"...\" en = \"Strategie\" (each on its own line)",
        "ERROR: content/posts/fr/a.md: Tags: 'Redaction' is not an English tag name of content/data/taxonomy.toml "
        "(the closest: 'Writing', 'Copywriting', 'SEO'); write one of its names, or add the new tag to that file: "
        "[tags.redaction-3] fr = \"...\" en = \"Redaction\" (each on its own line)",
        "ERROR: content/posts/fr/a.md: Tags: 'Say \"hi\"' is not an English tag name of content/data/taxonomy.toml "
        "(the closest: 'Copywriting', 'SEO', 'Writing'); write one of its names, or add the new tag to that file: "
        "[tags.say-hi] fr = \"...\" en = \"Say \\\"hi\\\"\" (each on its own line)",
    ]


def test_a_name_of_no_letters_gets_a_new_key_and_a_language_without_names_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    build = make_build(tmp_path, '[categories.new]\nfr = "Neuf"\n\n[categories.new-2]\nfr = "Neuf 2"\n',
                       languages=("fr", "en", "it"))
    assert tagged(build, "en", category="!!") == [
        "ERROR: content/posts/fr/a.md: Category: '!!' is not an English category name of content/data/taxonomy.toml "
        "(it has no category in this language yet); write one of its names, or add the new category to that file: "
        "[categories.new-3] fr = \"...\" en = \"!!\" it = \"...\" (each on its own line)"]


def test_no_taxonomy_file_or_a_language_not_of_the_site_checks_nothing(tmp_path, monkeypatch, build):
    assert tagged(build, "de", category="Nimporte") == []
    other = tmp_path / "other"
    monkeypatch.chdir(tmp_path)
    bare = make_build(other, taxonomy=None)
    assert tagged(bare, category="Nimporte", tags=["x"]) == []


def test_a_bad_value_is_reported_with_its_hint(build):
    report_bad_value(build, source("content/posts/fr/a.md"), "Status", "publié", "is not a status; write draft")
    assert reported(build) == ["ERROR: content/posts/fr/a.md: Status: 'publié' is not a status; write draft"]


# --- Slugs, translations, Source-Hash -------------------------------------------------------------------------

def item(relative, lang, slug=None, text=None, **attributes):
    """A post as Pelican reads it: its file (written), language, slug and translation lines."""
    path = source(relative, text or f"Title: {slug}\n\nText of {relative}.\n")
    return SimpleNamespace(source_path=path, lang=lang, slug=slug, **attributes)


def test_a_slug_or_translation_used_twice_in_a_language_is_an_error_and_not_written(build):
    first = item("content/posts/fr/a.md", "fr", "mot")
    again = item("content/posts/fr/b.md", "fr", "mot")
    third = item("content/posts/fr/c.md", "fr", "mot")
    other_language = item("content/posts/en/a.md", "en", "mot", translation_of="mot", translation_key="mot",
                          source_hash=source_digest(first.source_path))
    twin = item("content/posts/en/b.md", "en", "word", translation_of="mot", translation_key="mot",
                source_hash=source_digest(first.source_path))
    no_slug = item("content/posts/en/c.md", "en", None)
    no_slug_either = item("content/posts/en/d.md", "en", None)
    check_collection([third, twin, again, other_language, first, no_slug, no_slug_either], build, "post")
    assert reported(build) == [
        "ERROR: content/posts/fr/b.md: Slug: 'mot' is already used by content/posts/fr/a.md in the same language "
        "(fr); give one of them another Slug",
        "ERROR: content/posts/fr/c.md: Slug: 'mot' is already used by content/posts/fr/a.md in the same language "
        "(fr); give one of them another Slug",
        "ERROR: content/posts/en/b.md: Translation-Of: content/posts/en/a.md already translates 'mot' into this "
        "language (en); keep one translation, or point this one at another original",
    ]
    assert build.unwritten == {again.source_path, third.source_path, twin.source_path}


def test_a_file_left_unwritten_takes_no_slug(build):
    gone = item("content/posts/fr/a.md", "fr", "mot")
    kept = item("content/posts/fr/b.md", "fr", "mot")
    build.unwritten.add(gone.source_path)
    check_collection([gone, kept], build, "page")
    assert reported(build) == []


def test_a_post_may_not_take_the_folder_of_a_language_or_a_list(build):
    posts = [item(f"content/posts/fr/{slug}.md", "fr", slug) for slug in ("en", "tag", "archives", "pages", "ok")]
    check_collection(posts, build, "post")
    assert reported(build) == [
        f"ERROR: content/posts/fr/{slug}.md: Slug: {slug!r} is the name of a folder of the site "
        f"(archives, authors, categories, category, en, pages, tag, tags); choose another Slug"
        for slug in ("en", "tag", "archives", "pages")]
    assert build.unwritten == {post.source_path for post in posts[:4]}
    pages = [item(f"content/pages/{slug}.md", "fr", slug) for slug in ("tag", "archives")]
    again = make_build(Path.cwd())
    check_collection(pages, again, "page")   # a page's slug is under pages/
    assert reported(again) == []


def test_a_translation_checks_its_original(build):
    original = item("content/posts/fr/a.md", "fr", "original")
    english = item("content/posts/en/own.md", "en", "own")
    items = [
        original, english,
        item("content/posts/fr/self.md", "fr", "self", translation_of="self"),
        item("content/posts/en/self.md", "en", "same", translation_of="same"),       # not the primary: no own-slug line
        item("content/posts/en/none.md", "en", "none", translation_of="missing"),
        item("content/posts/de/x.md", "fr", "x", translation_of="original"),         # same language as its original
        item("content/posts/en/own-slug.md", "en", "own-slug", translation_of="own"),  # an English "original"
    ]
    check_collection(items, build, "page")
    assert reported(build) == [
        "ERROR: content/posts/fr/self.md: Translation-Of: 'self' is this page's own slug; an original needs no "
        "Translation-Of line: remove it",
        "ERROR: content/posts/en/self.md: Translation-Of: no French page has the slug 'same'; write the original's "
        "Slug here, or remove the line if this is not a translation",
        "ERROR: content/posts/en/none.md: Translation-Of: no French page has the slug 'missing'; write the "
        "original's Slug here, or remove the line if this is not a translation",
        "ERROR: content/posts/de/x.md: Lang: a translation must differ from its original's language (fr)",
        "ERROR: content/posts/en/own-slug.md: Translation-Of: no French page has the slug 'own'; write the original's "
        "Slug here, or remove the line if this is not a translation",
    ]


def test_an_original_left_unwritten_translates_nothing(build):
    original = item("content/posts/fr/a.md", "fr", "original")
    build.unwritten.add(original.source_path)
    check_collection([original, item("content/posts/en/a.md", "en", "a", translation_of="original")], build, "post")
    assert reported(build)[-1].startswith("ERROR: content/posts/en/a.md: Translation-Of: no French post has the slug")


def test_a_translation_of_an_original_with_an_error_is_not_told_twice(build):
    wrong_lang = item("content/posts/fr/a.md", "de", "original")
    build.problems.add("content/posts/fr/a.md", "Lang", "'de' is not a language of this site")
    translation = item("content/posts/en/a.md", "en", "a", translation_of="original")
    unrelated = item("content/posts/en/b.md", "en", "b", translation_of="other")
    check_collection([wrong_lang, translation, unrelated], build, "post")
    assert reported(build) == [
        "ERROR: content/posts/fr/a.md: Lang: 'de' is not a language of this site",
        "ERROR: content/posts/en/b.md: Translation-Of: no French post has the slug 'other'; write the original's "
        "Slug here, or remove the line if this is not a translation",
    ]


def test_a_file_left_out_for_an_error_may_be_the_original_of_any_translation(build):
    build.problems.add("content/posts/fr/undated.md", "Date", "missing")
    build.problems.warn("content/posts/fr/other.md", "body", "empty")
    translation = item("content/posts/en/a.md", "en", "a", translation_of="whatever")
    check_collection([translation], build, "post")
    assert [line for line in reported(build) if "en/a.md" in line] == []


def test_a_translation_of_a_changed_original_is_told_the_new_hash(build):
    original = item("content/posts/fr/a.md", "fr", "original", text="Title: A\r\n\r\nOriginal.\r\n")
    current = digest_of(b"Title: A\n\nOriginal.\n")
    up_to_date = item("content/posts/en/a.md", "en", "a", translation_of="original", source_hash=f" {current}\n")
    outdated = item("content/posts/de/a.md", "de", "a", translation_of="original", source_hash="0123456789ab")
    build = make_build(Path.cwd(), languages=("fr", "en", "de"))
    check_collection([original, up_to_date, outdated], build, "post")
    assert reported(build) == [
        "WARNING: content/posts/de/a.md: Source-Hash: content/posts/fr/a.md changed after this translation was made "
        f"(recorded 0123456789ab, now {current}); bring the translation up to date, then set "
        f"'Source-Hash: {current}'"]


def test_a_missing_source_hash_outside_git_offers_no_hash_and_is_told_once(build):
    original = item("content/posts/fr/a.md", "fr", "original")
    translation = item("content/posts/en/a.md", "en", "a", translation_of="original", source_hash=None)
    check_collection([original, translation], build, "post")
    check_collection([original, translation], build, "post")   # the English run checks it again
    assert reported(build) == [
        "WARNING: content/posts/en/a.md: Source-Hash: missing; compare the translation with content/posts/fr/a.md "
        "first: git cannot tell which version of it this translates (not in a git repository), so no hash is "
        "offered; once the translation says what the original says, add 'Source-Hash: unknown': the next build "
        "gives the hash to record"]


GIT_ENVIRONMENT = {"GIT_AUTHOR_DATE": "2025-02-01T10:00:00+00:00", "GIT_COMMITTER_DATE": "2025-02-01T10:00:00+00:00",
                   "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                   "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin"}


def git(folder, *commands):
    import subprocess

    for command in commands:
        subprocess.run(["git", *command], cwd=folder, check=True, env={**GIT_ENVIRONMENT, "HOME": str(folder)})


def test_a_translation_committed_before_its_original_names_both_files(build, tmp_path):
    translation = item("content/posts/en/a.md", "en", "a", translation_of="original")
    git(tmp_path, ["init", "-q"], ["add", "content/posts/en/a.md"], ["commit", "-q", "-m", "translation first"])
    original = item("content/posts/fr/a.md", "fr", "original")
    check_collection([original, translation], build, "post")
    assert reported(build) == [
        "WARNING: content/posts/en/a.md: Source-Hash: missing; compare the translation with content/posts/fr/a.md "
        "first: git cannot tell which version of it this translates (content/posts/fr/a.md was not in git when "
        "content/posts/en/a.md was first committed, 2025-02-01), so no hash is offered; once the translation says "
        "what the original says, add 'Source-Hash: unknown': the next build gives the hash to record"]


def test_a_missing_source_hash_offers_the_original_as_first_committed(build, tmp_path):
    original = item("content/posts/fr/a.md", "fr", "original", text="Title: A\n\nAvant.\n")
    translation = item("content/posts/en/a.md", "en", "a", translation_of="original")
    git(tmp_path, ["init", "-q"], ["add", "."], ["commit", "-q", "-m", "both"])
    before = source_digest(original.source_path)
    Path(original.source_path).write_text("Title: A\n\nAprès.\n", encoding="utf-8")
    check_collection([original, translation], build, "post")
    assert reported(build) == [
        "WARNING: content/posts/en/a.md: Source-Hash: missing; compare the translation with content/posts/fr/a.md "
        "first: when this translation was first committed (2025-02-01), the original was 'Source-Hash: "
        f"{before}'; add that line, and the build will tell whether the original "
        "changed since"]


# --- Links of the built pages ---------------------------------------------------------------------------------

def page(path, source=None):
    return SimpleNamespace(path=path, source=source)


def built_site(folder, files):
    for relative, text in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


def broken_links(output, pages, siteurl="https://site.example"):
    from sitekit.problems import Problems

    problems = Problems()
    check_links(output, pages, siteurl, problems)
    return [(problem.path, problem.field, problem.message.split(" leads to nothing")[0])
            for problem in problems.errors]


LEADS_NOWHERE = ("{!r} leads to nothing in the built site; fix the path (write {{static}}/images/... or "
                 "{{filename}}/posts/...), or add the missing file")

POST = """<html><body>
<a href="/b/">b</a> <a href="/missing/">x</a> <a href="/missing/">again</a> <img src="img.png">
<a href="https://site.example/c/">c</a> <a href="https://site.example">home</a> <a href="https://site.example/">home</a>
<a href="https://else.example/">else</a> <a href="#top">top</a> <a href="mailto:a@b.example">mail</a>
<a href='//cdn.example/x.js'>cdn</a> <img alt="x" src="{static}/images/x.png"> <a href="../b">b</a>
<a href="/b/index.html?x=1#f">b</a> <a href="/caf%C3%A9.html">café</a> <a href="/../etc/passwd">up</a>
<a href="..">up</a> <a href="./">here</a> <A HREF="/Upper/">u</A> <link rel="icon" href="/favicon.ico">
<script src="/app.js"></script> <video poster="/poster.jpg"></video> <source src="/clip.webm">
<div href="/not-a-link/">div</div> <iframe src="/frame.html"></iframe> <audio src="/a.ogg"></audio>
<a title="t" href = "/spaced/">s</a> <a href="https://site.example.org/">similar host</a>
<a href="https://site.example/nothing/">gone</a> <a href="/%20">a space</a>
<a href="/X.html">x</a> <a href="/X/">x folder</a>
</body></html>"""


def site_files(count=0):
    files = {"a/index.html": POST, "b/index.html": "<p>b</p>", "c/index.html": "", "index.html":
             '<a href="/missing/">quoted summary</a> <a href="/gone/">list link</a>', "café.html": "",
             "a/img.png": "", "favicon.ico": "", "X.html": "", "app.js": "", "d/index.html": '<img src="img.png">',
             "a/index/index.html": ""}
    files.update({f"many/{number}.html": "" for number in range(count)})
    return files


EXPECTED = [
    ("content/posts/fr/a.md", "link", "'/missing/'"),
    ("content/posts/fr/a.md", "image", "'{static}/images/x.png'"),
    ("content/posts/fr/a.md", "link", "'/../etc/passwd'"),
    ("content/posts/fr/a.md", "link", "'/Upper/'"),
    ("content/posts/fr/a.md", "image", "'/poster.jpg'"),
    ("content/posts/fr/a.md", "image", "'/clip.webm'"),
    ("content/posts/fr/a.md", "image", "'/frame.html'"),
    ("content/posts/fr/a.md", "image", "'/a.ogg'"),
    ("content/posts/fr/a.md", "link", "'/spaced/'"),
    ("content/posts/fr/a.md", "link", "'https://site.example/nothing/'"),
    ("content/posts/fr/a.md", "link", "'/%20'"),
    ("content/posts/fr/a.md", "link", "'/X/'"),
    ("content/posts/fr/d.md", "image", "'img.png'"),
    ("index.html", "link", "'/gone/'"),
]


@pytest.mark.parametrize("many", [0, 60], ids=["few-pages-asked", "many-pages-listed"])
def test_links_and_images_leading_nowhere_are_named_once_against_their_source(tmp_path, many):
    output = built_site(tmp_path, site_files(many))
    pages = [page("index.html"), page("a/index.html", "content/posts/fr/a.md"),
             page("d/index.html", "content/posts/fr/d.md"), page("b/index.html", "content/posts/fr/b.md")]
    pages += [page(f"many/{number}.html") for number in range(many)]
    assert broken_links(output, pages) == EXPECTED
    from sitekit.problems import Problems

    problems = Problems()
    check_links(output, [page("a/index.html", "content/posts/fr/a.md")], "https://site.example", problems)
    assert str(problems.errors[0]) == "content/posts/fr/a.md: link: " + LEADS_NOWHERE.format("/missing/")


def test_without_siteurl_the_sites_own_address_is_another_site(tmp_path):
    output = built_site(tmp_path, {"index.html": '<a href="https://site.example/nothing/">x</a><a href="/">home</a>'})
    assert broken_links(output, [page("index.html")], siteurl="") == []


def test_built_files_answer_like_the_file_system(tmp_path):
    output = built_site(tmp_path, {"index.html": "", "a/b.html": "", "c/index.html": "", "c/d/e.txt": ""})
    listed, asked = BuiltFiles(output), AskedFiles(output)
    for local, expected in [("", True), ("/", True), ("index.html", True), ("a/b.html", True), ("/a/b.html", True),
                            ("a", False), ("c", True), ("c/", True), ("c/./", True), ("c/d", False),
                            ("c/d/e.txt", True), ("x/../a/b.html", True), ("../index.html", False), ("..", False),
                            ("/../c/", False), ("a/b.html/", True), ("./", True)]:
        assert (local, listed.has(local), asked.has(local)) == (local, expected, expected)
    assert listed.files == {"index.html", "a/b.html", "c/index.html", "c/d/e.txt"}


def test_a_new_name_keeps_its_accents_and_at_most_three_names_are_offered(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = "".join(f'[categories.c{letter}]\nfr = "Stratégie {letter.upper()}"\n' for letter in "abcde")
    build = make_build(tmp_path, names)
    assert tagged(build, category="Stratégie") == [
        "ERROR: content/posts/fr/a.md: Category: 'Stratégie' is not a French category name of "
        "content/data/taxonomy.toml (the closest: 'Stratégie E', 'Stratégie D', 'Stratégie C'); write one of its "
        "names, or add the new category to that file: [categories.strategie] fr = \"Stratégie\" en = \"...\" "
        "(each on its own line)"]
    assert tagged(make_build(tmp_path, names), category="Zzz") == [
        "ERROR: content/posts/fr/a.md: Category: 'Zzz' is not a French category name of content/data/taxonomy.toml "
        "(the closest: 'Stratégie E', 'Stratégie D', 'Stratégie C'); write one of its names, or add the new "
        "category to that file: [categories.zzz] fr = \"Zzz\" en = \"...\" (each on its own line)"]


def test_posts_pelican_gave_no_slug_are_checked_all_the_same(build):
    original = item("content/posts/fr/a.md", "fr", "original")
    nameless = item("content/posts/fr/b.md", "fr", translation_of="original")
    untitled = item("content/posts/en/c.md", "en", translation_of="nowhere")
    for post in (nameless, untitled):
        del post.slug
    build.problems.add("content/posts/en/c.md", "Title", "missing")
    check_collection([original, nameless, untitled], build, "post")
    assert reported(build) == [
        "ERROR: content/posts/en/c.md: Title: missing",
        "ERROR: content/posts/fr/b.md: Lang: a translation must differ from its original's language (fr)",
        "ERROR: content/posts/en/c.md: Translation-Of: no French post has the slug 'nowhere'; write the original's "
        "Slug here, or remove the line if this is not a translation",
    ]


def test_a_link_may_not_climb_out_of_the_output_folder(tmp_path):
    (tmp_path / "index.html").write_text("", encoding="utf-8")   # beside the output, not in it
    output = built_site(tmp_path / "output", {"index.html": ""})
    for files in (BuiltFiles(output), AskedFiles(output)):
        assert [files.has(local) for local in ("../index.html", "..", "/../", "index.html")] == [False, False, False, True]


def test_pages_are_read_as_utf8_whatever_the_locale(tmp_path):
    import locale

    output = built_site(tmp_path, {"index.html": '<p>Café crème</p><a href="/missing/">x</a>'})
    previous = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")   # ASCII, unless Python runs in UTF-8 mode
        links = broken_links(output, [page("index.html", "content/posts/fr/a.md")])
    finally:
        locale.setlocale(locale.LC_CTYPE, previous)
    assert links == [("content/posts/fr/a.md", "link", "'/missing/'")]
