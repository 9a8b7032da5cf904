"""A stand-in for Twilio's Messages API: a real HTTP server on 127.0.0.1 that records every request.

It checks the account's Basic auth, answers 201 with a message SID like Twilio, and can be told to fail
the next calls (429 with Retry-After, 5xx) with Twilio's JSON error body.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Tuple
from urllib.parse import parse_qs


@dataclass
class SentMessage:
    path: str
    form: Dict[str, str]
    answered_status: int


class FakeTwilioApi:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.requests: List[SentMessage] = []
        self._failures: List[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeTwilioApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, count: int, http_status: int) -> None:
        with self._lock:
            self._failures.extend([http_status] * count)

    # --- what was sent --------------------------------------------------------------------------------
    def messages_to(self, address: str, accepted_only: bool = True) -> List[Dict[str, str]]:
        """The forms POSTed for one "whatsapp:+<digits>" address, in order."""
        with self._lock:
            return [r.form for r in self.requests
                    if r.form.get("To") == address and (r.answered_status == 201 or not accepted_only)]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return condition()

    # --- the server -----------------------------------------------------------------------------------
    def _answer(self, path: str, authorization: str, form: Dict[str, str]) -> Tuple[int, dict, Dict[str, str]]:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}, {}
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}, {}
        if not form.get("To") or not form.get("From") or not (form.get("Body") or form.get("MediaUrl")):
            return 400, {"code": 21602, "message": "Message body is required.", "status": 400}, {}
        if len(form.get("Body", "").encode("utf-16-le")) // 2 > 1600:
            return 400, {"code": 21617, "message": "The concatenated message body exceeds the 1600 character limit.",
                         "status": 400}, {}
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            number = len(self.requests)
        if failure == 429:
            return 429, {"code": 20429, "message": "Too Many Requests", "status": 429}, {"Retry-After": "0"}
        if failure:
            return failure, {"code": 20500, "message": "Internal Server Error", "status": failure}, {}
        sid = f"SM{number:032x}"
        return 201, {"sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form["From"],
                     "body": form.get("Body", ""), "status": "queued",
                     "num_media": "1" if form.get("MediaUrl") else "0",
                     "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}, {}

    def _handler_class(self) -> type:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                form = {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
                status, answer, headers = fake._answer(self.path, self.headers.get("Authorization", ""), form)
                with fake._lock:
                    fake.requests.append(SentMessage(self.path, form, status))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
