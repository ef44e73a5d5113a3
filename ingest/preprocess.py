"""Preprocessing of a page image before Tesseract, one small named step each.

Order matters: the coloured ink (the red seal stamped over the signature, blue signatures and
hand-written notes) is painted white while colour still exists, *then* the page becomes grey,
is deskewed and binarised. Binarising first would turn the seal's ring and lettering into
black strokes over the signer's name.
"""

from __future__ import annotations

from collections.abc import Callable
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
    remove_scrawls: bool = True
    binarize: bool = False
    upscale_to_dpi: int = 300


def _red(hsv: np.ndarray, min_saturation: int, min_value: int) -> np.ndarray:
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    return (saturation > min_saturation) & (value > min_value) & ((hue <= 12) | (hue >= 158))


def _blue(hsv: np.ndarray, min_saturation: int, min_value: int) -> np.ndarray:
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    return (saturation > min_saturation) & (value > min_value) & (hue >= 95) & (hue <= 135)


# Hysteresis on saturation for pen ink: clearly blue pixels seed it, paler blue ones connected
# to them join it — a thin pen line loses saturation to JPEG's half-resolution colour and would
# otherwise stay behind as a dashed dark line over the signer's name. Not for the red seal: its
# broad strokes keep their colour, and it lies over printed titles whose tinted edges it would eat.
INK_SATURATION, INK_SATURATION_WEAK = 70, 50
INK_VALUE, INK_VALUE_WEAK = 70, 110


def colour_ink_mask(rgb: np.ndarray) -> np.ndarray:
    """Where red (seals) or blue (signatures, pen) ink is, grown by one pixel to catch the
    anti-aliased rim of the ink (bool, page-sized).

    Black or dark-grey print has low saturation and value, so it is not in the mask even where
    the seal covers it.
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    red, blue = _red(hsv, INK_SATURATION, INK_VALUE), _blue(hsv, INK_SATURATION, INK_VALUE)
    if blue.any():
        pale = _blue(hsv, INK_SATURATION_WEAK, INK_VALUE_WEAK) | blue
        count, labels = cv2.connectedComponents(pale.astype(np.uint8), connectivity=8)
        seeded = np.bincount(labels[blue], minlength=count) > 0
        seeded[0] = False
        blue = seeded[labels]
    return cv2.dilate((red | blue).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0


def suppress_colour_ink(rgb: np.ndarray) -> np.ndarray:
    """Paint red and blue ink white (see :func:`colour_ink_mask`); black text stays, and so
    do dark remnants where two inks crossed — :func:`remove_ink_crossings` takes those."""
    mask = colour_ink_mask(rgb)
    cleaned = rgb.copy()
    cleaned[mask] = 255
    return remove_ink_crossings(cleaned, mask)


CROSSING_MAX_AREA = 400
CROSSING_MASK_SHARE = 0.6
CROSSING_INK = 128
# Two inks multiplied stay tinted (blue over red: ~(17, 14, 63), chroma ~50); black print under a
# seal stays near-neutral (chroma ≲ 20), and a piece of a letter cut off by the seal's strokes must
# not go.
CROSSING_CHROMA = 30


def remove_ink_crossings(cleaned: np.ndarray, mask: np.ndarray, max_area: int = CROSSING_MAX_AREA,
                         share: float = CROSSING_MASK_SHARE) -> np.ndarray:
    """Paint white the small dark blobs that sit inside erased colour ink.

    Where a blue signature stroke crosses the red seal's rim, the two inks multiply to a dark,
    almost black patch that neither colour test catches; left alone it is read as "/" or "I"
    and can pull a neighbouring line out of place. Such a patch is small, still tinted, and
    its outline runs almost entirely along erased ink; a printed letter under the seal is
    neutral black, and bordered mostly by paper (a piece the seal's strokes cut off may not
    be, hence the tint test). ``share``: the part of the blob's one-pixel outline that must be erased
    ink.
    """
    if not mask.any():
        return cleaned
    ys, xs = np.nonzero(mask)
    top, bottom, left, right = max(0, ys.min() - 2), ys.max() + 3, max(0, xs.min() - 2), xs.max() + 3
    region = cleaned[top:bottom, left:right]
    dark = (cv2.cvtColor(region, cv2.COLOR_RGB2GRAY) < CROSSING_INK).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= max_area
    small[0] = False
    if not small.any():
        return cleaned
    grown = cv2.dilate(labels.astype(np.float32), np.ones((3, 3), np.uint8)).astype(np.int32)
    outline = (grown > 0) & (labels == 0)
    around = np.bincount(grown[outline], minlength=count)
    on_ink = np.bincount(grown[outline & mask[top:bottom, left:right]], minlength=count)
    chroma = (region.max(axis=2).astype(np.int16) - region.min(axis=2)).astype(np.float64)
    tinted = np.bincount(labels.ravel(), weights=chroma.ravel(), minlength=count) >= CROSSING_CHROMA * stats[:, cv2.CC_STAT_AREA]
    crossings = small & tinted & (on_ink >= share * np.maximum(around, 1))
    if not crossings.any():
        return cleaned
    region[crossings[grown]] = 255  # with its outline: the lighter anti-aliased edge goes too
    return cleaned


SEAL_RADIUS_INCHES = (0.33, 0.95)
SEAL_RING_COVERAGE = 0.75
PRINT_BLACK = 90


def _ring_coverage(small: np.ndarray, x: float, y: float, radius: float) -> tuple[float, float, float, float]:
    """Best share of inked samples along a circle near (``x``, ``y``, ``radius``): the share,
    and the radius and centre giving it.

    Hough's centre on the quarter-size copy can be a pixel or two off, and a circle that far
    off runs along the inside of the ring on one side and outside on the other (a 9-px ring is
    2 px wide here), so nearby centres are tried as well as nearby radii.
    """
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    offsets = np.arange(-3, 3.1, 1.0)
    dx, dy, r = np.meshgrid(offsets, offsets, np.arange(radius - 3, radius + 3.1, 0.5), indexing="ij")
    dx, dy, r = dx.ravel()[:, None], dy.ravel()[:, None], r.ravel()[:, None]
    xs = np.clip((x + dx + r * np.cos(angles)).astype(int), 0, small.shape[1] - 1)
    ys = np.clip((y + dy + r * np.sin(angles)).astype(int), 0, small.shape[0] - 1)
    shares = (small[ys, xs] < 200).mean(axis=1)
    best = int(np.argmax(shares))
    return float(shares[best]), float(r[best, 0]), float(x + dx[best, 0]), float(y + dy[best, 0])


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
        coverage, ring, x, y = _ring_coverage(small, float(x), float(y), float(radius))
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


# A scrawl: a blob over ~0.4 in one way and ~0.1 in the other that inks under 12 % of its box.
SCRAWL_MIN_INCHES = 0.4
SCRAWL_MAX_FILL = 0.12
# Share of ink in a ~letter-sized window above which a scrawl's pixel is taken for a letter touching it.
SCRAWL_WINDOW = 31
SCRAWL_LETTER_DENSITY = 0.35


def is_bilevel(gray: np.ndarray) -> bool:
    """True for a black-and-white scan (fax, G4 TIFF): almost no pixel is grey.

    There a seal's ring is as black as print and often touches the signer's name, so blob
    shape alone must not erase it (see :func:`remove_scrawls`).
    """
    sample = gray[::7, ::7]
    return bool(np.count_nonzero((sample > 8) & (sample < 247)) < 0.01 * sample.size)


def remove_scrawls(gray: np.ndarray, dpi: float = 300.0) -> np.ndarray:
    """Paint white the large, sparse blobs of ink: signatures in dark ink, a seal's ring that
    no test recognised, hand-drawn loops.

    On a grey scan a signature cannot be told by colour, and Tesseract reads its strokes as
    "|", "j", "lP" next to the signer's title. Printed letters, even in large titles, are
    small or dense; a scrawl spans ~0.4 in or more (and a fair width the other way: a thin
    straight line is left to the rule finder) while inking a few percent of its box. Run after ruled lines are removed: a table grid is just such a blob.
    """
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    widths, heights = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    least = SCRAWL_MIN_INCHES * dpi
    big = (np.maximum(widths, heights) >= least) & (np.minimum(widths, heights) >= least / 4)
    scrawls = big & (stats[:, cv2.CC_STAT_AREA] < SCRAWL_MAX_FILL * widths * heights)
    scrawls[0] = False
    if not scrawls.any():
        return gray
    # only around the scrawls (a box filter over the whole page costs more than the rest)
    boxes = stats[scrawls]
    top, left = max(0, boxes[:, 1].min() - SCRAWL_WINDOW), max(0, boxes[:, 0].min() - SCRAWL_WINDOW)
    bottom = (boxes[:, 1] + boxes[:, 3]).max() + SCRAWL_WINDOW
    right = (boxes[:, 0] + boxes[:, 2]).max() + SCRAWL_WINDOW
    near_labels = labels[top:bottom, left:right]
    strokes = scrawls[near_labels]
    # where a printed letter touches the scrawl (a signature running into the signer's name),
    # the ink around it is dense: keep that part
    density = cv2.boxFilter((ink[top:bottom, left:right] > 0).astype(np.float32), -1, (SCRAWL_WINDOW, SCRAWL_WINDOW))
    letters = cv2.dilate((density >= SCRAWL_LETTER_DENSITY).astype(np.uint8), np.ones((7, 7), np.uint8))
    strokes &= letters == 0  # (grown: a letter's corners have less ink around them than its middle)
    removed = cv2.dilate(strokes.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    removed &= (near_labels == 0) | scrawls[near_labels]
    cleaned = gray.copy()
    cleaned[top:bottom, left:right][removed] = 255
    return cleaned


SPECK_AREA = 50
SPECK_REACH = 12
# A period sits on the baseline: its bottom in the lowest part of the letter before it (a
# descender letter's baseline is ~0.7 of its height), and within 1.5 reaches of its box.
BASELINE_SHARE = 0.65
PERIOD_GAP_REACHES = 1.5
# A speck floating in a word gap: its bottom above this share of the letters beside it.
MIDLINE_SHARE = 0.62
# ... or far thinner than the letters' strokes (a period is about a stroke wide, ~0.25 x-height).
TINY_SHARE = 0.16


def remove_specks(gray: np.ndarray, max_area: int = SPECK_AREA, reach: int = SPECK_REACH) -> np.ndarray:
    """Paint white the small blobs of ink (scanner dust, toner dots) that are no mark of a letter.

    At 300 DPI a speck is a roundish blob under ~50 px; so are a period or a diacritic. Marks
    of letters are placed: a diacritic or an i-dot above or below a letter, a period on the
    baseline right after one, a colon's dots stacked. Dust lands anywhere. So a small blob
    goes if no larger blob is within ``reach`` pixels — unless it sits on the baseline just
    after a letter (the period after "y" or "1" lies farther than ``reach`` from the ink) or
    stacks with another dot — and it also goes if it floats at mid-height in a gap between two
    letters with nothing above or below it (dust between words, read as "sổ.theo"). An
    elongated blob (a hyphen, a bullet dash) always survives. Removed blobs go with their
    grey anti-aliased rim, which would otherwise stay as a hollow ring.
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
    specks[_periods(stats, specks, ~small, reach)] = False
    specks[_floating(stats, small & touching, reach)] = True
    if not specks.any():
        return gray
    removed = cv2.dilate(specks[labels].astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    removed &= (labels == 0) | specks[labels]  # the rim, never a neighbouring letter's ink
    cleaned = gray.copy()
    cleaned[removed] = 255
    return cleaned


MAX_PAIR_CHECKS = 20_000_000
PAIR_CHUNK = 256


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


@dataclass(frozen=True)
class _Boxes:
    """Left, top, right, bottom (exclusive) and height of some components, as float columns."""

    l: np.ndarray
    t: np.ndarray
    r: np.ndarray
    b: np.ndarray
    h: np.ndarray

    @classmethod
    def of(cls, stats: np.ndarray, ids: np.ndarray, column: bool) -> _Boxes:
        left, top = stats[ids, cv2.CC_STAT_LEFT].astype(float), stats[ids, cv2.CC_STAT_TOP].astype(float)
        width, height = stats[ids, cv2.CC_STAT_WIDTH].astype(float), stats[ids, cv2.CC_STAT_HEIGHT].astype(float)
        shape = (-1, 1) if column else (1, -1)
        return cls(*(v.reshape(shape) for v in (left, top, left + width, top + height, height)))


def _any_pair(stats: np.ndarray, ids: np.ndarray, others: np.ndarray,
              relation: Callable[[_Boxes, _Boxes], np.ndarray]) -> np.ndarray:
    """For each of ``ids``: does ``relation(it, other)`` hold for some of ``others``? (chunked)"""
    found = np.zeros(ids.size, dtype=bool)
    if not ids.size or not others.size:
        return found
    theirs = _Boxes.of(stats, others, column=False)
    for start in range(0, ids.size, PAIR_CHUNK):
        mine = _Boxes.of(stats, ids[start:start + PAIR_CHUNK], column=True)
        found[start:start + PAIR_CHUNK] = relation(mine, theirs).any(axis=1)
    return found


def _periods(stats: np.ndarray, candidates: np.ndarray, letters: np.ndarray, reach: int) -> np.ndarray:
    """Labels among ``candidates`` sitting on the baseline just right of a letter at least twice
    their height: a period or a colon's lower dot."""
    ids, others = np.flatnonzero(candidates), np.flatnonzero(letters)
    others = others[others > 0]

    def after_on_baseline(dot: _Boxes, letter: _Boxes) -> np.ndarray:
        gap = dot.l - letter.r
        return ((gap >= -1) & (gap <= PERIOD_GAP_REACHES * reach) & (letter.h >= 2 * dot.h)
                & (dot.b <= letter.b + 3) & (dot.b >= letter.t + BASELINE_SHARE * letter.h))
    return ids[_any_pair(stats, ids, others, after_on_baseline)]


def _floating(stats: np.ndarray, candidates: np.ndarray, reach: int) -> np.ndarray:
    """Labels among ``candidates`` in a gap between two letters, with no blob above or below
    them, and either well above the letters' baseline or far thinner than a stroke of theirs:
    dust between words. A Vietnamese mark sits above or below its letter; a period sits on
    the baseline and is as thick as the strokes beside it."""
    ids = np.flatnonzero(candidates)
    everything = np.arange(1, stats.shape[0])
    letters = everything[(stats[1:, cv2.CC_STAT_AREA] >= SPECK_AREA)]

    def stacked(dot: _Boxes, other: _Boxes) -> np.ndarray:
        overlap = (other.l <= dot.r + 2) & (dot.l <= other.r + 2)
        apart = np.maximum(other.t - dot.b, dot.t - other.b)
        return overlap & (apart <= reach) & ((other.l != dot.l) | (other.t != dot.t))  # not itself

    def beside(left_side: bool) -> Callable[[_Boxes, _Boxes], np.ndarray]:
        def relation(dot: _Boxes, letter: _Boxes) -> np.ndarray:
            gap = dot.l - letter.r if left_side else letter.l - dot.r
            midline = dot.b < letter.t + MIDLINE_SHARE * letter.h
            tiny = np.maximum(dot.r - dot.l, dot.h) < TINY_SHARE * letter.h
            return ((gap >= 0) & (gap <= reach) & (letter.h >= 2 * dot.h) & (dot.t >= letter.t)
                    & (dot.b <= letter.b + 2) & (midline | tiny))
        return relation
    floating = _any_pair(stats, ids, letters, beside(True)) & _any_pair(stats, ids, letters, beside(False))
    ids = ids[floating]
    return ids[~_any_pair(stats, ids, everything, stacked)]


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
    bilevel = is_bilevel(gray)
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
    if options.remove_scrawls and not bilevel:
        gray = remove_scrawls(gray, source_dpi * scale)
    if options.remove_specks:
        gray = remove_specks(gray)
    if options.binarize:
        gray = binarize(gray)
    return Prepared(gray, scale, angle, tables)
