"""Links in an email: always absolute, optionally tagged with UTM parameters."""

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit


class LinkMaker:
    """Absolute URLs for one issue: relative ones are resolved against the site,
    and links into the site get the UTM parameters of the setting, if any."""

    def __init__(self, site_url, utm=None, **values):
        self.site_url = site_url.rstrip("/") + "/"
        self.utm = {key: str(value).format(**values) for key, value in (utm or {}).items()}
        # The query of a link that had none: the same for every such link of the issue.
        self._utm_query = urlencode(list(self.utm.items()))

    def absolute(self, url):
        url = (url or "").strip()
        if url.startswith(("mailto:", "tel:", "[[")):
            return url
        return urljoin(self.site_url, url)

    def is_internal(self, url):
        return self.absolute(url).startswith(self.site_url)

    def link(self, url):
        """The URL a reader's click should open."""
        url = self.absolute(url)
        # An absolute URL already under the site stays there when made absolute again,
        # so only the others need is_internal's second urljoin.
        if not self.utm or not (url.startswith(self.site_url) or self.is_internal(url)):
            return url
        parts = urlsplit(url)
        if not parts.query:
            return urlunsplit(parts._replace(query=self._utm_query))
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in self.utm]
        query += list(self.utm.items())
        return urlunsplit(parts._replace(query=urlencode(query)))

    def site_path(self, url):
        """The path of an internal URL relative to the site root, query and fragment dropped."""
        path = urlsplit(self.absolute(url)).path
        root = urlsplit(self.site_url).path
        return path[len(root):] if path.startswith(root) else None
