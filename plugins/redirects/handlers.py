"""Signal handlers of the redirects plugin: glue between Pelican and the writers.

The state (the redirects file read at the start of each build) is one
RedirectsState kept in the build context; a later build in the same process
that does not list the plugin finds none and is left alone.
"""

import logging
import os

from sitekit.build_context import build_of, is_main_run, keep_state, report, setting_up, state_of

from . import pages, server_maps
from .state import RedirectsState
from .targets import Resolver

logger = logging.getLogger(__name__)

NGINX_MAP = os.path.join("redirects", "nginx-map.conf")  # under CACHE_PATH


def on_initialized(pelican):
    settings = pelican.settings
    if setting_up(settings, RedirectsState, __package__):
        keep_state(settings, RedirectsState(os.path.join(settings["PATH"], "data", "redirects.toml")))


def on_run_start(pelican):
    state = state_of(pelican.settings, RedirectsState)
    if state and is_main_run(pelican.settings):
        state.reset()  # each rebuild of `invoke serve` reads the file again


def on_all_languages_written(pelican):
    settings = pelican.settings
    state, build = state_of(settings, RedirectsState), build_of(settings)
    if state is None or build is None:
        return
    entries = state.read(lambda field, message: report(settings, state.path, field, message))
    if not entries:
        return
    output = settings["OUTPUT_PATH"]
    resolver = Resolver(build, settings)
    resolved = []
    for old, target in entries.items():
        found = resolver.resolve(target, old)
        if isinstance(found, str):  # what is wrong with the target
            report(settings, state.path, old, found)
        else:
            resolved.append((old, found))
    kept = pages.write_pages(output, resolved, settings.get("SITEURL", ""),
                             lambda old, message: report(settings, state.path, old, message, severity="warning"))
    server_maps.write_all(output, kept, settings.get("SITEURL", ""),
                          os.path.join(os.path.abspath(settings.get("CACHE_PATH") or "cache"), NGINX_MAP))
    logger.info("Redirects: %s old address(es) lead to their new page", len(kept))
