"""`GET /api/openapi.json`: made from the app's routes, each described by one entry of
`OPERATIONS`, with the command and event schemas generated from the msgspec types. A JSON
route without its entry (or an entry without its route) fails the build of the document,
and a test: the document cannot drift from the routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from starlette.routing import BaseRoute, Route

from hall.core import AnyCommand, AnyEvent
from hall.core.model import RATING_REASONS
from hall.records.reports import Attendance, ServiceReport, StaffMonth, TicketReport

_REF = "#/components/schemas/{name}"
JSON_PREFIXES = ("/api/", "/healthz", "/metrics")

Operation = dict[str, Any]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(name=name)}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _errors(*pairs: tuple[int, str]) -> dict[str, Any]:
    return {str(status): _error(text) for status, text in pairs}


HALL = {"$ref": "#/components/parameters/hall"}  # its schema lists the halls this hub serves
AFTER = {
    "name": "after",
    "in": "query",
    "schema": {"type": "string", "pattern": "^[0-9]+(-[0-9]+)?$"},
}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}}
DAY = {
    "name": "day",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "date"},
}
NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
STAFF: list[dict[str, list[str]]] = [
    {"bearer": []},
    {"session": [], "csrf": []},
]  # a token, or the cookie with its CSRF
READER: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
MONTH = {
    "name": "month",
    "in": "query",
    "description": "YYYY-MM; default: this month in the hall's time zone",
    "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
}
FROM = {
    "name": "from",
    "in": "query",
    "description": "the first day (default: today)",
    "schema": {"type": "string", "format": "date"},
}
UNTIL = {
    "name": "until",
    "in": "query",
    "description": "the last day, inclusive (default: `from`); at most 366 days in all",
    "schema": {"type": "string", "format": "date"},
}
STAFF_ID = {"name": "staff", "in": "path", "required": True, "schema": {"type": "string"}}
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _records(
    description: str, parameters: list[dict[str, Any]], media: str, schema: str | None = None
) -> Operation:
    """A records read: director and admin (a clerk: their own), 503 without its database."""
    content: dict[str, Any] = {media: {"schema": _ref(schema)} if schema else {}}
    return {
        "parameters": [HALL, *parameters],
        "security": READER,
        "responses": {
            "200": {"description": description, "content": content},
            **_errors(
                (400, "bad month, date or range"),
                (401, "no token"),
                (403, "not the director's, nor the clerk's own"),
                (404, "hall (or staff)"),
                (503, "records database unavailable"),
            ),
        },
    }


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/healthz"): {
        "responses": {"200": {"description": "up"}, "503": {"description": "a part is down"}}
    },
    ("GET", "/metrics"): {"responses": {"200": {"description": "Prometheus text"}}},
    ("GET", "/api/openapi.json"): {"responses": {"200": {"description": "this document"}}},
    ("GET", "/api/halls"): {"responses": {"200": {"description": "the halls served"}}},
    ("GET", "/api/halls/{hall}/state"): {
        "parameters": [HALL],
        "security": [{}, *READER],
        "responses": {
            "200": {"description": "what the wall shows"},
            **_errors((404, "hall"), (429, "hub busy"), (503, "store unavailable")),
        },
    },
    ("GET", "/api/halls/{hall}/events"): {
        "parameters": [HALL, AFTER, LIMIT],
        "security": READER,
        "responses": {
            "200": {"description": "events after `after`"},
            **_errors(
                (400, "bad parameter"),
                (401, "no token"),
                (403, "not allowed"),
                (404, "hall"),
                (429, "hub busy"),
                (503, "store unavailable"),
            ),
        },
    },
    ("POST", "/api/halls/{hall}/commands"): {
        "parameters": [HALL],
        "security": STAFF,
        "requestBody": _json_body(_ref("Command")),
        "responses": {
            "200": {
                "description": "the events it caused",
                "content": {"application/json": {"schema": _ref("Events")}},
            },
            **_errors(
                (400, "malformed"),
                (401, "no or bad token"),
                (403, "not allowed"),
                (404, "unknown hall, window or service"),
                (409, "refused by a rule"),
                (413, "body over 16 KiB"),
                (429, "too many"),
                (503, "store unavailable"),
            ),
        },
    },
    ("POST", "/api/halls/{hall}/tickets/{day}/{number}/rating"): {
        "parameters": [HALL, DAY, NUMBER],
        "requestBody": _json_body(_ref("TicketRating")),
        "responses": {
            "200": {"description": "the rating", "content": {"application/json": {}}},
            **_errors(
                (400, "malformed"),
                (403, "not the ticket's key"),
                (404, "hall"),
                (409, "nothing to rate"),
                (413, "body over 16 KiB"),
                (429, "too many"),
                (503, "store unavailable"),
            ),
        },
    },
    ("GET", "/api/halls/{hall}/records/replay"): {
        "summary": "the hall as it was at a past moment (day replay), from the records",
        "parameters": [
            HALL,
            {
                "name": "at",
                "in": "query",
                "required": True,
                "description": "ISO 8601 with its UTC offset, not in the future",
                "schema": {"type": "string", "format": "date-time"},
            },
        ],
        "security": READER,
        "responses": {
            "200": {"description": "the state then, in the shape of GET .../state (detail)"},
            **_errors(
                (400, "`at` missing, malformed, without offset or in the future"),
                (401, "no token"),
                (403, "not the director or the admin"),
                (404, "hall"),
                (503, "records database unavailable"),
            ),
        },
    },
    ("POST", "/api/login"): {
        "requestBody": _json_body(_ref("Login")),
        "responses": {
            "200": {"description": "a token and a session cookie"},
            **_errors(
                (400, "malformed"),
                (401, "wrong staff or PIN"),
                (404, "unknown hall"),
                (413, "body over 16 KiB"),
                (429, "too many PIN checks"),
                (503, "store unavailable"),
            ),
        },
    },
}


def _record_operations() -> dict[tuple[str, str], Operation]:
    """The records API (`hall.web.records`): three reports as JSON, two of them also as CSV
    and XLSX, and a clerk's month."""
    base = "/api/halls/{hall}/records"
    reports = {
        "attendance": ("the month's attendance sheet", [MONTH], "Attendance"),
        "services": ("each service's figures over the range, and per day", [FROM, UNTIL], ""),
        "tickets": ("every ticket of the range", [FROM, UNTIL], "TicketReport"),
    }
    out: dict[tuple[str, str], Operation] = {}
    for name, (what, parameters, schema) in reports.items():
        json = _records(what, parameters, "application/json", schema or "ServiceReport")
        out[("GET", f"{base}/{name}")] = json
        if name == "services":
            continue
        for kind, media in (("csv", CSV), ("xlsx", XLSX)):
            out[("GET", f"{base}/{name}.{kind}")] = _records(f"{what}, {kind}", parameters, media)
    out[("GET", f"{base}/staff/{{staff}}")] = _records(
        "a clerk's month: their row, their days, every record with its evidence and appeal",
        [STAFF_ID, MONTH],
        "application/json",
        "StaffMonth",
    )
    return out


OPERATIONS.update(_record_operations())


def _components() -> dict[str, Any]:
    (command, event, *_), schemas = msgspec.json.schema_components(
        [AnyCommand, AnyEvent, Attendance, ServiceReport, StaffMonth, TicketReport],
        ref_template=_REF,
    )
    strings = {"type": "string"}
    schemas["Command"] = command
    schemas["Event"] = event
    schemas["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": strings, "message": strings},
    }
    schemas["Events"] = {
        "type": "object",
        "properties": {"events": {"type": "array", "items": _ref("Event")}},
    }
    schemas["Login"] = {
        "type": "object",
        "required": ["hall", "staff", "pin"],
        "properties": {"hall": strings, "staff": strings, "pin": strings},
        "additionalProperties": False,
    }
    schemas["TicketRating"] = {
        "type": "object",
        "required": ["key", "window", "score"],
        "properties": {
            "key": strings,
            "window": {"type": "integer", "minimum": 1, "maximum": 999},
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "id": {"type": "string", "minLength": 1, "maxLength": 128},
            "reasons": {
                "type": "array",
                "items": {"enum": list(RATING_REASONS)},
                "maxItems": len(RATING_REASONS),
                "uniqueItems": True,
                "description": "why, with a score of 1 or 2 only",
            },
        },
        "additionalProperties": False,
    }
    return schemas


def json_routes(routes: Sequence[BaseRoute]) -> set[tuple[str, str]]:
    """(method, path) of every JSON route of the app."""
    return {
        (method, route.path)
        for route in routes
        if isinstance(route, Route) and route.path.startswith(JSON_PREFIXES)
        for method in route.methods or ()
        if method != "HEAD"
    }


def openapi_document(
    version: str, routes: Sequence[BaseRoute], halls: Sequence[str]
) -> dict[str, Any]:
    paths: dict[str, dict[str, Operation]] = {}
    for method, path in sorted(json_routes(routes)):
        paths.setdefault(path, {})[method.lower()] = OPERATIONS[(method, path)]
    return {
        "openapi": "3.1.0",
        "info": {"title": "hall", "version": version},
        "components": {
            "schemas": _components(),
            "parameters": {
                "hall": {
                    "name": "hall",
                    "in": "path",
                    "required": True,
                    "description": "a hall this hub serves (any other: 404 `unknown_hall`)",
                    "schema": {"type": "string", "enum": sorted(halls)},
                }
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "hall_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-Hall-CSRF"},
            },
        },
        "paths": paths,
    }
