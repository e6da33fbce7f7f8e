"""Keep each URL once the content of a language run is final."""

from sitekit.plugin_list import lists_plugin

# Where Pelican's generators keep what they read.
CONTENT_LISTS = ("articles", "translations", "drafts", "drafts_translations",
                 "pages", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")


def on_generators_finalized(generators):
    if not generators or not lists_plugin(generators[0].settings, __package__):
        return
    for generator in generators:
        for name in CONTENT_LISTS:
            for item in getattr(generator, name, None) or ():
                if "override_url" not in vars(item):
                    item.override_url = item.url

