"""What the project's plugins share. Not a plugin itself (PLUGINS does not list it).

Pelican's signals are process-wide: once a plugin has connected its handlers, they
run for every later build in the same process (the tests, `invoke serve` after an
edit of pelicanconf.py), even one whose PLUGINS no longer lists it. A plugin that
sets up state checks ``listed`` first.
"""


def listed(settings, name):
    """Whether the build's PLUGINS names plugin ``name`` (as a string or as its module)."""
    return name in [getattr(plugin, "__name__", plugin) for plugin in settings.get("PLUGINS") or []]
