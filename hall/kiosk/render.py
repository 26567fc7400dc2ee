"""Pages and live fragments from one set of templates.

Each context lists its live parts (`ctx.parts()`): an element id and the partial that
renders it. `fragments` renders each part once; `page` renders the same parts and lays
them out, so a fragment sent later replaces exactly the element the page holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from hall.kiosk.contexts import PageContext
from hall.kiosk.paths import templates_dir

PAGES: tuple[str, ...] = ("wall", "tablet", "kiosk", "director", "ticket", "login", "kiosk_setup")
PAGES += ("kiosk_check",)  # the kiosk's self-check
PAGES += ("me",)  # the duty page
PAGES += ("rating", "display", "device_setup")  # the counter devices
PAGES += ("overview",)  # the district's
# The last render per element id: ((template, language, bilingual), values, HTML).
Memo = dict[str, tuple[tuple[str, str, bool], Mapping[str, Any], str]]


def make_environment(folder: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder or templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["attrjson"] = _attr_json
    return env


class Renderer:
    """Thread-safe and cheap to share: build one per process."""

    def __init__(
        self,
        env: jinja2.Environment | None = None,
        static_url: str = "/static",
        clock_rate: float = 1.0,
    ) -> None:
        """`clock_rate`: simulated seconds per real second of the hub's clock (the demo's
        speed; 1 otherwise): the page script's clock runs that much faster."""
        self.env = env or make_environment()
        self.static_url = static_url.rstrip("/")
        self.clock_rate = f"{clock_rate:g}"

    def fragments(self, name: str, ctx: PageContext, memo: Memo | None = None) -> dict[str, str]:
        """Element id -> HTML of that live fragment, its root carrying the id and
        `hx-swap-oob="true"`, in page order. `name` is the page (see PAGES).

        `memo` (kept by the caller between renders of one view) skips the parts whose
        values equal the last render's: a fragment is a function of its template, its
        values and the labels' language."""
        self._check(name)
        out: dict[str, str] = {}
        labels = ctx.labels
        for part in ctx.parts():
            key = (part.template, labels.lang, labels.bilingual)
            last = memo.get(part.id) if memo is not None else None
            if last is not None and last[0] == key and last[1] == part.values:
                out[part.id] = last[2]
                continue
            template = self.env.get_template(part.template)
            html = template.render({"L": ctx.labels, "part_id": part.id, **part.values}).strip()
            out[part.id] = html
            if memo is not None:
                memo[part.id] = (key, part.values, html)
        return out

    def page(
        self, name: str, ctx: PageContext, *, csrf: str = "", ws_token: str = "", viewer: str = ""
    ) -> str:
        """The full HTML page. `csrf` fills `<meta name="csrf-token">` (pages that post
        commands or forms); `ws_token` is added to the view socket as `?token=`; `viewer`
        (the staff id of who holds the page) lets its script pick their own cover needs."""
        self._check(name)
        frags = {k: Markup(v) for k, v in self.fragments(name, ctx).items()}
        ws_url = ctx.page.ws_url
        lang_href = ctx.page.lang_href
        if ws_token:  # a device's page: its token stays in its addresses
            token = quote(ws_token, safe="")
            if ws_url:
                ws_url = f"{ws_url}{'&' if '?' in ws_url else '?'}token={token}"
            lang_href = f"{lang_href}&token={token}"
        template = self.env.get_template(f"{name}.html")
        return template.render(
            ctx=ctx,
            page=ctx.page,
            L=ctx.labels,
            frag=frags,
            csrf=csrf,
            viewer=viewer,
            device_token=ws_token,
            lang_href=lang_href,
            ws_url=ws_url,
            static=self.static_url,
            clock_rate=self.clock_rate,
            strings_json=_script_json(dict(ctx.page.strings)),
        )

    def _check(self, name: str) -> None:
        if name not in PAGES:
            raise ValueError(f"unknown page {name!r}; one of {', '.join(PAGES)}")


def _attr_json(value: Any) -> Markup:
    """JSON for a single-quoted attribute (data-args='{...}'); escapes < > & '."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for raw, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        text = text.replace(raw, esc)
    return Markup(text)


def _script_json(value: dict[str, str]) -> Markup:
    """JSON for a `<script type="application/json">` block."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
