"""A static file server on a loopback port, for browser tests and screenshots."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass  # one line per request would drown the test output


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
