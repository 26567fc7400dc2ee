"""The layers show in the imports (docs/architecture.md): command -> core -> log -> live ->
screen, and who may import whom. Read from the source (imports under `if TYPE_CHECKING:`
are annotations only, and are not counted)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hall

HALL = Path(hall.__file__).parent

# The pure domain: the rules and what they are made of. No I/O, no clock, no awaits.
DOMAIN = {"core", "queue", "staffing", "schedule", "config"}
LEAVES = {"i18n", "settings", "metrics", "limits", "logs"}  # used by many, import nothing of hall
# Who each part may import (of hall's own modules), beyond itself.
MAY = {
    **{part: DOMAIN for part in DOMAIN},
    **{leaf: {"core"} if leaf == "limits" else set() for leaf in LEAVES},
    "store": set(),
    "engine": DOMAIN | {"store", "metrics", "settings"},
    "kiosk": DOMAIN | {"i18n"},
    "live": DOMAIN | {"store", "kiosk", "i18n", "metrics", "settings"},
    "records": DOMAIN | {"store", "metrics", "settings"},
    "notify": DOMAIN | {"store", "metrics", "settings", "i18n"},
    "web": DOMAIN | LEAVES | {"store", "engine", "kiosk", "live", "records", "notify"},
    "reloading": DOMAIN | LEAVES | {"store", "engine", "kiosk", "live", "records", "notify"},
    "runtime": DOMAIN
    | LEAVES
    | {"store", "engine", "kiosk", "live", "records", "notify"}
    | {"reloading"},
}
TOP = {"app", "cli", "server", "demo", "halls", "__init__", "__main__"}  # may import anything
# Third-party imports the pure domain may use: typed records and the national calendar.
DOMAIN_THIRD_PARTY = {"msgspec", "chinese_calendar"}
IO = {"asyncio", "anyio", "redis", "starlette", "uvicorn", "socket", "subprocess", "httpx"}


def _part(module: str) -> str:
    """hall.core.decide -> core; hall.app -> app."""
    return module.split(".")[1] if module.count(".") else module


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(child) for child in ast.walk(node)}
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(HALL.rglob("*.py")):
        rel = path.relative_to(HALL.parent).with_suffix("")
        out.append((".".join(rel.parts), path))
    return out


MODULES = _modules()


def violations(module: str, names: list[str]) -> list[str]:
    part = _part(module)
    if part in TOP:
        return []
    if part not in MAY:
        return [f"{module}: {part!r} is no known layer (add it to docs/architecture.md)"]
    allowed = MAY[part] | {part}
    out = []
    for name in names:
        if name == "hall" or not name.startswith("hall."):
            if part in DOMAIN and name.split(".")[0] in IO:
                out.append(f"{module} imports {name}: the domain does no I/O")
            continue
        target = _part(name)
        if target not in allowed:
            out.append(f"{module} imports {name}: {part} may not import {target}")
    return out


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_follow_the_layers(module: str, path: Path) -> None:
    assert violations(module, _imports(path)) == []


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("hall.core.decide", "hall.store.store"),  # the core does no I/O
        ("hall.core.decide", "redis.asyncio"),
        ("hall.engine.engine", "hall.live.hub"),  # the write path knows nothing of the live edge
        ("hall.live.hub", "hall.engine.engine"),  # ... nor the reverse
        ("hall.live.sockets", "hall.web.auth"),  # nothing but the top imports the web
        ("hall.kiosk.tablet", "hall.store.store"),  # screens are built from the state
        ("hall.store.store", "hall.core.model"),  # the store knows no domain
        ("hall.records.archive", "hall.engine.engine"),
        ("hall.web.api", "hall.app"),
    ],
)
def test_the_checker_refuses_imports_against_the_layers(module: str, name: str) -> None:
    assert violations(module, [name])


def test_the_domain_uses_no_other_third_party_library() -> None:
    stdlib = {"collections", "dataclasses", "datetime", "decimal", "difflib", "functools"}
    stdlib |= {"itertools", "re", "tomllib", "typing", "zoneinfo", "pathlib", "hmac", "__future__"}
    stdlib |= {"hashlib"}  # a hall file's version is its SHA-256
    for module, path in MODULES:
        if _part(module) not in DOMAIN:
            continue
        for name in _imports(path):
            root = name.split(".")[0]
            if root == "hall":
                continue
            assert root in stdlib | DOMAIN_THIRD_PARTY, f"{module} imports {name}"


def test_the_checker_sees_a_bad_import(tmp_path: Path) -> None:
    bad = tmp_path / "decide.py"
    bad.write_text("from hall.store.store import Store\nif TYPE_CHECKING:\n    import hall.web\n")
    assert _imports(bad) == ["hall.store.store", "hall.store.store.Store"]
