"""Requests to a comment service during the build, each bounded in time.

A build must never hang on a slow or stopped comment server: each request has
a connect and read timeout, and all of a build's requests share a total
budget. Any failure is an Unreachable (the build falls back to the cache);
the caller warns once and stops asking.
"""

import json
import time

import requests

# No comment thread is this large; a bigger answer is not one.
MAX_ANSWER_BYTES = 20 * 1024 * 1024


class Unreachable(Exception):
    """The service did not answer usefully; the message says what happened."""


class HttpClient:
    def __init__(self, timeout, total_timeout, session=None):
        self.timeout = timeout
        self.deadline = time.monotonic() + total_timeout
        self.total_timeout = total_timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "bilingual-publisher comments"

    def get_json(self, url, params=None, missing_ok=False):
        return self._json("GET", url, params=params, missing_ok=missing_ok)

    def post_json(self, url, body):
        return self._json("POST", url, json=body)

    def _json(self, method, url, missing_ok=False, **kwargs):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise Unreachable(f"gave up after {self.total_timeout:g} s in all (COMMENTS['total_timeout'])")
        timeout = min(self.timeout, remaining)
        try:
            response = self.session.request(method, url, timeout=(timeout, timeout), stream=True, **kwargs)
            try:
                if missing_ok and response.status_code == 404:
                    return None
                if response.status_code >= 400:
                    raise Unreachable(f"{_where(url)} answered {response.status_code} {response.reason}")
                body = self._read(response, url)
            finally:
                response.close()
        except requests.Timeout:
            raise Unreachable(f"no answer from {_where(url)} within {timeout:g} s (COMMENTS['timeout'])") from None
        except requests.RequestException as error:
            raise Unreachable(f"cannot reach {_where(url)} ({_reason(error)})") from None
        try:
            return json.loads(body)
        except ValueError:
            raise Unreachable(f"{_where(url)} did not answer JSON") from None

    def _read(self, response, url):
        """The body, chunk by chunk: a server that trickles bytes still meets the deadline."""
        chunks, size = [], 0
        # read1: whatever has arrived (a plain read would wait for a full chunk).
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise Unreachable(f"{_where(url)} sent more than {MAX_ANSWER_BYTES // (1024 * 1024)} MB")
            if time.monotonic() > self.deadline:
                raise Unreachable(f"gave up after {self.total_timeout:g} s in all (COMMENTS['total_timeout'])")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self):
        self.session.close()


def _where(url):
    """The address without its query string (which may hold ids, never secrets we add)."""
    return url.split("?", 1)[0]


def _reason(error):
    """The innermost cause, short: 'Connection refused', 'Name or service not known'..."""
    cause = error
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    text = str(cause) or type(cause).__name__
    for marker in ("] ", "Errno"):
        if marker in text:
            text = text.rsplit(marker, 1)[-1]
    return text.strip(" ')\"") or type(error).__name__
