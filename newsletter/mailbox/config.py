"""NEWSLETTER['mailbox']: the IMAP server holding the list's mail, its folders, the soft-bounce threshold.

    NEWSLETTER = {
        ...,
        "mailbox": {
            "host": "imap.example.org",        # or IMAP_HOST
            "port": None,                      # or IMAP_PORT; None: 993 (tls), 143 (starttls)
            "security": "tls",                 # "tls" | "starttls": never in clear
            # username and password: from IMAP_USERNAME and IMAP_PASSWORD, never written here
            "folders": ["INBOX"],              # where unsubscribe requests, bounces and complaints arrive
            "handled": "Newsletter-handled",   # where each message goes once acted on (created if missing)
            "soft_bounce_threshold": 3,        # temporary failures (4.x.x) before a reader is suppressed
            "timeout": 30,                     # seconds to wait for the server
        },
    }

The keys are checked here (the NEWSLETTER schema calls ``check`` when a build
starts, the mailbox command when it runs); credentials are looked for only
when connecting.
"""

import copy
import logging
import os

from ..delivery.errors import ConfigurationError

logger = logging.getLogger(__name__)

PROVIDER = "imap"
SECURITY_PORTS = {"tls": 993, "starttls": 143}
DEFAULTS = {
    "host": "",
    "port": None,
    "security": "tls",
    "folders": ["INBOX"],
    "handled": "Newsletter-handled",
    "soft_bounce_threshold": 3,
    "timeout": 30,
}
ENVIRONMENT = {"host": "IMAP_HOST", "port": "IMAP_PORT", "username": "IMAP_USERNAME", "password": "IMAP_PASSWORD"}
WHERE = "NEWSLETTER['mailbox']"


def load(given, environ=None):
    """The mailbox settings over DEFAULTS, then the environment (credentials included), checked."""
    environ = os.environ if environ is None else environ
    settings = check(given)
    for key, variable in ENVIRONMENT.items():
        if environ.get(variable):
            settings[key] = environ[variable]
    settings.setdefault("username", "")
    settings.setdefault("password", "")
    check_port(settings["port"], f"{WHERE}['port'] (or IMAP_PORT)")
    settings["port"] = int(settings["port"] or SECURITY_PORTS[settings["security"]])
    return settings


def check(given):
    """``given`` over DEFAULTS, each key checked; raises ConfigurationError naming the key."""
    given = {} if given is None else given
    if not isinstance(given, dict):
        _fail(f" must be a dict, e.g. {{'host': 'imap.example.org', 'folders': ['INBOX']}} (not {given!r})")
    for key in sorted(set(given) - set(DEFAULTS), key=str):
        logger.warning("%s: unknown key %r ignored (known keys: %s)", WHERE, key, ", ".join(DEFAULTS))
    settings = {**copy.deepcopy(DEFAULTS), **{key: copy.deepcopy(value) for key, value in given.items()
                                             if key in DEFAULTS}}
    if settings["security"] not in SECURITY_PORTS:
        _fail(f"['security'] = {settings['security']!r}: choose 'tls' (port 993) or 'starttls' (port 143); "
              "the password never travels in clear")
    check_port(settings["port"], f"{WHERE}['port']")
    if not isinstance(settings["host"], str):
        _fail(f"['host'] = {settings['host']!r}: the IMAP server's name, e.g. 'imap.example.org' (or IMAP_HOST)")
    folders = settings["folders"]
    if isinstance(folders, str) or not isinstance(folders, (list, tuple)) or not folders \
            or not all(_folder_name(folder) for folder in folders):
        _fail(f"['folders'] = {folders!r}: a list of folder names in ASCII, e.g. ['INBOX']")
    settings["folders"] = list(folders)
    if not _folder_name(settings["handled"]) or settings["handled"] in folders:
        _fail(f"['handled'] = {settings['handled']!r}: a folder name in ASCII, not one of ['folders'], "
              "e.g. 'Newsletter-handled'")
    threshold = settings["soft_bounce_threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        _fail(f"['soft_bounce_threshold'] = {threshold!r}: a whole number of temporary failures above 0, e.g. 3")
    timeout = settings["timeout"]
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        _fail(f"['timeout'] = {timeout!r}: a number of seconds above 0, e.g. 30")
    return settings


def check_port(port, key):
    if port in (None, ""):
        return
    if not str(port).isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"{key} = {port!r} is not a port number, e.g. 993", provider=PROVIDER)


def _folder_name(name):
    # ASCII only: other names travel in IMAP's modified UTF-7, which the settings would then have to spell.
    return isinstance(name, str) and name.strip() == name and name and name.isascii() and name.isprintable()


def _fail(message):
    raise ConfigurationError(f"{WHERE}{message}", provider=PROVIDER)
