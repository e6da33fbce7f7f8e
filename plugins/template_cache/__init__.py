"""Compiled templates kept from one build to the next.

Jinja turns a template into Python code the first time an environment loads it,
and Pelican makes an environment per generator in every language run: a build
of this site compiles its templates some seventy times. This plugin gives
those environments Jinja's FileSystemBytecodeCache in CACHE_PATH/jinja, so a
template is compiled once, then loaded. Jinja checks each entry against the
template's source and its own version: an edited template is compiled again.
A JINJA_ENVIRONMENT that names its own bytecode_cache is left as it is.
"""

from pelican import signals

from . import handlers


def register():
    signals.initialized.connect(handlers.on_initialized)
