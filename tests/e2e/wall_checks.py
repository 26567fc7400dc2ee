"""What the wall's tests measure in the browser: every text's size, colour contrast and box,
and which elements overflow or leave the screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

# Sizes as on a 1080p wall (a 720p wall is the same layout, scaled by 2/3).
MEASURE = """() => {
  const scale = window.innerHeight / 1080;
  const shown = (el) => {
    if (el.closest("[hidden]")) return false;
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ground = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const name = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim() : "";
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (classes ? "." + classes.split(/\\s+/).join(".") : "");
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || el.closest("script, style") || !shown(el)) continue;
    const s = getComputedStyle(el);
    const pair = [lum(rgb(s.color)), lum(ground(el))].sort((a, b) => b - a);
    texts.push({
      text: text.slice(0, 60), where: name(el), px: parseFloat(s.fontSize) / scale,
      legend: !!el.closest("[data-legend]"), ticket: !!el.closest(".wt-ticket"),
      name: !!el.closest(".wt-clerk"), contrast: (pair[0] + 0.05) / (pair[1] + 0.05)
    });
  }
  const overflowing = [];
  const outside = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("script, style") || !shown(el)) continue;
    const s = getComputedStyle(el);
    // Wider than its box: cut or spilling. Taller: only where it clips (a tile, the page);
    // a glyph taller than its line (line-height 1) is no cut.
    const clips = s.overflowY !== "visible";
    if (s.display !== "inline" &&
        (el.scrollWidth > el.clientWidth + 1 || (clips && el.scrollHeight > el.clientHeight + 1))) {
      const sizes = `${el.scrollWidth}x${el.scrollHeight} > ${el.clientWidth}x${el.clientHeight}`;
      overflowing.push(`${name(el)} ${sizes}`);
    }
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1) {
      outside.push(name(el));
    }
  }
  const list = document.getElementById("recent-calls").getBoundingClientRect();
  const rows = [...document.querySelectorAll("#recent-calls li")].map((li) => {
    const r = li.getBoundingClientRect();
    return r.top >= list.top - 1 && r.bottom <= list.bottom + 1 && r.left >= list.left - 1 &&
      r.right <= list.right + 1;
  });
  return {texts, overflowing, outside, rows};
}"""


@dataclass
class Layout:
    texts: list[dict[str, Any]]
    overflowing: list[str]
    outside: list[str]
    rows: list[bool]  # each recent call's box inside its list's


def measure(page: Page) -> Layout:
    page.evaluate("document.fonts.ready")
    return Layout(**page.evaluate(MEASURE))


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not on screen"
    return found


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )
