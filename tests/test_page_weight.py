"""Pages stay light: HTML with its stylesheets under 60 KB, its own scripts under 16 KB.

Images and fonts aside (fonts have their own budget in tests/test_brand.py). Counted:
the site's own files. The comment server's script (Isso's, about 67 KB, from its own
address) is that service's weight, not the page's."""

from urllib.parse import urlsplit

PAGE_LIMIT = 60 * 1024     # HTML + CSS
SCRIPT_LIMIT = 16 * 1024   # the page's own scripts


def local_files(site, urls):
    own = [url for url in urls if url.startswith(site.siteurl + "/") or not urlsplit(url).netloc]
    return {site.output / urlsplit(url).path.lstrip("/") for url in own}


def weights(site, page):
    soup = site.html(page)
    stylesheets = local_files(site, [link["href"] for link in soup.select('link[rel="stylesheet"][href]')])
    scripts = local_files(site, [script["src"] for script in soup.select("script[src]")])
    # Every page is styled: a page found with no stylesheet means the links were not found, not a light page.
    assert stylesheets, f"{page} links no stylesheet of the site"
    assert all(path.is_file() for path in stylesheets | scripts), stylesheets | scripts
    html = (site.output / page).stat().st_size
    return html + sum(path.stat().st_size for path in stylesheets), sum(path.stat().st_size for path in scripts)


def test_every_page_weighs_under_60_kb_and_loads_under_16_kb_of_script(site):
    pages = site.pages()
    assert len(pages) > 50
    heavy = {page: weight for page in pages if (weight := weights(site, page)[0]) >= PAGE_LIMIT}
    scripted = {page: weight for page in pages if (weight := weights(site, page)[1]) >= SCRIPT_LIMIT}
    assert heavy == {} and scripted == {}


def test_a_page_is_weighed_with_every_stylesheet_it_links(site):
    """Guard of the check itself: the search page counts site.css and search.css, not its HTML alone."""
    page = "search/index.html"
    css = sum((site.output / "theme/css" / name).stat().st_size for name in ("site.css", "search.css"))
    assert weights(site, page)[0] == (site.output / page).stat().st_size + css
