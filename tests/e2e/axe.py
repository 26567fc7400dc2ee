"""axe-core in the page: the accessibility rules run in the real browser, on the rendered
page (contrast against the computed colours, names of controls, landmarks, ...)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("critical", "serious")


def axe_version() -> str:
    found = re.search(r"axe v(\d+\.\d+\.\d+)", AXE.read_text(encoding="utf-8")[:200])
    assert found, "tests/e2e/vendor/axe.min.js has no version header"
    return found.group(1)


def violations(page: Page) -> list[dict[str, Any]]:
    """The critical and serious violations on the page as it is now, its frames' included."""
    for frame in page.frames:  # axe runs in each frame too (the replay page's wall)
        if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
            frame.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({
                    target: n.target.join(" "), summary: n.failureSummary,
                })),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in BLOCKING]


def report(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['impact']} {v['id']}: {v['help']}")
        for node in v["nodes"]:
            summary = " ".join(str(node["summary"]).split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)
