"""Keep each URL once the content of a language run is final."""

PLUGIN_NAME = __name__.rpartition(".")[0]  # "url_memo", as PLUGINS names it
# Where Pelican's generators keep what they read.
CONTENT_LISTS = ("articles", "translations", "drafts", "drafts_translations",
                 "pages", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")


def on_generators_finalized(generators):
    if not generators or not _listed(generators[0].settings):
        return
    for generator in generators:
        for name in CONTENT_LISTS:
            for item in getattr(generator, name, None) or ():
                if "override_url" not in vars(item):
                    item.override_url = item.url


def _listed(settings):
    """Signals outlive a build: a later build in the same process may not list this plugin."""
    return PLUGIN_NAME in [getattr(plugin, "__name__", plugin) for plugin in settings.get("PLUGINS") or []]
