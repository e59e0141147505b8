"""A small OpenAI-compatible chat-completions server on 127.0.0.1 for tests, replying from a script.

Each request takes the next scripted reply: ("text", content), ("error", status), ("sleep", seconds) or
("empty", ""). Streaming requests get server-sent events, as OpenAI sends them. Requests are recorded.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OpenAIStub:
    def __init__(self):
        self.script: list[tuple[str, object]] = []
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub.requests.append(body)
                kind, value = stub.script.pop(0) if stub.script else ("text", "")
                if kind == "sleep":
                    time.sleep(float(value))
                    kind, value = "text", "too late [1]"
                if kind == "error":
                    self._send(int(value), {"error": {"message": "scripted failure", "type": "server_error"}})
                    return
                content = "" if kind == "empty" else str(value)
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    pieces = [content[i : i + 7] for i in range(0, len(content), 7)] or [""]
                    for piece in pieces:
                        self._event({"choices": [{"index": 0, "delta": {"role": "assistant", "content": piece},
                                                  "finish_reason": None}]})
                    self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                self._send(200, {"id": "c1", "object": "chat.completion", "created": 0, "model": body.get("model"),
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": content}}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _event(self, payload: dict) -> None:
                payload = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "stub", **payload}
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "OpenAIStub":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
