"""The OpenAPI document is made from the app's routes and cannot drift from them."""

from __future__ import annotations

from pathlib import Path

from hall.app import create_app
from hall.settings import Settings
from hall.web.openapi import OPERATIONS, json_routes, openapi_document

from .day import HALL


def test_every_json_route_is_described_and_every_description_has_its_route() -> None:
    app = create_app(Settings(config=Path("unused"), redis_url="redis://unused"), {"test": HALL})
    routes = json_routes(app.routes)
    assert routes == set(OPERATIONS)
    doc = openapi_document("1", app.routes, ["test"])
    described = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert described == routes
    assert doc["paths"]["/api/halls/{hall}/commands"]["post"]["security"][1] == {
        "session": [],
        "csrf": [],
    }
