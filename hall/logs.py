"""No secret in a log line: tokens travel in addresses (`?token=`, a ticket's `?k=`) and
headers, uvicorn logs every request's address, and a database's or Redis's address may
carry a password (`postgresql://user:password@host`). Every record through hall's log
handlers has them blanked (`Redact`), whoever logged it."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_SECRET = re.compile(r"(?i)\b(token|k|pin|password)=[^&\s\"']+|(bearer)\s+[^\s\"']+")
# The password of an address: postgresql://user:PASSWORD@host, redis://:PASSWORD@host (up
# to the last `@` of the word: a password with a raw `@` is blanked whole).
_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s\"']*):[^\s\"']*@")


def _blank(match: re.Match[str]) -> str:
    return f"{match[1]}=***" if match[1] else f"{match[2]} ***"


def redact(text: str) -> str:
    return _PASSWORD.sub(r"\1:***@", _SECRET.sub(_blank, text))


class Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def uvicorn_config() -> dict[str, Any]:
    """uvicorn's logging, with every handler redacting."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "hall.logs.Redact"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config
