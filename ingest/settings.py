"""Settings of the ingestion layer: upload limits and OCR options.

A plain pydantic model; the application's settings object (``minhchung.ui.settings``) nests it
and fills it from environment variables or the TOML file, then passes it down explicitly.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field


class OcrSettings(BaseModel):
    language: str = Field("vie", description="Tesseract language; 'vie' alone beats 'vie+eng'")
    dpi: int = Field(300, ge=150, le=600)
    workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)
    niceness: int = Field(5, ge=0, le=19, description="OCR worker processes yield the CPU to the app's users by this much")
    low_confidence: float = Field(70.0, description="pages with mean word confidence below are flagged")
    remove_seal: bool = Field(True, description="paint red seals and blue ink white, and round grey seals on grey scans, before OCR")
    deskew: bool = True
    denoise: bool = Field(True, description="3×3 median filter against scanner specks")
    remove_rules: bool = Field(True, description="erase table grid lines and underlines before OCR")
    remove_specks: bool = Field(True, description="erase isolated specks of dust (small blobs far from any letter)")
    binarize: bool = Field(False, description="Otsu before Tesseract (Tesseract binarises itself)")
    page_segmentation: int = Field(4, ge=0, le=13, description="Tesseract --psm (4 measured best; columns are split by our layout)")
    detect_orientation: bool = Field(True, description="run OSD on pages that read badly (rotated scans)")
    tesseract_cmd: str = "tesseract"
    timeout_seconds: int = Field(120, description="per page; a stuck page fails alone")


class IngestSettings(BaseModel):
    max_bytes: int = Field(100_000_000, description="largest accepted upload")
    max_pages: int = 500
    max_pixels: int = Field(200_000_000, description="decompression-bomb guard for images")
    min_text_chars: int = Field(40, description="fewer characters on a page → OCR it")
    ocr: OcrSettings = Field(default_factory=OcrSettings)
