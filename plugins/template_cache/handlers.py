"""Hands Jinja's bytecode cache to the environments Pelican is about to make."""

import logging
import os

from jinja2 import FileSystemBytecodeCache

logger = logging.getLogger(__name__)

FOLDER_NAME = "jinja"


def on_initialized(pelican):
    """Before the generators (and their Jinja environments) are made, in every language run."""
    settings = pelican.settings
    environment = dict(settings.get("JINJA_ENVIRONMENT") or {})
    if environment.get("bytecode_cache") is not None:
        return  # the settings chose their own
    folder = os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", FOLDER_NAME))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:  # only a cache: the build compiles as usual
        logger.warning("template_cache: %s cannot be made (%s); templates are compiled each build", folder, error)
        return
    environment["bytecode_cache"] = FileSystemBytecodeCache(folder)
    settings["JINJA_ENVIRONMENT"] = environment
