"""Run an Isso comment server: for local work, and for the tests.

    python -m publisher.comment_server [--config comments/isso.cfg]

serves on the config's [server] listen address (`invoke comments`). The tests
use IssoServer, which binds a free loopback port first and hands the
listening socket to a child process: requests wait in the socket's queue
until Isso is ready, so nobody polls or sleeps for it.
"""

import argparse
import configparser
import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "comments" / "isso.cfg"


def serve(config_path, fd=None):
    """Run Isso with ``config_path`` until stopped (on the inherited socket ``fd`` if given)."""
    from isso import config as isso_config, make_app
    from werkzeug.serving import make_server

    conf = isso_config.load(isso_config.default_file(), str(config_path))
    Path(conf.get("general", "dbpath")).parent.mkdir(parents=True, exist_ok=True)
    app = make_app(conf)
    if fd is not None:
        server = make_server("127.0.0.1", 0, app, threaded=True, fd=fd)
    else:
        listen = urlsplit(conf.get("server", "listen"))
        server = make_server(listen.hostname, listen.port or 80, app, threaded=True)
    server.serve_forever()


class IssoServer:
    """A real Isso in a child process on a free loopback port; ``url`` ends with '/'.

    ``hosts`` are the site addresses allowed to post (Isso checks Origin);
    ``settings`` maps "section.option" to values over comments/isso.cfg.
    """

    def __init__(self, folder, hosts, settings=None, config=DEFAULT_CONFIG):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.hosts = list(hosts)
        self.settings = dict(settings or {})
        self.config = config
        self.process = None
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/"

    def _write_config(self):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.config, encoding="utf-8")
        values = {
            "general.dbpath": str(self.folder / "comments.db"),
            "general.host": "\n" + "\n".join(self.hosts),
            "server.listen": self.url,
            **self.settings,
        }
        for key, value in values.items():
            section, option = key.split(".", 1)
            if not parser.has_section(section):
                parser.add_section(section)
            parser.set(section, option, str(value))
        path = self.folder / "isso.cfg"
        with open(path, "w", encoding="utf-8") as file:
            parser.write(file)
        return path

    def start(self):
        config_path = self._write_config()
        fd = self._socket.fileno()
        with open(self.folder / "isso.log", "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "publisher.comment_server", "--config", str(config_path), "--fd", str(fd)],
                cwd=ROOT, pass_fds=[fd], stdout=log, stderr=subprocess.STDOUT)
        self._socket.close()  # the child holds it now; once it stops, the port refuses connections
        return self

    def stop(self):
        """Stop the server: from now on, its port refuses connections."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self._socket.close()

    def log(self):
        path = self.folder / "isso.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not os.path.exists(args.config):
        parser.error(f"no Isso configuration at {args.config}")
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.config, args.fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
