"""Schemathesis over /api/openapi.json: thousands of generated requests (valid and not),
never a 5xx, and a refused command never changes the state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall.store.embedded import EmbeddedRedis
from tests.support.hubs import ADMIN, Hub, hubs, set_pin

COMMANDS = ("POST", "/api/halls/{hall}/commands")
EVENTS = ("GET", "/api/halls/{hall}/events")
RATING = ("POST", "/api/halls/{hall}/tickets/{day}/{number}/rating")
# Per operation and way of signing in ("bearer": the admin token; "cookie": a director's
# session cookie with its X-Hall-CSRF header, as the pages send): 2,500 generated requests
# in all (those without inputs: one each).
CASES = {
    (*COMMANDS, "bearer"): 1000,
    (*COMMANDS, "cookie"): 400,
    (*EVENTS, "bearer"): 300,
    (*EVENTS, "cookie"): 100,
    ("POST", "/api/login", "bearer"): 300,
    (*RATING, "bearer"): 300,
    ("GET", "/api/halls/{hall}/state", "bearer"): 100,
    ("GET", "/api/halls", "bearer"): 1,
    ("GET", "/api/halls/{hall}/records/attendance", "bearer"): 60,
    ("GET", "/api/halls/{hall}/records/attendance.csv", "bearer"): 20,
    ("GET", "/api/halls/{hall}/records/attendance.xlsx", "bearer"): 20,
    ("GET", "/api/halls/{hall}/records/services", "bearer"): 60,
    ("GET", "/api/halls/{hall}/records/tickets", "bearer"): 40,
    ("GET", "/api/halls/{hall}/records/tickets.csv", "bearer"): 20,
    ("GET", "/api/halls/{hall}/records/tickets.xlsx", "bearer"): 20,
    ("GET", "/api/halls/{hall}/records/staff/{staff}", "bearer"): 60,
    ("GET", "/api/openapi.json", "bearer"): 1,
    ("GET", "/healthz", "bearer"): 1,
    ("GET", "/metrics", "bearer"): 1,
}
counted: dict[tuple[str, str, str], int] = {}
answered: dict[tuple[str, str, str], set[int]] = {}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    tmp: Path = tmp_path_factory.mktemp("schema")
    with EmbeddedRedis(tmp / "redis") as redis, hubs(redis.url, tmp, 1) as (started,):
        yield started


@pytest.fixture(scope="module")
def director(hub: Hub) -> tuple[str, str]:
    """A director's session: (cookie token, CSRF value from the page's meta tag)."""
    assert set_pin(hub, "boss", "13579").returncode == 0
    body = {"hall": "t", "staff": "boss", "pin": "13579"}
    token: str = httpx.post(hub.url + "/api/login", json=body).json()["token"]
    page = httpx.get(hub.url + "/halls/t/director", cookies={"hall_session": token}).text
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found, page[:500]
    return token, found.group(1)


@pytest.mark.timeout(400)
@pytest.mark.parametrize(("method", "path", "auth"), list(CASES))
def test_generated_requests(
    hub: Hub, director: tuple[str, str], method: str, path: str, auth: str
) -> None:
    schema = schemathesis.openapi.from_url(hub.url + "/api/openapi.json")
    operation = schema[path][method]
    # Valid and invalid bodies alike: the negative mode sends what the schema forbids.
    strategy = st.one_of(
        operation.as_strategy(),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    )
    state = httpx.Client(base_url=hub.url)  # one connection: the checks stay cheap
    session, csrf = director

    def version() -> str:
        last: str = state.get("/api/halls/t/state").json()["last_event_id"]
        return last

    @settings(
        max_examples=CASES[method, path, auth],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        counted[method, path, auth] = counted.get((method, path, auth), 0) + 1
        headers = dict(case.headers or {})
        if auth == "cookie":
            headers.pop("Authorization", None)
            headers["X-Hall-CSRF"] = csrf
            case.cookies = {**(case.cookies or {}), "hall_session": session}
        else:
            headers["Authorization"] = f"Bearer {ADMIN}"
        case.headers = headers
        if method == "POST":
            before = version()
        response = case.call(base_url=hub.url)
        assert response.status_code < 500, (case.path_parameters, case.body, response.text[:300])
        answered.setdefault((method, path, auth), set()).add(response.status_code)
        if method == "POST" and response.status_code >= 400:
            assert version() == before, (case.body, response.text)

    with state:
        run()
    assert counted[method, path, auth] >= CASES[method, path, auth] // 2
    if auth == "cookie":  # the session was honoured: some generated command went through
        assert 200 in answered[method, path, auth], answered[method, path, auth]


def test_at_least_2400_cases_ran() -> None:
    if len(counted) == len(CASES):  # only meaningful when the whole module ran
        print(f"{sum(counted.values())} requests, statuses per operation: {answered}")
        assert sum(counted.values()) >= 2400, counted
