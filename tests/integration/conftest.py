from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .hubs import Hub, hubs


@pytest.fixture
def hub(redis_url: str, tmp_path: Path) -> Iterator[Hub]:
    with hubs(redis_url, tmp_path, 1) as started:
        yield started[0]


@pytest.fixture
def two_hubs(redis_url: str, tmp_path: Path) -> Iterator[list[Hub]]:
    with hubs(redis_url, tmp_path, 2) as started:
        yield started
