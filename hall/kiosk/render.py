"""Pages and live fragments from one set of templates.

Each context lists its live parts (`ctx.parts()`): an element id and the partial that
renders it. `fragments` renders each part once; `page` renders the same parts and lays
them out, so a fragment sent later replaces exactly the element the page holds. `render`
also keeps each live list's items apart, for frames that change a list item by item
(`hall.kiosk.frames`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from hall.kiosk.contexts import PageContext
from hall.kiosk.labels import Labeller
from hall.kiosk.page import Part
from hall.kiosk.paths import templates_dir

PAGES: tuple[str, ...] = ("wall", "tablet", "kiosk", "director", "ticket", "login", "kiosk_setup")
PAGES += ("kiosk_check",)  # the kiosk's self-check
PAGES += ("me",)  # the duty page
PAGES += ("rating", "display", "device_setup")  # the counter devices
PAGES += ("replay", "replay_wall")  # the day replay and its still wall
PAGES += ("overview",)  # the district's
PAGES += ("records", "records_staff", "records_services")  # the records pages
# The last render per element id: ((template, language, bilingual), values, HTML); a live
# list's items under "<list id> <item id>".
Memo = dict[str, tuple[tuple[str, str, bool], Mapping[str, Any], str]]
ITEMS = Markup("\x00")  # where a live list's container places its items, until joined


@dataclass(frozen=True, slots=True)
class LiveList:
    """A live list as rendered: its container and its items, apart."""

    shell: str  # the container's HTML, ITEMS where its items go
    items: tuple[tuple[str, str], ...]  # (element id, HTML), in page order
    keep: int  # the page shows the first `keep` items


@dataclass(frozen=True, slots=True)
class Rendered:
    """A view's fragments (element id -> HTML, in page order; a live list whole, items and
    all), and its live lists apart."""

    fragments: dict[str, str] = field(default_factory=dict)
    lists: dict[str, LiveList] = field(default_factory=dict)


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
        """Element id -> HTML of that live fragment, its root carrying the id, in page
        order. `name` is the page (see PAGES).

        `memo` (kept by the caller between renders of one view) skips the parts whose
        values equal the last render's: a fragment is a function of its template, its
        values and the labels' language."""
        return self.render(name, ctx, memo).fragments

    def render(self, name: str, ctx: PageContext, memo: Memo | None = None) -> Rendered:
        """The fragments, and each live list's container and items apart."""
        self._check(name)
        out: dict[str, str] = {}
        lists: dict[str, LiveList] = {}
        labels = ctx.labels
        for part in ctx.parts():
            if part.items is None:
                out[part.id] = self._part(part, part.id, labels, memo)
            else:
                out[part.id], lists[part.id] = self._list(part, labels, memo)
        return Rendered(out, lists)

    def _list(self, part: Part, labels: Labeller, memo: Memo | None) -> tuple[str, LiveList]:
        """A live list, whole and apart. In `memo`: the container under "<id> ", each item
        under "<id> <item id>" (those that left the list are forgotten), the whole under
        its id."""
        prefix = part.id + " "
        shell = self._part(part, prefix, labels, memo, items=ITEMS)
        if shell.count(ITEMS) != 1:
            raise ValueError(f"{part.template} must place its `items` once")
        items = tuple(
            (item.id, self._part(item, prefix + item.id, labels, memo)) for item in part.items or ()
        )
        live = LiveList(shell, items, part.keep)
        if memo is None:
            return shell.replace(ITEMS, "".join(html for _, html in items)), live
        shown = {prefix, *(prefix + item_id for item_id, _ in items)}
        for gone in [k for k in memo if k.startswith(prefix) and k not in shown]:
            del memo[gone]
        parts = {"shell": shell, "items": items}
        last = memo.get(part.id)
        if last is not None and last[1] == parts:
            return last[2], live
        whole = shell.replace(ITEMS, "".join(html for _, html in items))
        memo[part.id] = ((part.template, labels.lang, labels.bilingual), parts, whole)
        return whole, live

    def _part(
        self, part: Part, memo_key: str, labels: Labeller, memo: Memo | None, **extra: Any
    ) -> str:
        key = (part.template, labels.lang, labels.bilingual)
        last = memo.get(memo_key) if memo is not None else None
        if last is not None and last[0] == key and last[1] == part.values:
            return last[2]
        template = self.env.get_template(part.template)
        html = template.render({"L": labels, "part_id": part.id, **part.values, **extra}).strip()
        if memo is not None:
            memo[memo_key] = (key, part.values, html)
        return html

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
