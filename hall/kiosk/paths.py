"""Where the templates and static files are: inside an installed wheel, or the repo top."""

from __future__ import annotations

from pathlib import Path

import hall


def _find(name: str) -> Path:
    package = Path(hall.__file__).resolve().parent
    for candidate in (package / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no {name}/ folder beside or inside {package}")


def templates_dir() -> Path:
    """`hall/templates` in a wheel (force-included), else the repo's `templates/`."""
    return _find("templates")


def static_dir() -> Path:
    """`hall/static` in a wheel (force-included), else the repo's `static/`."""
    return _find("static")
