"""Whether a build lists a plugin.

A plugin's signal handlers must ask: Pelican connects them when a build loads the
plugin, and blinker keeps them connected, so a later build in the same process
(the tests, `invoke serve` after a change of settings) calls them even when its
PLUGINS no longer names the plugin.
"""


def lists_plugin(settings, plugin):
    """Whether ``settings``' PLUGINS names ``plugin`` (a handler module passes its ``__package__``)."""
    return plugin in [getattr(listed, "__name__", listed) for listed in settings.get("PLUGINS") or []]
