"""Names from the hall file are data, never markup: a hall, its windows, services and staff
named with script, attribute-breaking and template payloads render escaped on every page
(wall, tablet, kiosk, director, ticket, login, kiosk set-up) and in every live fragment,
through a real hub, in both languages, with events that put the names into sentences
(calls, transfers, cover requests, escalations, absences, ratings)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from hall.store.embedded import EmbeddedRedis
from tests.support.hubs import ADMIN, Hub, hubs
from tests.support.wait import wait_for

pytestmark = pytest.mark.timeout(90)

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "{{7*7}}",
)
# What must never reach a page as is: an element, a way out of an attribute or a script block.
RAW = ("<script>alert", "alert(1)</script>", "<img src=x", '"><img', "'><svg", "<svg onload")


def hostile(tag: str) -> str:
    """`Q<tag>Q<payloads>Q<tag>Q`: the tags find where a name landed; the template payload sits
    just before the closing tag, so `{{7*7}}` evaluated would read `49Q<tag>Q`."""
    return f"Q{tag}Q" + "".join(PAYLOADS) + f"Q{tag}Q"


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string here


STAFF = ("a1", "b1", "a2", "b2", "a3", "b3")


def hall_file() -> str:
    windows = "\n".join(
        f"[[windows]]\nnumber = {n}\nname = {toml_string(hostile(f'W{n}'))}\n"
        f'services = {svc}\na = "a{n}"\nb = "b{n}"\n'
        for n, svc in ((1, '["A"]'), (2, '["A", "B"]'), (3, '["B"]'))
    )
    staff = "\n".join(
        f'[[staff]]\nid = "{s}"\nname = {toml_string(hostile("N" + s))}\n'
        f'title = {toml_string(hostile("T" + s))}\nrole = "clerk"\n'
        for s in STAFF
    )
    return f"""
id = "t"
name = {toml_string(hostile("HALL"))}
timezone = "Asia/Shanghai"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
[rules]
cover_after = "1s"
escalate_after = "1s"
[hours.all]
sessions = ["00:00:00-23:59:59"]
[[services]]
code = "A"
name = {toml_string(hostile("SA"))}
[[services]]
code = "B"
name = {toml_string(hostile("SB"))}
{windows}
{staff}
[[staff]]
id = "boss"
name = {toml_string(hostile("Nboss"))}
role = "director"
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    tmp: Path = tmp_path_factory.mktemp("escaping")
    with EmbeddedRedis(tmp / "redis") as redis, hubs(redis.url, tmp, 1, hall_file()) as (h,):
        yield h


def send(c: httpx.Client, **body: Any) -> httpx.Response:
    r = c.post("/api/halls/t/commands", json=body)
    assert r.status_code == 200, r.text
    return r


def drain(ws: ClientConnection, into: list[str], quiet: float = 0.3) -> None:
    while True:
        try:
            into.append(str(ws.recv(timeout=quiet)))
        except TimeoutError:
            return


def a_day(c: httpx.Client) -> None:
    """Events that put every name into a sentence somewhere."""
    for n in (1, 2, 3):
        for post in ("A", "B"):
            send(c, type="presence.set", window=n, post=post, state="present")
    for service, priority in (("A", False), ("A", True), ("B", False), ("A", False)):
        send(c, type="ticket.issue", service=service, priority=priority)
    send(c, type="ticket.call", window=1)
    send(c, type="ticket.recall", window=1)
    send(c, type="ticket.finish", window=1)
    send(c, type="rating.give", window=1, score=5)
    send(c, type="ticket.call", window=2)
    send(c, type="ticket.transfer", window=2, to_window=3)
    send(c, type="ticket.call", window=3)
    send(c, type="presence.set", window=1, post="A", state="away", reason="meeting")
    send(c, type="presence.set", window=2, post="A", state="away", reason="field")

    def escalated() -> bool:
        state = c.get("/api/halls/t/state").json()
        return all(w["status"] == "uncovered" for w in state["windows"][:2])

    wait_for(escalated, 10, "windows 1 and 2 uncovered")
    time.sleep(1.2)  # past escalate_after: the director's alert names the staff
    send(c, type="cover.start", window=1)
    send(c, type="presence.set", window=1, post="A", state="present")  # a late absence
    send(c, type="ticket.call", window=2)


@pytest.fixture(scope="module")
def rendered(hub: Hub) -> list[tuple[str, str]]:
    """(what, body) of every page and live frame."""
    out: list[tuple[str, str]] = []
    frames: dict[str, list[str]] = {}
    with ExitStack() as stack:

        def follow(name: str, token: str | None = None) -> ClientConnection:
            url = f"{hub.ws}/ws/halls/t/view/{name}" + (f"?token={token}" if token else "")
            frames[name.split("-")[0] if name.startswith("ticket-") else name] = []
            return stack.enter_context(connect(url, open_timeout=5, max_size=None))

        sockets = {
            "wall": follow("wall"),
            "director": follow("director", ADMIN),
            "window-1": follow("window-1", ADMIN),
            "window-3": follow("window-3", ADMIN),
        }
        with hub.client() as c:
            number = send(c, type="ticket.issue", service="B").json()["events"][-1]["ticket"]
            sockets["ticket"] = follow(f"ticket-{number['number']}")
            a_day(c)
        for name, ws in sockets.items():
            drain(ws, frames[name])
    for name, got in frames.items():
        assert len(got) >= 2, f"view {name}: no live update came"
        out += [(f"view {name} frame {i}", text) for i, text in enumerate(got)]

    tickets = [t["number"] for t in httpx.get(f"{hub.url}/api/halls/t/state").json()["queue"]]
    pages = ["/halls/t/wall", "/halls/t/kiosk", "/login", "/login?next=/halls/t/director"]
    pages += [f"/halls/t/windows/{n}?token={ADMIN}" for n in (1, 2, 3)]
    pages += [f"/halls/t/director?token={ADMIN}", f"/halls/t/kiosk?token={ADMIN}"]
    pages += [f"/halls/t/kiosk?token={ADMIN}&check=1"]  # the kiosk's self-check
    pages += [f"/halls/t/tickets/{n}" for n in [*tickets, number["number"]]]
    # the records pages: every clerk's name on the sheet, a1's month (its records' sentences)
    with hub.client() as c:
        wait_for(lambda: c.get("/healthz").json()["archive"]["lag_seconds"] == 0, 10, "archived")
    pages += [f"/halls/t/records{q}?token={ADMIN}" for q in ("", "/staff/a1", "/services")]
    with httpx.Client(base_url=hub.url, timeout=10, follow_redirects=True) as c:
        for lang in ("zh", "en"):
            for path in pages:
                sep = "&" if "?" in path else "?"
                r = c.get(f"{path}{sep}lang={lang}")
                assert r.status_code in (200, 401), (path, r.status_code)
                out.append((f"GET {path} ({lang})", r.text))
            form = {"hall": "t", "staff": "a1", "pin": "0000", "next": "/halls/t/windows/1"}
            r = c.post(f"/login?lang={lang}", data=form)  # no PIN set: the form again, an error
            assert r.status_code == 401
            out.append((f"POST /login ({lang})", r.text))
    return out


def test_no_payload_reaches_a_page_unescaped(rendered: list[tuple[str, str]]) -> None:
    bad = [(what, raw) for what, body in rendered for raw in RAW if raw in body]
    assert not bad, bad[:5]


def test_template_syntax_in_names_is_not_evaluated(rendered: list[tuple[str, str]]) -> None:
    for what, body in rendered:
        assert not re.search(r"49Q\w+Q", body), what
        for m in re.finditer(r"7\*7", body):  # str.format would have eaten a pair of braces
            assert body[m.start() - 2 : m.end() + 2] == "{{7*7}}", (what, body[m.start() - 20 :])


def test_every_name_was_rendered_somewhere(rendered: list[tuple[str, str]]) -> None:
    """The checks above mean something only if the names reached the pages."""
    tags = ["HALL", "SA", "SB", "W1", "W2", "W3", "Nboss"] + [f"N{s}" for s in STAFF]
    tags += [f"T{s}" for s in STAFF]
    everything = "\n".join(body for _, body in rendered)
    missing = [tag for tag in tags if f"Q{tag}Q" not in everything]
    assert not missing
    by_page = {what: body for what, body in rendered}
    assert "QHALLQ" in by_page["GET /halls/t/wall (zh)"]
    assert "QW1Q" in by_page["GET /halls/t/wall (en)"]
    assert "QNa1Q" in by_page[f"GET /halls/t/windows/1?token={ADMIN} (zh)"]
    assert "QSAQ" in by_page[f"GET /halls/t/kiosk?token={ADMIN} (en)"]
    assert "QHALLQ" in by_page["GET /halls/t/kiosk (zh)"]  # the 401 set-up page
    assert "QHALLQ" in by_page[f"GET /halls/t/kiosk?token={ADMIN}&check=1 (zh)"]
    assert "QTb3Q" in by_page["GET /login (en)"]
    # escaped, not dropped: the payload's text is there in an escaped form
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in by_page["GET /halls/t/wall (zh)"]
