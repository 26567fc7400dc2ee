"""Docs are tested too: every CLI command and option, command type, event type and error
code is in docs/api.md; every environment variable is in docs/operations.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from hall.cli import main
from hall.core.commands import COMMAND_TYPES
from hall.core.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
HALL = ROOT / "hall"
API = (ROOT / "docs" / "api.md").read_text()
OPERATIONS = (ROOT / "docs" / "operations.md").read_text()

# Where hall raises a coded error: the domain errors with their code as first argument, the
# errors whose class fixes the code (`super().__init__("unauthorized", ...)`), and responses
# built by hand (`error_response(503, "unavailable", ...)`).
_CODED = re.compile(
    r"\b(?:Refused|NotFound|Invalid|Busy|DomainError)\(\s*\"([a-z_]+)\"",
)
_CLASS_CODE = re.compile(r"super\(\)\.__init__\(\s*\"([a-z_]+)\"")
_BY_HAND = re.compile(r"error_response\(\s*\d+\s*,\s*\"([a-z_]+)\"")


def _commands(
    group: click.Command, path: tuple[str, ...] = ("hall",)
) -> Iterator[tuple[str, click.Command]]:
    yield " ".join(path), group
    if isinstance(group, click.Group):
        for name, sub in sorted(group.commands.items()):
            yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(main))


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading line, body up to the next heading) for every Markdown heading."""
    parts = re.split(r"^(#{1,6} .*)$", text, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def _options(command: click.Command) -> list[str]:
    return [opt for p in command.params if isinstance(p, click.Option) for opt in p.opts]


def _error_codes() -> set[str]:
    codes: set[str] = set()
    for path in HALL.rglob("*.py"):
        source = path.read_text()
        for pattern in (_CODED, _CLASS_CODE, _BY_HAND):
            codes.update(pattern.findall(source))
    return codes


def _mentions(text: str, name: str) -> bool:
    """`name` as a whole token: `ticket.issue` is not found inside `ticket.issued`."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", text) is not None


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_cli_command_and_its_options_are_documented(path: str) -> None:
    command = COMMANDS[path]
    if path == "hall":
        section = API
    else:
        heading = re.compile(rf"`{re.escape(path)}(?:`| \[|$)")
        matches = [body for title, body in _sections(API) if heading.search(title)]
        assert matches, f"docs/api.md has no heading for `{path}`"
        section = matches[0]
    missing = [opt for opt in _options(command) if not _mentions(section, opt)]
    assert not missing, f"`{path}` options not in its docs/api.md section: {missing}"


def test_the_error_code_scan_finds_codes() -> None:
    # Guard the regexes: if the source changes shape, the next test must not pass vacuously.
    codes = _error_codes()
    assert {"no_ticket", "unknown_hall", "invalid_field", "unauthorized", "too_large"} <= codes
    assert {"rate_limited", "unavailable", "busy", "forbidden"} <= codes


@pytest.mark.parametrize("code", sorted(_error_codes()))
def test_every_error_code_is_documented(code: str) -> None:
    assert _mentions(API, f"`{code}`"), f"error code {code!r} is not in docs/api.md"


@pytest.mark.parametrize("name", sorted(COMMAND_TYPES))
def test_every_command_type_is_documented(name: str) -> None:
    assert _mentions(API, f"`{name}`"), f"command {name!r} is not in docs/api.md"


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_event_type_is_documented(name: str) -> None:
    assert _mentions(API, f"`{name}`"), f"event {name!r} is not in docs/api.md"


def _env_vars() -> set[str]:
    settings = (HALL / "settings.py").read_text()
    found = set(re.findall(r"os\.environ(?:\.get\(|\[)\s*\"([A-Z_]+)\"", settings))
    found |= set(re.findall(r"os\.getenv\(\s*\"([A-Z_]+)\"", settings))
    found |= set(re.findall(r"envvar=\"([A-Z_]+)\"", (HALL / "cli.py").read_text()))
    return found


def test_the_env_scan_finds_variables() -> None:
    assert {"HALL_ADMIN_TOKEN", "REDIS_URL"} <= _env_vars()


@pytest.mark.parametrize("name", sorted(_env_vars()))
def test_every_environment_variable_is_documented(name: str) -> None:
    assert _mentions(OPERATIONS, f"`{name}`"), f"{name} is not in docs/operations.md"
