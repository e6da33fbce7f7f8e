"""Old addresses keep working: a copy of the sample site built with a content/data/redirects.toml,
its redirect pages and server rules read back; the importer's side of the file (importers/redirects.py)."""

import logging
import re
import shutil

import pytest
from bs4 import BeautifulSoup

from importers.model import Export, FormatError, Item
from importers.redirects import merged_redirects, normalised, redirects_for
from project_copy import build_copy, copy_project
from publisher.build import ContentErrors
from publisher.site_checks import check_site, site_arguments

SITE = "https://elise-marchand.example"

REDIRECTS = """\
# Old addresses of the blog on WordPress and TypePad.
"/2021/02/07/strategie-editoriale/" = "posts/fr/strategie-editoriale-en-5-etapes.md"
"/?p=123" = "posts/fr/strategie-editoriale-en-5-etapes.md"
"/blog/2008/03/editorial-strategy.html" = "posts/en/editorial-strategy-in-5-steps.md"
"/categorie/strategie-de-contenu/" = "category:strategie"
"/en/topics/writing" = "tag:copywriting"
"/feed/" = "feed:fr"
"/en/feed/" = "feed:en"
"/archives/" = "posts/fr/audit-seo-inventaire.md"
"/en/categorie/strategie-de-contenu/" = "category:strategie"
"/category/strategie/" = "category:strategie"
"/en/category/strategy/" = "category:strategie"
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("redirects"))
    (project / "content" / "data" / "redirects.toml").write_text(REDIRECTS, encoding="utf-8")
    report = build_copy(project, "output")
    return project, report


def page(output, relative):
    return BeautifulSoup((output / relative).read_text(encoding="utf-8"), "html.parser")


def refresh_and_canonical(soup):
    refresh = soup.find("meta", attrs={"http-equiv": "refresh"})["content"]
    assert refresh.startswith("0; url=")
    return refresh.removeprefix("0; url="), soup.find("link", rel="canonical")["href"]


@pytest.mark.parametrize("relative, url, lang", [
    ("2021/02/07/strategie-editoriale/index.html", f"{SITE}/strategie-editoriale-en-5-etapes/", "fr"),
    ("blog/2008/03/editorial-strategy.html", f"{SITE}/en/editorial-strategy-in-5-steps/", "en"),
    ("categorie/strategie-de-contenu/index.html", f"{SITE}/category/strategie/", "fr"),
    ("en/topics/writing/index.html", f"{SITE}/en/tag/copywriting/", "en"),
    # An old address in the English folder leads to the category's English page.
    ("en/categorie/strategie-de-contenu/index.html", f"{SITE}/en/category/strategy/", "en"),
    ("feed/index.html", f"{SITE}/feeds/atom.xml", "fr"),
    ("en/feed/index.html", f"{SITE}/en/feeds/atom.xml", "en"),
])
def test_each_old_path_has_a_page_leading_to_the_new_url(built, relative, url, lang):
    project, report = built
    soup = page(report.output, relative)
    assert refresh_and_canonical(soup) == (url, url)
    assert soup.html["lang"] == lang
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.find("a", href=url) is not None  # for whoever the refresh does not move
    assert soup.find("script") is None and soup.title.get_text().strip()
    # The new address was built.
    target = report.output / url.removeprefix(SITE + "/")
    assert (target / "index.html").is_file() or target.is_file()


def test_an_old_address_that_is_its_target_s_own_page_is_left_alone_without_a_warning(built):
    """A WordPress category kept its slug: /category/strategie/ is the new page too, in each language."""
    project, report = built
    for relative in ("category/strategie/index.html", "en/category/strategy/index.html"):
        assert page(report.output, relative).find("meta", attrs={"http-equiv": "refresh"}) is None
    assert not [p for p in report_problems(report) if "category/strateg" in str(p)]
    rules = (report.output / "_redirects").read_text(encoding="utf-8").splitlines()
    assert not [rule for rule in rules if rule.startswith(("/category/strategie/ ", "/en/category/strategy/ "))]


def test_a_page_the_build_wrote_is_not_replaced_and_the_line_is_reported(built):
    project, report = built
    archives = page(report.output, "archives/index.html")
    assert archives.find("meta", attrs={"http-equiv": "refresh"}) is None
    problems = [str(p) for p in report_problems(report) if "/archives/" in str(p)]
    assert len(problems) == 1 and "redirects.toml" in problems[0] and "already" in problems[0]
    # Nor does a server rule hide it.
    assert "archives" not in (report.output / "_redirects").read_text(encoding="utf-8")


def report_problems(report):
    from sitekit.build_context import build_of

    build = build_of(report.settings)
    return build.problems.errors + build.problems.warnings


def test_server_rules(built):
    project, report = built
    netlify = (report.output / "_redirects").read_text(encoding="utf-8").splitlines()
    assert "/2021/02/07/strategie-editoriale/ /strategie-editoriale-en-5-etapes/ 301" in netlify
    assert "/ p=123 /strategie-editoriale-en-5-etapes/ 301" in netlify
    assert "/en/topics/writing /en/tag/copywriting/ 301" in netlify
    apache = (report.output / ".htaccess").read_text(encoding="utf-8").splitlines()
    assert r"RedirectMatch 301 ^/2021/02/07/strategie\-editoriale/?$ /strategie-editoriale-en-5-etapes/" in apache
    assert r"RedirectMatch 301 ^/blog/2008/03/editorial\-strategy\.html$ /en/editorial-strategy-in-5-steps/" in apache
    at = apache.index("RewriteCond %{QUERY_STRING} ^p=123$")
    assert apache[at + 1] == "RewriteRule ^$ /strategie-editoriale-en-5-etapes/? [R=301,L]"
    assert "RewriteEngine On" in apache[:at]
    # The nginx map is configuration: kept out of the output, in the project's cache.
    nginx = (project / "cache" / "redirects" / "nginx-map.conf").read_text(encoding="utf-8")
    assert '"/?p=123" "/strategie-editoriale-en-5-etapes/";' in nginx
    assert '"/en/feed/" "/en/feeds/atom.xml";' in nginx and '"/en/feed" "/en/feeds/atom.xml";' in nginx
    assert not list(report.output.rglob("*.conf"))


def test_the_site_check_follows_redirect_pages(built, tmp_path):
    project, report = built
    assert check_site(report.output, *site_arguments(report.settings)) == []
    broken = tmp_path / "output"
    shutil.copytree(report.output, broken)
    old = broken / "feed" / "index.html"
    old.write_text(old.read_text(encoding="utf-8").replace("feeds/atom.xml", "feeds/gone.xml"), encoding="utf-8")
    problems = check_site(broken, *site_arguments(report.settings))
    assert [(p.path, p.check) for p in problems] == [("feed/index.html", "redirect")]
    assert "feeds/gone.xml" in problems[0].message


def test_targets_that_do_not_exist_stop_the_build(tmp_path, caplog):
    project = copy_project(tmp_path)
    (project / "content" / "data" / "redirects.toml").write_text(
        '"/2019/old-post/" = "posts/fr/supprime.md"\n"/category/vieux/" = "category:vieux"\n', encoding="utf-8")
    with caplog.at_level(logging.ERROR), pytest.raises(ContentErrors):
        build_copy(project, "output")
    lines = [r.getMessage() for r in caplog.records if "redirects.toml" in r.getMessage()]
    assert any("/2019/old-post/" in line and "posts/fr/supprime.md" in line and "not a file" in line
               for line in lines), lines
    assert any("/category/vieux/" in line and "category:vieux" in line for line in lines), lines
    assert not (project / "output").exists()


def test_a_malformed_file_is_one_line_naming_the_line(tmp_path):
    from redirects.state import RedirectsState  # the plugin's module (plugins/ is on the path)

    path = tmp_path / "redirects.toml"
    path.write_text('"/a/" = "posts/fr/a.md"\n"/b/" = posts/fr/b.md\n', encoding="utf-8")
    heard = []
    assert RedirectsState(str(path)).read(lambda field, message: heard.append((field, message))) == {}
    assert len(heard) == 1 and "line 2" in heard[0][1] and "\n" not in heard[0][1]


# --- The importer's side ------------------------------------------------------------------------


def post(source_id, lang, slug, old_urls):
    from datetime import datetime, timezone

    return Item(kind="post", source_id=source_id, title=slug, date=datetime(2021, 2, 7, tzinfo=timezone.utc),
                lang=lang, slug=slug, body="", old_urls=old_urls)


def test_redirects_for_an_export():
    export = Export(format="wordpress", path=None, items=[
        post("wordpress:123", "fr", "mon-article", ["https://old.example/2021/02/07/mon-article/", "?p=123",
                                                     "/mon-article/"]),
        post("wordpress:124", "en", "my-post", ["/2021/03/my-post/", "/%C3%A9t%C3%A9/"]),
        post("wordpress:125", "fr", "jamais-ecrit", ["/2021/04/jamais-ecrit/"]),
    ], old_urls={"/category/strategie/": "category:strategie", "https://old.example/feed/": "feed:fr"})
    placed = {"wordpress:123": "posts/fr/mon-article.md", "wordpress:124": "posts/en/my-post.md"}
    assert redirects_for(export, placed) == {
        "/2021/02/07/mon-article/": "posts/fr/mon-article.md",
        "/?p=123": "posts/fr/mon-article.md",  # "/mon-article/" is its new address: no redirect
        "/2021/03/my-post/": "posts/en/my-post.md",
        "/été/": "posts/en/my-post.md",
        "/category/strategie/": "category:strategie",
        "/feed/": "feed:fr",
    }
    assert normalised("p=1") == "/p=1" and normalised("/index.php?p=7") == "/index.php?p=7"


def test_merged_redirects_adds_only_and_twice_is_once():
    first, counts = merged_redirects(None, {"/b/": "posts/fr/b.md", "/?p=1": "posts/fr/a.md"})
    assert first.startswith("# Old addresses") and counts.added == 2
    assert first.index('"/?p=1"') < first.index('"/b/"')
    edited = first + '# moved by hand\n"/c/" = "tag:seo"\n'
    again, counts = merged_redirects(edited, {"/b/": "posts/fr/b.md", "/?p=1": "posts/fr/a.md"})
    assert again == edited and (counts.added, counts.already, counts.conflicts) == (0, 2, [])
    more, counts = merged_redirects(edited, {"/c/": "tag:redaction", "/d/": "feed:en"})
    assert more == edited + '"/d/" = "feed:en"\n'
    assert counts.conflicts == [("/c/", "tag:seo", "tag:redaction")]
    assert merged_redirects(more, {"/c/": "tag:redaction", "/d/": "feed:en"})[0] == more
    with pytest.raises(FormatError, match=r"redirects.toml: not valid TOML.*line 1"):
        merged_redirects('"/a/" = \n', {})
    assert re.search(r"^\"/d/\" = \"feed:en\"$", more, re.M)
