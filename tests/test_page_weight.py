"""Pages stay light: HTML with its stylesheets and scripts, images and fonts aside.

Counted: the site's own files. The comment server's script (Isso's, about
67 KB, from its own address) is that service's weight, not the page's."""

from urllib.parse import urlsplit

LIMIT = 60 * 1024


def local_assets(site, soup):
    urls = [link["href"] for link in soup.select('link[rel="stylesheet"][href]')]
    urls += [script["src"] for script in soup.select("script[src]")]
    own = [url for url in urls if url.startswith(site.siteurl + "/") or not urlsplit(url).netloc]
    return {site.output / urlsplit(url).path.lstrip("/") for url in own}


def test_every_page_weighs_under_60_kb(site):
    heavy = {}
    for page in site.pages():
        html = site.output / page
        assets = local_assets(site, site.html(page))
        assert all(asset.is_file() for asset in assets), assets
        weight = html.stat().st_size + sum(asset.stat().st_size for asset in assets)
        if weight >= LIMIT:
            heavy[page] = weight
    assert heavy == {}
    assert len(site.pages()) > 50
