"""The build benchmark's corpus (benchmarks/corpus.py) and its command (benchmarks/site_build.py)."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT
from benchmarks.corpus import tree_digest, write_corpus
from publisher.build import build_site

POSTS = 6
METADATA = re.compile(r"^([A-Za-z-]+): (.*)$", re.M)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus"), POSTS)


def metadata(path):
    head = path.read_text(encoding="utf-8").partition("\n\n")[0]
    return dict(METADATA.findall(head))


def body(path):
    return path.read_text(encoding="utf-8").partition("\n\n")[2]


def files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())


def test_the_same_seed_writes_the_same_bytes(tmp_path, corpus):
    again = write_corpus(tmp_path / "again", POSTS)
    assert files(again.folder) == files(corpus.folder)
    for relative in files(corpus.folder):
        assert (again.folder / relative).read_bytes() == (corpus.folder / relative).read_bytes(), relative
    assert tree_digest(again.folder) == tree_digest(corpus.folder)
    other = write_corpus(tmp_path / "other", POSTS, seed=7)
    assert tree_digest(other.folder) != tree_digest(corpus.folder)


def test_half_of_the_posts_are_translated_with_the_originals_hash(corpus):
    from bilingual.checks import source_digest

    french, english = corpus.files("fr"), corpus.files("en")
    assert len(french) == POSTS and len(english) == POSTS // 2
    originals = {metadata(path)["Slug"]: path for path in french}
    for path in english:
        meta = metadata(path)
        assert meta["Lang"] == "en"
        original = originals[meta["Translation-Of"]]
        assert meta["Source-Hash"] == source_digest(original)
        assert meta["Date"] == metadata(original)["Date"]
    about = corpus.content / "pages/en/about.md"
    assert metadata(about)["Source-Hash"] == source_digest(corpus.content / "pages/fr/a-propos.md")


def test_posts_are_long_realistic_markdown(corpus):
    french = corpus.files("fr")
    text = "".join(body(path) for path in french)
    for mark in ("é", "è", "à", "ç", "œ", "« ", " »"):
        assert mark in text, mark
    assert re.search(r"[\U0001F300-\U0001FAFF✨☕]", text), "no emoji"
    years = {metadata(path)["Date"][:4] for path in french}
    assert len(years) > 1
    for path in french + corpus.files("en"):
        words = len(re.findall(r"\w+(?:['-]\w+)*", body(path)))
        assert 800 <= words <= 1300, (path.name, words)
        post = body(path)
        assert re.search(r"^## ", post, re.M) and re.search(r"^- ", post, re.M) and re.search(r"^1\. ", post, re.M)
        assert re.search(r"^> ", post, re.M)
        assert "](https://" in post or "<https://" in post
        lang = path.parent.name
        links = re.findall(r"\{filename\}/(posts/[a-z]+/[^)]+\.md)", post)
        assert links, path.name
        for link in links:
            assert link.startswith(f"posts/{lang}/") and (corpus.content / link).is_file(), link


def test_images_are_real_pictures_shared_by_posts(corpus):
    text = "".join(path.read_text(encoding="utf-8") for path in corpus.files("fr") + corpus.files("en"))
    referenced = set(re.findall(r"\{static\}/(images/[^ )]+)", text))
    assert referenced
    for relative in referenced:
        with Image.open(corpus.content / relative) as image:
            assert image.format in ("JPEG", "PNG") and image.width >= 800
    authors = tomllib.loads((corpus.content / "data/authors.toml").read_text(encoding="utf-8"))
    for profile in authors.values():
        with Image.open(corpus.content / profile["photo"]) as image:
            assert image.format == "JPEG"


def test_categories_and_tags_are_in_the_taxonomy(corpus):
    taxonomy = tomllib.loads((corpus.content / "data/taxonomy.toml").read_text(encoding="utf-8"))
    for path in corpus.files("fr") + corpus.files("en"):
        meta, lang = metadata(path), path.parent.name
        assert meta["Category"] in {entry[lang] for entry in taxonomy["categories"].values()}
        for tag in meta["Tags"].split(", "):
            assert tag in {entry[lang] for entry in taxonomy["tags"].values()}, tag


def test_the_corpus_builds_with_the_full_configuration(corpus, tmp_path):
    previous = os.getcwd()
    os.chdir(corpus.folder)
    try:
        report = build_site(corpus.full_settings, tmp_path / "output")
    finally:
        os.chdir(previous)
    assert report.warnings == 0
    assert report.pages["fr"] > POSTS and report.pages["en"] > POSTS // 2
    for post in corpus.posts:
        assert (tmp_path / "output" / post.slugs["fr"] / "index.html").is_file()
        if post.translated:
            assert (tmp_path / "output" / "en" / post.slugs["en"] / "index.html").is_file()


def test_the_benchmark_command_prints_a_table(tmp_path):
    figures = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.site_build", "--posts", "4", "--runs", "1",
                           "--json", str(figures)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"^bare Pelican\s+\d", done.stdout, re.M), done.stdout
    assert re.search(r"^full\s+\d", done.stdout, re.M), done.stdout
    assert "Machine:" in done.stdout and "Pelican" in done.stdout
    assert "hugo" in done.stdout  # measured, or said to be missing
    assert figures.read_text(encoding="utf-8").startswith("{")
