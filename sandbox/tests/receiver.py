"""A webhook endpoint on loopback for the sandbox tests.

It records the raw bytes and headers of every POST (with the arrival time)
and answers from ``answers`` in turn, the last one repeated: a status, a
``(status, headers)`` pair, or a callable of the body giving the status.
``lower_headers`` records header names in lower case, as some senders'
documentation spells them.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, answers=(200,), *, path="/hook", lower_headers=False):
        self.answers = list(answers)
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = dict(self.headers.items())
                if lower_headers:
                    headers = {name.lower(): value for name, value in headers.items()}
                with receiver.lock:
                    index = len(receiver.requests)
                    receiver.requests.append(
                        {"headers": headers, "body": body, "at": time.monotonic()}
                    )
                    answer = receiver.answers[min(index, len(receiver.answers) - 1)]
                status, extra = receiver._answer(answer, body)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"

    @property
    def status(self):
        """The answer to every next request (setting it replaces them all)."""
        return self.answers[-1]

    @status.setter
    def status(self, answer):
        with self.lock:
            self.answers = [answer]

    @staticmethod
    def _answer(answer, body):
        if callable(answer):
            return answer(body), {}
        if isinstance(answer, tuple):
            return answer[0], dict(answer[1])
        return answer, {}

    def bodies(self):
        """Every JSON body received, parsed, in arrival order."""
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests]

    def wait(self, predicate, timeout=10.0):
        """Poll ``predicate`` until it is truthy; return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.02)
        raise AssertionError("timed out waiting for the webhook receiver")

    def close(self):
        self.server.shutdown()
        self.server.server_close()
