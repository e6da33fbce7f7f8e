"""The IMAP connection: TLS from the first byte (993) or STARTTLS (143), never in clear.

    with Mailbox(settings) as mailbox:            # settings: config.load(...)
        for uid in mailbox.uids("INBOX"):
            raw = mailbox.fetch(uid)              # BODY.PEEK[]: a message left alone stays unread
            mailbox.move(uid, "Newsletter-handled")

Messages are named by UID within the selected folder (RFC 3501 §2.3.1.1).
A message is moved with MOVE (RFC 6851) when the server offers it, else
copied, flagged \\Deleted and expunged by UID (UIDPLUS, RFC 4315), so no
other message flagged by a mail client is expunged with it.

Every failure becomes one of the delivery errors (provider "imap"): a
refused login an AuthenticationError, a lost or refused connection a
ProviderUnavailable, an untrusted certificate a ConfigurationError.
"""

import imaplib
import logging
import re
import ssl

from ..delivery.errors import AuthenticationError, ConfigurationError, ProviderUnavailable, blank
from .config import PROVIDER

logger = logging.getLogger(__name__)

APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


class Mailbox:
    def __init__(self, settings):
        self.settings = settings
        self.where = f"{settings['host']}:{settings['port']}"
        self._imap = None
        self._selected = None
        self._capabilities = set()
        self._folders = set()           # known to exist

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc_info):
        self.close()

    # The session.

    def open(self):
        self._require()
        try:
            self._imap = self._connect()
        except ssl.SSLCertVerificationError as exc:
            raise ConfigurationError(f"{self.where}: the server's certificate cannot be trusted "
                                     f"({exc.verify_message}); check NEWSLETTER['mailbox']['host']",
                                     provider=PROVIDER) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ProviderUnavailable(self._clean(f"cannot connect to {self.where} ({_reason(exc)})"),
                                      provider=PROVIDER) from None
        self._login()

    def close(self):
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            _shut(imap)

    def _connect(self):
        host, port, timeout = self.settings["host"], self.settings["port"], self.settings["timeout"]
        if self.settings["security"] == "tls":
            return imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)
        imap = imaplib.IMAP4(host, port, timeout=timeout)
        try:
            if "STARTTLS" not in imap.capabilities:
                raise ConfigurationError(f"{self.where} does not offer STARTTLS; check NEWSLETTER['mailbox']"
                                         "['security'] and the port (993 is 'tls')", provider=PROVIDER)
            imap.starttls(ssl_context=ssl.create_default_context())
        except BaseException:
            imap.shutdown()
            raise
        return imap

    def _login(self):
        try:
            self._imap.login(self.settings["username"], self.settings["password"])
            self._capabilities = set(self._call("capability")[0].decode("ascii", "replace").upper().split())
        except imaplib.IMAP4.abort as exc:
            self._lost(exc, "logging in")
        except imaplib.IMAP4.error as exc:
            self.close()
            raise AuthenticationError(self._clean(f"{self.where} refused the login ({_reason(exc)}); check "
                                                  "IMAP_USERNAME and IMAP_PASSWORD"), provider=PROVIDER) from None
        except OSError as exc:
            self._lost(exc, "logging in")

    def _require(self):
        missing = [variable for key, variable in (("host", "IMAP_HOST"), ("username", "IMAP_USERNAME"),
                                                  ("password", "IMAP_PASSWORD")) if not self.settings.get(key)]
        if missing:
            names = " and ".join(missing)
            raise ConfigurationError(f"no IMAP {'credentials' if 'IMAP_HOST' not in missing else 'server'}: set "
                                     f"{names} (the host may be NEWSLETTER['mailbox']['host'])", provider=PROVIDER)

    # Folders and messages.

    def uids(self, folder):
        """The UIDs of the folder's messages, oldest first."""
        self._select(folder)
        data = self._call("uid", "SEARCH", "ALL")
        return [int(uid) for uid in (data[0] or b"").split()]

    def fetch(self, uid):
        """The message's bytes, without setting \\Seen; None when it is gone (another client moved it)."""
        data = self._call("uid", "FETCH", str(uid), "(BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def move(self, uid, folder):
        self._ensure_folder(folder)
        if "MOVE" in self._capabilities:
            self._call("uid", "MOVE", str(uid), _quoted(folder))
            return
        self._call("uid", "COPY", str(uid), _quoted(folder))
        self._call("uid", "STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in self._capabilities:
            self._call("uid", "EXPUNGE", str(uid))
        else:
            logger.info("%s offers neither MOVE nor UIDPLUS: the handled message is copied and flagged deleted, "
                        "left for your mail client to expunge", self.where)

    def append(self, folder, raw):
        """Add a message to a folder (tests and tools); returns its UID when the server says (UIDPLUS)."""
        self._ensure_folder(folder)
        data = self._call("append", _quoted(folder), None, None, raw)
        found = APPENDUID.search(data[0] or b"")
        return int(found.group(1)) if found else None

    def _select(self, folder):
        if self._selected == folder:
            return
        status, data = self._guarded("select", _quoted(folder))
        if status != "OK":
            raise ConfigurationError(f"{self.where}: no folder {folder!r} ({_text(data)}); check "
                                     "NEWSLETTER['mailbox']['folders']", provider=PROVIDER)
        self._selected = folder

    def _ensure_folder(self, folder):
        if folder in self._folders:
            return
        status, data = self._guarded("list", '""', _quoted(folder))
        if any(item for item in data if item):
            self._folders.add(folder)
            return
        status, data = self._guarded("create", _quoted(folder))
        if status != "OK":
            raise ConfigurationError(f"{self.where}: cannot create the folder {folder!r} ({_text(data)}); create "
                                     "it in your mail client or change NEWSLETTER['mailbox']['handled']",
                                     provider=PROVIDER)
        self._folders.add(folder)
        logger.info("%s: folder %r created", self.where, folder)

    def _call(self, command, *args):
        status, data = self._guarded(command, *args)
        if status != "OK":
            raise ProviderUnavailable(self._clean(f"{self.where} answered {status} to {command.upper()} "
                                                  f"{' '.join(str(arg) for arg in args[:2])} ({_text(data)})"),
                                      provider=PROVIDER)
        return data

    def _guarded(self, command, *args):
        """One command; a lost connection becomes ProviderUnavailable, a NO/BAD is returned."""
        during = " ".join([command.upper(), *([str(args[0])] if command == "uid" else [])])
        try:
            return getattr(self._imap, command)(*args)
        except imaplib.IMAP4.abort as exc:
            self._lost(exc, during)
        except imaplib.IMAP4.error as exc:
            return "NO", [str(exc).encode()]
        except OSError as exc:
            self._lost(exc, during)

    def _lost(self, exc, during):
        imap, self._imap = self._imap, None
        if imap is not None:
            _shut(imap)
        raise ProviderUnavailable(self._clean(f"the connection to {self.where} was lost during {during} "
                                              f"({_reason(exc)})"), provider=PROVIDER) from None

    def _clean(self, text):
        return blank(text, [value for value in (self.settings.get("username"), self.settings.get("password"))
                            if value])


def _shut(imap):
    try:
        imap.shutdown()
    except OSError:
        pass  # already gone


def _quoted(name):
    """A folder name as an IMAP quoted string (imaplib sends arguments as given)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data):
    parts = [item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
             for item in (data or []) if item is not None and not isinstance(item, tuple)]
    return " ".join(" ".join(parts).split())[:200]


def _reason(exc):
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text or type(exc).__name__).split())[:200]
