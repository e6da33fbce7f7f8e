"""Imported comments into a real Isso database (importers/comments.py): a hand-made Export with
threaded, pending and spam comments on a French post and its English translation, the posts
written into a copy of the sample site, a real Isso serving the database, the site built; and
exactly once: run twice, or killed midway and run again, nothing is duplicated."""

import configparser
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, comments_setting
from importers.comments import EXIT_AFTER_VARIABLE, import_comments
from importers.model import Comment, Export, Item
from project_copy import build_copy, copy_project
from publisher.comment_server import IssoServer
from sitekit.content import digest_of

SITE = "https://elise-marchand.example"
START = datetime(2021, 2, 7, 8, 30, tzinfo=timezone.utc)

FRENCH = """\
Title: Importer ses commentaires sans rien perdre
Date: 2021-02-07 09:00
Lang: fr
Slug: importer-ses-commentaires
Category: Stratégie
Tags: SEO
Author: Élise Marchand
Summary: Les commentaires font partie de l'histoire d'un blog : on les garde en déménageant.

Quand on change de plateforme, les échanges sous les articles comptent autant que les articles.
"""

ENGLISH = """\
Title: Moving your comments without losing any
Date: 2021-02-07 09:00
Lang: en
Slug: moving-your-comments
Category: Strategy
Tags: SEO
Author: Élise Marchand
Translation-Of: importer-ses-commentaires
Source-Hash: {hash}
Summary: Comments are part of a blog's story: keep them when you move.

When you change platforms, the conversations under your posts matter as much as the posts.
"""


def at(minutes):
    return START + timedelta(minutes=minutes)


def export():
    french = [
        Comment("wp-1", None, "Camille Roux", at(0), "Merci pour cet article !\nTrès utile pour ma boutique.",
                email="camille@example.org", website="https://camille.example"),
        Comment("wp-2", "wp-1", "Élise Marchand", at(10), "<p>Avec plaisir, Camille.</p><p>Bon courage !</p>",
                email="elise@example.org"),
        Comment("wp-3", "wp-2", "Camille Roux", at(20), "Une réponse à la réponse & <em>merci</em>."),
        Comment("wp-4", None, "Buy followers", at(30), "Cheap followers http://spam.example", status="spam"),
        Comment("wp-5", None, "Julien", at(40), "En attente de modération", status="pending"),
        Comment("wp-6", "wp-5", "Nora", at(50), "Une réponse à un commentaire en attente."),
    ]
    english = [
        Comment("wp-7", None, "Sam Carter", at(60), "Great read, thank you.", website="https://sam.example"),
        Comment("wp-8", "wp-7", "Élise Marchand", at(70), "Thanks Sam!"),
        Comment("wp-9", None, "Old troll", at(80), "Deleted", status="trash"),
    ]
    return Export(format="wordpress", path=None, items=[
        Item(kind="post", source_id="wordpress:10", title="Importer ses commentaires sans rien perdre",
             date=START, lang="fr", slug="importer-ses-commentaires", body="", translation_group="g1",
             comments=french),
        Item(kind="post", source_id="wordpress:11", title="Moving your comments without losing any",
             date=START, lang="en", slug="moving-your-comments", body="", translation_group="g1",
             comments=english),
    ])


PLACED = {"wordpress:10": "posts/fr/importer-ses-commentaires.md",
          "wordpress:11": "posts/en/moving-your-comments.md"}


def write_posts(project):
    content = project / "content"
    french = content / PLACED["wordpress:10"]
    french.write_text(FRENCH, encoding="utf-8")
    (content / PLACED["wordpress:11"]).write_text(ENGLISH.format(hash=digest_of(french.read_bytes())),
                                                  encoding="utf-8")


def isso_config(folder):
    """comments/isso.cfg with its database where IssoServer(folder) will look for it."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "comments" / "isso.cfg", encoding="utf-8")
    parser.set("general", "dbpath", str(folder / "comments.db"))
    path = folder / "import.cfg"
    with open(path, "w", encoding="utf-8") as file:
        parser.write(file)
    return path


def rows(database):
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT threads.uri, threads.title, comments.id, comments.parent, comments.created, comments.mode,"
            " comments.author, comments.email, comments.website, comments.text, comments.remote_addr"
            " FROM comments JOIN threads ON threads.id = comments.tid ORDER BY comments.created").fetchall()


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("import-comments")
    project = copy_project(folder)
    write_posts(project)
    isso = folder / "isso"
    isso.mkdir()
    config = isso_config(isso)
    first = import_comments(export(), PLACED, config, "language", dry_run=False, root=project)
    after_first = rows(isso / "comments.db")
    second = import_comments(export(), PLACED, config, "language", dry_run=False, root=project)
    with IssoServer(isso, [SITE]) as server:
        comments = comments_setting(folder / "comments.json", thread_per="language", isso={"url": server.url})
        report = build_copy(project, "output", COMMENTS=comments)
    return {"first": first, "second": second, "rows": after_first, "database": isso / "comments.db",
            "output": report.output, "project": project, "config": config}


def test_counts(imported):
    first, second = imported["first"], imported["second"]
    assert (first.imported, first.already, first.pending, first.spam, first.skipped) == (6, 0, 1, 1, 1)
    assert (second.imported, second.already) == (0, 6)
    assert rows(imported["database"]) == imported["rows"]  # the second run added nothing


def test_what_the_database_holds(imported):
    by_author = {}
    for uri, title, _id, parent, created, mode, author, email, website, text, address in imported["rows"]:
        by_author.setdefault(author, []).append((uri, title, parent, created, mode, email, website, text, address))
    camille = by_author["Camille Roux"]
    assert camille[0][:2] == ("importer-ses-commentaires", "Importer ses commentaires sans rien perdre")
    assert camille[0][3] == START.timestamp()  # UTC, not the machine's local time
    assert camille[0][4:7] == (1, "camille@example.org", "https://camille.example")
    assert camille[0][7] == "Merci pour cet article !  \nTrès utile pour ma boutique."
    assert all(row[8] == "0.0.0.0" for rows_ in by_author.values() for row in rows_)  # no IP kept
    assert by_author["Sam Carter"][0][:2] == ("importer-ses-commentaires/en", "Moving your comments without losing any")
    assert "Buy followers" not in by_author and "Julien" not in by_author and "Old troll" not in by_author
    # One level of replies, as Isso keeps them: the reply to a reply hangs from the top comment.
    ids = {(row[6], row[4]): row[2] for row in imported["rows"]}
    top = ids[("Camille Roux", START.timestamp())]
    replies = [row for row in imported["rows"] if row[3] == top]
    assert [(row[6], row[9]) for row in replies] == [
        ("Élise Marchand", "Avec plaisir, Camille.\n\nBon courage !"),
        ("Camille Roux", "Une réponse à la réponse & *merci*."),
    ]
    # A reply to a comment left out (pending) stands alone.
    assert [row[3] for row in imported["rows"] if row[6] == "Nora"] == [None]


def page(output, relative):
    return BeautifulSoup((output / relative / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_the_comments_show_under_their_post_in_each_language(imported):
    french = page(imported["output"], "importer-ses-commentaires")
    top = french.select("ol.comment-list > li.comment")
    assert [li.select_one(".comment-author").get_text(strip=True) for li in top] == ["Camille Roux", "Nora"]
    replies = top[0].select("ol.comment-replies > li.comment")
    assert [li.select_one(".comment-author").get_text(strip=True) for li in replies] == [
        "Élise Marchand", "Camille Roux"]
    assert "Bon courage" in replies[0].select_one(".comment-text").get_text()
    assert top[0].select_one(".comment-author a")["href"] == "https://camille.example"
    assert top[0].select_one("time")["datetime"].startswith("2021-02-07T08:30:00")
    text = french.select_one("#comments").get_text()
    assert "followers" not in text and "modération" not in text and "@example.org" not in text
    english = page(imported["output"], "en/moving-your-comments")
    top = english.select("ol.comment-list > li.comment")
    assert [li.select_one(".comment-author").get_text(strip=True) for li in top] == ["Sam Carter"]
    assert [li.select_one(".comment-author").get_text(strip=True)
            for li in top[0].select("ol.comment-replies > li.comment")] == ["Élise Marchand"]
    assert "Deleted" not in english.select_one("#comments").get_text()


def test_a_killed_run_then_another_adds_nobody_twice(imported, tmp_path):
    isso = tmp_path / "isso"
    isso.mkdir()
    config = isso_config(isso)
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
            "from pathlib import Path\n"
            "from test_import_comments import PLACED, export\n"
            "from importers.comments import import_comments\n"
            f"import_comments(export(), PLACED, Path({str(config)!r}), 'language', dry_run=False, "
            f"root=Path({str(imported['project'])!r}))\n")
    first = import_comments(export(), {"wordpress:10": PLACED["wordpress:10"]}, config, "language",
                            dry_run=False, root=imported["project"])
    assert first.imported == 4  # the French post's comments, committed
    killed = subprocess.run([sys.executable, "-c", code], env={**os.environ, EXIT_AFTER_VARIABLE: "1"},
                            capture_output=True, text=True)
    assert killed.returncode == 75, killed.stderr  # killed after inserting one English comment
    assert len(rows(isso / "comments.db")) == 4
    again = import_comments(export(), PLACED, config, "language", dry_run=False, root=imported["project"])
    assert (again.already, again.imported) == (4, 2)
    assert [shape(row) for row in rows(isso / "comments.db")] == [shape(row) for row in imported["rows"]]


def shape(row):
    """A row without Isso's ids (another database numbers them its own way), its parent as its author."""
    return row[:2] + row[4:], row[3] is None


def test_a_dry_run_writes_nothing(imported, tmp_path):
    isso = tmp_path / "isso"
    isso.mkdir()
    config = isso_config(isso)
    counts = import_comments(export(), PLACED, config, "language", dry_run=True, root=imported["project"])
    assert (counts.imported, counts.pending, counts.spam) == (6, 1, 1)
    assert not (isso / "comments.db").exists()
    counts = import_comments(export(), PLACED, imported["config"], "language", dry_run=True,
                             root=imported["project"])
    assert (counts.imported, counts.already) == (0, 6)
