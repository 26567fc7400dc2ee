"""Every HTTP route of a hub, in one list (`hall.app` mounts it, `hall.web.openapi` checks
the JSON API against it)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from hall.web import api, overview, pages, record_pages, records, replay

routes: list[BaseRoute] = [
    *api.routes,
    *records.routes,
    *replay.routes,
    *record_pages.routes,
    *pages.routes,
    *overview.routes,
]
