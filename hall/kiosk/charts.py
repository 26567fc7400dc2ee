"""Charts as SVG drawn on the server from plain data: status bands over a day, grouped bars
by hour, a heat grid of windows by day. No chart library and no script: each chart is an
`<svg role="img">` named by its `<title>` and `<desc>`, every mark has a `<title>` (the
browser's tooltip, a screen reader's text) and the figures that matter are written as text
beside the marks. Every word comes from the caller, already in the page's language; every
text and attribute is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup, escape

# The wall's status colours (static/css/wall.css), but `closed`: pale here, where the
# wall's dark slate would read as `unstaffed` (on the wall words tell the two apart).
STATUS_FILL = {
    "staffed": "#15803d",
    "away": "#f59e0b",
    "uncovered": "#dc2626",
    "covered": "#2563eb",
    "extended": "#7c3aed",
    "unstaffed": "#475569",
    "closed": "#e2e8f0",
}
STATUSES = tuple(STATUS_FILL)
INK, MUTED, RULE = "#0f172a", "#475569", "#cbd5e1"


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of one status, in minutes from the day's midnight."""

    start: float
    end: float
    status: str
    title: str


@dataclass(frozen=True, slots=True)
class BandRow:
    label: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Axis:
    """The minutes a chart spans, from the day's midnight, and its labelled ticks."""

    start: int
    end: int
    ticks: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Series:
    """One value per category: drawn as bars, or as ticks (a maximum over a bar)."""

    name: str
    colour: str
    values: tuple[float | None, ...]
    titles: tuple[str, ...]
    texts: tuple[str, ...]  # written over each mark ("" for none)
    kind: Literal["bar", "tick"] = "bar"


@dataclass(frozen=True, slots=True)
class Panel:
    label: str  # what the values count (the axis' name)
    series: tuple[Series, ...]


@dataclass(frozen=True, slots=True)
class Cell:
    value: float | None  # 0..1; None: nothing to show (the window was not open)
    text: str
    title: str


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _text(x: float, y: float, text: str, *, size: int = 13, anchor: str = "start",
          fill: str = INK, weight: str = "normal", css: str = "") -> str:  # fmt: skip
    cls = f' class="{escape(css)}"' if css else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}"'
        f' fill="{fill}" font-weight="{weight}"{cls}>{escape(text)}</text>'
    )


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str],
         data: str = "") -> Markup:  # fmt: skip
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img"'
        f' aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc"{data}>'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> list[str]:
    """Swatch and word per item, on one line from (x, y) (the line's middle)."""
    out = ['<g class="legend">']
    step = width / max(1, len(items))
    for n, (colour, word) in enumerate(items):
        left = x + n * step
        out.append(
            f'<rect x="{_num(left)}" y="{_num(y - 7)}" width="14" height="14" rx="2"'
            f' fill="{colour}" stroke="{MUTED}" stroke-width="0.5"/>'
        )
        out.append(_text(left + 20, y + 5, word, size=13))
    out.append("</g>")
    return out


# -- a band per window -----------------------------------------------------------------------


def status_bands(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[BandRow],
    axis: Axis,
    legend: Sequence[tuple[str, str]],
    marker: int | None = None,
) -> Markup:
    """One band per row, a rect per segment coloured by its status (`STATUS_FILL`), the
    axis' ticks below, the legend (status, word) above, and a line at `marker` (minutes)
    which the page moves: the svg's data-start/-end (minutes) and data-x0/-x1 (its x)."""
    width, label_w, row_h, gap, top = 1360, 210, 22, 6, 34
    x0, x1 = label_w, width - 24  # room for the last tick's label, centred on it
    span = max(1, axis.end - axis.start)

    def x(minute: float) -> float:
        return x0 + (min(max(minute, axis.start), axis.end) - axis.start) / span * (x1 - x0)

    height = top + len(rows) * (row_h + gap) + 30
    body = _legend([(STATUS_FILL[s], word) for s, word in legend], x0, 14, x1 - x0)
    axis_y = top + len(rows) * (row_h + gap)
    body.append(f'<g class="axis" stroke="{RULE}">')
    for minute, _ in axis.ticks:
        tx = x(minute)
        body.append(f'<line x1="{_num(tx)}" x2="{_num(tx)}" y1="{top - 4}" y2="{axis_y}"/>')
    body.append("</g>")
    for n, row in enumerate(rows):
        y = top + n * (row_h + gap)
        body.append(f'<g class="band" data-row="{n}">')
        body.append(_text(label_w - 10, y + row_h / 2 + 5, row.label, anchor="end"))
        for seg in row.segments:
            left, right = x(seg.start), x(seg.end)
            if right - left <= 0:
                continue
            fill = STATUS_FILL.get(seg.status, STATUS_FILL["closed"])
            body.append(
                f'<rect class="seg st-{escape(seg.status)}" x="{_num(left)}" y="{y}"'
                f' width="{_num(right - left)}" height="{row_h}" fill="{fill}">'
                f"{_title(seg.title)}</rect>"
            )
        body.append("</g>")
    for minute, label in axis.ticks:
        body.append(_text(x(minute), axis_y + 18, label, size=13, anchor="middle", fill=MUTED))
    if marker is not None:
        mx = _num(x(marker))
        body.append(
            f'<line class="marker" x1="{mx}" x2="{mx}" y1="{top - 6}" y2="{axis_y + 2}"'
            f' stroke="{INK}" stroke-width="3"/>'
        )
    data = (
        f' data-start="{axis.start}" data-end="{axis.end}"'
        f' data-x0="{_num(x0)}" data-x1="{_num(x1)}"'
    )
    return _svg(chart_id, width, height, title, desc, body, data)


# -- grouped bars by category ----------------------------------------------------------------


MIN_GROUPS = 8


def bars(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    panels: Sequence[Panel],
) -> Markup:
    """Panels stacked over shared categories (hours); in each, the bar series side by side
    per category, each value written over its bar, and tick series drawn across the group
    (e.g. the longest wait over the median)."""
    width, label_w, panel_h, top, gap = 640, 44, 150, 30, 44
    plot_w = width - label_w - 8
    # a short day (an hour or two) keeps bars of a day's width, centred, not half the chart
    group = plot_w / max(MIN_GROUPS, len(categories))
    x_left = label_w + (plot_w - group * len(categories)) / 2
    all_series = [s for p in panels for s in p.series]
    body = _legend([(s.colour, s.name) for s in all_series], label_w, 12, plot_w)
    y_top = top
    for panel in panels:
        values = [v for s in panel.series for v in s.values if v is not None]
        peak = max(values, default=0) or 1
        base = y_top + panel_h
        body.append(_text(label_w, y_top + 12, panel.label, size=13, fill=MUTED, weight="bold"))
        body.append(
            f'<line x1="{label_w}" x2="{width - 8}" y1="{base}" y2="{base}" stroke="{RULE}"/>'
        )
        bar_series = [s for s in panel.series if s.kind == "bar"]
        bar_w = (group - 8) / max(1, len(bar_series))
        inner_h = panel_h - 30  # room for the panel's name and the numbers over the bars
        for n in range(len(categories)):
            left = x_left + n * group + 4
            for k, s in enumerate(bar_series):
                value = s.values[n]
                if value is None:
                    continue
                h = value / peak * inner_h
                bx = left + k * bar_w
                body.append(
                    f'<rect class="bar" x="{_num(bx)}" y="{_num(base - h)}"'
                    f' width="{_num(bar_w - 2)}" height="{_num(h)}" fill="{s.colour}">'
                    f"{_title(s.titles[n])}</rect>"
                )
                if s.texts[n]:
                    body.append(_text(bx + (bar_w - 2) / 2, base - h - 4, s.texts[n],
                                      size=11, anchor="middle"))  # fmt: skip
            for s in panel.series:
                value = s.values[n]
                if s.kind != "tick" or value is None:
                    continue
                ty = base - value / peak * inner_h
                body.append(
                    f'<line class="tick" x1="{_num(left)}" x2="{_num(left + group - 8)}"'
                    f' y1="{_num(ty)}" y2="{_num(ty)}" stroke="{s.colour}" stroke-width="3">'
                    f"{_title(s.titles[n])}</line>"
                )
                if s.texts[n]:
                    body.append(_text(left + group - 8, ty - 4, s.texts[n], size=11,
                                      anchor="end"))  # fmt: skip
        y_top = base + gap
    for n, label in enumerate(categories):
        cx = x_left + n * group + group / 2
        body.append(_text(cx, y_top - gap + 18, label, size=12, anchor="middle", fill=MUTED))
    height = int(y_top - gap + 26)
    return _svg(chart_id, width, height, title, desc, body)


# -- a heat grid -----------------------------------------------------------------------------


def heat_grid(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Sequence[Cell]]],
    columns: Sequence[str],
) -> Markup:
    """A cell per row and column, the greener the higher its value (0..1), its text in it;
    a cell without a value is left blank."""
    label_w, cell_w, cell_h, top = 210, 44, 30, 26
    width = label_w + cell_w * max(1, len(columns)) + 8
    height = top + cell_h * len(rows) + 8
    body: list[str] = []
    for n, label in enumerate(columns):
        body.append(_text(label_w + n * cell_w + cell_w / 2, top - 8, label, size=12,
                          anchor="middle", fill=MUTED))  # fmt: skip
    for r, (label, cells) in enumerate(rows):
        y = top + r * cell_h
        body.append(_text(label_w - 10, y + cell_h / 2 + 5, label, anchor="end"))
        for n, cell in enumerate(cells):
            cx = label_w + n * cell_w
            fill, ink = _heat(cell.value)
            body.append(
                f'<rect class="cell" x="{cx + 1}" y="{y + 1}" width="{cell_w - 2}"'
                f' height="{cell_h - 2}" fill="{fill}">{_title(cell.title)}</rect>'
            )
            if cell.text:
                body.append(_text(cx + cell_w / 2, y + cell_h / 2 + 5, cell.text, size=12,
                                  anchor="middle", fill=ink))  # fmt: skip
    return _svg(chart_id, width, height, title, desc, body)


def _heat(value: float | None) -> tuple[str, str]:
    """(fill, text colour): from pale to a dark green, dark text on the pale part and white
    on the dark part; the middle of the scale, where neither text would pass 4.5:1, is
    skipped (values under 0.7 take the pale 0..0.65 of it, the others 0.75..1)."""
    if value is None:
        return "#f8fafc", MUTED
    v = min(1.0, max(0.0, value))
    dark = v >= 0.7
    at = 0.75 + (v - 0.7) / 0.3 * 0.25 if dark else v / 0.7 * 0.65
    low, high = (0xF0, 0xFD, 0xF4), (0x14, 0x53, 0x2D)
    rgb = tuple(round(a + (b - a) * at) for a, b in zip(low, high, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb), "#ffffff" if dark else INK
