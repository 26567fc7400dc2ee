"""No secret in a log line: tokens travel in addresses (`?token=`, a ticket's `?k=`) and
headers, and uvicorn logs every request's address. Every record through hall's log
handlers has them blanked (`Redact`), whoever logged it."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_SECRET = re.compile(r"(?i)\b(token|k|pin)=[^&\s\"']+|(bearer)\s+[^\s\"']+")


def _blank(match: re.Match[str]) -> str:
    return f"{match[1]}=***" if match[1] else f"{match[2]} ***"


def redact(text: str) -> str:
    return _SECRET.sub(_blank, text)


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
