"""What a page prints, read back: Chromium prints the page to PDF (`Page.pdf` with the print
stylesheet and the page size the CSS sets, as a kiosk printer gets it), and these read that
PDF: page sizes and text (pypdf), the QR codes on it (rasterized by pdfium, decoded by
zxing-cpp), and a PNG of a page for the screenshots folder."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pypdf
import pypdfium2
import zxingcpp
from playwright.sync_api import Page

MM_PER_PT = 25.4 / 72


def print_to_pdf(page: Page) -> bytes:
    """The page as its print stylesheet lays it out, on the paper its CSS asks for."""
    return page.pdf(prefer_css_page_size=True, print_background=True)


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [
        (float(p.mediabox.width) * MM_PER_PT, float(p.mediabox.height) * MM_PER_PT)
        for p in reader.pages
    ]


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(p.extract_text() for p in reader.pages)


def _gray(pdf: bytes, dpi: int, number: int = 0) -> tuple[int, int, bytes]:
    """Page `number` at `dpi`, as 8-bit gray rows (width, height, pixels)."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = doc[number].render(scale=dpi / 72, grayscale=True)
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        raw = bytes(bitmap.buffer)
        per = stride // width if width else 1  # bytes per pixel of the bitmap's format
        rows = (raw[y * stride : y * stride + width * per] for y in range(height))
        pixels = b"".join(row[::per] for row in rows)  # one channel: gray in every one
        return width, height, pixels
    finally:
        doc.close()


def qr_codes(pdf: bytes, dpi: int = 203, number: int = 0) -> list[str]:
    """The text of every QR code on page `number`, rasterized at `dpi` (203: a thermal
    receipt printer's 8 dots per mm)."""
    width, height, pixels = _gray(pdf, dpi, number)
    image = zxingcpp.ImageView(memoryview(pixels), width, height, zxingcpp.ImageFormat.Lum)
    return [
        code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def save_png(pdf: bytes, path: Path, dpi: int = 203, number: int = 0) -> None:
    """Page `number` as a gray PNG (no imaging library: the format is simple enough)."""
    width, height, pixels = _gray(pdf, dpi, number)
    rows = b"".join(b"\x00" + pixels[y * width : (y + 1) * width] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit gray
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
    path.write_bytes(png + chunk(b"IEND", b""))
