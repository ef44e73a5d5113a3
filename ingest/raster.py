"""Rasterising: a page of a PDF or a frame of an image file as RGB pixels plus its resolution.

PDF pages are rendered by PDFium at the OCR resolution (300 DPI by default); image frames are
read as they are and their resolution taken from the file (a photo without one is assumed to
be an A4 page, as Paperless does), so OCR boxes can always be converted to PDF points.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from minhchung.ingest.intake import FileKind

A4_WIDTH_POINTS = 595.0
MIN_PLAUSIBLE_DPI = 70.0


@dataclass(frozen=True)
class PageImage:
    """RGB pixels of one page and ``dpi`` (pixels per inch) to convert them to points."""

    rgb: np.ndarray
    dpi: float

    @property
    def width_points(self) -> float:
        return self.rgb.shape[1] * 72.0 / self.dpi

    @property
    def height_points(self) -> float:
        return self.rgb.shape[0] * 72.0 / self.dpi


def render_pdf_page(path: str, index: int, dpi: int) -> PageImage:
    """Render page ``index`` (0-based) of the PDF at ``path`` at ``dpi``."""
    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[index]
        bitmap = page.render(scale=dpi / 72.0)
        image = bitmap.to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    return PageImage(np.asarray(image), float(dpi))


def image_frame_dpi(image: Image.Image) -> float:
    """Resolution recorded in an image, or the one that makes it A4-wide if none is plausible."""
    recorded = image.info.get("dpi")
    if recorded and float(recorded[0]) >= MIN_PLAUSIBLE_DPI:
        return float(recorded[0])
    return image.size[0] * 72.0 / A4_WIDTH_POINTS


def load_image_frame(path: str, index: int) -> PageImage:
    """Frame ``index`` of a JPEG/PNG/TIFF file (multi-page TIFF: one frame per page)."""
    with Image.open(path) as image:
        image.seek(index)
        dpi = image_frame_dpi(image)
        rgb = np.asarray(image.convert("RGB"))
    return PageImage(rgb, dpi)


def page_image(path: str, kind: FileKind, index: int, dpi: int) -> PageImage:
    """The pixels of page ``index`` of a PDF or image file."""
    if kind == "pdf":
        return render_pdf_page(path, index, dpi)
    return load_image_frame(path, index)


def png_bytes(page: PageImage) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(page.rgb).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def resample(page: PageImage, dpi: int) -> PageImage:
    """The page at ``dpi`` (images keep their own resolution until asked)."""
    if abs(page.dpi - dpi) < 1:
        return page
    factor = dpi / page.dpi
    resized = cv2.resize(page.rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)
    return PageImage(resized, float(dpi))
