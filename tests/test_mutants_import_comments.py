"""The comments importer (importers/comments.py) at the edges its other tests leave open: headers read from
the written files, counts, dates without an offset, the commit rhythm, the dry run's ids, an older Isso database."""

import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from importers.comments import COMMIT_EVERY, EXIT_AFTER_VARIABLE, Store, Threads, import_comments
from importers.model import Comment, Export, FormatError, Item

WHEN = datetime(2021, 2, 7, 8, 30, tzinfo=timezone.utc)
PLACED = {"wp:1": "posts/fr/atelier.md", "wp:2": "posts/en/workshop.md"}


def item(source_id, lang, slug, title, comments=(), **more):
    return Item(kind="post", source_id=source_id, title=title, date=WHEN, lang=lang, slug=slug, body="Texte.\n",
                translation_group="g", comments=list(comments), **more)


def comment(id_, parent=None, author="Camille", minutes=0, when=None, **more):
    return Comment(id_, parent, author, when or datetime(2021, 2, 7, 8, minutes), "Merci.", **more)


def export_of(french=(), english=(), more=()):
    export = Export("wordpress", Path("export.xml"))
    export.items = [*more, item("wp:1", "fr", "atelier", "Atelier", french),
                    item("wp:2", "en", "workshop", "Workshop", english)]
    return export


@pytest.fixture
def blog(tmp_path):
    root = tmp_path / "blog"
    for lang in ("fr", "en"):
        (root / "content" / "posts" / lang).mkdir(parents=True)
    (root / "content/posts/fr/atelier.md").write_text("Title: Atelier\nLang: fr\n\nTexte.\n", encoding="utf-8")
    (root / "content/posts/en/workshop.md").write_text("Title: Workshop\nLang: en\nTranslation-Of: atelier\n\nText.\n",
                                                       encoding="utf-8")
    config = root / "comments" / "isso.cfg"
    config.parent.mkdir()
    config.write_text("[general]\ndbpath = cache/isso/comments.db\nhost = http://127.0.0.1:8000\n", encoding="utf-8")
    return root, config


def run(blog, export, **options):
    root, config = blog
    return import_comments(export, PLACED, config, options.pop("thread_per", "pair"),
                           dry_run=options.pop("dry_run", False), root=root)


def query(blog, sql):
    with sqlite3.connect(blog[0] / "cache/isso/comments.db") as connection:
        return connection.execute(sql).fetchall()


def exit_status_of(call):
    import os

    child = os.fork()
    if child == 0:
        try:
            call()
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])


def test_the_thread_is_the_one_the_written_files_comments_id_names(blog):
    root, _ = blog
    (root / "content/posts/fr/atelier.md").write_text("Title: Atelier\nComments-Id: atelier-X\n\nTexte.\n")
    run(blog, export_of([comment("c1")]))
    assert query(blog, "SELECT uri FROM threads") == [("atelier-X",)]


def test_a_translations_language_comes_from_its_written_header_first(blog):
    export = export_of()
    export.items[1].lang = "de"       # the file says "Lang: en"
    threads = Threads(export, PLACED, blog[0] / "content", "language")
    assert threads.of(export.items[1]) == ("atelier/en", "Workshop")


def test_an_originals_comments_id_from_the_export_names_its_translations_thread(blog):
    export = export_of()
    export.items[0].metadata["Comments-Id"] = "depuis-l-export"
    threads = Threads(export, PLACED, blog[0] / "content", "language")
    assert threads.of(export.items[1]) == ("depuis-l-export/en", "Workshop")


def test_comments_of_a_post_not_written_do_not_stop_the_posts_after_it(blog):
    gone = item("wp:3", "fr", "gone", "Gone", [comment("g1")])
    counts = run(blog, export_of([comment("c1")], more=[gone]))
    assert (counts.imported, counts.skipped) == (1, 1)
    assert query(blog, "SELECT author FROM comments") == [("Camille",)]


def test_a_missing_configuration_is_named_in_the_refusal(blog, tmp_path):
    with pytest.raises(FormatError) as refused:
        import_comments(export_of([comment("c1")]), PLACED, tmp_path / "no.cfg", "pair", dry_run=False,
                        root=blog[0])
    assert refused.value.path == tmp_path / "no.cfg"


def test_every_pending_and_spam_comment_is_counted(blog):
    counts = run(blog, export_of([comment(f"p{n}", minutes=n, status="pending") for n in range(3)]
                                 + [comment(f"s{n}", minutes=n, status="spam") for n in range(2)] + [comment("c1")]))
    assert (counts.imported, counts.pending, counts.spam) == (1, 3, 2)


def test_a_post_with_no_approved_comment_gets_no_thread(blog):
    run(blog, export_of([comment("c1")], [comment("e1", status="pending")]), thread_per="language")
    assert query(blog, "SELECT uri FROM threads") == [("atelier",)]


def test_a_reply_dated_before_its_parent_still_hangs_from_the_top_comment(blog):
    run(blog, export_of([comment("c3", "c2", "Nora", 0), comment("c2", "c1", "Elise", 10),
                         comment("c1", None, "Camille", 20)]))
    assert query(blog, "SELECT author, parent FROM comments ORDER BY id") == [
        ("Camille", None), ("Elise", 1), ("Nora", 1)]


def test_a_new_reply_to_a_comment_imported_earlier_hangs_from_it(blog):
    run(blog, export_of([comment("c0", author="Autre"), comment("c1", minutes=5)]))
    run(blog, export_of([comment("c0", author="Autre"), comment("c1", minutes=5),
                         comment("c2", "c1", "Elise", 10)]))
    assert query(blog, "SELECT author, parent FROM comments ORDER BY id") == [
        ("Autre", None), ("Camille", None), ("Elise", 2)]


def test_a_date_off_by_exactly_the_tolerance_is_another_comment(blog):
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    run(blog, export_of([comment("c1", when=epoch)]))
    with sqlite3.connect(blog[0] / "cache/isso/comments.db") as connection:
        connection.execute("UPDATE comments SET created = 0.001")
    counts = run(blog, export_of([comment("c1", when=epoch)]))
    assert (counts.imported, counts.already) == (1, 0)


@pytest.fixture
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_date_without_offset_is_read_as_utc_whatever_the_local_zone(blog, new_york):
    run(blog, export_of([comment("c1")]))
    assert query(blog, "SELECT created FROM comments") == [(datetime(2021, 2, 7, 8, 0, tzinfo=timezone.utc)
                                                            .timestamp(),)]


def test_quotes_in_a_name_are_kept_as_they_are(blog):
    run(blog, export_of([comment("c1", author="Jo \"O'Brien\" & co")]))
    assert query(blog, "SELECT author FROM comments") == [("Jo \"O'Brien\" &amp; co",)]


def test_without_the_test_variable_the_run_is_not_stopped(blog, monkeypatch):
    monkeypatch.delenv(EXIT_AFTER_VARIABLE, raising=False)
    assert exit_status_of(lambda: run(blog, export_of([comment("c1")]))) == 0


def test_a_thread_one_short_of_the_commit_size_is_not_committed_alone(blog, monkeypatch):
    # The first thread waits (COMMIT_EVERY - 1 comments), the kill in the second loses both.
    first = [comment(f"c{n}", author=f"A{n}") for n in range(COMMIT_EVERY - 1)]
    monkeypatch.setenv(EXIT_AFTER_VARIABLE, str(COMMIT_EVERY))
    assert exit_status_of(lambda: run(blog, export_of(first, [comment("e1"), comment("e2", author="B")]))) == 75
    assert query(blog, "SELECT count(*) FROM comments") == [(0,)]


def test_the_count_to_the_next_commit_starts_again_from_nothing(blog, monkeypatch):
    # 500 committed; 499 wait after them; the kill in the third thread loses those 499.
    first = [comment(f"c{n}", author=f"A{n}") for n in range(COMMIT_EVERY)]
    second = [comment(f"e{n}", author=f"B{n}") for n in range(COMMIT_EVERY - 1)]
    third = item("wp:3", "fr", "autre", "Autre", [comment("t1"), comment("t2", author="C")])
    root, config = blog
    (root / "content/posts/fr/autre.md").write_text("Title: Autre\n\nTexte.\n")
    export = export_of(first, second)
    export.items.append(third)
    monkeypatch.setenv(EXIT_AFTER_VARIABLE, str(2 * COMMIT_EVERY))
    assert exit_status_of(lambda: import_comments(export, {**PLACED, "wp:3": "posts/fr/autre.md"}, config, "language",
                                                  dry_run=False, root=root)) == 75
    assert query(blog, "SELECT count(*) FROM comments") == [(COMMIT_EVERY,)]


def test_a_dry_run_hands_out_ids_no_stored_comment_has(tmp_path):
    store = Store(None, tmp_path / "none.db", True)
    assert [store.add("atelier", {}) for _ in range(3)] == [-1, -2, -3]


def test_an_older_isso_database_is_upgraded_with_the_servers_own_configuration(blog):
    root, config = blog
    run(blog, export_of([comment("c1")]))
    with sqlite3.connect(root / "cache/isso/comments.db") as connection:
        connection.execute("PRAGMA user_version = 1")
    config.write_text(config.read_text() + "session-key = la-cle-du-serveur\n")
    run(blog, export_of([comment("c1")]))
    assert query(blog, "SELECT value FROM preferences WHERE key = 'session-key'") == [("la-cle-du-serveur",)]


def test_a_translations_invalid_comments_id_falls_back_to_its_own_files_name(blog):
    export = export_of()
    export.items[1].metadata["Comments-Id"] = "pas valide !"
    threads = Threads(export, PLACED, blog[0] / "content", "language")
    assert threads.of(export.items[1]) == ("workshop", "Workshop")


def test_the_comment_stored_at_the_very_date_wins_over_one_a_little_off(blog):
    run(blog, export_of([comment("c1"), comment("c2", minutes=1)]))
    first = datetime(2021, 2, 7, 8, 0, tzinfo=timezone.utc).timestamp()
    with sqlite3.connect(blog[0] / "cache/isso/comments.db") as connection:
        connection.execute("UPDATE comments SET created = ? WHERE id = 1", (first + 0.0005,))
        connection.execute("UPDATE comments SET created = ? WHERE id = 2", (first,))
    run(blog, export_of([comment("c1"), comment("r1", "c1", "Elise", 5)]))
    assert query(blog, "SELECT author, parent FROM comments WHERE id = 3") == [("Elise", 2)]
