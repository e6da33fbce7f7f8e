"""Comment services. Each module here is one provider: a Provider subclass named
``Provider`` that says how to read a thread's comments at build time (if the
service allows it), which attributes the page's widget element carries, and
which addresses the Content-Security-Policy must allow.

The theme renders the static comments and a widget element; the reader's side
(theme/static/js/comments.js) loads the widget: at once for a first-party
service, after the reader's click for a third-party one. A new script-based
service needs only a module here whose ``widget`` names its script.
"""

import importlib
import re

from sitekit.settings import SettingsError

from ..settings import provider_options

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class BaseProvider:
    name = ""               # as COMMENTS["provider"] names it
    label = ""              # the service's name, shown to readers
    third_party = True      # loads nothing before the reader's click
    reads_comments = False  # the build can fetch its approved comments
    privacy_url = None      # the service's privacy policy, linked from the consent notice
    defaults = {}           # optional options (COMMENTS[name])
    required = ()           # options without which the provider cannot work

    def __init__(self, config):
        self.options = provider_options(config, self.name, self.defaults, self.required)
        self.thread_per = config["thread_per"]
        self.check()

    def check(self):
        """Raise SettingsError for options that cannot work."""

    @property
    def source(self):
        """Which server the comments come from: the cache keeps only that server's."""
        return self.name

    def csp_sources(self):
        """{directive: [sources]} the site's Content-Security-Policy must add."""
        return {}

    def thread_for(self, post, thread, report):
        """Provider-specific details of a post's thread (e.g. its toot), or None.
        ``report(post, field, message)`` records a content error."""
        return None

    def fetch_key(self, thread):
        """Key of the thread's comments in the fetch results and the cache; None: none to fetch."""
        return thread.id if self.reads_comments else None

    def fetch(self, threads, http):
        """{key: [comment records]} for ``threads`` (their keys are set);
        raises http.Unreachable when the service does not answer usefully."""
        return {}

    def live_link(self, thread, comment, page_url):
        """Where a comment cut short in the page can be read whole, or None:
        by default its own address at the service (a toot)."""
        return comment.url

    def widget(self, thread, lang, page_url, title):
        """What the theme's widget element carries: {"loader": name or None,
        "attrs": {attribute: value}, "script": {attribute: value} or None}.
        comments.js runs the loader ("script" appends the script); a
        first-party provider's script is written into the page directly."""
        return {"loader": None, "attrs": {}, "script": None}


def load_provider(config):
    """The Provider instance that COMMENTS['provider'] names."""
    name = config["provider"]
    if not NAME.match(name):
        raise SettingsError(f"COMMENTS['provider'] {name!r} is not a provider name; use one of: {', '.join(known())}")
    try:
        module = importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
        raise SettingsError(
            f"COMMENTS['provider'] {name!r} is not a known provider; use one of: {', '.join(known())}") from None
    return module.Provider(config)


def known():
    from importlib.resources import files

    return sorted(path.name[:-3] for path in files(__name__).iterdir()
                  if path.name.endswith(".py") and not path.name.startswith("_"))
