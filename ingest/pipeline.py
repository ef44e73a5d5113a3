"""Assemble: an :class:`~minhchung.ingest.intake.Upload` becomes a :class:`Document`.

Stages, each a plain function in its own module, like OCRmyPDF's:
``read_upload`` (intake) → ``BlobStore.put`` (originals; the caller's job) →
per page ``judge_text_layer`` → ``extract_text_page`` | ``run_ocr`` (rasterise → preprocess →
Tesseract) → ``assemble_page``. DOCX goes through python-docx, plain text through
``Document.from_text``.

The typical caller (``minhchung ingest``)::

    upload = read_upload(path, settings)          # may raise IngestError: report, skip the file
    sha = blobs.put(upload.data)                   # idempotent; same bytes → same sha
    if not store.has_document(sha):                # duplicate policy belongs to the store
        document = extract_document(upload, settings, progress=bar.update_to)
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from concurrent.futures import Executor
from pathlib import Path

import docx
import pdfplumber
import pypdfium2 as pdfium
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from minhchung.ingest.document import Document, Page
from minhchung.ingest.errors import CorruptFileError, UnsupportedTypeError
from minhchung.ingest.intake import Upload, sniff_paged
from minhchung.ingest.layout import arrange_blocks, assemble_page, insert_tables
from minhchung.ingest.legacy_encoding import repair_legacy_text
from minhchung.ingest.ocr import OcrPage, OcrTask, ProgressCallback, run_ocr
from minhchung.ingest.pdfium_lock import PDFIUM_LOCK
from minhchung.ingest.raster import page_image, png_bytes, resample
from minhchung.ingest.settings import IngestSettings
from minhchung.ingest.textlayer import (
    extract_text_page,
    judge_text_layer,
    may_have_ruled_table,
    page_tables,
    page_words,
)


def extract_document(upload: Upload, settings: IngestSettings, progress: ProgressCallback | None = None,
                     executor: Executor | None = None) -> Document:
    """The whole document of a checked upload: every page, in order, with provenance.

    ``progress(done, total)`` is called as pages finish (OCR pages finish out of order).
    ``executor``: an OCR process pool to reuse across files (see ``ocr.ocr_executor``).
    Raises :class:`~minhchung.ingest.errors.IngestError` subclasses only (``OcrError`` for a
    page Tesseract could not read, ``CorruptFileError`` for damage found while reading).
    """
    if upload.kind == "text":
        return Document.from_text(upload.text or "", document_id=upload.sha256, filename=upload.filename,
                                  source_encoding=upload.source_encoding)
    if upload.kind == "docx":
        pages = [_docx_page(upload)]
        _report(progress, 1, 1)
    else:
        pages = _paged_document(upload, settings, progress, executor)
    return Document(id=upload.sha256, filename=upload.filename, mime=upload.mime, size=upload.size, pages=pages)


def _report(progress: ProgressCallback | None, done: int, total: int) -> None:
    if progress:
        progress(done, total)


def _paged_document(upload: Upload, settings: IngestSettings,
                    progress: ProgressCallback | None, executor: Executor | None) -> list[Page]:
    """PDF pages with a usable text layer are read directly; the others (and images) OCR'd.

    OCR workers read the file from a private temporary copy (never the pixels through a pipe).
    """
    pages: dict[int, Page] = {}
    to_ocr: list[int] = list(range(upload.page_count))
    if upload.kind == "pdf":
        try:
            text_pages = _text_layer_pages(upload, settings, progress)
        except (ValueError, KeyError, TypeError, pdfium.PdfiumError) as error:
            raise CorruptFileError(upload.filename, f"text layer unreadable: {error}") from error
        pages.update((i, p) for i, p in text_pages.items() if p is not None)
        to_ocr = [i for i, p in text_pages.items() if p is None]
    if not to_ocr:
        return [pages[i] for i in sorted(pages)]
    done_before = len(pages)

    def ocr_progress(done: int, _total: int) -> None:
        _report(progress, done_before + done, upload.page_count)

    with tempfile.TemporaryDirectory(prefix="minhchung-ocr-") as scratch:
        path = Path(scratch) / "original"
        path.write_bytes(upload.data)
        tasks = [OcrTask(str(path), upload.kind, i, i + 1, upload.filename, settings.ocr) for i in to_ocr]
        for index, result in zip(to_ocr, run_ocr(tasks, ocr_progress, executor)):
            pages[index] = ocr_result_page(result, settings.ocr.low_confidence)
    return [pages[i] for i in sorted(pages)]


def _text_layer_pages(upload: Upload, settings: IngestSettings,
                      progress: ProgressCallback | None) -> dict[int, Page | None]:
    """Each PDF page read from its text layer, or None where the layer is unusable (→ OCR).

    pdfplumber (slow: it parses every object in Python) is opened only if some usable page
    draws enough vector paths to hold a ruled table.
    """
    with PDFIUM_LOCK:
        return _read_text_layers(upload, settings, progress)


def _read_text_layers(upload: Upload, settings: IngestSettings,
                      progress: ProgressCallback | None) -> dict[int, Page | None]:
    result: dict[int, Page | None] = {}
    pdf = pdfium.PdfDocument(upload.data)
    plumber = None
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                words = page_words(page)
                if not judge_text_layer(" ".join(w.text for w in words), settings.min_text_chars).usable:
                    result[index] = None
                    continue
                tables = []
                if may_have_ruled_table(page):
                    plumber = plumber or pdfplumber.open(io.BytesIO(upload.data))
                    tables = page_tables(plumber.pages[index])
                width, height = page.get_size()
                result[index] = extract_text_page(index + 1, width, height, words, tables)
            finally:
                page.close()
            _report(progress, sum(p is not None for p in result.values()), upload.page_count)
    finally:
        if plumber is not None:
            plumber.close()
        pdf.close()
    return result


def ocr_result_page(result: OcrPage, low_confidence: float) -> Page:
    """Assemble an OCR'd page; a page with no words at all is blank, not low-confidence."""
    blocks = insert_tables(arrange_blocks(result.words), result.tables)
    flagged = result.confidence is not None and result.confidence < low_confidence
    return assemble_page(result.number, result.width, result.height, "ocr", blocks,
                         confidence=result.confidence, low_confidence=flagged)


def _docx_page(upload: Upload) -> Page:
    """A DOCX as one page: paragraphs and tables in body order (Word has no fixed pages)."""
    try:
        word_document = docx.Document(io.BytesIO(upload.data))
    except (KeyError, ValueError, PackageNotFoundError, zipfile.BadZipFile) as error:
        raise CorruptFileError(upload.filename, f"Word document unreadable: {error}") from error
    body, source_encoding = repair_legacy_text(_docx_text(word_document), upload.filename)
    text = Document.from_text(body, document_id=upload.sha256, filename=upload.filename, source_encoding=source_encoding)
    page = text.pages[0] if text.pages else Page(number=1, strategy="docx")
    page.strategy = "docx"
    return page


def _docx_text(word_document: DocxDocument) -> str:
    """Body text: one paragraph per line, a blank line between paragraphs, table rows as
    "cell | cell" lines (merged cells read once)."""
    parts: list[str] = []
    for item in word_document.iter_inner_content():
        if isinstance(item, Paragraph):
            if item.text.strip():
                parts.append(item.text.strip())
        elif isinstance(item, Table):
            rows = []
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or value != cells[-1]:
                        cells.append(value)
                rows.append(" | ".join(cells))
            parts.append("\n".join(rows))
    return "\n\n".join(parts)


def render_page_png(blob_path: Path, page_no: int, dpi: int = 110) -> bytes:
    """PNG of page ``page_no`` (1-based) of a stored original (PDF or image), for the UI.

    Boxes in the document are PDF points; at ``dpi`` a point is ``dpi / 72`` pixels.
    """
    path = Path(blob_path)
    with path.open("rb") as handle:
        kind = sniff_paged(handle.read(2048))
    if kind is None:
        raise UnsupportedTypeError(path.name, "no page image (not a PDF or an image)")
    with PDFIUM_LOCK:
        image = page_image(str(path), kind, page_no - 1, dpi)
    return png_bytes(resample(image, dpi))
