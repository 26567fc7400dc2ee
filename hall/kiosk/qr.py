"""QR codes as inline SVG, made locally with segno (kiosks run on closed networks)."""

from __future__ import annotations

import segno


def qr_svg(url: str) -> str:
    """An `<svg class="qr">` (viewBox only: CSS sets its size) that encodes `url`."""
    code = segno.make(url, error="m")
    svg: str = code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", dark="#000")
    return svg
