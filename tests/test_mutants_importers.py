"""The importers' building blocks, unit by unit: each behaviour a careless edit would change, pinned.

Real files in temporary folders, real Exports and Items, Isso's own database and the fake Buttondown
on loopback; no site build.
"""

import copy
import functools
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import stat
import tomllib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from fake_providers.buttondown import FakeButtondown
from importers.comments import COMMIT_EVERY, EXIT_AFTER_VARIABLE, Threads, comment_markdown, import_comments
from importers.html_markdown import _trim, is_video_link, to_markdown
from importers.model import Comment, Export, FormatError, ImporterError, Item, Skipped, Subscriber
from importers.moving_in import EXIT_HOOK, JOURNAL, exit_here, finish_interrupted, import_lock, move_in, stage
from importers.redirects import HEADER, RedirectCounts, merged_redirects, new_path, normalised, redirects_for
from importers.report import Report
from importers.subscribers import (CsvList, HashList, SubscriberCounts, SubscriberImportError, destination_from,
                                   import_subscribers)
from importers.writer import (DELETED, EDITED, Change, ExistingContent, Site, WriteOptions, _header, _issue_of,
                              _slug_of, import_export)

WHEN = datetime(2021, 2, 7, 8, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def every_log_line():
    """Pelican (imported by the writer's settings) drops a message seen once per process: not across tests."""
    from pelican.log import LimitFilter

    LimitFilter._raised_messages.clear()


def item(source_id="wp:1", kind="post", lang="fr", slug="atelier", title="Titre", date=WHEN, **more):
    return Item(kind=kind, source_id=source_id, title=title, date=date, lang=lang, slug=slug,
                **{"body": "Texte.\n", **more})


# ----------------------------------------------------------------------------------------------- redirects

@pytest.mark.parametrize("address, kept", [
    ("?p=12", "/?p=12"),
    ("  /2021/02/07/atelier/  ", "/2021/02/07/atelier/"),
    ("https://old.example/a%C3%A9/", "/a\u00e9/"),
    ("https://old.example", "/"),
    ("https://old.example/?p=12&lang=fr%2Dca", "/?p=12&lang=fr-ca"),
    ("archives/2021", "/archives/2021"),
    ("/a?", "/a"),
    ("", "/"),
])
def test_an_old_address_is_kept_as_path_and_query_decoded_with_its_leading_slash(address, kept):
    assert normalised(address) == kept


def test_the_new_path_follows_the_sites_url_patterns_per_kind_and_language():
    assert new_path(item(lang="fr")) == "/atelier/"
    assert new_path(item(lang="en")) == "/en/atelier/"
    assert new_path(item(lang="en"), primary="en") == "/atelier/"
    assert new_path(item(kind="page", slug="tarifs")) == "/pages/tarifs/"
    assert new_path(item(kind="page", slug="prices", lang="en")) == "/en/pages/prices/"
    assert new_path(item(kind="issue")) is None


def test_redirects_lead_each_old_address_of_a_written_item_to_its_file():
    export = Export("wordpress", Path("export.xml"))
    export.items = [
        item("wp:1", old_urls=["/2021/02/07/atelier/", "?p=1", "/atelier/", "https://old.example/a%C3%A9"]),
        item("wp:2", slug="workshop", lang="en", old_urls=["/en/workshop/", "/?p=1", "/en/2021/workshop/"]),
        item("wp:3", old_urls=["/skipped/"]),
        item("wp:4", kind="issue", slug="lettre-1", old_urls=["/lettre-1/"]),
    ]
    export.old_urls = {"/category/events/": "category:evenements", "/?p=1": "tag:never", "feed": "feed:fr"}
    placed = {"wp:1": "posts/fr/atelier.md", "wp:2": "posts/en/workshop.md", "wp:4": "newsletter/fr/lettre-1.md"}
    assert redirects_for(export, placed) == {
        "/2021/02/07/atelier/": "posts/fr/atelier.md",
        "/?p=1": "posts/fr/atelier.md",                        # the first item to claim it keeps it
        "/a\u00e9": "posts/fr/atelier.md",
        "/en/2021/workshop/": "posts/en/workshop.md",
        "/lettre-1/": "newsletter/fr/lettre-1.md",
        "/category/events/": "category:evenements",
        "/feed": "feed:fr",
    }
    # With English first, the English post's own address is the old one and needs no line.
    assert "/workshop/" not in redirects_for(export, placed, primary="en")
    export.items[1].old_urls.append("/workshop/")
    assert "/workshop/" not in redirects_for(export, placed, primary="en")
    assert redirects_for(export, placed)["/workshop/"] == "posts/en/workshop.md"


def test_new_lines_are_added_sorted_after_the_files_own_and_the_editors_target_wins():
    existing = '# mine\n"/b/" = "posts/fr/b.md"\n"/C%C3%A9/" = "tag:c"'           # no final line end
    text, counts = merged_redirects(existing, {"/z/": "posts/fr/z.md", "/b/": "posts/fr/b.md",
                                               "/C\u00e9/": "tag:other", "/a\"q/": "feed:fr",
                                               "/\u00e9t\u00e9/": "tag:\u00e9t\u00e9"})
    assert text == (existing + "\n" + '"/a\\"q/" = "feed:fr"\n' + '"/z/" = "posts/fr/z.md"\n'
                    + '"/\u00e9t\u00e9/" = "tag:\u00e9t\u00e9"\n')
    assert tomllib.loads(text)["/a\"q/"] == "feed:fr"
    assert (counts.added, counts.already, counts.conflicts) == (3, 1, [("/C\u00e9/", "tag:c", "tag:other")])

    same, counts = merged_redirects(text, {"/b/": "posts/fr/b.md"})
    assert same == text and (counts.added, counts.already, counts.conflicts) == (0, 1, [])
    ended = existing + "\n"
    assert merged_redirects(ended, {})[0] == ended                  # nothing added: not even a line end
    assert merged_redirects(existing, {})[0] == existing
    assert merged_redirects(ended, {"/y/": "tag:y"})[0] == ended + '"/y/" = "tag:y"\n'


def test_a_new_file_starts_with_its_header_and_an_unreadable_one_is_refused():
    text, counts = merged_redirects(None, {"/b/": "tag:b", "/a/": "tag:a"})
    assert text == HEADER + '"/a/" = "tag:a"\n"/b/" = "tag:b"\n' and counts.added == 2
    assert HEADER.startswith("# Old addresses") and HEADER.endswith("only adds lines.\n")
    assert merged_redirects("", {})[0] == HEADER
    assert merged_redirects(None, {})[0] == HEADER
    with pytest.raises(FormatError) as refused:
        merged_redirects("not = [toml", {}, path="content/data/r.toml")
    assert refused.value.path == "content/data/r.toml" and refused.value.problem.startswith("not valid TOML: ")
    with pytest.raises(FormatError) as refused:
        merged_redirects("not = [toml", {})
    assert refused.value.path == "content/data/redirects.toml"
    assert RedirectCounts() == RedirectCounts(0, 0, [])


# ----------------------------------------------------------------------------------------------- moving in


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "blog"
    (root / "content").mkdir(parents=True)
    (root / "cache" / "imports").mkdir(parents=True)
    return Site(root=root, content=root / "content", languages=["fr", "en"], timezone="Europe/Paris")


def files(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def test_stage_writes_what_is_created_or_updated_and_copies_media(tmp_path):
    picture = tmp_path / "uploads" / "plan.png"
    picture.parent.mkdir()
    picture.write_bytes(b"PNG plan")
    staging = tmp_path / "staging"
    already = staging / "images" / "fetched.png"          # downloaded into the staging folder itself
    already.parent.mkdir(parents=True)
    already.write_bytes(b"PNG fetched")
    stage([Change("posts/fr/a.md", "create", "posts", data=b"A"),
           Change("posts/fr/deep/b.md", "update", "posts", data=b"B"),
           Change("posts/fr/same.md", "unchanged", "posts", data=b"S"),
           Change("posts/fr/kept.md", "kept", "posts", data=b"K"),
           Change("images/plan.png", "create", "images", source=picture),
           Change("images/fetched.png", "create", "images", source=already),
           Change("images/nothing.png", "create", "images")], staging)
    assert files(staging) == {"posts/fr/a.md": b"A", "posts/fr/deep/b.md": b"B", "images/plan.png": b"PNG plan",
                              "images/fetched.png": b"PNG fetched"}


def test_move_in_journals_the_renames_data_files_last_the_manifest_very_last(site, tmp_path):
    work = site.work / "staging" / "import-1"
    changes = [Change("data/imports.toml", "update", "data", data=b"manifest"),
               Change("data/taxonomy.toml", "create", "data", data=b"taxonomy"),
               Change("posts/fr/a.md", "create", "posts", data=b"A"),
               Change("posts/fr/old.md", "kept", "posts", data=b"kept"),
               Change("images/p.png", "update", "images", data=b"P")]
    stage(changes, work / "content")
    (site.content / "images").mkdir()
    (site.content / "images" / "p.png").write_bytes(b"old P")
    journal = []
    real_replace = os.replace

    def watching(source, destination):          # the journal is on disk before the first move
        if Path(destination) != site.work / JOURNAL:
            journal.append(json.loads((site.work / JOURNAL).read_text()))
        real_replace(source, destination)

    os.replace = watching
    try:
        move_in(site, work, changes)
    finally:
        os.replace = real_replace
    staged = "cache/imports/staging/import-1"
    assert journal[0] == {"staging": staged, "moves": [
        [f"{staged}/content/posts/fr/a.md", "content/posts/fr/a.md"],
        [f"{staged}/content/images/p.png", "content/images/p.png"],
        [f"{staged}/content/data/taxonomy.toml", "content/data/taxonomy.toml"],
        [f"{staged}/content/data/imports.toml", "content/data/imports.toml"]]}
    assert len(journal) == 4
    assert files(site.content) == {"posts/fr/a.md": b"A", "images/p.png": b"P", "data/taxonomy.toml": b"taxonomy",
                                   "data/imports.toml": b"manifest"}
    assert not (site.work / JOURNAL).exists() and not work.exists()


def journal_of(site, moves, staging="cache/imports/staging/import-2"):
    (site.root / staging / "content").mkdir(parents=True, exist_ok=True)
    (site.work / JOURNAL).write_text(json.dumps({"staging": staging, "moves": moves}))
    return site.root / staging


def test_a_journal_left_behind_is_replayed_skipping_the_moves_already_done(site, caplog):
    assert finish_interrupted(site) == 0
    staging = journal_of(site, [["cache/imports/staging/import-2/content/posts/fr/done.md", "content/posts/fr/done.md"],
                                ["cache/imports/staging/import-2/content/posts/fr/a.md", "content/posts/fr/a.md"],
                                ["cache/imports/staging/import-2/content/b/c/b.md", "content/b/c/b.md"]])
    (staging / "content" / "posts" / "fr").mkdir(parents=True)
    (staging / "content" / "posts" / "fr" / "a.md").write_bytes(b"A")
    (staging / "content" / "b" / "c").mkdir(parents=True)
    (staging / "content" / "b" / "c" / "b.md").write_bytes(b"B")
    assert finish_interrupted(site) == 2
    assert files(site.content) == {"posts/fr/a.md": b"A", "b/c/b.md": b"B"}
    assert not (site.work / JOURNAL).exists() and not staging.exists()
    assert "Finishing the import stopped while moving its files in (3 files)" in caplog.messages
    assert finish_interrupted(site) == 0


def test_a_journal_whose_moves_were_all_done_and_staging_removed_is_just_cleared(site, monkeypatch):
    staging = journal_of(site, [["cache/imports/staging/import-2/content/a.md", "content/a.md"]])
    shutil.rmtree(staging)
    assert finish_interrupted(site) == 0 and not (site.work / JOURNAL).exists()
    journal_of(site, [["cache/imports/staging/import-2/content/a.md", "content/a.md"]])
    (site.root / "cache/imports/staging/import-2/content/a.md").write_text("a")
    for malformed in ("move:1:x", "move:x:1"):                       # a malformed hook is an error, not a stop
        monkeypatch.setenv(EXIT_HOOK, malformed)
        with pytest.raises(ValueError):
            finish_interrupted(site)


@pytest.mark.parametrize("text", [b"{not json", b"\xff\xfe"])
def test_an_unreadable_journal_stops_the_import_with_one_line(site, text):
    (site.work / JOURNAL).write_bytes(text)
    with pytest.raises(ImporterError) as stopped:
        finish_interrupted(site)
    assert str(stopped.value).startswith(f"{site.work / JOURNAL}: unreadable journal of a stopped import (")
    assert str(stopped.value).endswith("); check content/ and remove the file")


def exit_status_of(run):
    """The exit status of RUN() in a forked child (os._exit stops the process: it cannot run in this one)."""
    child = os.fork()
    if child == 0:
        try:
            run()
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])


def test_the_test_hook_stops_the_process_at_the_point_named_and_nowhere_else(site, monkeypatch):
    monkeypatch.delenv(EXIT_HOOK, raising=False)
    assert exit_status_of(lambda: exit_here("staged")) == 0
    monkeypatch.setenv(EXIT_HOOK, "staged")
    assert exit_status_of(lambda: exit_here("staged")) == 3
    assert exit_status_of(lambda: exit_here("move:1")) == 0

    moves = [[f"cache/imports/staging/import-2/content/{name}.md", f"content/{name}.md"] for name in "abc"]
    staging = journal_of(site, moves)
    for name in "abc":
        (staging / "content" / f"{name}.md").write_bytes(name.encode())
    monkeypatch.setenv(EXIT_HOOK, "move:2")
    assert exit_status_of(lambda: finish_interrupted(site)) == 3
    assert files(site.content) == {"a.md": b"a", "b.md": b"b"} and (site.work / JOURNAL).exists()
    monkeypatch.setenv(EXIT_HOOK, "move:0")
    assert exit_status_of(lambda: finish_interrupted(site)) == 3
    assert files(site.content) == {"a.md": b"a", "b.md": b"b"}
    monkeypatch.setenv(EXIT_HOOK, "staged")                      # not a move: the replay goes to the end
    assert finish_interrupted(site) == 1
    assert files(site.content) == {"a.md": b"a", "b.md": b"b", "c.md": b"c"}


def test_one_import_at_a_time_in_a_project(site):
    with import_lock(site):
        assert oct((site.work / ".lock").stat().st_mode & 0o777) == oct(0o644 & ~current_umask())
        with pytest.raises(ImporterError) as refused:
            with import_lock(site):
                pass
        assert str(refused.value) == f"{site.work}: another import is running in this project; wait for it"
    with import_lock(site):                                       # released when the block ends
        pass
    before = len(os.listdir("/proc/self/fd"))
    with import_lock(site):
        pass
    assert len(os.listdir("/proc/self/fd")) == before


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ----------------------------------------------------------------------------------------------- HTML to Markdown


@pytest.mark.parametrize("html, markdown", [
    ('<p>a *b* _c_ [d] `e` | f \\ g</p>', 'a \\*b\\* \\_c\\_ \\[d\\] \\`e\\` \\| f \\\\ g\n'),
    ('<p>1. un</p><p># titre</p><p>&gt; cite</p><p>- tiret</p><p>+ plus</p><p>#hashtag</p><p>12.5 ans</p>',
     '1\\. un\n\n\\# titre\n\n\\> cite\n\n\\- tiret\n\n\\+ plus\n\n#hashtag\n\n12.5 ans\n'),
    ('<p>&amp;copy; a < b &#38;</p>', '&amp;copy; a &lt; b &\n'),
    ('<p><a href="https://ex.fr/a">https://ex.fr/a</a> <a href="https://ex.fr/b" title="T &amp; &quot;q&quot;">lien'
     '</a> <a href="/c d(e)">x</a> <a href="">vide</a> <a href="/z"> </a></p>',
     '<https://ex.fr/a> [lien](https://ex.fr/b "T &amp; &quot;q&quot;") [x](/c%20d%28e%29) vide\n'),
    ('<p><a href="https://ex.fr/a" title="t">https://ex.fr/a</a> <a href="http://ex.fr/b">autre</a>'
     '<a href="ftp://x">ftp://x</a></p>',
     '[https://ex.fr/a](https://ex.fr/a "t") [autre](http://ex.fr/b)[ftp://x](ftp://x)\n'),
    ('<p><a href=" http://ex.fr/c ">http://ex.fr/c</a></p>', '<http://ex.fr/c>\n'),
    ('<h2><a href="/x"><img src="i.png" alt="alt"></a> titre</h2>', '## [alt](/x) titre\n'),
    ('<h2><img src="i.png"> titre</h2>', '## titre\n'),
    ('<p><img src=" a b.png " alt=" [x] \\ " title=" t "></p>', '![\\[x\\] \\\\](a%20b.png "t")\n'),
    ('<p><img></p>', '![]()\n'),
    ('<audio src="s.mp3" aria-label="Son"></audio><audio><source src="t.mp3"></audio><audio></audio>',
     '![Son](s.mp3)\n\n![](t.mp3)\n'),
    ('<video src="https://youtu.be/abc"></video><video poster="p.jpg"><source src="v.mp4"></video>'
     '<video src="v.webm" aria-label="V [1]"></video><video></video>',
     '<https://youtu.be/abc>\n\n![](v.mp4)\n\n![V \\[1\\]](v.webm)\n'),
    ('<iframe src="https://player.vimeo.com/video/1"></iframe><iframe src="//x"></iframe><iframe></iframe>'
     '<iframe src="http://ex.fr/map"></iframe>', '<https://player.vimeo.com/video/1>\n\n<http://ex.fr/map>\n'),
    ('<figure class="wp-block-embed is-type-video"><div>\n https://www.youtube.com/watch?v=x \n</div></figure>',
     '<https://www.youtube.com/watch?v=x>\n'),
    ('<figure class="wp-block-embed"><div>https://ex.fr/not-a-video</div></figure>', 'https://ex.fr/not-a-video\n'),
    ('<figure><iframe src="https://m.youtube.com/embed/y"></iframe></figure>', '<https://m.youtube.com/embed/y>\n'),
    ('<figure><iframe src="https://ex.fr/map"></iframe></figure>', '<https://ex.fr/map>\n'),
    ('<figure><table><tr><td>a</td></tr></table></figure>', '| a |\n| --- |\n'),
    ('<figure><img src="a.jpg" alt="A" title="T"><figcaption> Une   <b>l\u00e9gende</b></figcaption></figure>',
     '<figure><img alt="A" src="a.jpg" title="T"/><figcaption> Une   <b>l\u00e9gende</b></figcaption></figure>\n'),
    ('<figure><img src="a.jpg" alt="A" title="T"><figcaption> Une   l\u00e9gende </figcaption></figure>',
     '![A](a.jpg "Une l\u00e9gende")\n'),
    ('<figure><img src="a.jpg" alt="A" title="T"></figure>', '![A](a.jpg "T")\n'),
    ('<figure><img src="a.jpg"><figcaption></figcaption></figure>', '![](a.jpg)\n'),
    ('<figure><audio src="s.mp3"></audio><figcaption>Le son</figcaption></figure>', '![Le son](s.mp3)\n'),
    ('<figure><video src="https://vimeo.com/1"></video></figure>', '<https://vimeo.com/1>\n'),
    ('<figure><video><source src="v.mp4"></video><figcaption>Vid [x]</figcaption></figure>', '![Vid \\[x\\]](v.mp4)\n'),
    ('<figure class="g"><img src="a.jpg" class="c" width="1" srcset="x" data-id="3"><img src="b.jpg" style="s">'
     '</figure>', '<figure class="g"><img src="a.jpg"/><img src="b.jpg"/></figure>\n'),
    ('<figure><p class="x" data-link="l">texte</p><audio src="s.mp3" class="a"></audio><audio src="t.mp3"></audio>'
     '</figure>', '<figure><p>texte</p><audio src="s.mp3"></audio><audio src="t.mp3"></audio></figure>\n'),
    ('<figure class="wp-block-gallery"><figure><img src="a.jpg" alt="A"></figure><figure><img src="b.jpg" alt="B">'
     '</figure></figure>', '![A](a.jpg)\n\n![B](b.jpg)\n'),
    ('<pre></pre><pre><code class="language-Python">x = 1</code></pre><pre class="lang-js">y</pre>'
     '<pre data-lang=" Ruby ">z</pre><pre data-language="Go">w</pre><pre><code lang="C#">v</code></pre>'
     '<pre class="brush: c++;">u</pre><pre class="x language-objective-c">t</pre><pre class="mylanguage-x">s</pre>',
     '```python\nx = 1\n```\n\n```js\ny\n```\n\n```ruby\nz\n```\n\n```go\nw\n```\n\n```c#\nv\n```\n\n'
     '```c++\nu\n```\n\n```objective-c\nt\n```\n\n```\ns\n```\n'),
    ('<pre>```\ncode\n````</pre>', '`````\n```\ncode\n````\n`````\n'),
    ('<pre>\n\nindent\n  more\n\n</pre>', '```\nindent\n  more\n```\n'),
    ('<p>ligne  </p><p>a<br>b</p>', 'ligne\n\na  \nb\n'),
    ('<p>x</p><!-- wp:paragraph --><p>y\u00a0z</p>', 'x\n\ny\u00a0z\n'),
    ('<p>a</p>\n\n\n\n<p>b</p>', 'a\n\nb\n'),
    ('<p><a href="https://ex.fr/up/a.jpg"><img src="https://ex.fr/up/a.jpg" alt="A"></a></p>'
     '<p><a href="https://ex.fr/?attachment_id=12"><img src="b.jpg" alt="B"></a></p>'
     '<p><a href="https://ex.fr/?p=1&attachment_id=12"><img src="b.jpg" alt="B"></a></p>'
     '<p><a href="https://ex.fr/post/attachment/b/"><img src="b.jpg" alt="B"></a></p>'
     '<p><a href="https://ex.fr/offre/"><img src="c.jpg" alt="C"></a></p>'
     '<p><a href="https://ex.fr/o/"> <img src="c.jpg" alt="C"> x</a></p>'
     '<p><a href="https://ex.fr/?attachment_id=x"><img src="d.jpg" alt="D"></a></p>',
     '![A](https://ex.fr/up/a.jpg)\n\n![B](b.jpg)\n\n![B](b.jpg)\n\n![B](b.jpg)\n\n'
     '[![C](c.jpg)](https://ex.fr/offre/)\n\n'
     '[![C](c.jpg) x](https://ex.fr/o/)\n\n[![D](d.jpg)](https://ex.fr/?attachment_id=x)\n'),
])
def test_html_becomes_the_projects_markdown(html, markdown):
    assert to_markdown(html) == markdown


NOISE = ("srcset", "sizes", "class", "width", "height", "loading", "decoding", "style", "data-id", "data-link",
         "data-orig-file", "data-orig-size", "data-medium-file", "data-large-file", "data-image-meta",
         "data-image-title", "data-image-description", "data-attachment-id", "data-permalink", "data-comments-opened",
         "data-image-caption")


def test_a_raw_figure_keeps_no_attribute_of_the_old_theme():
    noisy = " ".join(f'{name}="v"' for name in NOISE)
    assert to_markdown(f'<figure><img src="a.jpg" {noisy}><img src="b.jpg" {noisy}></figure>') == \
        '<figure><img src="a.jpg"/><img src="b.jpg"/></figure>\n'


@pytest.mark.parametrize("html, markdown", [
    ("<p>####### sept</p><p>#</p><p>-</p><p>12.</p><p>&gt;</p><p>&amp;#38; &amp;x</p>",
     "####### sept\n\n\\#\n\n\\-\n\n12\\.\n\n\\>\n\n&amp;#38; &x\n"),
    ('<p><code><a href="https://x">lien</a></code></p>', "`lien`\n"),
    ("<ul><li>a</li><li>b</li></ul>", "* a\n* b\n"),
    ("<pre><code>a</code></pre>", "```\na\n```\n"),
    ("<p><b>a</b> # b</p>", "**a** \\# b\n"),
    ("<p><b>a</b>\n# b</p>", "**a**\n\\# b\n"),
    ("<pre>  indented\n  more</pre>", "```\n  indented\n  more\n```\n"),
    ("<pre>X = 1\nY</pre>", "```\nX = 1\nY\n```\n"),
    ('<video><track src="t.vtt"><source src="v.mp4"></video>', "![](v.mp4)\n"),
    ('<video><source><source src="v.mp4"></video>', "![](v.mp4)\n"),
    ('<figure><img alt="A"></figure>', "![A]()\n"),
    ('<figure><img src="p.jpg"><iframe src="https://www.youtube.com/embed/z"></iframe></figure>',
     "<https://www.youtube.com/embed/z>\n"),
    ('<figure><iframe src="https://www.youtube.com/embed/z"></iframe><img src="p.jpg"></figure>',
     "<https://www.youtube.com/embed/z>\n"),
    ('<p><a href="a.jpg"> <img src="a.jpg" alt="A"> </a></p>', "![A](a.jpg)\n"),
    ("<p>a\u00a0<br>b</p>", "a\u00a0  \nb\n"),
    ("<p>TAX</p>", "TAX\n"),
    ("<p>a<br><br><br>b</p>", "a  \n\nb\n"),
])
def test_marks_only_where_python_markdown_reads_them(html, markdown):
    assert to_markdown(html) == markdown


def test_the_parser_is_named_so_bs4_warns_of_nothing():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert to_markdown("<p>a</p>") == "a\n"


def test_a_comment_stops_nothing_after_it():
    html = '<!-- wp:paragraph --><p><a href="https://old/a">x</a></p><!-- /wp:paragraph -->'
    assert to_markdown(html, lambda url: url.replace("https://old/", "{static}/")) == "[x]({static}/a)\n"


def test_every_url_goes_through_the_rewrite_and_none_keeps_it():
    html = ('<p><a href="https://old/a.jpg">x</a><img src=" https://old/b.png "><img src="https://old/c.png" '
            'srcset="https://old/c-2x.png 2x"></p><video src="v.mp4" poster="https://old/p.jpg"></video>'
            '<iframe src="https://old/i"></iframe><audio><source src="https://old/s.mp3"></audio>')
    seen = []

    def rewrite(url):
        seen.append(url)
        return None if "b.png" in url else url.replace("https://old/", "{static}/")
    assert to_markdown(html, rewrite) == ("[x]({static}/a.jpg)![](https://old/b.png)![]({static}/c.png)\n\n"
                                          "![](v.mp4)\n\n![]({static}/s.mp3)\n")
    assert seen == ["https://old/a.jpg", "https://old/b.png", "https://old/c.png", "v.mp4", "https://old/p.jpg",
                    "https://old/i", "https://old/s.mp3"]
    assert to_markdown(html) == ("[x](https://old/a.jpg)![](https://old/b.png)![](https://old/c.png)\n\n![](v.mp4)\n\n"
                                 "<https://old/i>\n\n![](https://old/s.mp3)\n")


@pytest.mark.parametrize("url, video", [
    ("https://www.youtube.com/x", True), ("http://youtu.be/x", True), ("https://YouTube.com/x", True),
    ("https://www.youtube-nocookie.com/e", True), ("https://player.vimeo.com/v", True), ("https://m.vimeo.com/1", True),
    ("  https://vimeo.com/1  ", True), ("ftp://youtube.com/x", False), ("https://notyoutube.com/x", False),
    ("https://ww.youtube.com/", False), ("https://vimeo.com.evil/", False), ("http://[::1", False), (None, False),
    ("", False), ("youtube.com/x", False),
])
def test_a_video_link_is_a_youtube_or_vimeo_address(url, video):
    assert is_video_link(url) is video


@pytest.mark.parametrize("line, trimmed", [
    ("a  ", "a  "), ("a   ", "a"), ("a ", "a"), ("  ", ""), ("a\t ", "a"), ("a \t  ", "a  "), ("a", "a"), ("", ""),
    ("FAX", "FAX"), ("a\u00a0  ", "a\u00a0  "), ("a\u00a0", "a\u00a0"),
])
def test_exactly_two_trailing_spaces_stay_a_line_break(line, trimmed):
    assert _trim(line) == trimmed


# ----------------------------------------------------------------------------------------------- comments


def isso_config_in(folder, dbpath):
    """An Isso configuration whose database is ``dbpath`` (as written in the file)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "isso.cfg"
    path.write_text(f"[general]\ndbpath = {dbpath}\nhost = http://127.0.0.1:8000\n", encoding="utf-8")
    return path


@pytest.fixture
def blog(tmp_path):
    """A project with a French post and its English translation written, and an Isso configuration."""
    root = tmp_path / "blog"
    posts = root / "content" / "posts"
    (posts / "fr").mkdir(parents=True)
    (posts / "en").mkdir(parents=True)
    (posts / "fr" / "atelier.md").write_text("Title: Atelier\nLang: fr\n\nTexte.\n", encoding="utf-8")
    (posts / "en" / "workshop.md").write_text("Title: Workshop\nLang: en\nTranslation-Of: atelier\n\nText.\n",
                                              encoding="utf-8")
    return root, isso_config_in(root / "comments", "cache/isso/comments.db")


PLACED_POSTS = {"wp:1": "posts/fr/atelier.md", "wp:2": "posts/en/workshop.md"}


def comment(id_, parent=None, author="Camille", minutes=0, text="Merci.", **more):
    return Comment(id_, parent, author, datetime(2021, 2, 7, 8, minutes), text, **more)


def commented_export(french=(), english=(), more=()):
    export = Export("wordpress", Path("export.xml"))
    export.items = [item("wp:1", slug="atelier", translation_group="g", comments=list(french)),
                    item("wp:2", lang="en", slug="workshop", translation_group="g", comments=list(english)),
                    *more]
    export.items[0].title, export.items[1].title = "Atelier", "Workshop"
    return export


def stored_rows(database):
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT threads.uri, threads.title, comments.id, comments.parent, comments.created, comments.mode,"
            " comments.author, comments.email, comments.website, comments.text, comments.remote_addr,"
            " comments.notification FROM comments JOIN threads ON threads.id = comments.tid"
            " ORDER BY comments.id").fetchall()


def test_approved_comments_go_to_their_thread_with_their_fields_and_replies_under_the_nearest_imported(blog):
    root, config = blog
    french = [comment("c1", author="Camille <R>", email="c&r@example.org", website="https://c.example/?a=1&b=2",
                      text="Merci !\nTr\u00e8s utile.\n\nSecond paragraphe."),
              comment("c2", "c1", "\u00c9lise", 10, "<p>Avec plaisir.</p>"),
              comment("c3", "c2", "Camille <R>", 20, "R\u00e9ponse."),
              comment("c4", None, "Spam", 30, status="spam"),
              comment("c5", None, "Julien", 40, status="pending"),
              comment("c6", "c5", "Nora", 50, "Sous un commentaire en attente."),
              comment("c7", None, "Troll", 5, status="trash"),
              comment("c8", "c8", "Boucle", 55, "Sa propre r\u00e9ponse.")]
    counts = import_comments(commented_export(french), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    assert (counts.imported, counts.already, counts.pending, counts.spam, counts.skipped) == (5, 0, 1, 1, 1)
    assert [(note.source_id, note.what, note.reason) for note in counts.notes] == [("c7", "comment", "trash comment")]
    rows = stored_rows(root / "cache" / "isso" / "comments.db")
    epoch = datetime(2021, 2, 7, 8, 0, tzinfo=timezone.utc).timestamp()
    assert [row[:9] for row in rows] == [
        ("atelier", "Atelier", 1, None, epoch, 1, "Camille &lt;R&gt;", "c&amp;r@example.org",
         "https://c.example/?a=1&amp;b=2"),
        ("atelier", "Atelier", 2, 1, epoch + 600, 1, "\u00c9lise", None, None),
        ("atelier", "Atelier", 3, 1, epoch + 1200, 1, "Camille &lt;R&gt;", None, None),   # Isso keeps one level
        ("atelier", "Atelier", 4, None, epoch + 3000, 1, "Nora", None, None),
        ("atelier", "Atelier", 5, None, epoch + 3300, 1, "Boucle", None, None),
    ]
    assert rows[0][9] == "Merci !  \nTr\u00e8s utile.\n\nSecond paragraphe."
    assert rows[1][9] == "Avec plaisir."
    assert {row[10] for row in rows} == {"0.0.0.0"} and {row[11] for row in rows} == {0}

    again = import_comments(commented_export(french), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    assert (again.imported, again.already) == (0, 5)
    assert len(stored_rows(root / "cache" / "isso" / "comments.db")) == 5


def test_a_translations_comments_share_the_original_thread_in_pair_mode_or_get_their_own(blog, tmp_path):
    root, config = blog
    english = [comment("e1", author="Sam", text="Great.")]
    french = [comment("f1", text="Bien.")]
    import_comments(commented_export(french, english), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    assert [row[:2] for row in stored_rows(root / "cache/isso/comments.db")] == [("atelier", "Atelier")] * 2

    other = isso_config_in(tmp_path / "other", str(tmp_path / "language.db"))
    import_comments(commented_export(french, english), PLACED_POSTS, other, "language", dry_run=False, root=root)
    assert [row[:2] for row in stored_rows(tmp_path / "language.db")] == [("atelier", "Atelier"),
                                                                          ("atelier/en", "Workshop")]


def test_threads_follow_the_written_headers_and_comments_ids(blog):
    root, _ = blog
    content = root / "content"
    (content / "posts/fr/atelier.md").write_text("Title: Atelier\nComments-Id: atelier-2021\nLang: fr\n\nTexte.\n")
    (content / "posts/en/workshop.md").write_text("Title: Workshop\nLang: en\nTranslation-Of: atelier\nnot a header"
                                                  "\nComments-Id: never-read\n\nText.\n")
    export = commented_export()
    french, english = export.items
    threads = Threads(export, PLACED_POSTS, content, "language")
    assert threads.header(english) == {"title": "Workshop", "lang": "en", "translation-of": "atelier"}
    assert threads.original(english) is french and threads.original(french) is None
    assert threads.of(french) == ("atelier-2021", "Atelier")
    assert threads.of(english) == ("atelier-2021/en", "Workshop")
    assert Threads(export, PLACED_POSTS, content, "pair").of(english) == ("atelier-2021", "Atelier")
    english.metadata["Comments-Id"] = "workshop-own"
    assert threads.of(english) == ("workshop-own", "Workshop")
    # Only one of the group written: no original to follow.
    alone = Threads(export, {"wp:2": "posts/en/workshop.md"}, content, "language")
    assert alone.original(english) is None and alone.of(english) == ("workshop-own", "Workshop")


def test_without_a_header_to_tell_the_first_of_a_group_is_the_original_else_the_earliest(blog):
    root, _ = blog
    export = commented_export()
    french, english = export.items
    english.date = datetime(2020, 1, 1, tzinfo=timezone.utc)            # older than the French post
    missing = {"wp:1": "posts/fr/none.md", "wp:2": "posts/en/none.md"}
    threads = Threads(export, missing, root / "content", "pair")
    assert threads.header(french) == {}
    assert threads.original(english) is french and threads.original(french) is None
    assert threads.of(english) == ("none", "Atelier")
    # Both files say they translate: the earliest is taken for the original.
    content = root / "content"
    (content / "posts/fr/atelier.md").write_text("Title: Atelier\nTranslation-Of: workshop\n\nTexte.\n")
    threads = Threads(export, PLACED_POSTS, content, "pair")
    assert threads.original(french) is english and threads.original(english) is None
    assert threads.of(french) == ("workshop", "Workshop")


def test_comments_of_an_item_not_written_are_listed_and_nothing_is_opened(blog, tmp_path):
    root, config = blog
    export = commented_export(more=[item("wp:3", slug="gone", comments=[comment("g1"), comment("g2")])])
    export.items[0].comments = []
    counts = import_comments(export, PLACED_POSTS, tmp_path / "no-such.cfg", "pair", dry_run=False, root=root)
    assert counts.skipped == 2 and [n.reason for n in counts.notes] == ["its post was not imported"] * 2
    with pytest.raises(FormatError) as refused:
        import_comments(commented_export([comment("c1")]), PLACED_POSTS, tmp_path / "no-such.cfg", "pair",
                        dry_run=False, root=root)
    assert refused.value.problem == "no Isso configuration here; name the comment server's isso.cfg"


def test_a_dry_run_counts_without_touching_the_database(blog):
    root, config = blog
    french = [comment("c1"), comment("c2", "c1", "\u00c9lise", 10), comment("c3", None, "Spam", 20, status="spam")]
    counts = import_comments(commented_export(french), PLACED_POSTS, config, "pair", dry_run=True, root=root)
    assert (counts.imported, counts.spam) == (2, 1)
    assert not (root / "cache" / "isso").exists()
    import_comments(commented_export(french[:1]), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    database = root / "cache" / "isso" / "comments.db"
    before = database.read_bytes()
    counts = import_comments(commented_export(french), PLACED_POSTS, config, "pair", dry_run=True, root=root)
    assert (counts.imported, counts.already) == (1, 1) and database.read_bytes() == before
    # An empty file where the database goes: read as no tables yet.
    database.write_bytes(b"")
    counts = import_comments(commented_export(french), PLACED_POSTS, config, "pair", dry_run=True, root=root)
    assert (counts.imported, counts.already) == (2, 0)


def test_a_file_that_is_not_a_database_is_refused(blog):
    root, config = blog
    database = root / "cache" / "isso" / "comments.db"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"not sqlite at all, but long enough to be read as a header." * 4)
    with pytest.raises(FormatError) as refused:
        import_comments(commented_export([comment("c1")]), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    assert refused.value.path == database and refused.value.problem.startswith("not an Isso database (")


def test_a_comment_stored_with_a_date_a_little_off_is_the_same_comment(blog):
    root, config = blog
    import_comments(commented_export([comment("c1")]), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    database = root / "cache" / "isso" / "comments.db"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE comments SET created = created + 0.0004")
    counts = import_comments(commented_export([comment("c1")]), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    assert (counts.imported, counts.already) == (0, 1)
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE comments SET created = created + 0.002")
    counts = import_comments(commented_export([comment("c1")]), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    assert (counts.imported, counts.already) == (1, 0)
    counts = import_comments(commented_export([comment("c1", author="Autre")]), PLACED_POSTS, config, "pair",
                             dry_run=False, root=root)
    assert counts.imported == 1


def test_an_absolute_database_path_is_used_as_it_is(blog, tmp_path, monkeypatch):
    root, _ = blog
    config = isso_config_in(tmp_path / "isso", str(tmp_path / "elsewhere" / "c.db"))
    import_comments(commented_export([comment("c1")]), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    assert len(stored_rows(tmp_path / "elsewhere" / "c.db")) == 1
    home = isso_config_in(tmp_path / "home-isso", "~/c.db")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    import_comments(commented_export([comment("c1")]), PLACED_POSTS, home, "pair", dry_run=False, root=root)
    assert len(stored_rows(tmp_path / "home" / "c.db")) == 1


def test_comments_are_committed_by_whole_threads_and_a_kill_loses_only_the_uncommitted(blog, monkeypatch):
    root, config = blog
    many = [comment(f"c{n}", minutes=n % 60, author=f"A{n}") for n in range(COMMIT_EVERY)]
    english = [comment("e1", author="Sam"), comment("e2", author="Tom")]
    monkeypatch.setenv(EXIT_AFTER_VARIABLE, str(COMMIT_EVERY + 1))
    assert exit_status_of(lambda: import_comments(commented_export(many, english), PLACED_POSTS, config, "pair",
                                                  dry_run=False, root=root)) == 75
    # The first thread (500 comments) was committed before the second began; its first comment was lost.
    assert len(stored_rows(root / "cache" / "isso" / "comments.db")) == COMMIT_EVERY
    monkeypatch.setenv(EXIT_AFTER_VARIABLE, "2")
    assert exit_status_of(lambda: import_comments(commented_export([comment("x1", author="X"),
                                                                     comment("x2", author="Y")]),
                                                  PLACED_POSTS, config, "pair", dry_run=False, root=root)) == 75
    assert len(stored_rows(root / "cache" / "isso" / "comments.db")) == COMMIT_EVERY
    monkeypatch.setenv(EXIT_AFTER_VARIABLE, "")
    counts = import_comments(commented_export(many, english), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    assert (counts.imported, counts.already) == (2, COMMIT_EVERY)


@pytest.mark.parametrize("html, markdown", [
    ("Merci !\nTr\u00e8s utile.", "Merci !  \nTr\u00e8s utile."),
    ("  Un.\n\n \n Deux.\nEt trois.  \n\n\n", "Un.\n\nDeux.  \nEt trois."),
    ("<p>D\u00e9j\u00e0</p>\n\n<p>en paragraphes</p>", "D\u00e9j\u00e0\n\nen paragraphes"),
    ("Une ligne<BR>puis une autre\n\nsans paragraphe", "Une ligne  \npuis une autre\nsans paragraphe"),
    ("<blockquote>cit\u00e9</blockquote>", "> cit\u00e9"),
    ("<h3>Titre</h3>", "### Titre"),
    ("<em>seul</em> & gras", "*seul* & gras"),
    ("<pre>code</pre>", "```\ncode\n```"),
    ("", ""),
])
def test_a_comment_is_stored_as_markdown_its_plain_lines_made_paragraphs(html, markdown):
    assert comment_markdown(html) == markdown


# ----------------------------------------------------------------------------------------------- subscribers


CONSENT = datetime(2024, 3, 14, 9, 30, tzinfo=timezone.utc)


def subscriber(email, lang="fr", status="subscribed", consent=CONSENT, source="substack"):
    return Subscriber(email=email, lang=lang, consent_date=consent, source=source, status=status)


@pytest.fixture
def no_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSLETTER_SECRET", raising=False)
    monkeypatch.delenv("NEWSLETTER_BACKEND", raising=False)
    monkeypatch.chdir(tmp_path)


def test_the_summary_says_every_count_and_only_the_unusual_ones_when_there_are_some():
    counts = SubscriberCounts(added=3, already_there=2, suppressed=1, unconfirmed=4)
    assert counts.summary() == ("subscribers: 3 added, 2 already there, 1 suppressed (unsubscribed), "
                                "4 unconfirmed (need a new double opt-in)")
    assert not counts.stopped
    counts = SubscriberCounts(no_consent=1, invalid=2, failed=3, not_reached=4, dry_run=True)
    assert counts.summary() == ("subscribers: 0 would be added, 0 already there, 0 suppressed (unsubscribed), "
                                "0 unconfirmed (need a new double opt-in), 1 without a consent date, 2 invalid, "
                                "3 failed, 4 left for the next run")
    assert counts.stopped


def test_each_reader_is_sorted_out_by_address_language_status_and_consent(tmp_path, no_secret):
    today = datetime.now(timezone.utc)
    readers = [subscriber(" Anne@Exemple.fr ", " FR "), subscriber("pas une adresse"), subscriber(None),
               subscriber("b@exemple.fr", "fra-x"), subscriber("b@exemple.fr", None),
               subscriber("c@exemple.fr", status="bounced"),
               subscriber("d@exemple.fr", consent=None), subscriber("e@exemple.fr", consent=today + timedelta(days=3)),
               subscriber("f@exemple.fr", consent=today + timedelta(hours=20)),
               subscriber("g@exemple.fr", consent=date(2020, 1, 2), source=None),
               subscriber("h@exemple.fr", consent=datetime(2020, 1, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5)))),
               subscriber("i@exemple.fr", consent=datetime(2020, 1, 2, 8, 5, 9, 123)),
               subscriber("j@exemple.fr", consent=(today + timedelta(days=2)).date()),
               subscriber("k@exemple.fr", status="unconfirmed"), subscriber("k@exemple.fr", "en", consent=None),
               subscriber("l@exemple.fr", status="unsubscribed", consent=None), subscriber("L@exemple.fr", "en"),
               subscriber("m@exemple.fr", "pt-br")]
    target = tmp_path / "readers.csv"
    counts = import_subscribers(readers, target, tmp_path / "state", dry_run=False)
    assert (counts.added, counts.already_there, counts.suppressed, counts.unconfirmed, counts.no_consent,
            counts.invalid) == (6, 0, 2, 1, 4, 5)
    assert target.read_text().splitlines() == [
        "email,lang,consent_date,source",
        "Anne@exemple.fr,fr,2024-03-14T09:30:00+00:00,substack",        # the domain lower-cased
        f"f@exemple.fr,fr,{(today + timedelta(hours=20)).isoformat(timespec='seconds')},substack",
        "g@exemple.fr,fr,2020-01-02,",
        "h@exemple.fr,fr,2020-01-02T23:30:00-05:00,substack",
        "i@exemple.fr,fr,2020-01-02T08:05:09,substack",
        "m@exemple.fr,pt-br,2024-03-14T09:30:00+00:00,substack",
    ]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


def test_a_csv_is_read_with_its_delimiter_and_columns_and_appended_to_as_it_is(tmp_path, no_secret):
    target = tmp_path / "readers.csv"
    target.write_bytes("\ufeff Email ; LANG ;note;consent_date\n\n;;;\nAnne@Exemple.fr;FR;x;2020-01-01\n"
                       "short;row\nb@exemple.fr;en;y;2020-01-01".encode("utf-8"))
    raw, delimiter, names, present = CsvList(target).read()
    assert (delimiter, names) == (";", ["email", "lang", "note", "consent_date"])
    assert present == {("anne@exemple.fr", "fr"), ("b@exemple.fr", "en")}
    readers = [subscriber("anne@exemple.fr"), subscriber("b@exemple.fr", "fr"), subscriber("b@exemple.fr", "en")]
    counts = import_subscribers(readers, CsvList(target), tmp_path / "state", dry_run=False)
    assert (counts.added, counts.already_there) == (1, 2)
    assert target.read_bytes() == raw + b"\nb@exemple.fr;fr;;2024-03-14T09:30:00+00:00\n"


def test_a_csv_that_is_not_a_list_of_readers_is_refused(tmp_path):
    target = tmp_path / "readers.csv"
    target.write_bytes(b"email,lang\n\xff\xfe,fr\n")
    with pytest.raises(SubscriberImportError) as refused:
        CsvList(target).read()
    assert str(refused.value) == f"{target}: not UTF-8 text; cannot add readers to it"
    for header in ("email,language\n", "mail,lang\n"):
        target.write_text(header)
        with pytest.raises(SubscriberImportError) as refused:
            CsvList(target).read()
        assert str(refused.value) == f"{target}: not a list of readers (its first line names no email and lang columns)"
    target.write_text("\n ,  \n")
    assert CsvList(target).read() == (b"\n ,  \n", ",", ["email", "lang", "consent_date", "source"], set())
    assert CsvList(tmp_path / "none.csv").read() == (b"", ",", ["email", "lang", "consent_date", "source"], set())
    target.write_text("lang,email,x;y;z\n")                   # as many of each: a comma
    assert CsvList(target).read()[1:3] == (",", ["lang", "email", "x;y;z"])


def test_the_csv_lists_names_come_from_its_path(tmp_path):
    csv_list = CsvList(tmp_path / "lists" / "readers.csv")
    assert csv_list.suppression_path == tmp_path / "lists" / "readers.suppressed.jsonl"
    name = csv_list.journal_name
    assert name.startswith("csv-") and len(name) == 4 + 16
    assert CsvList(tmp_path / "lists" / "readers.csv").journal_name == name
    assert CsvList(tmp_path / "other.csv").journal_name != name


def test_a_destination_is_a_csv_path_or_the_configured_provider(tmp_path, no_secret):
    assert isinstance(destination_from(f"csv:{tmp_path / 'r.csv'}", {}), CsvList)
    for spec in ("csv:", "csv", "mailchimp", "provider:x", ""):
        with pytest.raises(SubscriberImportError) as refused:
            destination_from(spec, {})
        assert str(refused.value) == f"{spec!r}: the readers' destination is csv:PATH or provider"
    content = tmp_path / "content"
    content.mkdir()
    for inside in (content, content / "private" / "r.csv"):
        with pytest.raises(SubscriberImportError) as refused:
            destination_from(f"csv:{inside}", {"PATH": str(content)})
        assert str(refused.value).startswith(f"{inside}: inside the site's content folder;")
    assert destination_from(f"csv:{tmp_path / 'content2' / 'r.csv'}", {"PATH": str(content)}).path.name == "r.csv"

    smtp = {"backend": "smtp", "smtp": {"subscribers": str(tmp_path / "private" / "r.csv")}}
    assert destination_from("provider", {"NEWSLETTER": {"delivery": smtp}}).path == tmp_path / "private" / "r.csv"
    with pytest.raises(SubscriberImportError) as refused:
        destination_from("provider", {"NEWSLETTER": {"delivery": {"backend": "smtp"}}})
    assert str(refused.value).startswith("NEWSLETTER['delivery']['smtp']['subscribers'] names no CSV file")
    for newsletter in ({}, {"delivery": {"backend": "outbox"}}, "not a dict", None):
        with pytest.raises(SubscriberImportError) as refused:
            destination_from("provider", {"NEWSLETTER": newsletter})
        assert str(refused.value).startswith("NEWSLETTER['delivery']['backend'] is 'outbox', which keeps no readers")
    with pytest.raises(SubscriberImportError) as refused:
        destination_from("provider", {"NEWSLETTER": {"delivery": {"backend": "nope"}}})
    assert str(refused.value).startswith("NEWSLETTER['delivery']: ")


def test_a_list_in_a_git_work_tree_is_refused_unless_named(tmp_path, no_secret):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    inside = tmp_path / "repo" / "deep" / "r.csv"
    settings = {"NEWSLETTER": {"delivery": {"backend": "smtp", "smtp": {"subscribers": str(inside)}}}}
    with pytest.raises(SubscriberImportError) as refused:
        destination_from("provider", settings)
    assert str(refused.value).startswith(f"{inside}: inside the git work tree {tmp_path / 'repo'}, where it could")
    assert destination_from(f"csv:{inside}", settings).path == inside
    (tmp_path / "repo" / "deep").mkdir()
    (tmp_path / "repo" / "deep" / ".git").write_text("gitdir: elsewhere\n")      # a worktree's .git file
    with pytest.raises(SubscriberImportError, match=f"git work tree {tmp_path / 'repo' / 'deep'},"):
        destination_from("provider", settings)


def test_a_hash_list_keeps_its_key_beside_it_and_only_hashes(tmp_path):
    path = tmp_path / "state" / "list.jsonl"
    hashes = HashList(path)
    key = tmp_path / "state" / "list.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert len(bytes.fromhex(key.read_text().strip())) == 32 and key.read_text().endswith("\n")
    hashes.add("fr anne@exemple.fr", outcome="added", at="2024-01-01")
    hashes.add("fr anne@exemple.fr", outcome="again")
    [line] = path.read_text().splitlines()
    record = json.loads(line)
    assert record["outcome"] == "added" and record["at"] == "2024-01-01" and len(record["hash"]) == 64
    assert "anne" not in path.read_text() and stat.S_IMODE(path.stat().st_mode) == 0o600
    again = HashList(path)
    assert "fr anne@exemple.fr" in again and "en anne@exemple.fr" not in again

    with open(path, "a") as stream:                                 # a line cut short by a kill
        stream.write('{"hash": "ab')
    torn = HashList(path)
    torn.add("en b@exemple.fr")
    lines = path.read_text().splitlines()
    assert lines[1] == '{"hash": "ab' and json.loads(lines[2])["hash"] and len(lines) == 3
    torn.add("en c@exemple.fr")
    assert len(path.read_text().splitlines()) == 4
    assert "en b@exemple.fr" in HashList(path) and "en c@exemple.fr" in HashList(path)

    key.write_text("not hex\n")
    with pytest.raises(SubscriberImportError) as refused:
        HashList(path)
    assert str(refused.value) == f"{key}: not a key (hexadecimal)"
    key.unlink()
    with pytest.raises(SubscriberImportError) as refused:
        HashList(path)
    assert str(refused.value) == (f"{path}: its key list.key is missing, so the list cannot be read; restore the "
                                  "key from a backup")
    path.write_text("")
    HashList(path)                                                  # an empty list: a new key
    assert key.exists()


def test_a_hash_list_in_a_dry_run_remembers_in_memory_only(tmp_path):
    path = tmp_path / "state" / "list.jsonl"
    hashes = HashList(path, write=False)
    hashes.add("fr a@exemple.fr")
    assert "fr a@exemple.fr" in hashes
    assert not (tmp_path / "state").exists()


BUTTONDOWN_KEY = "bd-mutants-test-key"


@pytest.fixture
def buttondown(monkeypatch, no_secret):
    monkeypatch.setenv("BUTTONDOWN_API_KEY", BUTTONDOWN_KEY)
    with FakeButtondown(api_key=BUTTONDOWN_KEY) as server:
        yield server


def to_buttondown(fake):
    return destination_from("provider", {"NEWSLETTER": {"delivery": {
        "backend": "buttondown", "retry": {"attempts": 1, "base": 0.0},
        "buttondown": {"base_url": f"{fake.url}/v1", "audiences": {"fr": {"tag": "lettre"}}}}}})


def creations(fake):
    return [r.body["email_address"] for r in fake.calls("POST", r"/v1/subscribers")]


def test_refusals_of_single_readers_let_the_others_go_until_five_in_a_row(buttondown, tmp_path):
    readers = [subscriber(f"r{n}@exemple.fr") for n in range(9)]
    buttondown.fail("POST", r"/v1/subscribers", status=400, times=2)
    buttondown.fail("POST", r"/v1/subscribers", kind="call_after", action=lambda request: None)
    buttondown.fail("POST", r"/v1/subscribers", status=422, times=5)
    counts = import_subscribers(readers, to_buttondown(buttondown), tmp_path / "state", dry_run=False)
    # Two refused, one added (the count of refusals in a row starts again), five refused: stopped.
    assert (counts.added, counts.failed, counts.not_reached) == (1, 7, 1)
    assert creations(buttondown) == [f"r{n}@exemple.fr" for n in range(8)]
    assert counts.errors == ["buttondown HTTP 400: request refused: injected 400",
                             "buttondown HTTP 422: request refused: injected 422"]


def test_a_missing_endpoint_or_refused_credentials_stop_at_the_first_reader(buttondown, tmp_path, monkeypatch):
    readers = [subscriber(f"r{n}@exemple.fr") for n in range(3)]
    buttondown.fail("POST", r"/v1/subscribers", status=404)
    counts = import_subscribers(readers, to_buttondown(buttondown), tmp_path / "state", dry_run=False)
    assert (counts.added, counts.failed, counts.not_reached) == (0, 1, 2)
    buttondown.fail("POST", r"/v1/subscribers", status=401)
    counts = import_subscribers(readers, to_buttondown(buttondown), tmp_path / "state", dry_run=False)
    assert (counts.added, counts.failed, counts.not_reached) == (0, 1, 2)
    assert "credentials refused" in counts.errors[0]
    counts = import_subscribers(readers, to_buttondown(buttondown), tmp_path / "state", dry_run=False)
    assert (counts.added, counts.failed, counts.not_reached) == (3, 0, 0)


def test_at_most_five_different_errors_are_listed_without_the_address(buttondown, tmp_path):
    from importers.subscribers import _note
    from newsletter.delivery.errors import InvalidRequest

    counts = SubscriberCounts()
    reader = type("Reader", (), {"address": "Anne@Exemple.fr"})()
    for n in range(7):
        _note(counts, InvalidRequest(f"refused  Anne@Exemple.fr\n(anne@exemple.fr) case {n % 6}"), reader)
    assert len(counts.errors) == 5
    assert counts.errors[0] == "refused **** (****) case 0" and "anne" not in " ".join(counts.errors).lower()


def test_the_providers_urls_are_not_logged_while_importing_and_the_level_comes_back(buttondown, tmp_path):
    pool = logging.getLogger("urllib3.connectionpool")
    previous = pool.level
    pool.setLevel(logging.DEBUG)
    try:
        seen = []

        class Watch(logging.Handler):
            def emit(self, record):
                seen.append(record.getMessage())
        watcher = Watch(level=logging.DEBUG)
        pool.addHandler(watcher)
        import_subscribers([subscriber("anne@exemple.fr")], to_buttondown(buttondown), tmp_path / "state",
                           dry_run=False)
        pool.removeHandler(watcher)
        assert seen == [] and pool.level == logging.DEBUG
    finally:
        pool.setLevel(previous)


def test_each_provider_and_address_has_its_own_journal(buttondown, tmp_path):
    from importers.subscribers import _journal_name

    destination = to_buttondown(buttondown)
    name = _journal_name(destination)
    assert name.startswith("buttondown-") and len(name) == len("buttondown-") + 16
    destination.config["base_url"] = "https://other.example/v1"
    assert _journal_name(destination) != name
    with pytest.raises(TypeError) as refused:
        _journal_name("somewhere")
    assert str(refused.value) == "not a destination for readers: 'somewhere'"
    import_subscribers([subscriber("anne@exemple.fr")], to_buttondown(buttondown), tmp_path / "state", dry_run=False)
    assert (tmp_path / "state" / f"subscribers-{name}.jsonl").exists()


def test_a_dry_run_to_a_provider_asks_nothing_and_counts_each_reader_once(buttondown, tmp_path):
    readers = [subscriber("a@exemple.fr"), subscriber("A@exemple.fr"), subscriber("b@exemple.fr")]
    counts = import_subscribers(readers, to_buttondown(buttondown), tmp_path / "state", dry_run=True)
    assert (counts.added, counts.already_there) == (2, 1) and buttondown.requests == []
    import_subscribers(readers[:1], to_buttondown(buttondown), tmp_path / "state", dry_run=False)
    counts = import_subscribers(readers, to_buttondown(buttondown), tmp_path / "state", dry_run=True)
    assert (counts.added, counts.already_there) == (1, 2)


# ----------------------------------------------------------------------------------------------- the writer


@functools.cache
def _project_settings():
    from pelican.settings import read_settings

    from conftest import ROOT
    return read_settings(str(ROOT / "pelicanconf.py"))


def project_settings(site, **changes):
    """The project's own settings (taxonomy, slugs, languages), for a site in a test folder."""
    return {**copy.deepcopy(_project_settings()), "PATH": str(site.content), **changes}


def written(site):
    return {path.relative_to(site.content).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(site.content.rglob("*")) if path.is_file() and "data" not in path.parts}


def export_of(*items, **more):
    export = Export("wordpress", Path("/nowhere/ancien-blog.xml"), items=list(items))
    for key, value in more.items():
        setattr(export, key, value)
    return export


def write_export(site, *items, force=False, dry_run=False, **more):
    return import_export(export_of(*items, **more), site, WriteOptions(dry_run=dry_run, force=force))


def skipped(report):
    return {(entry.id, entry.what): entry.reason for entry in report.not_converted}


def test_an_items_header_lines_in_the_projects_order_its_text_normalised(site):
    naive = datetime(2021, 7, 1, 12, 0)                         # no offset: the site's time zone
    post = item("wp:1", slug="atelier", title="Un  titre\nsur deux lignes", date=naive,
                summary="R\u00e9sum\u00e9\n  court",
                category="evenements", tags=["seo", "atelier", "seo-bis", "vide"], author="camille",
                status="draft", modified=datetime(2021, 7, 1, 10, 0, 30, tzinfo=timezone.utc),
                body="\n\nLigne un\r\nLigne deux\rtrois\n\n\n",
                metadata={"Comments": "closed", "TITLE": "not twice", "tags": "no", "bad key": "x", "9x": "y",
                          "Empty": "", "Folded": "a\n b", "Translation-of": "z", "Source-hash": "h", "X_y-z": "ok"})
    write_export(site, post, categories={"evenements": {"fr": "\u00c9v\u00e9nements"}},
                 tags={"seo": {"fr": "SEO"}, "seo-bis": {"fr": "SEO"}, "vide": {}},
                 authors={"camille": {"name": "Camille Roux"}})
    assert written(site)["posts/fr/atelier.md"] == (
        "Title: Un titre sur deux lignes\nDate: 2021-07-01 12:00\nLang: fr\nSlug: atelier\n"
        "Category: \u00c9v\u00e9nements\nTags: SEO, atelier, vide\nAuthor: Camille Roux\n"
        "Summary: R\u00e9sum\u00e9 court\n"
        "Status: draft\nComments: closed\nFolded: a b\nX_y-z: ok\n\nLigne un\nLigne deux\ntrois\n")


def test_modified_is_written_only_when_it_is_another_minute(site):
    same = item("wp:1", slug="a", modified=WHEN.replace(second=40))
    later = item("wp:2", slug="b", modified=WHEN.replace(hour=9))
    no_date = item("wp:3", slug="c", date=None)
    write_export(site, same, later, no_date)
    files = written(site)
    assert "Modified" not in files["posts/fr/a.md"]
    assert "Date: 2021-02-07 09:30\nModified: 2021-02-07 10:30\nLang: fr\n" in files["posts/fr/b.md"]
    assert files["posts/fr/c.md"].startswith("Title: Titre\nLang: fr\n")


def test_pages_and_issues_have_their_own_lines(site):
    page = item("wp:p", kind="page", slug="tarifs", category="x", tags=["t"], author="nobody")
    issue = item("wp:i", kind="issue", slug="lettre-1", metadata={"ISSUE": " 7 ", "Preheader": "Ce mois-ci"})
    unnumbered = item("wp:j", kind="issue", slug="lettre-x", metadata={"Issue": "sept"})
    write_export(site, page, issue, unnumbered)
    files = written(site)
    assert files["pages/fr/tarifs.md"] == ("Title: Titre\nDate: 2021-02-07 09:30\nLang: fr\nSlug: tarifs\n"
                                           "Author: nobody\n\nTexte.\n")
    assert files["newsletter/fr/lettre-1.md"] == ("Title: Titre\nDate: 2021-02-07 09:30\nIssue: 7\nLang: fr\n"
                                                  "Preheader: Ce mois-ci\n\nTexte.\n")
    assert files["newsletter/fr/lettre-x.md"] == ("Title: Titre\nDate: 2021-02-07 09:30\nLang: fr\nIssue: sept\n\n"
                                                  "Texte.\n")
    manifest = tomllib.loads((site.content / "data/imports.toml").read_text())
    assert manifest["items"]["wp:i"]["issue"] == 7 and "issue" not in manifest["items"]["wp:j"]


def test_imported_issues_follow_the_sites_own_numbers_and_keep_theirs_afterwards(site):
    for lang, number in (("fr", "1"), ("fr", "2"), ("en", "5")):
        folder = site.content / "newsletter" / lang
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"own-{number}.md").write_text(f"Title: x\nIssue: {number}\n\nText.\n")
    (site.content / "newsletter" / "fr" / "draft.md").write_text("Title: x\nIssue: n/a\n\nText.\n")
    (site.content / "newsletter" / "en" / "nolang.md").write_text("Title: x\n\nIssue: 9\n")
    issue = item("wp:i", kind="issue", slug="lettre-1", metadata={"Issue": "2"})
    report = write_export(site, issue)
    assert "Issue: 7\n" in written(site)["newsletter/fr/lettre-1.md"]
    assert report.notes == ["imported issues renumbered from 6: the site has issues 1 to 5 already"]
    # Run again: the import's own file does not count as the site's, and the number stays.
    again = write_export(site, issue)
    assert again.notes == [] and "Issue: 7\n" in written(site)["newsletter/fr/lettre-1.md"]
    assert again.counts["issues"] == {"unchanged": 1}


def test_an_issue_number_no_site_issue_uses_is_kept(site):
    folder = site.content / "newsletter" / "en"
    folder.mkdir(parents=True)
    (folder / "own.md").write_text("Title: x\nIssue: 2\n\nText.\n")          # English only
    (site.content / "newsletter" / "fr").mkdir()
    (site.content / "newsletter" / "fr" / "b.md").write_text("Title: x\nLang: en\nIssue: 3\n\nText.\n")
    report = write_export(site, item("wp:i", kind="issue", slug="l", metadata={"Issue": "2"}),
                          item("wp:j", kind="issue", slug="m", lang="en", metadata={"Issue": "1"}))
    assert "Issue: 2\n" in written(site)["newsletter/fr/l.md"] and report.notes == []
    report = write_export(site, item("wp:k", kind="issue", slug="n", lang="en", metadata={"Issue": "3"}))
    assert "Issue: 6\n" in written(site)["newsletter/en/n.md"]


@pytest.mark.parametrize("slug, title, kind, expected", [
    (" Atelier-2021 ", "x", "post", "atelier-2021"),
    ("Un Atelier !", "x", "post", "un-atelier"),
    ("", "\u00c9t\u00e9 2021", "post", "ete-2021"),
    (None, "!!!", "page", "page"),
    ("--", "", "issue", "issue"),
])
def test_a_slug_is_the_items_own_cleaned_else_its_titles_else_its_kind(slug, title, kind, expected):
    assert _slug_of(item(kind=kind, slug=slug, title=title)) == expected


def test_a_taken_slug_gets_the_next_free_number_and_translations_share_theirs(site):
    posts = site.content / "posts" / "fr"
    posts.mkdir(parents=True)
    (posts / "atelier.md").write_text("Title: x\n\nText.\n")
    (posts / "other-name.md").write_text("Title: x\nSlug: atelier-2\n\nText.\n")
    (site.content / "pages" / "fr").mkdir(parents=True)
    (site.content / "pages" / "fr" / "tarifs.md").write_text("Title: x\n\nText.\n")
    report = write_export(site, item("wp:1", slug="atelier", translation_group="g"),
                          item("wp:2", slug="atelier", lang="en", translation_group="g"),
                          item("wp:3", slug="atelier", lang="en"),
                          item("wp:4", slug="tags"), item("wp:5", slug="tarifs"),
                          item("wp:6", kind="page", slug="tarifs"),
                          item("wp:7", kind="issue", slug="atelier"),
                          item("wp:8", slug="atelier", translation_group="g"))
    assert sorted(path for path in written(site) if "wp" not in path) == [
        "newsletter/fr/atelier.md", "pages/fr/tarifs-2.md", "pages/fr/tarifs.md", "posts/en/atelier-3.md",
        "posts/en/atelier-4.md", "posts/fr/atelier-3.md", "posts/fr/atelier-5.md", "posts/fr/atelier.md",
        "posts/fr/other-name.md", "posts/fr/tags-2.md", "posts/fr/tarifs.md"]
    reasons = [(entry.id, entry.reason) for entry in report.not_converted if "slug" in entry.reason]
    taken = "slug 'atelier' is taken (on the site, or by another item); written as "
    assert reasons == [("wp:1", taken + "'atelier-3'"), ("wp:2", taken + "'atelier-3'"),   # a translation shares it
                       ("wp:3", taken + "'atelier-4'"),                                     # another English post
                       ("wp:4", "slug 'tags' is taken (on the site, or by another item); written as 'tags-2'"),
                       ("wp:6", "slug 'tarifs' is taken (on the site, or by another item); written as 'tarifs-2'"),
                       ("wp:8", taken + "'atelier-5'")]                                     # same group and language


def test_unknown_kinds_and_languages_are_listed_and_not_written(site):
    report = write_export(site, item("wp:1", kind="note"), item("wp:2", lang="de"), item("wp:3", slug="kept"),
                          skipped=[Skipped("wp:9", "post", "password-protected")])
    assert skipped(report) == {("wp:1", "note"): "unknown kind of item; not written",
                               ("wp:2", "post"): "its language 'de' is not one of the site's (fr, en); not written",
                               ("wp:9", "post"): "password-protected"}
    assert list(written(site)) == ["posts/fr/kept.md"]


def test_what_is_done_with_a_file_depends_on_its_bytes_the_manifest_and_force(site):
    post = item("wp:1", slug="a")
    write_export(site, post)
    path = site.content / "posts/fr/a.md"
    imported = path.read_bytes()
    report = write_export(site, post)
    assert report.counts["posts"] == {"unchanged": 1}

    post.body = "Nouveau texte.\n"                               # the export changed, the file did not
    report = write_export(site, post)
    assert report.counts["posts"] == {"update": 1} and path.read_text().endswith("Nouveau texte.\n")

    path.write_text(path.read_text() + "Ajout.\n")                # the author edited it
    post.body = "Encore.\n"
    report = write_export(site, post)
    assert report.counts["posts"] == {"kept": 1} and skipped(report)[("posts/fr/a.md", "post")] == EDITED
    assert write_export(site, post, force=True).counts["posts"] == {"update": 1}

    path.unlink()                                                 # the author deleted it
    report = write_export(site, post)
    assert report.counts["posts"] == {"kept": 1} and skipped(report)[("posts/fr/a.md", "post")] == DELETED
    assert not path.exists()
    assert write_export(site, post, force=True).counts["posts"] == {"create": 1} and path.exists()

    (site.content / "posts/fr/b.md").write_text("Someone else's.\n")      # not the import's
    manifest = site.content / "data/imports.toml"
    manifest.write_text(manifest.read_text() + f'\n[items."wp:2"]\npath = "posts/fr/b.md"\nsha256 = "{"0" * 64}"\n')
    report = write_export(site, item("wp:2", slug="b"))
    assert skipped(report)[("posts/fr/b.md", "post")] == EDITED
    assert imported != path.read_bytes()


def test_a_file_already_there_that_the_import_never_wrote_is_kept(site, tmp_path):
    from importers.model import Media

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "plan.png").write_bytes(b"PNG from the export")
    (site.content / "images").mkdir()
    (site.content / "images" / "plan.png").write_bytes(b"PNG of the site")
    post = item("wp:1", slug="a", media=[Media("https://old.example/up/plan.png", "images/plan.png")])
    report = import_export(export_of(post), site, WriteOptions(media=uploads, dry_run=False))
    assert skipped(report)[("images/plan.png", "image")] == ("another file is already there; use --force to "
                                                             "replace it")
    assert (site.content / "images" / "plan.png").read_bytes() == b"PNG of the site"
    report = import_export(export_of(post), site, WriteOptions(media=uploads, dry_run=False, force=True))
    assert (site.content / "images" / "plan.png").read_bytes() == b"PNG from the export"
    assert report.counts["images"] == {"update": 1}


def test_a_translation_records_its_original_and_the_originals_bytes(site):
    from sitekit.content import digest_of

    original = item("wp:1", slug="atelier", lang="fr", translation_group="g", date=WHEN.replace(year=2022))
    translation = item("wp:2", slug="workshop", lang="en", translation_group="g")
    alone = item("wp:3", slug="alone", lang="en", translation_group="solo")
    same_language = item("wp:4", slug="doublon", lang="fr", translation_group="g")
    issue = item("wp:5", kind="issue", slug="i-en", lang="en", translation_group="g")
    report = write_export(site, translation, original, alone, same_language, issue)
    files = written(site)
    assert ("Translation-Of: atelier\nSource-Hash: " + digest_of(files["posts/fr/atelier.md"].encode())
            + "\n") in files["posts/en/workshop.md"]
    assert "Translation-Of" not in files["posts/fr/atelier.md"] + files["posts/en/alone.md"]
    assert "Translation-Of" not in files["posts/fr/doublon.md"] + files["newsletter/en/i-en.md"]
    assert skipped(report)[("wp:4", "post")] == ("in the same language as wp:1, its translation group's original; "
                                                 "not linked as a translation")
    # Without an item in the site's first language, the earliest is the original.
    other = item("wp:6", slug="older", lang="en", translation_group="h", date=WHEN.replace(year=2019))
    newer = item("wp:7", slug="newer", lang="en", translation_group="h")
    english_first = Site(root=site.root, content=site.content, languages=["de", "fr", "en"], timezone="UTC")
    import_export(export_of(newer, other, item("wp:8", slug="neuer", lang="de", translation_group="h",
                                               date=WHEN.replace(year=2023))), english_first,
                  WriteOptions(dry_run=False))
    files = written(site)
    assert "Translation-Of: neuer\n" in files["posts/en/older.md"]


def test_existing_content_reads_slugs_and_issue_numbers_from_headers(site):
    posts = site.content / "posts" / "fr"
    posts.mkdir(parents=True)
    (posts / "a.md").write_text("Title: x\n  Slug :  from-header \n\nSlug: not-this\n")
    (posts / "b.md").write_text("Title: x\nbad key: v\nno colon\n\n")
    (posts / "c.md").write_bytes(b"Title: \xff\nSLUG: c-upper\n")
    (site.content / "pages").mkdir()
    (site.content / "pages" / "p.md").write_text("Title: x\n")
    (site.content / "newsletter" / "en").mkdir(parents=True)
    (site.content / "newsletter" / "en" / "n.md").write_text("Title: x\nIssue:  4 \n")
    (site.content / "newsletter" / "x").mkdir()
    (site.content / "newsletter" / "x" / "m.md").write_text("Issue: 8\n")
    (site.content / "newsletter" / "en" / "mine.md").write_text("Issue: 9\n")
    existing = ExistingContent(site, {"newsletter/en/mine.md"})
    assert existing.slugs == {"post": {"from-header", "b", "c-upper"}, "page": {"p"}, "issue": set()}
    assert existing.issues == {"en": {4}, "fr": {8}}
    assert _header(posts / "a.md") == {"title": "x", "slug": "from-header"}
    assert _header(site.content / "no-such.md") == {}
    assert existing.issue_offset([item(kind="issue", lang="en", metadata={"issue": "4"})]) == 8
    assert existing.issue_offset([item(kind="issue", lang="fr", metadata={"issue": "4"})]) == 0
    assert existing.issue_offset([item(kind="post", lang="fr", metadata={"issue": "8"})]) == 0
    assert existing.issue_offset([item(kind="issue", lang="fr", metadata={"Issue": " 8 "})]) == 8


def test_the_issue_number_is_read_from_the_header_only():
    assert _issue_of(b"Title: x\nIssue: 12\nLang: fr\n\nIssue: 3\n") == {"issue": 12}
    assert _issue_of(b"Title: x\n\nIssue: 3\n") == {}
    assert _issue_of(b"Issue: 1x\n") == {} and _issue_of(b"Issue: 5") == {"issue": 5}


def test_the_site_knows_its_work_folder_taxonomy_file_and_reserved_folders(site):
    assert site.work == site.root / "cache" / "imports"
    assert site.taxonomy_file == site.content / "data" / "taxonomy.toml"
    assert site.reserved_folders() == {"archives", "tags", "categories", "authors", "newsletter", "en", "images",
                                       "files", "media"}
    site.settings = {"BILINGUAL": {"taxonomy_file": "data/terms.toml"}, "STATIC_PATHS": ["images", "extra"]}
    assert site.taxonomy_file == site.content / "data" / "terms.toml"
    reserved = site.reserved_folders()
    assert {"newsletter", "drafts", "pages", "theme", "images", "extra"} <= reserved


def test_data_files_are_written_only_when_their_text_changes(site):
    site.settings = project_settings(site)
    data = site.content / "data"
    data.mkdir()
    (data / "taxonomy.toml").write_text("[tags.seo]\nfr = \"SEO\"\n")
    (data / "authors.toml").write_text("[camille-roux]\nname = \"Camille Roux\"\n")
    report = write_export(site, item("wp:1", slug="a", tags=["seo", "neuf"], author="camille"),
                          tags={"seo": {"fr": "SEO"}, "neuf": {"fr": "Neuf"}},
                          authors={"camille": {"name": "Camille Roux"}})
    data_files = {planned.path: planned.action for planned in report.files if planned.kind == "data"}
    assert data_files == {"data/taxonomy.toml": "update", "data/imports.toml": "create"}
    assert (data / "authors.toml").read_text() == "[camille-roux]\nname = \"Camille Roux\"\n"
    report = write_export(site, item("wp:1", slug="a", tags=["seo", "neuf"], author="camille"),
                          tags={"seo": {"fr": "SEO"}, "neuf": {"fr": "Neuf"}},
                          authors={"camille": {"name": "Camille Roux"}})
    assert [planned for planned in report.files if planned.kind == "data"] == []


def test_redirects_are_merged_and_a_conflict_is_listed(site):
    data = site.content / "data"
    data.mkdir()
    (data / "redirects.toml").write_text('"/old/" = "tag:mine"\n')
    report = write_export(site, item("wp:1", slug="a", old_urls=["/old/", "/older/", "/a/"]))
    assert (data / "redirects.toml").read_text() == '"/old/" = "tag:mine"\n"/older/" = "posts/fr/a.md"\n'
    assert skipped(report)[("/old/", "redirect")] == ("already leads to tag:mine in data/redirects.toml; kept "
                                                      "(posts/fr/a.md not added)")
    assert report.counts["redirects"] == {"added": 1}
    again = write_export(site, item("wp:1", slug="a", old_urls=["/older/"]))
    assert "data/redirects.toml" not in [planned.path for planned in again.files]
    write_export(site, item("wp:2", slug="b"))
    assert not (site.content / "data" / "redirects.toml").read_text().count("posts/fr/b.md")


def test_no_redirects_file_is_made_without_an_old_address(site):
    write_export(site, item("wp:1", slug="a"))
    assert not (site.content / "data" / "redirects.toml").exists()


def test_a_dry_run_writes_nothing_and_says_a_stopped_import_will_be_finished(site):
    (site.work / JOURNAL).write_text('{"staging": "x", "moves": []}')
    report = write_export(site, item("wp:1", slug="a"), dry_run=True)
    assert report.notes == ["an earlier import was stopped while moving its files in; the next --write finishes it"]
    assert written(site) == {} and report.files[0].path == "posts/fr/a.md"
    assert (site.work / JOURNAL).exists()


def test_a_write_finishes_a_stopped_import_first_and_leaves_no_staging_folder(site):
    staged = site.root / "cache/imports/staging/import-old/content/posts/fr"
    staged.mkdir(parents=True)
    (staged / "old.md").write_text("Stopped midway.\n")
    journal_of(site, [["cache/imports/staging/import-old/content/posts/fr/old.md", "content/posts/fr/old.md"]],
               staging="cache/imports/staging/import-old")
    write_export(site, item("wp:1", slug="a"))
    assert set(written(site)) == {"posts/fr/old.md", "posts/fr/a.md"}
    assert list((site.work / "staging").iterdir()) == [] and not (site.work / JOURNAL).exists()


def test_comments_and_subscribers_not_imported_are_counted_and_said(site):
    from importers.model import Subscriber as Reader

    post = item("wp:1", slug="a", comments=[comment("c1"), comment("c2")])
    readers = [Reader("a@exemple.fr", "fr", CONSENT, "substack")]
    report = write_export(site, post, subscribers=readers)
    assert report.counts["comments"] == {"not_imported": 2} and report.counts["subscribers"] == {"not_imported": 1}
    assert report.notes == [f"comments not imported: {site.root / 'comments' / 'isso.cfg'} not found",
                            "subscribers not imported: add --subscribers csv:PATH or --subscribers provider"]
    site.settings = project_settings(site, COMMENTS={"provider": "giscus"})
    report = write_export(site, post)
    assert report.notes == ["comments not imported: COMMENTS['provider'] is 'giscus'; comments are imported into "
                            "Isso only"]
    assert write_export(site, item("wp:1", slug="a")).notes == []


def test_comments_go_to_the_projects_isso_with_its_thread_mode(site):
    isso_config_in(site.root / "comments", "cache/isso/comments.db")
    site.settings = project_settings(site, COMMENTS={"thread_per": "language"})
    original = item("wp:1", slug="atelier", translation_group="g", comments=[comment("c1")])
    translation = item("wp:2", slug="workshop", lang="en", translation_group="g",
                       comments=[comment("c2"), comment("c3", status="trash")])
    report = write_export(site, original, translation)
    assert report.counts["comments"] == {"imported": 2, "skipped": 1}
    assert skipped(report)[("c3", "comment")] == "trash comment"
    assert [row[0] for row in stored_rows(site.root / "cache/isso/comments.db")] == ["atelier", "atelier/en"]


def test_subscribers_go_to_the_destination_given_and_a_stopped_provider_is_said(site, tmp_path, buttondown):
    from importers.model import Subscriber as Reader

    readers = [Reader(f"r{n}@exemple.fr", "fr", CONSENT, "substack") for n in range(3)]
    report = import_export(export_of(item("wp:1", slug="a"), subscribers=readers), site, WriteOptions(dry_run=False),
                           subscribers=f"csv:{tmp_path / 'private' / 'r.csv'}")
    assert report.counts["subscribers"] == {"added": 3} and report.notes == []
    buttondown.fail("POST", r"/v1/subscribers", status=503)
    site.settings = project_settings(site, NEWSLETTER={"delivery": {
        "backend": "buttondown", "retry": {"attempts": 1, "base": 0.0},
        "buttondown": {"base_url": f"{buttondown.url}/v1", "audiences": {"fr": {"tag": "lettre"}}}}})
    report = import_export(export_of(item("wp:1", slug="a"), subscribers=readers), site, WriteOptions(dry_run=False),
                           subscribers="provider")
    assert report.counts["subscribers"] == {"failed": 1, "not_reached": 2}
    assert report.notes == ["subscribers: buttondown HTTP 503: server error (injected 503)",
                            "subscribers: the provider stopped the import; what was done is recorded, run it again"]
    assert report.provider_failed


def test_media_that_cannot_be_placed_found_or_fetched_are_listed_with_why(site, tmp_path):
    from importers.model import Media

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    outside = Media("https://old.example/up/evil.png", "../evil.png")
    local = Media("Articles/plan.png", "images/plan.png")
    remote = Media("https://old.example/up/photo.png", "images/photo.png")
    post = item("wp:1", slug="a", body="![E]({static}/../evil.png) ![P]({static}/images/plan.png)\n",
                media=[outside, local, remote, remote])
    report = import_export(export_of(post), site, WriteOptions(dry_run=True))
    assert skipped(report) == {
        ("https://old.example/up/evil.png", "image"): "its place '../evil.png' is outside content/; the text links "
                                                      "to the original address instead",
        ("Articles/plan.png", "image"): "not found in the export (no --media folder given); --fetch-media downloads "
                                        "it; the text links to the original address instead",
        ("https://old.example/up/photo.png", "image"): "not found in the export (no --media folder given); "
                                                       "--fetch-media downloads it; the text links to the original "
                                                       "address instead"}
    assert report.counts["images"] == {"missing": 3}
    report = import_export(export_of(post), site, WriteOptions(media=uploads, dry_run=True, fetch_media=True))
    reasons = skipped(report)
    assert reasons[("Articles/plan.png", "image")].startswith(
        "not found in the media folder, and not an http(s) address to download;")
    assert ("https://old.example/up/photo.png", "image") not in reasons     # a dry run would download it
    assert report.counts["images"] == {"fetch": 1, "missing": 2}
    assert [(p.path, p.action, p.kind) for p in report.files if p.kind == "images"] == [
        ("images/photo.png", "create", "images")]
    report = import_export(export_of(post), site, WriteOptions(media=uploads, dry_run=True))
    assert skipped(report)[("Articles/plan.png", "image")].startswith(
        "not found in the media folder; --fetch-media downloads it;")


def test_a_picture_an_earlier_import_moved_in_is_used_where_it_is(site):
    from importers.model import Media

    (site.content / "images").mkdir()
    (site.content / "images" / "photo.png").write_bytes(b"PNG moved in before")
    post = item("wp:1", slug="a", cover=Media("https://old.example/up/photo.png", "images/photo.png"))
    report = import_export(export_of(post), site, WriteOptions(dry_run=False))
    assert "Image: {static}/images/photo.png\n" in written(site)["posts/fr/a.md"]
    assert report.counts["images"] == {"unchanged": 1}
    manifest = tomllib.loads((site.content / "data/imports.toml").read_text())
    assert manifest["media"]["images/photo.png"]["sha256"] == hashlib.sha256(b"PNG moved in before").hexdigest()


def test_an_import_into_a_new_project_makes_its_folders_and_returns_the_report_given(tmp_path):
    root = tmp_path / "new"
    site = Site(root=root, content=root / "content", languages=["fr"], timezone="UTC")
    given = Report("wordpress", "x.xml", dry_run=False)
    assert import_export(export_of(item("wp:1", slug="a")), site, WriteOptions(dry_run=False), report=given) is given
    assert (root / "content/posts/fr/a.md").exists() and given.counts["posts"] == {"create": 1}


def test_a_refused_destination_for_readers_stops_before_anything_is_written(site):
    site.settings = project_settings(site)
    with pytest.raises(SubscriberImportError):
        import_export(export_of(item("wp:1", slug="a")), site, WriteOptions(dry_run=False),
                      subscribers=f"csv:{site.content / 'readers.csv'}")
    assert written(site) == {}


def test_a_dry_run_counts_the_comments_it_would_import(site):
    isso_config_in(site.root / "comments", "cache/isso/comments.db")
    report = write_export(site, item("wp:1", slug="a", comments=[comment("c1"), comment("c2", "c1")]), dry_run=True)
    assert report.counts["comments"] == {"imported": 2}
    assert not (site.root / "cache" / "isso").exists()


def test_a_reader_removed_by_hand_is_not_added_back_and_duplicates_count_once(tmp_path, no_secret, caplog):
    caplog.set_level(logging.INFO, logger="importers.subscribers")
    target = tmp_path / "lists" / "readers.csv"
    readers = [subscriber("a@exemple.fr"), subscriber("A@exemple.fr"), subscriber("b@exemple.fr"),
               subscriber("c@exemple.fr", consent=(datetime.now(timezone.utc) + timedelta(days=1)).date())]
    counts = import_subscribers(readers, str(target), tmp_path / "state", dry_run=False)
    assert (counts.added, counts.already_there) == (3, 1)
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert "subscribers: 3 added, 1 already there, 0 suppressed (unsubscribed), 0 unconfirmed (need a new double " \
           "opt-in)" in caplog.messages
    [journal] = (tmp_path / "state").glob("subscribers-csv-*.jsonl")
    assert journal.name == f"subscribers-{CsvList(target).journal_name}.jsonl"
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(r["outcome"], r["at"]) for r in records] == [("added", datetime.now(timezone.utc).date().isoformat())] * 3
    target.write_text("\n".join(line for line in target.read_text().splitlines() if not line.startswith("b@")) + "\n")
    again = import_subscribers(readers, target, tmp_path / "state", dry_run=False)
    assert (again.added, again.already_there) == (0, 4) and "b@exemple.fr" not in target.read_text()


def test_nothing_to_add_leaves_the_csv_alone(tmp_path, no_secret):
    target = tmp_path / "readers.csv"
    counts = import_subscribers([subscriber("a@exemple.fr", status="unsubscribed")], target, tmp_path / "state",
                                dry_run=False)
    assert counts.suppressed == 1 and not target.exists()
    [line] = (tmp_path / "state" / "suppressed.jsonl").read_text().splitlines()
    assert json.loads(line)["date"] == date.today().isoformat()
    assert (tmp_path / "readers.suppressed.jsonl").exists()
    import_subscribers([subscriber("b@exemple.fr")], target, tmp_path / "state", dry_run=False)
    inode = target.stat().st_ino
    import_subscribers([subscriber("b@exemple.fr")], target, tmp_path / "state", dry_run=False)
    assert target.stat().st_ino == inode


def test_a_dry_run_with_the_sending_secret_writes_no_list(tmp_path, no_secret, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SECRET", "a-secret-of-the-site-long-enough")
    target = tmp_path / "private" / "readers.csv"
    readers = [subscriber("a@exemple.fr", status="unsubscribed"), subscriber("a@exemple.fr", "en")]
    counts = import_subscribers(readers, target, tmp_path / "state", dry_run=True)
    assert (counts.added, counts.suppressed) == (0, 2)
    assert not (tmp_path / "private").exists() and not (tmp_path / "state").exists()


def test_a_csv_path_may_start_at_the_home_folder(tmp_path, no_secret, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert destination_from("csv:~/private/r.csv", {}).path == tmp_path / "home" / "private" / "r.csv"


def test_a_stop_is_logged_without_an_address(buttondown, tmp_path, caplog):
    buttondown.fail("POST", r"/v1/subscribers", status=503)
    import_subscribers([subscriber("a@exemple.fr"), subscriber("b@exemple.fr")], to_buttondown(buttondown),
                       tmp_path / "state", dry_run=False)
    assert "subscribers: stopped after a failure; run the import again to resume" in caplog.messages


def test_a_comment_date_with_an_offset_is_kept_as_that_moment(blog):
    root, config = blog
    paris = timezone(timedelta(hours=2))
    dated = Comment("c1", None, "Camille", datetime(2021, 6, 1, 10, 0, tzinfo=paris), "Merci.")
    import_comments(commented_export([dated]), PLACED_POSTS, config, "pair", dry_run=False, root=root)
    [row] = stored_rows(root / "cache" / "isso" / "comments.db")
    assert row[4] == datetime(2021, 6, 1, 8, 0, tzinfo=timezone.utc).timestamp()
