"""XML sitemaps: one per language with hreflang alternates, one index, robots.txt.

Format: https://www.sitemaps.org/protocol.html, alternates as xhtml:link
elements (one per language, the page itself included, plus x-default).
"""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ET.register_namespace("", SITEMAP_NS)
ET.register_namespace("xhtml", XHTML_NS)


def sitemap_name(lang):
    return f"sitemap-{lang}.xml"


# The pages a server shows for a missing address (theme/templates/404.html).
ERROR_PAGES = {"404.html"}


def absolute(siteurl, url):
    return f"{siteurl.rstrip('/')}/{url}"


def write_language_sitemap(output_dir, lang, pages, siteurl, default_lang):
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for page in sorted(pages, key=lambda p: p.url):
        if os.path.basename(page.path) in ERROR_PAGES:
            continue  # served for missing addresses, marked noindex: not a page to index
        entry = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = absolute(siteurl, page.url)
        if page.lastmod is not None:
            ET.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = page.lastmod.isoformat()
        for hreflang, url in hreflang_links(page.alternates, default_lang):
            ET.SubElement(entry, f"{{{XHTML_NS}}}link", rel="alternate", hreflang=hreflang, href=absolute(siteurl, url))
    _write(Path(output_dir) / sitemap_name(lang), urlset)


def hreflang_links(alternates, default_lang):
    """(hreflang, url) pairs of the versions that exist, x-default last.

    Nothing when the page exists in one language only: a lone hreflang adds
    nothing for search engines.
    """
    existing = [a for a in alternates if a.exists]
    if len(existing) < 2:
        return []
    links = [(a.lang, a.url) for a in existing]
    default = next((a for a in existing if a.lang == default_lang), existing[0])
    return links + [("x-default", default.url)]


def write_index(output_dir, languages, siteurl):
    index = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
    for lang in languages:
        entry = ET.SubElement(index, f"{{{SITEMAP_NS}}}sitemap")
        ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = absolute(siteurl, sitemap_name(lang))
    _write(Path(output_dir) / "sitemap.xml", index)


def write_robots(output_dir, siteurl):
    Path(output_dir, "robots.txt").write_text(
        f"User-agent: *\nAllow: /\n\nSitemap: {absolute(siteurl, 'sitemap.xml')}\n", encoding="utf-8")


def _write(path, root):
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
