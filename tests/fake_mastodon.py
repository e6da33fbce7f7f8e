"""A Mastodon instance on loopback: serves one toot's context and records every request.

Only what the comments plugin and comments.js use: GET /api/v1/statuses/<id>/context
(the fields of Mastodon's Status entity that we read), with CORS for the browser.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOT_ID = "113000000000000001"


def status(id, parent, name, content, visibility="public", created="2025-02-01T10:00:00.000Z"):
    return {
        "id": id, "in_reply_to_id": parent, "created_at": created, "visibility": visibility,
        "url": f"https://elsewhere.example/@{name.lower()}/{id}", "content": content,
        "account": {"display_name": name, "acct": f"{name.lower()}@elsewhere.example",
                    "url": f"https://elsewhere.example/@{name.lower()}"},
    }


REPLIES = [
    status("113000000000000002", TOOT_ID, "Camille",
           '<p>Très juste ! <script>alert(1)</script><img src="x" onerror="alert(2)"> '
           '<a href="javascript:alert(3)">piège</a> <a href="https://camille.example/">mon blog</a></p>'),
    status("113000000000000003", "113000000000000002", "Élise", "<p>Merci Camille.</p>",
           created="2025-02-01T11:00:00.000Z"),
    status("113000000000000004", TOOT_ID, "Secret", "<p>For followers only</p>", visibility="private"),
]


class FakeMastodon:
    def __init__(self, replies=REPLIES):
        self.requests = []
        self.replies = list(replies)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.requests.append(self.path)
                if self.path == f"/api/v1/statuses/{TOOT_ID}/context":
                    self._send(200, {"ancestors": [], "descendants": fake.replies})
                else:
                    self._send(404, {"error": "Record not found"})

            def _send(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.toot_url = f"{self.url}/@elise/{TOOT_ID}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
