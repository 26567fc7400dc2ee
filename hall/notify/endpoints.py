"""The hall files' `[[notify]]` channels with their `env:NAME` addresses and secrets read
from the environment, once, when the hub starts. A missing variable stops the start with a
message naming the file, the channel and the variable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hall.config import HallConfig
from hall.config.model import NotifyChannel
from hall.settings import Secret


class NotifyConfigError(Exception):
    """A channel that cannot be used as configured (the message says why)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    hall: str
    channel: NotifyChannel
    url: Secret  # a robot's address carries its key: never in a log line
    secret: Secret

    @property
    def id(self) -> str:
        return self.channel.id

    @property
    def kind(self) -> str:
        return self.channel.kind


def resolve(
    halls: Mapping[str, HallConfig], environ: Mapping[str, str]
) -> dict[str, tuple[Endpoint, ...]]:
    """Per hall with channels, its endpoints (halls without channels are left out)."""
    out: dict[str, tuple[Endpoint, ...]] = {}
    for hall in halls.values():
        endpoints = []
        for i, channel in enumerate(hall.notify):
            where = f"{hall.source or hall.id}: notify[{i}] ({channel.id})"
            url = _value(channel.url, environ, f"{where}.url")
            secret = _value(channel.secret, environ, f"{where}.secret")
            if not url.startswith(("https://", "http://")):
                raise NotifyConfigError(f"{where}.url: not an http:// or https:// address")
            if channel.kind == "webhook" and not secret:
                raise NotifyConfigError(f"{where}.secret: a webhook needs a secret to sign with")
            endpoints.append(Endpoint(hall.id, channel, Secret(url), Secret(secret)))
        if endpoints:
            out[hall.id] = tuple(endpoints)
    return out


def _value(raw: str, environ: Mapping[str, str], field: str) -> str:
    if not raw.startswith("env:"):
        return raw
    name = raw.removeprefix("env:")
    value = environ.get(name, "").strip()
    if not value:
        raise NotifyConfigError(f"{field}: environment variable {name} is not set (or empty)")
    return value
