"""OCR stage: Tesseract ``vie`` on preprocessed page images, in worker processes.

One task per page (:class:`OcrTask`, plain picklable data: a file path and a page index, never
the pixels), run by :func:`ocr_page` in a ``ProcessPoolExecutor`` with one single-threaded
Tesseract per core (``OMP_THREAD_LIMIT=1``: OpenMP threads inside Tesseract only fight the
other workers for the two cores). Word boxes are mapped back through every transform applied
(upscale, deskew rotation, 90° orientation fix) to the original page, in PDF points.

Orientation (OSD, ``--psm 0``) is only checked when a page reads badly, so upright pages —
nearly all of them — pay nothing for it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytesseract

from minhchung.ingest.document import BBox
from minhchung.ingest.errors import CorruptFileError, OcrError
from minhchung.ingest.intake import FileKind
from minhchung.ingest.layout import RawBlock, RawWord, group_rows
from minhchung.ingest.preprocess import PreprocessOptions, TableGrid, preprocess
from minhchung.ingest.raster import page_image
from minhchung.ingest.settings import OcrSettings
from minhchung.ingest.vietnamese import alphabetic_tokens, is_vietnamese_syllable

ProgressCallback = Callable[[int, int], None]

MIN_WORDS_BEFORE_OSD = 8
# Symbol-only "words" below this confidence are scanner dust read as "_", ":", "ˆ" — dropped.
JUNK_CONFIDENCE = 60.0
# Below this, a "word" with no Vietnamese syllable and no digit is a signature or seal stroke
# read as letters ("SN", "\\JN"); real words read this badly are rare and wrong anyway.
SCRIBBLE_CONFIDENCE = 40.0
_ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass(frozen=True)
class OcrTask:
    """One page to OCR: the file on disk, its type, the 0-based page index, the 1-based number."""

    path: str
    kind: FileKind
    index: int
    number: int
    filename: str
    settings: OcrSettings


@dataclass(frozen=True)
class OcrPage:
    """What OCR found on one page: words in points, mean confidence, corrections applied."""

    number: int
    width: float
    height: float
    words: list[RawWord]
    confidence: float | None
    skew_degrees: float
    rotation: int
    tables: list[RawBlock] = field(default_factory=list)


def preprocess_options(settings: OcrSettings) -> PreprocessOptions:
    return PreprocessOptions(
        remove_colour_ink=settings.remove_seal, remove_grey_seal=settings.remove_seal, deskew=settings.deskew, denoise=settings.denoise,
        remove_rules=settings.remove_rules, remove_specks=settings.remove_specks, binarize=settings.binarize, upscale_to_dpi=settings.dpi,
    )


def tesseract_config(settings: OcrSettings, page_segmentation: int | None = None) -> str:
    """Tesseract options: our page segmentation, resolution known (every image is prepared at
    ``settings.dpi``), and no second pass on inverted lines (pages are dark on light; the
    inverted retry costs time on every low-confidence line and only helps white-on-black)."""
    return (f"--psm {page_segmentation or settings.page_segmentation} --dpi {settings.dpi} "
            "-c preserve_interword_spaces=1 -c tessedit_do_invert=0")


def ocr_page(task: OcrTask) -> OcrPage:
    """OCR one page: rasterise, preprocess, Tesseract, map boxes to points (worker entry point)."""
    try:
        return _ocr_page(task)
    except pytesseract.TesseractNotFoundError as error:
        raise OcrError(task.filename, task.number, "tesseract is not installed") from error
    except pytesseract.TesseractError as error:
        raise OcrError(task.filename, task.number, str(error.message).strip()[:200]) from error
    except RuntimeError as error:
        raise OcrError(task.filename, task.number, f"{error} after {task.settings.timeout_seconds} s") from error
    except (pdfium.PdfiumError, OSError, ValueError) as error:
        raise CorruptFileError(task.filename, f"page {task.number} cannot be rendered: {error}") from error


def _ocr_page(task: OcrTask) -> OcrPage:
    settings = task.settings
    source = page_image(task.path, task.kind, task.index, settings.dpi)
    prepared = preprocess(source.rgb, source.dpi, preprocess_options(settings))
    image, scale, angle = prepared.image, prepared.scale, prepared.angle
    height, width = image.shape[:2]
    # original pixels → preprocessed pixels: scale, then rotate about the centre by ``angle``
    forward = _to3(cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)) @ np.diag([scale, scale, 1.0])
    words, confidence = _read(image, settings)
    rotation = 0
    if settings.detect_orientation and (len(words) < MIN_WORDS_BEFORE_OSD or (confidence or 0) < settings.low_confidence):
        rotation = _orientation(image, settings)
        if rotation:
            turned = cv2.rotate(image, _ROTATIONS[rotation])
            turned_words, turned_confidence = _read(turned, settings)
            if (turned_confidence or 0) > (confidence or 0):
                forward = _quarter_turn(rotation, width, height) @ forward
                words, confidence = turned_words, turned_confidence
            else:
                rotation = 0
    to_points = 72.0 / source.dpi
    backward = np.linalg.inv(forward)
    tables: list[RawBlock] = []
    if not rotation:  # grids were found on the image as stored, not on a turned one
        tables, words = _fill_tables(image, prepared.tables, words, settings, lambda box: _place_box(box, backward, to_points))
    placed = [_place(word, backward, to_points, upright_scale=to_points / scale if rotation else None) for word in words]
    return OcrPage(task.number, source.width_points, source.height_points, placed, confidence, angle, rotation, tables)


def _fill_tables(image: np.ndarray, grids: list[TableGrid], words: list[RawWord], settings: OcrSettings,
                 place: Callable[[BBox], BBox]) -> tuple[list[RawBlock], list[RawWord]]:
    """Table blocks read cell by cell, and the page's words outside every table.

    A short cell ("2", "14") read inside a whole page line is often lost or misread ("P.",
    "l1"): Tesseract wants a line of text. So every cell's ink is cut out and stacked into one
    column image — one Tesseract call per table, not per cell — and read with ``--psm 6``;
    each word goes back to the cell whose slot holds its centre. Rows come out row by row, as
    the quota reader and the ground truth expect.
    """
    remaining = list(words)
    blocks = []
    for grid in grids:
        left, top, right, bottom = grid.box
        remaining = [w for w in remaining if not (left <= (w.box.l + w.box.r) / 2 <= right and top <= (w.box.t + w.box.b) / 2 <= bottom)]
        cells = [cell for row in grid.rows for cell in _row_cells(row)]
        texts = _read_cells(image, cells, settings)
        rows, row_boxes, index = [], [], 0
        for row_top, row_bottom, row_cells in grid.rows:
            rows.append(texts[index:index + len(row_cells)])
            index += len(row_cells)
            row_boxes.append(place(BBox(l=row_cells[0][0], t=row_top, r=row_cells[-1][1], b=row_bottom)))
        blocks.append(RawBlock(rows=rows, row_boxes=row_boxes, table_box=place(BBox(l=left, t=top, r=right, b=bottom))))
    return blocks, remaining


def _row_cells(row: tuple[int, int, tuple[tuple[int, int], ...]]) -> list[tuple[int, int, int, int]]:
    top, bottom, cells = row
    return [(left, top, right, bottom) for left, right in cells]


CELL_PAD = 24


def _read_cells(image: np.ndarray, cells: list[tuple[int, int, int, int]], settings: OcrSettings) -> list[str]:
    """Text of each cell (l, t, r, b pixels), read from one stacked image of the cells' ink."""
    crops: list[tuple[int, np.ndarray]] = []
    for index, (left, top, right, bottom) in enumerate(cells):
        inset = 4
        crop = image[top + inset:bottom - inset, left + inset:right - inset]
        ink = np.argwhere(crop < 128) if crop.size else np.empty((0, 2))
        if len(ink) < 8:
            continue
        (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
        crops.append((index, crop[y0:y1 + 1, x0:x1 + 1]))
    texts = [""] * len(cells)
    if not crops:
        return texts
    width = max(c.shape[1] for _, c in crops) + 2 * CELL_PAD
    height = sum(c.shape[0] + CELL_PAD for _, c in crops) + CELL_PAD
    sheet = np.full((height, width), 255, dtype=np.uint8)
    slots = []
    y = CELL_PAD
    for index, crop in crops:
        sheet[y:y + crop.shape[0], CELL_PAD:CELL_PAD + crop.shape[1]] = crop
        slots.append((index, y - CELL_PAD // 2, y + crop.shape[0] + CELL_PAD // 2))
        y += crop.shape[0] + CELL_PAD
    words, _ = _read(sheet, settings, page_segmentation=6)
    for index, slot_top, slot_bottom in slots:
        inside = [w for w in words if slot_top <= (w.box.t + w.box.b) / 2 < slot_bottom]
        texts[index] = " ".join(w.text for line in group_rows(inside) for w in line)
    return texts


def _place_box(box: BBox, backward: np.ndarray, to_points: float) -> BBox:
    """A box from OCR-image pixels to original-page points (bounding box of its corners)."""
    corners = np.array([[box.l, box.t, 1], [box.r, box.t, 1], [box.l, box.b, 1], [box.r, box.b, 1]], dtype=float)
    mapped = (backward @ corners.T).T[:, :2] * to_points
    return BBox(l=float(mapped[:, 0].min()), t=float(mapped[:, 1].min()),
                r=float(mapped[:, 0].max()), b=float(mapped[:, 1].max()))


def _to3(affine: np.ndarray) -> np.ndarray:
    return np.vstack([affine, [0.0, 0.0, 1.0]])


def _quarter_turn(rotation: int, width: int, height: int) -> np.ndarray:
    """Pixel mapping of ``cv2.rotate`` by ``rotation`` degrees clockwise on a width×height image."""
    if rotation == 90:
        return np.array([[0, -1, height - 1], [1, 0, 0], [0, 0, 1]], dtype=float)
    if rotation == 180:
        return np.array([[-1, 0, width - 1], [0, -1, height - 1], [0, 0, 1]], dtype=float)
    return np.array([[0, 1, 0], [-1, 0, width - 1], [0, 0, 1]], dtype=float)


def _place(word: RawWord, backward: np.ndarray, to_points: float, upright_scale: float | None) -> RawWord:
    """Map a word box from OCR-image pixels to original-page points (bounding box of corners).

    On a page turned upright for OCR, the upright box (OCR pixels × ``upright_scale``) is
    kept too, so reading order is computed where lines are horizontal.
    """
    box = word.box
    return RawWord(
        text=word.text, confidence=word.confidence, line_key=word.line_key,
        upright=None if upright_scale is None else BBox(
            l=box.l * upright_scale, t=box.t * upright_scale, r=box.r * upright_scale, b=box.b * upright_scale),
        box=_place_box(box, backward, to_points),
    )


def _read(image: np.ndarray, settings: OcrSettings, page_segmentation: int | None = None) -> tuple[list[RawWord], float | None]:
    """Tesseract words (pixel boxes in ``image``) and their mean confidence."""
    with _image_file(image) as path:
        data = pytesseract.image_to_data(
            path, lang=settings.language, config=tesseract_config(settings, page_segmentation),
            output_type=pytesseract.Output.DICT, timeout=settings.timeout_seconds,
        )
    words = []
    for i, text in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        if not text.strip() or confidence < 0:
            continue
        if is_ocr_junk(text, confidence):
            continue
        left, top = data["left"][i], data["top"][i]
        words.append(RawWord(
            text=text, confidence=confidence,
            line_key=(data["page_num"][i], data["block_num"][i], data["par_num"][i], data["line_num"][i]),
            box=BBox(l=left, t=top, r=left + data["width"][i], b=top + data["height"][i]),
        ))
    mean = sum(w.confidence for w in words if w.confidence is not None) / len(words) if words else None
    return words, mean


@contextlib.contextmanager
def _image_file(image: np.ndarray) -> Iterator[str]:
    """The image as an uncompressed PGM file for Tesseract (pytesseract would write a PNG:
    deflating 8 megapixels costs more than Tesseract spends reading a raw file)."""
    with tempfile.TemporaryDirectory(prefix="minhchung-tess-") as scratch:
        path = os.path.join(scratch, "page.pgm")
        if not cv2.imwrite(path, image):
            raise OSError(f"cannot write {path}")
        yield path


def is_ocr_junk(text: str, confidence: float) -> bool:
    """Dust or pen strokes read as text (see ``JUNK_CONFIDENCE`` and ``SCRIBBLE_CONFIDENCE``)."""
    if confidence < JUNK_CONFIDENCE and not any(c.isalnum() and unicodedata.category(c) != "Lm" for c in text):
        return True  # modifier letters ("ˆ", "ʼ") are marks that lost their letter
    if confidence < SCRIBBLE_CONFIDENCE and not any(c.isdigit() for c in text):
        return not any(is_vietnamese_syllable(token) for token in alphabetic_tokens(text))
    return False


def _orientation(image: np.ndarray, settings: OcrSettings) -> int:
    """Clockwise rotation (0/90/180/270) that makes the page upright, per Tesseract OSD."""
    try:
        with _image_file(image) as path:
            osd = pytesseract.image_to_osd(path, config=f"--psm 0 --dpi {settings.dpi} -c min_characters_to_try=10",
                                           output_type=pytesseract.Output.DICT, timeout=settings.timeout_seconds)
    except pytesseract.TesseractError:
        return 0  # too little text for OSD to decide: keep the page as it is
    rotate = int(osd.get("rotate", 0))
    return rotate if rotate in _ROTATIONS and float(osd.get("orientation_conf", 0)) >= 1.0 else 0


def _prepare_worker(niceness: int) -> None:
    """Worker initialiser: Tesseract and OpenCV single-threaded, one worker per core (their
    own threads would only fight the other workers for the same cores); and a lower CPU
    priority, inherited by Tesseract, so people using the app while a pile of scans is read get
    the cores first (OCR still takes every idle cycle)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cv2.setNumThreads(1)
    if niceness:
        os.nice(niceness)


class _OcrPool(ProcessPoolExecutor):
    """A process pool whose workers, started on demand by ``submit``, never re-run a page script."""

    def submit(self, fn, /, *args, **kwargs):
        with _library_main():
            return super().submit(fn, *args, **kwargs)


def ocr_executor(settings: OcrSettings, pages: int | None = None) -> ProcessPoolExecutor:
    """A pool for OCR tasks (spawned, so it is safe from threaded hosts like Streamlit).

    Callers that ingest many files should create one and pass it to
    :func:`~minhchung.ingest.pipeline.extract_document` to avoid a start-up per file.
    Spawned workers re-import the caller's ``__main__``: a script that OCRs several pages must
    keep its work under ``if __name__ == "__main__":`` (the usual multiprocessing rule).
    """
    workers = max(1, min(settings.workers, pages or settings.workers))
    return _OcrPool(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_prepare_worker, initargs=(settings.niceness,))


def run_ocr(tasks: list[OcrTask], progress: ProgressCallback | None = None,
            executor: Executor | None = None) -> list[OcrPage]:
    """OCR all ``tasks``; results in task order. A failing page raises :class:`OcrError`.

    Without an ``executor``: a single page runs in this process; several pages get a pool
    sized ``settings.workers`` for the duration of the call.
    """
    if not tasks:
        return []
    if executor is None and (len(tasks) == 1 or tasks[0].settings.workers == 1):
        return _run_serially(tasks, progress)
    if executor is None:
        with ocr_executor(tasks[0].settings, len(tasks)) as pool:
            return _run_in(pool, tasks, progress)
    return _run_in(executor, tasks, progress)


def _run_serially(tasks: Iterable[OcrTask], progress: ProgressCallback | None) -> list[OcrPage]:
    task_list = list(tasks)
    results = []
    for done, task in enumerate(task_list, start=1):
        results.append(ocr_page(task))
        if progress:
            progress(done, len(task_list))
    return results


_SPAWN_LOCK = threading.Lock()


@contextlib.contextmanager
def _library_main() -> Iterator[None]:
    """While OCR workers may be spawned, present this module as ``__main__``.

    A spawned child first re-runs the parent's ``__main__`` file. Streamlit makes each page it
    runs the process's ``__main__``, so an OCR worker started while a person had the upload page
    open re-ran that page, found no login, and died (``BrokenProcessPool`` for every upload). This
    module has a spec, so the child imports it by name instead: harmless, and it needs it anyway.
    The pool starts workers inside ``submit`` (:class:`_OcrPool`); the lock keeps two extraction
    threads from swapping ``__main__`` at once, and a later swap by Streamlit is never undone.
    """
    with _SPAWN_LOCK:
        saved, library = sys.modules["__main__"], sys.modules[__name__]
        sys.modules["__main__"] = library
        try:
            yield
        finally:
            if sys.modules["__main__"] is library:
                sys.modules["__main__"] = saved


def _run_in(executor: Executor, tasks: list[OcrTask], progress: ProgressCallback | None) -> list[OcrPage]:
    futures = {executor.submit(ocr_page, task): position for position, task in enumerate(tasks)}
    results: list[OcrPage | None] = [None] * len(tasks)
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(tasks))
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return [r for r in results if r is not None]
