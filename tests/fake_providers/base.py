"""The HTTP server behind every fake provider: routing, request log, validation, faults."""

import json
import re
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict          # name -> [values]
    headers: dict        # lower-cased names
    body: object         # decoded JSON, or None
    answered: int | None = None   # the status sent back (None: hung or reset)


@dataclass
class Fault:
    """Applied to the next ``times`` requests matching ``method`` and ``path`` (a regex)."""

    method: str
    path: str
    kind: str                  # "status" | "hang" | "reset_after" | "call_before" | "call_after" | "late"
    status: int = 500
    headers: dict = field(default_factory=dict)
    times: int = 1
    action: object = None      # call_before: called, then the request is dropped undone;
                               # call_after: called once the work is done, before the answer
    # late: the request waits for the test's ``release.set()``, then is done (``landed`` is set)
    # and answered, long after a client with a short timeout gave up on it.
    release: threading.Event = field(default_factory=threading.Event)
    landed: threading.Event = field(default_factory=threading.Event)


class Invalid(Exception):
    """The request does not match the provider's documented API: answered with ``status``."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


class FakeProvider:
    """Subclasses register routes in ``routes()``: [(method, regex, handler)].

    A handler takes (request: Recorded, match) and returns (status, body) or
    (status, body, headers); it raises Invalid for a request the provider
    would refuse.
    """

    def __init__(self):
        self.requests = []
        self.faults = []
        self._queued = []    # every fault ever queued, so stop() can release the late ones
        self._lock = threading.Lock()
        self._release = threading.Event()   # ends hung requests when the server stops
        self._routes = [(method, re.compile(pattern + r"\Z"), handler) for method, pattern, handler in self.routes()]
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll keeps stop() quick (serve_forever checks for shutdown at this interval).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def routes(self):
        raise NotImplementedError

    def authorize(self, request):
        """Raise Invalid(..., 401) when the request lacks the provider's credentials."""

    # Faults, queued by tests.

    def fail(self, method, path, kind="status", status=500, headers=None, times=1, action=None):
        """Queue a fault; returned, so a test can release a "late" request."""
        fault = Fault(method, path, kind, status, headers or {}, times, action)
        with self._lock:
            self.faults.append(fault)
            self._queued.append(fault)
        return fault

    def _take_fault(self, method, path):
        with self._lock:
            for fault in self.faults:
                if fault.method == method and re.fullmatch(fault.path, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def calls(self, method=None, path=None):
        return [r for r in self.requests
                if (method is None or r.method == method) and (path is None or re.fullmatch(path, r.path))]

    # Life cycle.

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._release.set()
        for fault in self._queued:
            fault.release.set()   # a late request still held ends undone
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _handler_class(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True   # else each answer on a kept-alive connection waits ~40 ms

            def log_message(self, *args):
                pass

            def do_GET(self):
                provider._handle(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        return Handler

    def _handle(self, http):
        parts = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        request = Recorded(http.command, parts.path, parse_qs(parts.query),
                           {name.lower(): value for name, value in http.headers.items()}, None)
        with self._lock:
            self.requests.append(request)
        try:
            request.body = json.loads(raw) if raw else None
        except ValueError:
            return self._answer(http, request, 400, {"detail": "body is not JSON"})
        fault = self._take_fault(request.method, request.path)
        if fault and fault.kind == "status":
            return self._answer(http, request, fault.status, {"detail": f"injected {fault.status}"}, fault.headers)
        if fault and fault.kind == "hang":
            self._release.wait(30)   # until the client gave up and the test stops the server
            return None
        if fault and fault.kind == "late":
            fault.release.wait()
            if self._release.is_set():
                return None   # the server is stopping: never done
        if fault and fault.kind == "call_before":
            fault.action(request)   # e.g. kill the client before the work: the request is then dropped
            return _reset(http)
        status, body, headers = self._dispatch(request)
        if fault and fault.kind == "call_after":
            fault.action(request)   # e.g. kill the client: the work is done, the answer finds nobody
        if fault and fault.kind == "reset_after":
            return _reset(http)      # the work is done; the answer never arrives
        if fault and fault.kind == "late":
            fault.landed.set()       # done; the answer goes to a client that gave up
        return self._answer(http, request, status, body, headers)

    def _dispatch(self, request):
        try:
            self.authorize(request)
            for method, pattern, handler in self._routes:
                match = pattern.match(request.path)
                if match and method == request.method:
                    with self._lock:
                        result = handler(request, match)
                    return result if len(result) == 3 else (*result, {})
            return 404, {"detail": f"no route {request.method} {request.path}"}, {}
        except Invalid as invalid:
            return invalid.status, {"detail": str(invalid)}, {}

    def _answer(self, http, request, status, body, headers=None):
        request.answered = status
        data = b"" if body is None else json.dumps(body).encode()
        http.send_response(status)
        for name, value in (headers or {}).items():
            http.send_header(name, str(value))
        if data:
            http.send_header("Content-Type", "application/json")
        http.send_header("Content-Length", str(len(data)))
        try:
            http.end_headers()
            http.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client is gone (killed by a test)


def _reset(http):
    """Close with a TCP RST: the client sees 'connection reset', not an answer."""
    http.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    http.close_connection = True
    http.connection.close()


def check_fields(body, required=(), optional=(), types=None, where="body"):
    """Refuse a JSON object with missing or undocumented fields, or fields of the wrong type."""
    if not isinstance(body, dict):
        raise Invalid(f"{where} must be a JSON object")
    missing = [name for name in required if name not in body]
    if missing:
        raise Invalid(f"{where}: missing {', '.join(missing)}", 422)
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        raise Invalid(f"{where}: undocumented field(s) {', '.join(unknown)}", 422)
    for name, expected in (types or {}).items():
        if name in body and body[name] is not None and not isinstance(body[name], expected):
            raise Invalid(f"{where}: {name} must be {getattr(expected, '__name__', expected)}", 422)
