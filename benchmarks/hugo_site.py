"""The benchmark corpus as a minimal Hugo site, for comparison (benchmarks.site_build).

    write_hugo_site(corpus_folder, site_folder)

French at / and English at /en/ (defaultContentLanguage "fr", one contentDir per
language), posts at /<slug>/ and pages at /pages/<slug>/ as in the project,
translations linked by translationKey (the French slug). Pelican's metadata lines
become YAML front matter; {filename} links become Hugo relref shortcodes (checked
by Hugo, as Pelican checks them), {static} paths become site paths, images are
copied to static/. The layout is ours and deliberately small: baseof.html (the
page, hreflang links, the language switch), single.html (title, date, author,
category, content, tags) and list.html (home, sections, taxonomies and terms,
paginated by 10 as DEFAULT_PAGINATION is). Hugo adds its own RSS feeds, sitemaps
and robots.txt.
"""

import json
import re
import shutil
from pathlib import Path

CONFIG = """\
baseURL = "https://carnet.example/"
title = "Carnet"
defaultContentLanguage = "fr"
defaultContentLanguageInSubdir = false
timeZone = "Europe/Paris"
paginate = 10
enableRobotsTXT = true

[permalinks]
  posts = "/:slug/"
  pages = "/pages/:slug/"

[languages]
  [languages.fr]
    languageName = "Français"
    weight = 1
    contentDir = "content/fr"
  [languages.en]
    languageName = "English"
    title = "Notebook"
    weight = 2
    contentDir = "content/en"
"""

BASEOF = """\
<!doctype html>
<html lang="{{ .Site.Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ .Site.Title }}</title>
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}</head>
<body>
<header><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
{{ range .Translations }} <a hreflang="{{ .Language.Lang }}" href="{{ .RelPermalink }}">{{ .Language.LanguageName }}</a>{{ end }}
</header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

SINGLE = """\
{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
<p>{{ if not .Date.IsZero }}<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>{{ end }}
{{ with .Params.author }} · {{ . }}{{ end }}
{{ range .GetTerms "categories" }} · <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
{{ .Content }}
{{ with .GetTerms "tags" }}<ul>{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>{{ end }}
</article>{{ end }}
"""

LIST = """\
{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = where .Site.RegularPages "Section" "posts" }}{{ end }}
{{ range (.Paginate $pages).Pages }}<article>
<h2><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></h2>
{{ with .Summary }}<p>{{ . }}</p>{{ end }}
</article>
{{ end }}{{ template "_internal/pagination.html" . }}{{ end }}
"""

FILENAME_LINK = re.compile(r"\{filename\}/posts/(?P<lang>[a-z]+)/(?P<file>[^)\s]+\.md)")
STATIC_LINK = re.compile(r"\{static\}/")
LIST_FIELDS = {"tags"}
KEYS = {"title": "title", "date": "date", "modified": "lastmod", "slug": "slug", "category": "categories",
        "tags": "tags", "author": "author", "summary": "summary", "series": "series"}


def read_pelican(path):
    """(metadata with lower-case keys, body) of a Markdown file with Pelican's metadata lines."""
    text = Path(path).read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    return meta, body


def front_matter(meta, translation_key):
    """YAML front matter (strings written as JSON, which YAML reads)."""
    lines = ["---"]
    for key, name in KEYS.items():
        if key not in meta:
            continue
        value = meta[key]
        if key in ("date", "modified"):
            lines.append(f"{name}: {value.replace(' ', 'T')}:00")
        elif key == "category":
            lines.append(f"{name}: {json.dumps([value], ensure_ascii=False)}")
        elif key in LIST_FIELDS:
            lines.append(f"{name}: {json.dumps([t.strip() for t in value.split(',')], ensure_ascii=False)}")
        else:
            lines.append(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    lines.append(f"translationKey: {json.dumps(translation_key)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def convert_body(body):
    body = FILENAME_LINK.sub(lambda m: '{{< relref "/posts/' + m.group("file") + '" >}}', body)
    return STATIC_LINK.sub("/", body)


def write_hugo_site(corpus_folder, site_folder):
    """Write the Hugo site of the corpus at ``corpus_folder`` into ``site_folder``; return the files written."""
    content, site = Path(corpus_folder) / "content", Path(site_folder)
    for relative, text in (("config.toml", CONFIG), ("layouts/_default/baseof.html", BASEOF),
                           ("layouts/_default/single.html", SINGLE), ("layouts/_default/list.html", LIST)):
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / relative).write_text(text, encoding="utf-8")
    written = 0
    for kind in ("posts", "pages"):
        for source in sorted((content / kind).glob("*/*.md")):
            meta, body = read_pelican(source)
            lang = meta.get("lang", source.parent.name)
            key = meta.get("translation-of") or meta.get("slug") or source.stem
            target = site / "content" / lang / kind / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(front_matter(meta, key) + "\n" + convert_body(body), encoding="utf-8")
            written += 1
    shutil.copytree(content / "images", site / "static" / "images", dirs_exist_ok=True)
    return written
