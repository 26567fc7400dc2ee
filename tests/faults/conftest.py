from __future__ import annotations

import resource
from collections.abc import Iterator

import pytest


@pytest.fixture
def many_files() -> Iterator[int]:
    """Raise this process's open-file limit (hubs started after inherit it); restored after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 16_384 if hard == resource.RLIM_INFINITY else min(16_384, hard)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    try:
        yield max(soft, wanted)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
