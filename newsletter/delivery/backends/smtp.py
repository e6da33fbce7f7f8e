"""Any SMTP relay: test sends to the editor, and small lists kept in a subscribers CSV.

    "delivery": {
        "backend": "smtp",
        "smtp": {
            "host": "smtp.example.net",        # or SMTP_HOST
            "port": None,                      # or SMTP_PORT; None: 587 (starttls), 465 (tls), 25 (none)
            "security": "starttls",            # "starttls" | "tls" | "none" (this machine's relay only)
            # username and password: from SMTP_USERNAME and SMTP_PASSWORD, never written here
            "subscribers": "../private/subscribers.csv",   # email,lang,consent_date
            "private_folder": None,            # journals, suppression list; None: ../private/subscribers.private/
            "list_id": "La lettre d'Élise <lettre.elise-marchand.example>",
            "unsubscribe": {"mailto": "lettre+unsubscribe@elise-marchand.example",
                            "endpoint": "https://elise-marchand.example/unsubscribe"},  # or None
            "timeout": None,                   # seconds; None: NEWSLETTER['delivery']['timeout']
            # secret: from NEWSLETTER_SECRET (signs the unsubscribe links, keys the suppression list)
        },
    }

Readers' addresses stay beside the subscribers file: the per-reader journal
of each send and the suppression list live in its private folder
(``<subscribers stem>.private/``, or ``private_folder``), which must not be
inside a git work tree unless git ignores it. A journal an older version
wrote beside the ledger is moved there on the first send.

A reader on the suppression list (``newsletter.delivery.suppression``: the
one-click endpoint, the mailbox command, bounces) is never sent to again,
even while still in the CSV.

With ``unsubscribe['endpoint']`` (the address of ``newsletter.unsubscribe``'s
endpoint), List-Unsubscribe carries ``<endpoint>?token=<signed token>``: the
reader's HMAC and language, signed for this list; no address in the link.
The older ``unsubscribe['url']`` with {email} still works but lets anyone
unsubscribe anyone: a send warns about it.

Drafts are local (the ledger is the draft list): creating, finding and
updating one needs no network. A send is one SMTP transaction per reader of
the issue's language, over one connection (opened again when the server
drops it). Each reader is written to the journal before the transaction and
again after the server's 250 to DATA, so a run cut off half-way resumes with
the readers who have nothing yet.

A test send is the issue with "[TEST]" before its subject and the unsubscribe
placeholder leading to the newsletter's archive page (the .eml's List-Archive).

Each message carries List-Id and List-Unsubscribe (the https address first when
there is one, then the mailto), List-Unsubscribe-Post only with an https URI
(RFC 8058, which also wants the relay's DKIM signature to cover both).

Replies: a 4xx for a reader is tried again with the retry policy; a 5xx for
a reader is reported at the end of the run and not tried again in it; a
server that keeps deferring, or that cannot be reached again, stops the run
(the rerun resumes). A message whose 250 never arrived is sent again on the rerun with
the same Message-ID (RFC 5322 §3.6.4: it is the same message), so a mailbox
that did receive it can recognise the copy.
"""

import email
import hashlib
import ipaddress
import logging
import secrets
import smtplib
import ssl
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr
from urllib.parse import quote

from ..base import DRAFT, BaseBackend, Remote
from ..campaign import replace_in_parts
from ..errors import (AuthenticationError, ConfigurationError, DeliveryError, InvalidRequest,
                      ProviderUnavailable, blank)
from ..subscribers import normalise_address, readers
from ..suppression import MIN_SECRET_LENGTH, SuppressionList, default_path, prepare_private_folder, private_folder
from ...unsubscribe.tokens import make_token

logger = logging.getLogger(__name__)

SECURITY_PORTS = {"starttls": 587, "tls": 465, "none": 25}
# Headers written as given: the email package would otherwise fold a long URL as an
# encoded-word, which no mail client reads as a URL.
POLICY = policy.SMTP.clone(refold_source="none")
# Readers refused or deferred one after the other before the run stops (a relay refusing everything).
CONSECUTIVE_FAILURES = 5


class Refused(InvalidRequest):
    """A 5xx for one reader: that address will not take it."""


class Deferred(ProviderUnavailable):
    """A 4xx for one reader: try again later."""


class SmtpBackend(BaseBackend):
    name = "smtp"
    remote_drafts = False
    idempotent_create = True
    DEFAULTS = {
        "host": "",
        "port": None,
        "security": "starttls",
        "username": "",
        "password": "",
        "subscribers": None,
        "private_folder": None,
        "list_id": "",
        "unsubscribe": {"mailto": "", "url": None, "endpoint": None},
        "timeout": None,
        "secret": "",
    }
    ENVIRONMENT = {"host": "SMTP_HOST", "port": "SMTP_PORT", "username": "SMTP_USERNAME",
                   "password": "SMTP_PASSWORD", "secret": "NEWSLETTER_SECRET"}
    SECRETS = ("username", "password", "secret")

    def __init__(self, config, retry=None, timeout=30.0):
        config = {**self.DEFAULTS, **config}
        self.check_settings(config, f"NEWSLETTER['delivery'][{self.name!r}]")
        super().__init__(config, retry, config["timeout"] or timeout)
        self.security = config["security"]
        self.port = int(config["port"] or SECURITY_PORTS[self.security])
        self._smtp = None

    @classmethod
    def check_settings(cls, settings, where):
        def fail(message):
            raise ConfigurationError(f"{where}{message}", provider=cls.name)

        security = settings.get("security")
        if security not in SECURITY_PORTS:
            fail(f"['security'] = {security!r}: choose 'starttls' (port 587), 'tls' (port 465) or 'none' "
                 "(a relay on this machine)")
        host = str(settings.get("host") or "")
        if security == "none" and host and not _loopback(host):
            fail(f"['security'] = 'none' would send the password and the letters in clear to {host}; it is only "
                 "allowed for a relay on this machine (localhost, 127.0.0.1, ::1): use 'starttls' or 'tls'")
        port = settings.get("port")
        if port not in (None, ""):
            if not str(port).isdigit() or not 0 < int(port) < 65536:
                fail(f"['port'] = {port!r} is not a port number (or set SMTP_PORT)")
        timeout = settings.get("timeout")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                    or timeout <= 0):
            fail(f"['timeout'] = {timeout!r}: a number of seconds above 0, or None")
        if settings.get("subscribers") is not None and not isinstance(settings["subscribers"], str):
            fail("['subscribers'] must be the path of a CSV file (email,lang,consent_date)")
        if settings.get("private_folder") is not None and not isinstance(settings["private_folder"], str):
            fail("['private_folder'] must be the path of a folder outside the repository, or None (beside the "
                 "subscribers file)")
        list_id = settings.get("list_id") or ""
        if list_id:
            _, _, label = list_id.rpartition("<")
            label = label.rstrip()
            if not label.endswith(">") or not _list_label(label[:-1]):
                fail(f"['list_id'] = {list_id!r}: write a name then the list's id in angle brackets, a dotted "
                     "name under a domain of yours (RFC 2919), e.g. \"La lettre <lettre.example.org>\"")
        unsubscribe = settings.get("unsubscribe")
        if not isinstance(unsubscribe, dict) or set(unsubscribe) - {"mailto", "url", "endpoint"}:
            fail("['unsubscribe'] must be {'mailto': 'list+unsubscribe@example.org', "
                 "'endpoint': 'https://example.org/unsubscribe' or None}")
        mailto = unsubscribe.get("mailto") or ""
        if mailto:
            try:
                normalise_address(mailto)
            except ValueError:
                fail(f"['unsubscribe']['mailto'] = {mailto!r} is not an email address")
        url = unsubscribe.get("url") or ""
        if url and (not url.startswith("https://") or "{email}" not in url or not url.isascii()
                    or any(character in url for character in " <>,\"")):
            fail(f"['unsubscribe']['url'] = {url!r}: an https:// address (RFC 8058 one-click unsubscribe needs "
                 "https), in ASCII, with {email} where the reader's address goes")
        endpoint = unsubscribe.get("endpoint") or ""
        if endpoint and (not endpoint.startswith("https://") or not endpoint.isascii() or "#" in endpoint
                         or any(character in endpoint for character in " <>,\"{}")):
            fail(f"['unsubscribe']['endpoint'] = {endpoint!r}: the https:// address where the unsubscribe endpoint "
                 "answers (RFC 8058 needs https), in ASCII, e.g. 'https://example.org/unsubscribe'")
        if endpoint and url:
            fail("['unsubscribe']: set 'endpoint' (signed links) or 'url' (links with the address), not both")

    # Drafts: the ledger is the list of drafts, the outbox's .eml their content.

    def create_draft(self, campaign, idempotency_key):
        return Remote(campaign.key, DRAFT)

    def find(self, campaign):
        return Remote(campaign.key, DRAFT)

    def get(self, remote_id):
        return Remote(remote_id, DRAFT)

    def update_draft(self, remote_id, campaign):
        pass  # the content is read from the outbox when it is sent

    def schedule(self, remote_id, campaign, when):
        raise ConfigurationError("SMTP cannot schedule; use --send at the time", provider=self.name)

    # Sending.

    def send_test(self, remote_id, campaign, addresses):
        """One message to each address; a refusal or a deferral stops with the server's reply."""
        self._check_sendable(campaign)
        campaign = campaign.as_test()
        for given in addresses:
            try:
                address = normalise_address(_bare_address(given))
            except ValueError as exc:
                raise InvalidRequest(f"test address: {exc}", provider=self.name) from None
            message = self.message(campaign, address, message_id=self._message_id(campaign, secrets.token_hex(10)))
            self._deliver(message, address)
            logger.info("%s: test sent to %s", campaign.key, address)

    def send_now(self, remote_id, campaign, journal):
        """One message to each reader of the campaign's language who does not have it yet."""
        self._check_sendable(campaign)
        self.require("subscribers")
        listed = readers(self.config["subscribers"], campaign.lang)
        audience = self._not_suppressed(campaign, listed)
        if not audience:
            logger.warning("%s: no reader of %r in %s%s; nothing to send", campaign.key, campaign.lang,
                           self.config["subscribers"], " but those on the suppression list" if listed else "")
            return
        journals = prepare_private_folder(self.private_folder) / "journals"
        journals.mkdir(mode=0o700, exist_ok=True)
        journal = journal.moved_to(journals)
        pending = [reader.email for reader in audience if not journal.is_sent(reader.email)]
        if len(pending) < len(audience):
            logger.info("%s: %d of %d readers already have it (journal %s); sending to the %d others",
                        campaign.key, len(audience) - len(pending), len(audience), journal.path, len(pending))
        refused, deferred, consecutive = {}, {}, 0
        try:
            for index, address in enumerate(pending):
                message = self.message(campaign, address, message_id=self._message_id(
                    campaign, _digest(campaign.key, address.lower(), campaign.content_hash)))
                journal.sending(address)
                try:
                    self._deliver(message, address)
                except Refused as error:
                    refused[address], consecutive = error, consecutive + 1
                except Deferred as error:
                    deferred[address], consecutive = error, consecutive + 1
                except DeliveryError as error:
                    done = len(audience) - len(pending) + index - len(refused) - len(deferred)
                    raise type(error)(
                        f"{error.args[0]}. {campaign.key}: {done} of {len(audience)} readers have it; run the same "
                        f"command again to send to the others (the journal {journal.path} keeps who has it, "
                        "nobody gets it twice)", provider=self.name) from None
                else:
                    journal.sent(address)
                    consecutive = 0
                if consecutive >= CONSECUTIVE_FAILURES:
                    last = (refused | deferred)[address]
                    stop = ProviderUnavailable if isinstance(last, Deferred) else InvalidRequest
                    raise stop(f"{campaign.key}: the server turned down {consecutive} readers in a row (last: "
                               f"{last.args[0]}); stopped before trying the rest. Check the account and the sender "
                               "address at the relay, then run the same command again: who has it already will not "
                               "get it again", provider=self.name)
        finally:
            if refused:
                logger.warning("%s: %d address%s refused it for good (not retried; remove or correct them in %s): "
                               "%s", campaign.key, len(refused), "es" if len(refused) > 1 else "",
                               self.config["subscribers"],
                               "; ".join(f"{address}: {error.args[0]}" for address, error in refused.items()))
        logger.info("%s: sent to %d readers of %r", campaign.key, len(pending) - len(refused) - len(deferred),
                    campaign.lang)
        if deferred:
            raise ProviderUnavailable(
                f"{campaign.key}: the server deferred {len(deferred)} reader{'s' if len(deferred) > 1 else ''} "
                f"({'; '.join(f'{address}: {error.args[0]}' for address, error in deferred.items())}); the others "
                "have it. Run the same command again later to send to these only", provider=self.name)

    def message(self, campaign, address, message_id):
        """The campaign's email for one reader: their To and unsubscribe address, the list headers."""
        message = _copy(campaign)
        for name in ("To", "Cc", "Bcc", "Date", "Message-ID", "List-Id", "List-Unsubscribe",
                     "List-Unsubscribe-Post"):
            del message[name]
        message["To"] = address
        message["Date"] = format_datetime(datetime.now().astimezone())
        message["Message-ID"] = message_id
        message["List-Id"] = self._list_id(campaign)
        if campaign.lang and not message["Content-Language"]:
            message["Content-Language"] = campaign.lang
        mailto, url = self._unsubscribe(address, campaign)
        targets = ([f"<{url}>"] if url else []) + [f"<{mailto}>"]
        message.set_raw("List-Unsubscribe", ",\r\n ".join(targets))
        if url:
            message.set_raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        replace_in_parts(message, campaign.placeholder, url or mailto)
        return message

    def close(self):
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    # One message, tried again on a 4xx or a broken connection.

    def _deliver(self, message, address):
        sender = _address(str(message["From"] or ""))
        data = message.as_bytes(policy=POLICY)
        self.retry.run(lambda: self._transaction(sender, address, data), f"{self.name}: to {address}")

    def _transaction(self, sender, address, data):
        smtp = self._connection()
        try:
            smtp.sendmail(sender, [address], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients[address]  # smtplib keys each refusal by the address as given
            raise self._reply_error(code, reply, f"RCPT TO:<{address}>") from None
        except smtplib.SMTPSenderRefused as exc:
            error = self._reply_error(exc.smtp_code, exc.smtp_error, f"MAIL FROM:<{sender}>")
            if isinstance(error, Refused):  # no reader can get anything from this sender
                raise InvalidRequest(self._clean(f"{error.args[0]}; check that the relay lets this account send as "
                                                 f"{sender}"), provider=self.name) from None
            raise error from None
        except smtplib.SMTPDataError as exc:
            raise self._reply_error(exc.smtp_code, exc.smtp_error, "DATA") from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            self._disconnect()
            raise ProviderUnavailable(self._clean(f"the connection to {self._where} broke ({_reason(exc)})"),
                                      provider=self.name) from None
        finally:
            if smtp.sock is None:  # smtplib closes on a 421
                self._smtp = None

    def _reply_error(self, code, reply, command):
        # A relay's reply may quote the account it refused: blanked as any credential.
        text = self._clean(f"{command}: {code} {_text(reply)}")
        if code == 421:  # the server is closing the connection: open another one
            self._disconnect()
            return ProviderUnavailable(f"{self._where} closed the connection ({text})", provider=self.name)
        if 400 <= code < 500:
            return Deferred(text, provider=self.name)
        if 500 <= code < 600:
            return Refused(text, provider=self.name)
        self._disconnect()
        return ProviderUnavailable(f"unexpected reply to {text}", provider=self.name)

    # The connection.

    @property
    def _where(self):
        return f"{self.config['host']}:{self.port}"

    def _connection(self):
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _disconnect(self):
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _connect(self):
        self.require("host")
        username = self.config.get("username")
        if username:
            self.require("password")
        try:
            return self._session(username)
        except smtplib.SMTPAuthenticationError as exc:
            if 400 <= exc.smtp_code < 500:
                raise ProviderUnavailable(self._clean(f"{self._where} cannot check the login now "
                                                      f"({exc.smtp_code} {_text(exc.smtp_error)})"),
                                          provider=self.name) from None
            raise AuthenticationError(self._clean(
                f"{self._where} refused the login ({exc.smtp_code} {_text(exc.smtp_error)}); check "
                "SMTP_USERNAME and SMTP_PASSWORD"), provider=self.name) from None
        except smtplib.SMTPNotSupportedError as exc:
            what = "STARTTLS" if "STARTTLS" in str(exc) else "a login (AUTH)"
            raise ConfigurationError(f"{self._where} does not offer {what}; check NEWSLETTER['delivery']['smtp']"
                                     "['security'] and the port", provider=self.name) from None
        except ssl.SSLCertVerificationError as exc:
            raise ConfigurationError(f"{self._where}: the server's certificate cannot be trusted "
                                     f"({exc.verify_message}); check the host name", provider=self.name) from None
        except smtplib.SMTPConnectError as exc:
            raise ProviderUnavailable(self._clean(f"{self._where} refused the connection ({exc.smtp_code} "
                                                  f"{_text(exc.smtp_error)})"), provider=self.name) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderUnavailable(self._clean(f"cannot connect to {self._where} ({_reason(exc)})"),
                                      provider=self.name) from None

    def _session(self, username):
        """A connection greeted, secured and logged in; closed again if any of that fails."""
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.config["host"], self.port, timeout=self.timeout, context=_tls_context())
        else:
            smtp = smtplib.SMTP(self.config["host"], self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=_tls_context())
                smtp.ehlo()
            if username:
                smtp.login(username, self.config["password"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _clean(self, text):
        return blank(text, self.secrets)

    # Headers.

    def _check_sendable(self, campaign):
        if not self.config["unsubscribe"].get("mailto"):
            raise ConfigurationError(
                "no unsubscribe address: set NEWSLETTER['delivery']['smtp']['unsubscribe']['mailto'] (every "
                "letter carries List-Unsubscribe)", provider=self.name)
        if self.config["unsubscribe"].get("endpoint"):
            self._require_secret("the unsubscribe links are signed with it")
        if not _address(campaign.sender):
            raise ConfigurationError(f"{campaign.key}: no From address; set NEWSLETTER['sender']",
                                     provider=self.name)

    def _unsubscribe(self, address, campaign):
        settings = self.config["unsubscribe"]
        mailto = f"mailto:{settings['mailto']}?subject=unsubscribe"
        if settings.get("endpoint"):
            token = make_token(self.config["secret"], self._list_id(campaign), campaign.lang or "fr", address)
            endpoint = settings["endpoint"]
            return mailto, f"{endpoint}{'&' if '?' in endpoint else '?'}token={token}"
        url = settings.get("url")
        return mailto, url.replace("{email}", quote(address, safe="@")) if url else None

    # Readers' private files: the journals and the suppression list.

    @property
    def private_folder(self):
        return private_folder(self.config["subscribers"], self.config.get("private_folder"))

    def suppression_list(self):
        """The suppression list beside the subscribers file, or None while there is none and no secret."""
        path = default_path(self.config["subscribers"], self.config.get("private_folder"))
        if not self.config.get("secret") and not path.exists():
            return None
        self._require_secret(f"{path} lists readers who must not be written to, by a hash made with it")
        return SuppressionList(path, self.config["secret"])

    def _not_suppressed(self, campaign, audience):
        if self.config["unsubscribe"].get("url"):
            logger.warning("%s: NEWSLETTER['delivery']['smtp']['unsubscribe']['url'] puts the address in the link, "
                           "so anyone could unsubscribe anyone: run the unsubscribe endpoint and set 'endpoint' "
                           "instead (README, Sending by SMTP)", campaign.key)
        suppressed = self.suppression_list()
        if suppressed is None:
            return audience
        on_list = suppressed.digests()  # read once: a send may have thousands of readers
        kept = [reader for reader in audience if suppressed.digest(reader.email) not in on_list]
        if len(kept) < len(audience):
            logger.info("%s: %d reader%s on the suppression list (%s) skipped", campaign.key,
                        len(audience) - len(kept), "s" if len(audience) - len(kept) > 1 else "", suppressed.path)
        return kept

    def _require_secret(self, why):
        """Checked when sending, not in check_settings: a build needs no secret."""
        secret = str(self.config.get("secret") or "")
        if not secret:
            raise ConfigurationError(f"NEWSLETTER_SECRET is not set ({why}): export the same long random secret "
                                     "as for the unsubscribe endpoint", provider=self.name)
        if len(secret) < MIN_SECRET_LENGTH:
            raise ConfigurationError(f"NEWSLETTER_SECRET is too short: use at least {MIN_SECRET_LENGTH} random "
                                     "characters, e.g. the output of `openssl rand -hex 32`", provider=self.name)

    def _list_id(self, campaign):
        if self.config.get("list_id"):
            return self.config["list_id"]
        local, _, domain = _address(campaign.sender).rpartition("@")
        label = "".join(character if character.isalnum() or character == "-" else "-" for character in local)
        return f"<{label}.{domain}>"

    def _message_id(self, campaign, token):
        domain = _address(campaign.sender).rpartition("@")[2] or "localhost"
        return f"<{campaign.key}.{token}@{domain}>"


def _copy(campaign):
    """A new message (every part under the SMTP policy) of the campaign's email."""
    if campaign.message is not None:
        return email.message_from_bytes(campaign.message.as_bytes(), policy=POLICY)
    message = EmailMessage(policy=POLICY)
    message["Subject"] = campaign.subject
    message["From"] = campaign.sender
    if campaign.reply_to:
        message["Reply-To"] = campaign.reply_to
    message.set_content(campaign.text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(campaign.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def _address(header):
    """The address of a From header ("Name <address>")."""
    addresses = getaddresses([header or ""])
    return addresses[0][1] if addresses and "@" in addresses[0][1] else ""


def _digest(*parts):
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]


def _loopback(host):
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _list_label(label):
    parts = label.split(".")
    return len(parts) >= 2 and label.isascii() and all(
        part and all(character.isalnum() or character in "-_" for character in part) for part in parts)


def _tls_context():
    return ssl.create_default_context()


def _text(reply):
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(str(reply).split())[:300]


def _reason(exc):
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _bare_address(given):
    """The address of "Name <address>", as copied from a mail client; a bare address as it is."""
    if "<" not in given:
        return given
    return parseaddr(given)[1] or given
