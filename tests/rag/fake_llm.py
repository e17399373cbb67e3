"""A small model server for tests: OpenAI-compatible chat completions and Ollama's /api/chat.

`server.reply(messages) -> str` decides each answer; return SLOW or GARBAGE to misbehave.
Every request body is kept in `server.requests`.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW = "<slow>"
GARBAGE = "<garbage>"
REFUSED = "<refused>"  # an HTTP 401 whose message echoes the key it was sent, as some servers do
_SOURCE = re.compile(r'<source n="(\d+)"[^>]*>\n(.*?)\n</source>', re.S)


def sources(messages: list[dict]) -> dict[int, str]:
    """Source number -> text, read from the prompt."""
    return {int(n): text for n, text in _SOURCE.findall(messages[-1]["content"])}


def source_with(messages: list[dict], phrase: str) -> int:
    return next(n for n, text in sources(messages).items() if phrase in text)


class FakeModelServer:
    def __init__(self, slow_seconds: float = 5.0):
        self.reply = lambda messages: "The articles don't say."
        self.requests: list[dict] = []
        self.slow_seconds = slow_seconds
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle(self):
                # a client that hangs up mid-stream (it gave up on a slow model) is allowed
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/api/show":  # Ollama's client asks what the model can do
                    info = {"modelfile": "", "parameters": "", "template": "", "details": {},
                            "model_info": {}, "capabilities": ["completion"]}
                    return self._send(json.dumps(info).encode(), "application/json")
                server.requests.append(body)
                text = server.reply(body["messages"])
                if text == SLOW:  # a model too slow to wait for: sleeping is the behaviour under test
                    time.sleep(server.slow_seconds)
                    text = "Too late."
                if text == GARBAGE:
                    return self._send(b"{not json at all", "application/json")
                if text == REFUSED:
                    given = self.headers.get("Authorization", "")
                    error = {"error": {"message": f"Incorrect API key provided: {given}. Internal "
                                                  "trace id 7f3a at gpu-node-12.", "code": 401}}
                    return self._send(json.dumps(error).encode(), "application/json", 401)
                words = re.findall(r"\S+\s*", text)
                if self.path.endswith("/chat/completions"):
                    return self._openai(body, text, words)
                if self.path == "/api/chat":
                    return self._ollama(body, text, words)
                self.send_error(404)

            def _send(self, data: bytes, kind: str, status: int = 200):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _openai(self, body, text, words):
                base = {"id": "chatcmpl-1", "created": int(time.time()), "model": body["model"]}
                if not body.get("stream"):
                    reply = {**base, "object": "chat.completion", "choices": [{
                        "index": 0, "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop"}]}
                    return self._send(json.dumps(reply).encode(), "application/json")
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for word in words:
                    chunk = {**base, "object": "chat.completion.chunk", "choices": [{
                        "index": 0, "delta": {"role": "assistant", "content": word},
                        "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def _ollama(self, body, text, words):
                stamp = "2026-01-01T00:00:00Z"
                done = {"model": body["model"], "created_at": stamp, "done": True,
                        "done_reason": "stop", "message": {"role": "assistant", "content": ""}}
                if body.get("stream") is False:
                    done["message"]["content"] = text
                    return self._send(json.dumps(done).encode(), "application/json")
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                for word in words:
                    line = {"model": body["model"], "created_at": stamp, "done": False,
                            "message": {"role": "assistant", "content": word}}
                    self.wfile.write((json.dumps(line) + "\n").encode())
                    self.wfile.flush()
                self.wfile.write((json.dumps(done) + "\n").encode())

        return Handler
