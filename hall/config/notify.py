"""[[notify]]: the channels that carry the rules' alerts to people away from the screens.

```toml
[[notify]]
id = "b-posts"                      # names it in logs and /metrics
kind = "wecom"                      # wecom | dingtalk | webhook
url = "env:HALL_WECOM_B_POSTS"      # the robot's address; "env:NAME" reads it from NAME
secret = ""                         # dingtalk: the robot's SEC… signing secret; webhook: HMAC key
staff = ["xu-qingqing"]             # alerts concerning them (a B-post told to cover, ...)
roles = ["director"]                # and every alert of the hall for these roles
events = ["cover.needed", "cover.requested", "cover.escalated", "stranded", "overdue"]
```

A robot's address carries its key, so it may live in the environment instead of the file:
`url` and `secret` take "env:NAME", kept as written here (the domain reads no environment)
and read by `hall.notify` when the hub starts, which refuses to start if NAME is unset.
"""

from __future__ import annotations

import re

from hall.config.fields import (
    Table,
    _check_unique,
    _ident,
    _Invalid,
    _list,
    _only,
    _required,
    _str,
    _table,
)
from hall.config.model import NOTIFY_EVENTS, NotifyChannel, NotifyKind, Role, Staff

_KEYS = ("id", "kind", "url", "secret", "staff", "roles", "events")
_KINDS: dict[str, NotifyKind] = {"wecom": "wecom", "dingtalk": "dingtalk", "webhook": "webhook"}
_ROLES: dict[str, Role] = {"clerk": "clerk", "director": "director"}
ENV = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]*)")


def _value(table: Table, key: str, field: str, *, required: bool) -> str:
    raw = _required(table, key, field) if required else table.get(key, "")
    text = _str(raw, f"{field}.{key}")
    if text.startswith("env:") and not ENV.fullmatch(text):
        raise _Invalid(f"{field}.{key}", f"{text!r}: env: must be followed by a variable name")
    return text


def _names(table: Table, key: str, field: str, known: set[str], what: str) -> tuple[str, ...]:
    names: list[str] = []
    for i, item in enumerate(_list(table.get(key, []), f"{field}.{key}")):
        name = _str(item, f"{field}.{key}[{i}]")
        if name not in known:
            raise _Invalid(f"{field}.{key}[{i}]", f"unknown {what} {name!r}")
        _check_unique(names, name, f"{field}.{key}[{i}]", f"{what} {name!r}")
        names.append(name)
    return tuple(names)


def notify_channels(value: object, staff: tuple[Staff, ...]) -> tuple[NotifyChannel, ...]:
    channels: list[NotifyChannel] = []
    for i, item in enumerate(_list(value, "notify")):
        field = f"notify[{i}]"
        table = _table(item, field)
        _only(table, _KEYS, field)
        channel_id = _ident(_required(table, "id", field), f"{field}.id")
        seen = [c.id for c in channels]
        _check_unique(seen, channel_id, f"{field}.id", f"channel {channel_id!r}")
        kind_text = _str(_required(table, "kind", field), f"{field}.kind")
        kind = _KINDS.get(kind_text)
        if kind is None:
            raise _Invalid(f"{field}.kind", f"{kind_text!r} is not one of {', '.join(_KINDS)}")
        url = _value(table, "url", field, required=True)
        if not url.startswith(("https://", "http://", "env:")):
            raise _Invalid(f"{field}.url", "must be an http:// or https:// address")
        secret = _value(table, "secret", field, required=False)
        if kind == "webhook" and not secret:  # (an env: secret is checked at start)
            raise _Invalid(f"{field}.secret", "a webhook needs a secret to sign its requests")
        people = _names(table, "staff", field, {s.id for s in staff}, "staff id")
        roles = tuple(_ROLES[r] for r in _names(table, "roles", field, set(_ROLES), "role"))
        if not people and not roles:
            raise _Invalid(field, "names nobody: give `staff` or `roles`")
        events = _names(table, "events", field, set(NOTIFY_EVENTS), "event") or NOTIFY_EVENTS
        channels.append(NotifyChannel(channel_id, kind, url, secret, people, roles, events))
    return tuple(channels)
