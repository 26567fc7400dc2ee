"""The HTTP edge's own check beyond who is calling (`hall.live.gate`): the CSRF header a
cookie session must send."""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection

from hall.core.errors import Forbidden
from hall.live.gate import Principal

CSRF_HEADER = "x-hall-csrf"


def check_csrf(conn: HTTPConnection, principal: Principal) -> None:
    """A cookie rides along on any request the browser makes; a custom header only on ours."""
    if not principal.via_cookie:
        return
    sent = conn.headers.get(CSRF_HEADER, "")
    if not principal.csrf or not hmac.compare_digest(sent.encode(), principal.csrf.encode()):
        raise Forbidden("missing or wrong X-Hall-CSRF header for a cookie session")
