"""A real SMTP server on loopback (aiosmtpd) that records what it accepts and misbehaves on demand.

    with SmtpServer() as server:           # 127.0.0.1, a free port
        server.defer("ana@example.org", times=2, at="RCPT")   # 451 twice, then accept
        server.refuse("bob@example.org")                      # 550 to every RCPT for it
        server.drop_after(3)             # accept 3 more messages, then hang up on the 4th's DATA
        server.drop_after(3, stay_down=True)  # ... and hang up on every new connection until up()
        ...
        server.messages                  # [Received(mail_from, rcpt_tos, content)], only those answered 250

A message is recorded only when the server answers 250 to its DATA, the
moment SMTP hands the responsibility over (RFC 5321 §4.1.1.4): a dropped
DATA is not delivered.
"""

import asyncio
import email
import threading
from dataclasses import dataclass
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    content: bytes                     # as transmitted, CRLF line ends

    @property
    def message(self):
        return email.message_from_bytes(self.content, policy=policy.default)


class Recorder:
    """The aiosmtpd handler. Its hooks run in the server's thread; the test reads under the lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.commands = []             # ("RCPT", address) / ("DATA", addresses), every attempt
        self.connections = 0           # SMTP sessions opened by clients
        self.logins = []               # user names that logged in
        self.down = False
        self._faults = []              # [stage, address, reply, remaining]
        self._drop_in = None           # messages still accepted before the drop
        self._stay_down = False

    # What the test asks for.

    def defer(self, address, times=1, at="RCPT", reply="451 4.3.0 Try again later"):
        with self.lock:
            self._faults.append([at, address.lower(), reply, times])

    def refuse(self, address, at="RCPT", reply="550 5.1.1 No such mailbox here"):
        with self.lock:
            self._faults.append([at, address.lower(), reply, None])

    def drop_after(self, accepted, stay_down=False):
        with self.lock:
            self._drop_in, self._stay_down = accepted, stay_down

    def up(self):
        with self.lock:
            self.down = False

    def received_by(self, address):
        with self.lock:
            return [message for message in self.messages if address.lower() in map(str.lower, message.rcpt_tos)]

    # aiosmtpd hooks.

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.commands.append(("RCPT", address))
            reply = self._fault("RCPT", address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.commands.append(("DATA", tuple(envelope.rcpt_tos)))
            if self._drop_in is not None:
                if self._drop_in == 0:
                    self._drop_in = None
                    self.down = self._stay_down
                    server.transport.close()  # the message is not answered, so not delivered
                    return "421 4.4.2 Dropped (the client never reads this)"
                self._drop_in -= 1
            for address in envelope.rcpt_tos:
                reply = self._fault("DATA", address)
                if reply:
                    return reply
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content)))
            return f"250 2.0.0 Queued as {len(self.messages)}"

    def _fault(self, stage, address):
        for fault in self._faults:
            at, target, reply, remaining = fault
            if at == stage and target == address.lower() and remaining != 0:
                if remaining is not None:
                    fault[3] -= 1
                return reply
        return None


class _HangUp(asyncio.Protocol):
    """A server that is down: the connection closes before any greeting."""

    def connection_made(self, transport):
        transport.close()


class SmtpServer(Controller):
    """aiosmtpd's threaded Controller on 127.0.0.1, port chosen by the system.

    ``logins``: {user: password} to require AUTH (PLAIN or LOGIN, allowed
    without TLS: loopback only). ``ssl_context``: implicit TLS for the whole
    session; ``tls_context``: STARTTLS offered (and required when
    ``require_starttls``).
    """

    def __init__(self, logins=None, **kwargs):
        self.recorder = Recorder()
        self.accounts = dict(logins or {})
        if logins is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=False)
        super().__init__(self.recorder, hostname="127.0.0.1", port=0, **kwargs)

    def _create_server(self):
        create = super()._create_server()

        async def listening():
            server = await create
            self.port = server.sockets[0].getsockname()[1]
            return server

        return listening()

    def factory(self):
        if self.recorder.down:
            return _HangUp()
        if self._factory_invoked.is_set():  # not the controller's own check at start
            with self.recorder.lock:
                self.recorder.connections += 1
        return super().factory()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode("utf-8", "replace")
        if self.accounts.get(login) == auth_data.password.decode("utf-8", "replace"):
            with self.recorder.lock:
                self.recorder.logins.append(login)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def __getattr__(self, name):
        # defer, refuse, drop_after, up, messages, commands, connections, ... of the recorder
        if name == "recorder":
            raise AttributeError(name)
        return getattr(self.recorder, name)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
