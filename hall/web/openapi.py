"""`GET /api/openapi.json`, generated from the msgspec command and event types."""

from __future__ import annotations

from typing import Any

import msgspec

from hall.core import AnyCommand, AnyEvent

_REF = "#/components/schemas/{name}"


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF.format(name="Error")}}},
    }


def openapi_document(version: str) -> dict[str, Any]:
    (command, event), components = msgspec.json.schema_components(
        [AnyCommand, AnyEvent], ref_template=_REF
    )
    components["Command"] = command
    components["Event"] = event
    components["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    }
    components["Events"] = {
        "type": "object",
        "properties": {"events": {"type": "array", "items": {"$ref": _REF.format(name="Event")}}},
    }
    hall = {
        "name": "hall",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9-]+$"},
    }
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "hall", "version": version},
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/healthz": {
                "get": {
                    "responses": {
                        "200": {"description": "up"},
                        "503": {"description": "a part is down"},
                    }
                }
            },
            "/api/halls": {"get": {"responses": {"200": {"description": "the halls served"}}}},
            "/api/halls/{hall}/state": {
                "get": {
                    "parameters": [hall],
                    "responses": {
                        "200": {"description": "what the wall shows"},
                        "404": _error("unknown hall"),
                    },
                }
            },
            "/api/halls/{hall}/events": {
                "get": {
                    "security": bearer,
                    "parameters": [
                        hall,
                        {"name": "after", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": {"description": "events after `after`"},
                        "400": _error("bad parameter"),
                        "401": _error("no token"),
                        "403": _error("not allowed"),
                        "404": _error("unknown hall"),
                    },
                }
            },
            "/api/halls/{hall}/commands": {
                "post": {
                    "security": bearer,
                    "parameters": [hall],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": _REF.format(name="Command")}}
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "the events it caused",
                            "content": {
                                "application/json": {"schema": {"$ref": _REF.format(name="Events")}}
                            },
                        },
                        **{
                            str(s): _error(d)
                            for s, d in [
                                (400, "malformed"),
                                (401, "no or bad token"),
                                (403, "not allowed"),
                                (404, "unknown hall, window or service"),
                                (409, "refused by a rule"),
                                (413, "body over 16 KiB"),
                                (429, "too many"),
                                (503, "store unavailable"),
                            ]
                        },
                    },
                }
            },
            "/api/login": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["hall", "staff", "pin"],
                                    "properties": {
                                        "hall": {"type": "string"},
                                        "staff": {"type": "string"},
                                        "pin": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {"description": "a token and a session cookie"},
                        "400": _error("malformed"),
                        "401": _error("wrong staff or PIN"),
                        "404": _error("unknown hall"),
                        "429": _error("too many wrong PINs"),
                    },
                }
            },
        },
    }
