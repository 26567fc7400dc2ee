"""The server-drawn SVG charts (hall/kiosk/charts.py): well-formed XML, one mark per datum,
their titles and text labels there, every word escaped, no script."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hall.kiosk.charts import (
    STATUS_FILL,
    Axis,
    BandRow,
    Cell,
    Panel,
    Segment,
    Series,
    bars,
    heat_grid,
    status_bands,
)

SVG = "{http://www.w3.org/2000/svg}"
NASTY = 'Window <1> & "friends"'


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))  # raises on anything not well-formed
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert list(root.iter(f"{SVG}script")) == [] and "<script" not in str(markup)
    assert not any(k.startswith("on") for e in root.iter() for k in e.attrib)
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def titles(root: ET.Element, css: str) -> list[str]:
    return [
        (e.find(f"{SVG}title").text or "")  # type: ignore[union-attr]
        for e in root.iter()
        if css in (e.get("class") or "").split()
    ]


def test_status_bands_draw_a_rect_per_interval_with_its_status_colour() -> None:
    rows = [
        BandRow(
            NASTY,
            (
                Segment(420, 480, "closed", "07:00–08:00 closed"),
                Segment(480, 540, "staffed", "08:00–09:00 staffed"),
                Segment(540, 555, "uncovered", "09:00–09:15 <uncovered>"),
                Segment(555, 720, "covered", "09:15–12:00 covered"),
            ),
        ),
        BandRow("Window 2", (Segment(300, 1000, "unstaffed", "all day"),)),  # clipped to the axis
        BandRow("Window 3", (Segment(600, 600, "away", "an instant"),)),  # nothing to draw
    ]
    axis = Axis(420, 720, ((420, "07:00"), (480, "08:00"), (720, "12:00")))
    legend = [(s, f"word {s}") for s in STATUS_FILL]
    svg = status_bands("bands", "Windows & their day", "desc <d>", rows, axis, legend, marker=500)
    root = parse(svg)
    segs = [e for e in root.iter(f"{SVG}rect") if "seg" in (e.get("class") or "").split()]
    assert len(segs) == 5
    assert [s.get("fill") for s in segs[:4]] == [
        STATUS_FILL[k] for k in ("closed", "staffed", "uncovered", "covered")
    ]
    assert "09:00–09:15 <uncovered>" in titles(root, "seg")  # escaped in, read back whole
    widths = [float(s.get("width") or 0) for s in segs]
    assert abs(sum(widths[:4]) - widths[4]) < 0.01  # both rows span the whole axis
    assert {NASTY, "Window 2", "Window 3", "07:00", "08:00", "12:00"} <= set(texts(root))
    assert all(f"word {s}" in texts(root) for s in STATUS_FILL)
    assert root.find(f"{SVG}title").text == "Windows & their day"  # type: ignore[union-attr]
    (marker,) = [e for e in root.iter(f"{SVG}line") if e.get("class") == "marker"]
    x0, x1 = float(root.get("data-x0") or 0), float(root.get("data-x1") or 0)
    assert float(marker.get("x1") or 0) == round(x0 + (500 - 420) / 300 * (x1 - x0), 1)
    assert (root.get("data-start"), root.get("data-end")) == ("420", "720")
    assert (
        "&lt;1&gt; &amp; &quot;friends&quot;" in svg or "&lt;1&gt; &amp; &#34;friends&#34;" in svg
    )


def test_bars_draw_a_bar_per_value_and_a_tick_per_maximum() -> None:
    hours = ["08", "09", "10"]
    residents = Series("Came", "#2563eb", (4, 0, 7), ("8h: 4", "9h: 0", "10h: 7"), ("4", "", "7"))
    waiting = Series("Most waiting", "#b45309", (2, None, 5), ("a", "b", "c"), ("2", "", "5"))
    p50 = Series("Median wait", "#7c3aed", (12.5, None, 30), ("x", "y", "z"), ("13", "", "30"))
    longest = Series(
        "Longest", "#0f172a", (40, None, 61), ("m", "n", "o"), ("40", "", "61"), "tick"
    )
    svg = bars(
        "hours",
        "By hour",
        "Residents and waits",
        hours,
        [Panel("people", (residents, waiting)), Panel("minutes", (p50, longest))],
    )
    root = parse(svg)
    assert len(titles(root, "bar")) == 3 + 2 + 2  # a None draws nothing
    assert titles(root, "tick") == ["m", "o"]
    assert {"08", "09", "10", "people", "minutes", "4", "7", "61", "Came", "Longest"} <= set(
        texts(root)
    )
    bar_heights = {
        e.find(f"{SVG}title").text: float(e.get("height") or 0)  # type: ignore[union-attr]
        for e in root.iter(f"{SVG}rect")
        if e.get("class") == "bar"
    }
    assert bar_heights["10h: 7"] > bar_heights["8h: 4"] > bar_heights["9h: 0"] == 0


def test_bars_of_a_short_day_keep_a_days_width_and_are_centred() -> None:
    came = Series("Came", "#2563eb", (3,), ("8h: 3",), ("3",))
    root = parse(bars("hours", "By hour", "Residents", ["08"], [Panel("people", (came,))]))
    (bar,) = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "bar"]
    width = float(root.get("viewBox", "0 0 0 0").split()[2])
    left, bar_w = float(bar.get("x") or 0), float(bar.get("width") or 0)
    assert bar_w < width / 8  # one hour is not drawn half the chart wide
    assert abs((left + bar_w / 2) - width / 2) < width / 10  # but in the middle of it


def test_heat_grid_writes_each_value_and_keeps_its_text_readable() -> None:
    cells = [Cell(v, f"{v:.0%}" if v is not None else "", f"t{n}") for n, v in
             enumerate([0.0, 0.5, 0.69, 0.7, 1.0, None])]  # fmt: skip
    svg = heat_grid("grid", "Occupancy", "by day", [(NASTY, cells)], [str(d) for d in range(6)])
    root = parse(svg)
    rects = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "cell"]
    assert len(rects) == 6
    assert {"0%", "50%", "69%", "70%", "100%", NASTY} <= set(texts(root))
    inks = {t.text: t.get("fill") for t in root.iter(f"{SVG}text") if t.text and "%" in t.text}
    for text, ink in inks.items():
        fill = next(r.get("fill") for r, c in zip(rects, cells, strict=True) if c.text == text)
        assert contrast(ink or "", fill or "") >= 4.5, (text, ink, fill)


def contrast(a: str, b: str) -> float:
    def lum(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
