"""QR codes as inline SVG, made locally with segno (kiosks run on closed networks)."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> str:
    """An `<svg class="qr">` (viewBox only: CSS sets its size) that encodes `url`; it carries
    the SVG namespace, so it also stands alone as an `image/svg+xml` file."""
    code = segno.make(url, error="m")
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=1,
        border=2,
        omitsize=True,
        svgclass="qr",
        dark="#000",
        xmldecl=False,
        svgns=True,
        nl=False,
    )
    return out.getvalue().decode()
