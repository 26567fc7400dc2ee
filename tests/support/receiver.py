"""A local HTTP receiver standing in for 企业微信 and 钉钉 group robots and a webhook endpoint:
it checks each request as the service documents it and answers as the service would.

- `/wecom/cgi-bin/webhook/send?key=…`: a JSON text message (`msgtype` text, `text.content`
  of at most 2048 bytes, optional `mentioned_mobile_list` of strings); otherwise
  `{"errcode": 40008, "errmsg": "invalid message type"}`.
- `/dingtalk/robot/send?access_token=…&timestamp=…&sign=…`: the sign recomputed from the
  query's timestamp and the secret (Base64 of HMAC-SHA256(secret, "<ts>\\n<secret>")), the
  timestamp within an hour, a JSON text message whose `at.atMobiles` each appear as
  `@<mobile>` in the content; otherwise `{"errcode": 310000, "errmsg": "sign not match"}`
  (or 40035 for a bad body).
- `/hook/...`: `X-Hall-Signature` recomputed over "<X-Hall-Timestamp>.<body>" with the
  secret, the timestamp within 5 minutes; otherwise 401.

Every request is recorded with whether it passed (`ok`) and what was answered. A path may
be given a script of answers (status codes, or "hold": keep the request open until
`release()`), used in turn before the normal answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DINGTALK_SECRET = "SECtest0123456789abcdefghijklmnopqrstuvwxyz"
WEBHOOK_SECRET = "whsec-test-0123456789"


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float
    ok: bool = False
    problem: str = ""
    answered: int | str = 200
    json: Any = field(default=None)


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, list[int | str]] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def release(self) -> None:
        self._release.set()

    def on(self, path: str) -> list[Received]:
        """What arrived at paths starting with `path`, in order of arrival."""
        with self._lock:
            return [r for r in self.received if r.path.startswith(path)]

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        body = h.rfile.read(int(h.headers.get("content-length", "0")))
        r = Received(
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
            at=time.time(),
        )
        try:
            r.json = json.loads(body)
        except ValueError:
            r.json = None
        if parts.path.startswith("/wecom"):
            r.ok, r.problem = _wecom(r)
            status, answer = 200, {"errcode": 0, "errmsg": "ok"}
            if not r.ok:
                answer = {"errcode": 40008, "errmsg": "invalid message type"}
        elif parts.path.startswith("/dingtalk"):
            r.ok, r.problem = _dingtalk(r)
            status, answer = 200, {"errcode": 0, "errmsg": "ok"}
            if not r.ok:
                answer = {"errcode": 310000, "errmsg": "sign not match"}
        else:
            r.ok, r.problem = _webhook(r)
            status, answer = (204, {}) if r.ok else (401, {"error": r.problem})
        with self._lock:
            script = self.scripts.get(parts.path)
            step = script.pop(0) if script else None
            self.received.append(r)
        if step == "hold":
            r.answered = "hold"
            self._release.wait(60)
            return  # the connection ends without an answer
        if isinstance(step, int):
            status, answer = step, {"error": "scripted"}
        r.answered = status
        data = json.dumps(answer).encode() if status != 204 else b""
        try:
            h.send_response(status)
            h.send_header("content-type", "application/json")
            h.send_header("content-length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the sender is gone (killed)


def _text(r: Received) -> tuple[bool, str]:
    body = r.json
    if not isinstance(body, dict) or body.get("msgtype") != "text":
        return False, "not a text message"
    content = (body.get("text") or {}).get("content")
    if not isinstance(content, str) or not content:
        return False, "no text.content"
    if len(content.encode()) > 2048:
        return False, "text.content over 2048 bytes"
    return True, ""


def _wecom(r: Received) -> tuple[bool, str]:
    if not r.query.get("key"):
        return False, "no key"
    ok, problem = _text(r)
    if not ok:
        return ok, problem
    mentions = r.json["text"].get("mentioned_mobile_list", [])
    if not isinstance(mentions, list) or not all(isinstance(m, str) for m in mentions):
        return False, "mentioned_mobile_list is not a list of strings"
    return True, ""


def _dingtalk(r: Received) -> tuple[bool, str]:
    (timestamp,) = r.query.get("timestamp", [""])
    (sign,) = r.query.get("sign", [""])  # parse_qs has URL-decoded it
    if not r.query.get("access_token") or not timestamp.isdigit():
        return False, "no access_token or timestamp"
    if abs(int(timestamp) - time.time() * 1000) > 3600_000:
        return False, "timestamp more than an hour off"
    secret = DINGTALK_SECRET
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    if not hmac.compare_digest(sign, base64.b64encode(mac.digest()).decode()):
        return False, "sign not match"
    ok, problem = _text(r)
    if not ok:
        return ok, problem
    at = r.json.get("at") or {}
    mobiles = at.get("atMobiles", [])
    if at.get("isAtAll") is not False or not isinstance(mobiles, list):
        return False, "bad at"
    if any(f"@{m}" not in r.json["text"]["content"] for m in mobiles):
        return False, "a mentioned mobile is not in the content"
    return True, ""


def _webhook(r: Received) -> tuple[bool, str]:
    timestamp = r.headers.get("x-hall-timestamp", "")
    signature = r.headers.get("x-hall-signature", "")
    if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 300:
        return False, "timestamp missing or more than 5 minutes off"
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + r.body, hashlib.sha256)
    if not hmac.compare_digest(signature, f"sha256={mac.hexdigest()}"):
        return False, "bad signature"
    if not isinstance(r.json, dict) or r.headers.get("x-hall-id") != r.json.get("id"):
        return False, "no id"
    return True, ""
