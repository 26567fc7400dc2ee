"""How the pages answer: HTML that is never cached, in the language the visitor chose (and
remembered in a cookie for the next page and the view socket)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hall.i18n import normalize_lang
from hall.live.gate import LANG_COOKIE

YEAR = 365 * 86400


def lang_of(request: Request) -> str:
    return normalize_lang(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))


def html(request: Request, body: str, status: int = 200) -> Response:
    response = HTMLResponse(body, status_code=status)
    response.headers["cache-control"] = "no-store"
    if "lang" in request.query_params:
        response.set_cookie(LANG_COOKIE, lang_of(request), max_age=YEAR, samesite="lax")
    return response
