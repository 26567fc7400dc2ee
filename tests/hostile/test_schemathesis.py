"""Schemathesis over /api/openapi.json: thousands of generated requests (valid and not),
never a 5xx, and a refused command never changes the state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall.store.embedded import EmbeddedRedis
from tests.support.hubs import ADMIN, Hub, hubs

CASES = {  # per operation: 2,100 generated requests in all (those without inputs: one each)
    ("POST", "/api/halls/{hall}/commands"): 1300,
    ("GET", "/api/halls/{hall}/events"): 400,
    ("POST", "/api/login"): 300,
    ("GET", "/api/halls/{hall}/state"): 100,
    ("GET", "/api/halls"): 1,
    ("GET", "/healthz"): 1,
}
counted: dict[tuple[str, str], int] = {}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    tmp: Path = tmp_path_factory.mktemp("schema")
    with EmbeddedRedis(tmp / "redis") as redis, hubs(redis.url, tmp, 1) as (started,):
        yield started


@pytest.mark.timeout(400)
@pytest.mark.parametrize(("method", "path"), list(CASES))
def test_generated_requests(hub: Hub, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_url(hub.url + "/api/openapi.json")
    operation = schema[path][method]
    # Valid and invalid bodies alike: the negative mode sends what the schema forbids.
    strategy = st.one_of(
        operation.as_strategy(),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    )
    state = httpx.Client(base_url=hub.url)  # one connection: the checks stay cheap

    def version() -> str:
        last: str = state.get("/api/halls/t/state").json()["last_event_id"]
        return last

    @settings(
        max_examples=CASES[method, path], deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        counted[method, path] = counted.get((method, path), 0) + 1
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {ADMIN}"}
        if method == "POST":
            before = version()
        response = case.call(base_url=hub.url)
        assert response.status_code < 500, (case.path_parameters, case.body, response.text[:300])
        if method == "POST" and response.status_code >= 400:
            assert version() == before, (case.body, response.text)

    with state:
        run()
    assert counted[method, path] >= CASES[method, path] // 2


def test_at_least_2000_cases_ran() -> None:
    if len(counted) == len(CASES):  # only meaningful when the whole module ran
        assert sum(counted.values()) >= 2000, counted
