"""Preprocessing of a page image before Tesseract, one small named step each.

Order matters: the coloured ink (the red seal stamped over the signature, blue signatures and
hand-written notes) is painted white while colour still exists, *then* the page becomes grey,
is deskewed and binarised. Binarising first would turn the seal's ring and lettering into
black strokes over the signer's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

MAX_SKEW_DEGREES = 10.0


@dataclass(frozen=True)
class PreprocessOptions:
    """Which steps run; the defaults are what the OCR benchmark measured best."""

    remove_colour_ink: bool = True
    remove_grey_seal: bool = True
    deskew: bool = True
    denoise: bool = True
    remove_rules: bool = True
    remove_specks: bool = True
    binarize: bool = False
    upscale_to_dpi: int = 300


def suppress_colour_ink(rgb: np.ndarray) -> np.ndarray:
    """Paint saturated red (seals) and blue (signatures, pen) pixels white; black text stays.

    Black or dark-grey print has low saturation and value, so it survives even where the seal
    covers it; the masks are grown by one pixel to catch the anti-aliased rim of the ink.
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    coloured = (saturation > 70) & (value > 70)
    red = coloured & ((hue <= 12) | (hue >= 158))
    blue = coloured & (hue >= 95) & (hue <= 135)
    mask = cv2.dilate((red | blue).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    cleaned = rgb.copy()
    cleaned[mask] = 255
    return cleaned


SEAL_RADIUS_INCHES = (0.33, 0.95)
SEAL_RING_COVERAGE = 0.75
PRINT_BLACK = 90


def _ring_coverage(small: np.ndarray, x: float, y: float, radius: float) -> tuple[float, float]:
    """Best share of inked samples along a circle near ``radius`` and the radius giving it."""
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    best = (0.0, radius)
    for r in np.arange(radius - 3, radius + 3.1, 0.5):
        xs = np.clip((x + r * np.cos(angles)).astype(int), 0, small.shape[1] - 1)
        ys = np.clip((y + r * np.sin(angles)).astype(int), 0, small.shape[0] - 1)
        best = max(best, (float((small[ys, xs] < 200).mean()), float(r)))
    return best


def suppress_grey_seal(gray: np.ndarray, dpi: float = 300.0) -> np.ndarray:
    """Inside a round seal, paint white everything lighter than black print.

    On a grey or bilevel scan the red seal cannot be told by colour; it can by shape and tone:
    a circle (Hough, on a quarter-size copy) whose whole ring is inked in mid-grey. Print
    (text, a signature in dark ink) is darker than the stamp ink and survives; a circle whose
    ring is inked only here and there is lines of text, not a seal.
    """
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    low, high = (int(r * dpi / 4) for r in SEAL_RADIUS_INCHES)
    circles = cv2.HoughCircles(cv2.medianBlur(small, 3), cv2.HOUGH_GRADIENT, dp=1, minDist=2 * low,
                               param1=100, param2=30, minRadius=low, maxRadius=high)
    if circles is None:
        return gray
    cleaned = gray
    for x, y, radius in circles[0][:6]:
        coverage, ring = _ring_coverage(small, float(x), float(y), float(radius))
        if coverage < SEAL_RING_COVERAGE:
            continue
        disc = np.zeros_like(gray)
        cv2.circle(disc, (int(x * 4), int(y * 4)), int((ring + 3) * 4), 255, thickness=-1)
        if cleaned is gray:
            cleaned = gray.copy()
        cleaned[(disc > 0) & (gray > PRINT_BLACK)] = 255
    return cleaned


def _is_gray(rgb: np.ndarray) -> bool:
    """True for a grey or bilevel scan stored as RGB (no colour ink to remove)."""
    sample = rgb[::16, ::16].astype(np.int16)
    return bool(np.abs(sample[..., 0] - sample[..., 1]).max() <= 8 and np.abs(sample[..., 1] - sample[..., 2]).max() <= 8)


def to_gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _profile_sharpness(ink: np.ndarray, angle: float) -> float:
    """How sharply text lines stand out in the row profile of ``ink`` rotated by ``angle``."""
    profile = _rotate(ink, angle, border=0).sum(axis=1, dtype=np.float64)
    return float(np.sum(np.diff(profile) ** 2))


def _ink(gray: np.ndarray, factor: float) -> np.ndarray:
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def estimate_skew(gray: np.ndarray) -> float:
    """Skew angle in degrees (|angle| ≤ 10) by maximising the row-projection sharpness.

    Coarse to fine: 0.5° steps then 0.1° on a quarter-size copy (text lines give the sharpest
    horizontal profile when level), then 0.025° on a half-size copy — at quarter size one pixel
    of drift across the page is ~0.1°, and a residue of even 0.3° costs Tesseract letters.
    """
    ink = _ink(gray, 0.25)
    if cv2.countNonZero(ink) < 50:
        return 0.0
    coarse = max(np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5), key=lambda a: _profile_sharpness(ink, a))
    fine = max(np.arange(coarse - 0.4, coarse + 0.41, 0.1), key=lambda a: _profile_sharpness(ink, a))
    half = _ink(gray, 0.5)
    finest = max(np.arange(fine - 0.075, fine + 0.076, 0.025), key=lambda a: _profile_sharpness(half, a))
    return float(np.clip(finest, -MAX_SKEW_DEGREES, MAX_SKEW_DEGREES))


def _rotate(image: np.ndarray, angle: float, border: int) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=border)


def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page rotated level (same size, white border) and the angle that was corrected."""
    angle = estimate_skew(gray)
    if abs(angle) < 0.15:
        return gray, 0.0
    return _rotate(gray, angle, border=255), angle


def denoise(gray: np.ndarray) -> np.ndarray:
    """Remove single-pixel salt-and-pepper noise without eroding diacritics (3×3 median)."""
    return cv2.medianBlur(gray, 3)


@dataclass(frozen=True)
class RuleMasks:
    """Ink of long horizontal and long vertical rules (255 where a rule is), page-sized."""

    horizontal: np.ndarray
    vertical: np.ndarray


def find_rules(gray: np.ndarray) -> RuleMasks:
    """Long horizontal and vertical runs of ink: table grids, underlines, box frames.

    A rule is a run of ink longer than 1/25 of the page width (horizontal) or 1/40 of its
    height (vertical), far longer than any letter stroke.
    """
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    height, width = gray.shape[:2]
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, width // 25), 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(20, height // 40))))
    return RuleMasks(horizontal, vertical)


def remove_rules(gray: np.ndarray, rules: RuleMasks) -> np.ndarray:
    """Paint the rules white: Tesseract reads grid lines as "_", "—", "|", ":" and glues them
    to cell text."""
    grown = cv2.dilate(rules.horizontal | rules.vertical, np.ones((3, 3), np.uint8))
    cleaned = gray.copy()
    cleaned[grown > 0] = 255
    return cleaned


@dataclass(frozen=True)
class TableGrid:
    """A ruled table in the OCR image (pixels): each row's top and bottom and its cells' x ranges.

    Cells are found per row, so a merged cell (a title row across the table) is one cell.
    """

    rows: tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...]

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (min(c[0] for _, _, cells in self.rows for c in cells), self.rows[0][0],
                max(c[1] for _, _, cells in self.rows for c in cells), self.rows[-1][1])


def _line_positions(coverage: np.ndarray, minimum: float) -> list[int]:
    """Centres of the runs of ``coverage`` (ink count per row or column) at or above ``minimum``."""
    on = np.flatnonzero(coverage >= minimum)
    if not on.size:
        return []
    runs = np.split(on, np.flatnonzero(np.diff(on) > 2) + 1)
    return [int(run.mean()) for run in runs]


def find_tables(rules: RuleMasks, min_row_height: int = 25) -> list[TableGrid]:
    """Ruled tables: a connected grid with ≥ 3 full-width horizontal rules and some row split
    in ≥ 2 cells by vertical rules (a framed paragraph is not a table).

    Row boundaries are horizontal rules spanning most of the grid; a row's cells are cut at
    the vertical rules that cross the middle of that row (outer edges count even if unruled).
    """
    grid = cv2.dilate(rules.horizontal | rules.vertical, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    page_width = grid.shape[1]
    tables = []
    for x, y, w, h, _ in stats[1:count]:
        if w < page_width // 5 or h < 2 * min_row_height:
            continue
        horizontal = rules.horizontal[y:y + h, x:x + w]
        rows_at = _line_positions(np.count_nonzero(horizontal, axis=1), 0.6 * w)
        bands = [(a, b) for a, b in pairwise(rows_at) if b - a >= min_row_height]
        if len(bands) < 2:
            continue
        rows = []
        for top, bottom in bands:
            margin = (bottom - top) // 4
            middle = rules.vertical[y + top + margin:y + bottom - margin, x:x + w]
            cuts = _line_positions(np.count_nonzero(middle, axis=0), 0.9 * middle.shape[0])
            edges = sorted({0, w - 1, *cuts})
            edges = [e for i, e in enumerate(edges) if i == 0 or e - edges[i - 1] > min_row_height]
            cells = tuple((x + a, x + b) for a, b in pairwise(edges))
            rows.append((y + top, y + bottom, cells))
        if any(len(cells) >= 2 for _, _, cells in rows):
            tables.append(TableGrid(tuple(rows)))
    return tables


SPECK_AREA = 50
SPECK_REACH = 12


def remove_specks(gray: np.ndarray, max_area: int = SPECK_AREA, reach: int = SPECK_REACH) -> np.ndarray:
    """Paint white the small blobs of ink (scanner dust, toner dots) that no letter is near.

    At 300 DPI a speck is a roundish blob under ~50 px; so are a period or a diacritic, but
    those sit within a few pixels of a letter, while dust lies in the margins, between lines
    and inside table cells. A small blob survives if a larger one is within ``reach`` pixels;
    an elongated one (a hyphen, a bullet dash) always survives.
    """
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    widths, heights = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    small = stats[:, cv2.CC_STAT_AREA] < max_area
    small &= (widths < 2 * heights) & (heights < 2 * widths)  # dust is round; a hyphen is not
    small[0] = False
    if not small.any():
        return gray
    large = ((~small)[labels] & (labels > 0)).astype(np.uint8)
    # "within reach" by a round dilation at half size (a quarter of the work; ±1 px is plenty)
    half = cv2.resize(large, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) > 0
    grown = cv2.dilate(half.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach + 1, reach + 1)))
    near = cv2.resize(grown, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    touching = np.bincount(labels[near > 0], minlength=count) > 0
    specks = small & ~touching
    specks[_dot_pairs(stats, specks, small)] = False
    cleaned = gray.copy()
    cleaned[specks[labels]] = 255
    return cleaned


MAX_PAIR_CHECKS = 20_000_000


def _dot_pairs(stats: np.ndarray, candidates: np.ndarray, small: np.ndarray) -> np.ndarray:
    """Labels among ``candidates`` that have another small blob stacked above or below them at
    dot spacing: the far dot of a colon or semicolon (DejaVu sets it ~13 px from the letter).
    Dust rarely comes in such stacked pairs. (Side-by-side pairs are not spared: dust next to
    a period is commoner in scans than an ellipsis in letters.)"""
    ids, others = np.flatnonzero(candidates), np.flatnonzero(small)
    if not ids.size or ids.size * others.size > MAX_PAIR_CHECKS:
        return ids[:0]
    def centre(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (stats[labels, cv2.CC_STAT_LEFT] + stats[labels, cv2.CC_STAT_WIDTH] / 2,
                stats[labels, cv2.CC_STAT_TOP] + stats[labels, cv2.CC_STAT_HEIGHT] / 2)
    (x, y), (ox, oy) = centre(ids), centre(others)
    size = np.maximum(stats[ids, cv2.CC_STAT_WIDTH], stats[ids, cv2.CC_STAT_HEIGHT])[:, None]
    dx, dy = np.abs(x[:, None] - ox[None, :]), np.abs(y[:, None] - oy[None, :])
    stacked = (dx <= 0.6 * size) & (dy > size) & (dy <= 4 * size)
    return ids[stacked.any(axis=1)]


def binarize(gray: np.ndarray) -> np.ndarray:
    """Black text on white by Otsu's global threshold (pages are evenly lit after ink removal)."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return binary


def upscale_factor(source_dpi: float, target_dpi: int) -> float:
    """How much to enlarge an image scanned below ``target_dpi`` (never shrinks)."""
    return max(1.0, target_dpi / source_dpi) if source_dpi > 0 else 1.0


@dataclass(frozen=True)
class Prepared:
    """The image for Tesseract, the pixel scale applied, the skew corrected, and ruled tables
    found (in the prepared image's pixels)."""

    image: np.ndarray
    scale: float
    angle: float
    tables: list[TableGrid]


def preprocess(rgb: np.ndarray, source_dpi: float, options: PreprocessOptions) -> Prepared:
    """Run the steps. The scale and angle let OCR boxes be mapped back to the original
    image's pixels and then to points."""
    if options.remove_colour_ink and not _is_gray(rgb):
        rgb = suppress_colour_ink(rgb)
    gray = to_gray(rgb)
    scale = upscale_factor(source_dpi, options.upscale_to_dpi)
    if scale > 1.05:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    if options.remove_grey_seal:
        gray = suppress_grey_seal(gray, source_dpi * scale)
    angle = 0.0
    if options.deskew:
        gray, angle = deskew(gray)
    if options.denoise:
        gray = denoise(gray)
    tables: list[TableGrid] = []
    if options.remove_rules:
        rules = find_rules(gray)
        tables = find_tables(rules)
        gray = remove_rules(gray, rules)
    if options.remove_specks:
        gray = remove_specks(gray)
    if options.binarize:
        gray = binarize(gray)
    return Prepared(gray, scale, angle, tables)
