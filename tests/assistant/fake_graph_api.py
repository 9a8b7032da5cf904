"""A stand-in for Meta's Graph API: a real HTTP server on 127.0.0.1 that records every request.

It answers like the Cloud API (message ids, media URLs, error bodies with Meta's codes), can be told to
fail the next calls (429/500/131047…), and treats some recipients as outside the 24-hour window.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Set, Tuple

API_VERSION = "v21.0"


@dataclass
class RecordedRequest:
    method: str
    path: str
    authorization: str
    body: Optional[dict]
    answered_status: int = 200
    at: float = field(default_factory=time.monotonic)


class FakeGraphApi:
    def __init__(self, access_token: str, phone_number_id: str) -> None:
        self.access_token, self.phone_number_id = access_token, phone_number_id
        self.requests: List[RecordedRequest] = []
        self.media: Dict[str, Tuple[bytes, str]] = {}
        self.window_closed: Set[str] = set()
        self._failures: List[Tuple[int, int]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- control ---------------------------------------------------------------------------------------
    def start(self) -> FakeGraphApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{API_VERSION}"

    def fail_next(self, count: int, http_status: int, code: int) -> None:
        with self._lock:
            self._failures.extend([(http_status, code)] * count)

    def add_media(self, media_id: str, content: bytes, mime_type: str = "image/jpeg") -> str:
        self.media[media_id] = (content, mime_type)
        return hashlib.sha256(content).hexdigest()

    # --- what was sent --------------------------------------------------------------------------------
    def messages_to(self, recipient: str, accepted_only: bool = True) -> List[dict]:
        """Message bodies sent to a number, in order, without read receipts."""
        with self._lock:
            return [r.body for r in self.requests
                    if r.method == "POST" and r.body and r.body.get("to") == recipient
                    and (r.answered_status == 200 or not accepted_only)]

    def attempts_to(self, recipient: str) -> int:
        return len(self.messages_to(recipient, accepted_only=False))

    def read_receipts(self) -> List[str]:
        with self._lock:
            return [r.body["message_id"] for r in self.requests if r.body and r.body.get("status") == "read"]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return condition()

    def wait_for_messages(self, recipient: str, count: int, timeout: float = 30.0) -> List[dict]:
        self.wait_for(lambda: len(self.messages_to(recipient)) >= count, timeout)
        return self.messages_to(recipient)

    # --- the server -----------------------------------------------------------------------------------
    def _answer(self, method: str, path: str, authorization: str, body: Optional[dict]) -> Tuple[int, object, str]:
        if authorization != f"Bearer {self.access_token}":
            return 401, {"error": {"code": 190, "message": "Invalid OAuth access token"}}, "application/json"
        if method == "GET" and path.startswith("/lookaside/"):
            media_id = path.rsplit("/", 1)[-1]
            content, mime_type = self.media.get(media_id, (b"", ""))
            return (200, content, mime_type) if content else (404, {"error": {"code": 100}}, "application/json")
        if method == "GET" and path.startswith(f"/{API_VERSION}/"):
            media_id = path.split("?")[0].rsplit("/", 1)[-1]
            if media_id not in self.media:
                return 404, {"error": {"code": 100, "message": "Unsupported get request"}}, "application/json"
            content, mime_type = self.media[media_id]
            port = self._server.server_address[1]
            return 200, {"url": f"http://127.0.0.1:{port}/lookaside/{media_id}", "mime_type": mime_type,
                         "sha256": hashlib.sha256(content).hexdigest(), "file_size": len(content),
                         "id": media_id, "messaging_product": "whatsapp"}, "application/json"
        if method == "POST" and path == f"/{API_VERSION}/{self.phone_number_id}/messages" and isinstance(body, dict):
            if body.get("status") == "read":
                return 200, {"success": True}, "application/json"
            with self._lock:
                failure = self._failures.pop(0) if self._failures else None
            if failure:
                return failure[0], {"error": {"code": failure[1], "message": "simulated"}}, "application/json"
            if body.get("to") in self.window_closed and body.get("type") != "template":
                return 400, {"error": {"code": 131047, "message": "Re-engagement message"}}, "application/json"
            with self._lock:
                number = len(self.requests)
            return 200, {"messaging_product": "whatsapp",
                         "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                         "messages": [{"id": f"wamid.OUT{number}"}]}, "application/json"
        return 400, {"error": {"code": 100, "message": "Invalid parameter"}}, "application/json"

    def _handler_class(self) -> type:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                status, answer, content_type = fake._answer(
                    method, self.path, self.headers.get("Authorization", ""), body
                )
                with fake._lock:
                    fake.requests.append(RecordedRequest(method, self.path, self.headers.get("Authorization", ""),
                                                         body, status))
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def log_message(self, *args: object) -> None:
                pass

        return Handler
