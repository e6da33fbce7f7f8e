"""A static file server on a loopback port, for browser tests and screenshots."""

import gzip
import os
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

# What static hosts (nginx's gzip, GitHub Pages, Netlify, Cloudflare) send compressed.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass  # one line per request would drown the test output


class CompressingHandler(_QuietHandler):
    """Text files gzip-compressed for a client that accepts it, as a production host sends them:
    Lighthouse then measures the bytes a reader's browser receives."""

    def do_GET(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")
        kind = self.guess_type(path)
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not os.path.isfile(path) \
                or not kind.startswith(COMPRESSED_TYPES):
            return super().do_GET()
        with open(path, "rb") as source:
            body = gzip.compress(source.read(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LocalServer:
    """Binds at once (so the URL is known before the site is built), serves once started.

    ``port`` 0 takes any free one; ``handler`` and ``server_class`` let `invoke serve` add its own.
    """

    HOST = "127.0.0.1"

    def __init__(self, folder, port=0, handler=_QuietHandler, server_class=ThreadingHTTPServer):
        self._server = server_class((self.HOST, port), partial(handler, directory=str(folder)))
        self.port = self._server.server_address[1]
        self.url = f"http://{self.HOST}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
