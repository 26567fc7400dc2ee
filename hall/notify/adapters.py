"""The three kinds of channel as requests, built and judged exactly as each service documents
them (pure: the time is passed in, nothing is sent here).

- 企业微信 group robot (developer.work.weixin.qq.com/document/path/91770, 群机器人配置说明):
  POST JSON `{"msgtype": "text", "text": {"content", "mentioned_mobile_list"}}` to the
  robot's address (`…/cgi-bin/webhook/send?key=…`); success is `{"errcode": 0}`.
- 钉钉 custom robot with 加签 (open.dingtalk.com, 自定义机器人接入 and 安全设置): POST JSON
  `{"msgtype": "text", "text": {"content"}, "at": {"atMobiles", "isAtAll": false}}` to
  `…/robot/send?access_token=…&timestamp=<ms>&sign=<sign>`, where sign is the URL-encoded
  Base64 of HMAC-SHA256(key = secret, message = f"{timestamp}\\n{secret}"), UTF-8; a
  mentioned mobile must also appear as `@<mobile>` in the content. Success: `errcode` 0.
- Generic webhook (hall's own, like Stripe's and GitHub's): POST the JSON payload with
  `X-Hall-Timestamp: <unix seconds>` and
  `X-Hall-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`; any 2xx is
  success. The payload's `id` lets the receiver drop a repeated delivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote_plus

JSON = "application/json; charset=utf-8"
Verdict = Literal["ok", "retry", "fail"]
_RETRY_STATUS = frozenset({408, 425, 429})


@dataclass(frozen=True, slots=True)
class Request:
    url: str
    headers: dict[str, str]
    body: bytes


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def wecom(url: str, text: str, mentions: tuple[str, ...]) -> Request:
    content: dict[str, Any] = {"content": text}
    if mentions:
        content["mentioned_mobile_list"] = list(mentions)
    return Request(url, {"content-type": JSON}, _json({"msgtype": "text", "text": content}))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """Base64 of HMAC-SHA256(secret, "<timestamp>\\n<secret>"), before URL-encoding."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def dingtalk(
    url: str, secret: str, text: str, mentions: tuple[str, ...], timestamp_ms: int
) -> Request:
    """A robot without 加签 (a keyword or IP rule instead) has no secret: no signature."""
    if secret:
        sign = quote_plus(dingtalk_sign(secret, timestamp_ms))
        url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"
    content = text + "".join(f" @{m}" for m in mentions)
    body = {
        "msgtype": "text",
        "text": {"content": content},
        "at": {"atMobiles": list(mentions), "isAtAll": False},
    }
    return Request(url, {"content-type": JSON}, _json(body))


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def webhook(url: str, secret: str, payload: dict[str, Any], timestamp: int) -> Request:
    body = _json(payload)
    headers = {
        "content-type": JSON,
        "x-hall-timestamp": str(timestamp),
        "x-hall-signature": webhook_signature(secret, timestamp, body),
        "x-hall-id": str(payload["id"]),
    }
    return Request(url, headers, body)


def verdict(kind: str, status: int, body: bytes) -> tuple[Verdict, str]:
    """Whether an answer means delivered, worth another try, or refused for good (a 4xx
    other than 408/425/429: a wrong address or payload will not improve)."""
    if 200 <= status < 300:
        if kind == "webhook":
            return "ok", ""
        try:
            answer = json.loads(body)
        except ValueError:
            return "retry", f"HTTP {status} with a body that is not JSON"
        code = answer.get("errcode") if isinstance(answer, dict) else None
        if code == 0:
            return "ok", ""
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        return "retry", f"errcode {code}: {message}"
    if status >= 500 or status in _RETRY_STATUS:
        return "retry", f"HTTP {status}"
    return "fail", f"HTTP {status}"
