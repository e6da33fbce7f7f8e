"""The redirects as real 301s, for the servers that can make them: ``_redirects`` (Netlify,
Cloudflare Pages) and ``.htaccess`` (Apache) at the output's root, and an nginx ``map`` kept
outside the output (it is configuration, not a page to serve)."""

import os
import re
from urllib.parse import quote, urlsplit

HEADER = "Old addresses (content/data/redirects.toml), written by the build: do not edit here."
# What a URL path may hold unescaped in _redirects (non-ASCII letters are percent-encoded there).
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def write_all(output, redirects, siteurl, nginx_path):
    """``redirects``: (old address, Target) pairs; old addresses decoded, with their leading slash."""
    base = urlsplit(siteurl).path.rstrip("/") if siteurl else ""
    rules = [(address, f"{base}/{target.url}") for address, target in sorted(redirects)]
    _write(os.path.join(output, "_redirects"), netlify(rules), append=True)
    _write(os.path.join(output, ".htaccess"), apache(rules), append=True)
    os.makedirs(os.path.dirname(nginx_path), exist_ok=True)
    _write(nginx_path, nginx(rules))


def _write(path, text, append=False):
    """Write ``text``; after the file's own lines when the site ships one already (a static file)."""
    mode = "a" if append and os.path.exists(path) else "w"
    with open(path, mode, encoding="utf-8") as file:
        if mode == "a":
            file.write("\n")
        file.write(text)


def _split(address):
    path, _, query = address.partition("?")
    return path, query


def netlify(rules):
    lines = [f"# {HEADER}"]
    for address, new in rules:
        path, query = _split(address)
        params = " ".join(query.split("&"))
        lines.append(" ".join(part for part in (quote(path, safe=PATH_SAFE), params, quote(new, safe=PATH_SAFE),
                                                 "301") if part))
    return "\n".join(lines) + "\n"


def _quoted(argument):
    """An Apache directive's argument, quoted when it holds a space."""
    return f'"{argument}"' if re.search(r"\s", argument) else argument


def apache(rules):
    lines = [f"# {HEADER}"]
    with_query = []
    for address, new in rules:
        path, query = _split(address)
        if query:
            with_query.append((path, query, new))
            continue
        pattern = "^" + re.escape(path.rstrip("/")) + "/?$" if path.endswith("/") and path != "/" \
            else "^" + re.escape(path) + "$"
        lines.append(f"RedirectMatch 301 {_quoted(pattern)} {_quoted(new)}")
    if with_query:
        lines.append("RewriteEngine On")
    for path, query, new in with_query:
        lines.append(f"RewriteCond %{{QUERY_STRING}} {_quoted('^' + re.escape(query) + '$')}")
        # In .htaccess the rule sees the path without its leading slash; "?" drops the old query.
        lines.append(f"RewriteRule {_quoted('^' + re.escape(path.lstrip('/')) + '$')} {_quoted(new)}? [R=301,L]")
    return "\n".join(lines) + "\n"


def _nginx_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx(rules):
    lines = [
        f"# {HEADER}",
        "# In nginx's http block: include this file; in the site's server block:",
        "#     if ($redirect_to) { return 301 $redirect_to; }",
        "map $uri$is_args$args $redirect_to {",
        '    default "";',
    ]
    seen = set()
    for address, new in rules:
        path, query = _split(address)
        keys = [address]
        if not query and path.endswith("/") and path != "/":
            keys.append(path.rstrip("/"))  # the old address typed without its last slash
        for key in keys:
            if key not in seen:
                seen.add(key)
                lines.append(f"    {_nginx_string(key)} {_nginx_string(new)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
