"""Preprocessing before Tesseract: ink crossings, pale pen lines, specks that are not marks.

Synthetic images isolate each rule; one integration test runs real Tesseract on a rendered
stamped and signed letter where the signature crosses the seal's rim.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from ingest_pages import Degradation, image_bytes, letter_page
from minhchung.ingest.intake import read_upload
from minhchung.ingest.pipeline import extract_document
from minhchung.ingest.preprocess import (
    colour_ink_mask,
    is_bilevel,
    remove_scrawls,
    remove_specks,
    suppress_colour_ink,
    suppress_grey_seal,
)
from minhchung.ingest.settings import IngestSettings, OcrSettings

RED, BLUE, BLACK = (205, 30, 40), (25, 45, 170), (15, 15, 15)


def _page(height: int = 400, width: int = 600) -> np.ndarray:
    return np.full((height, width, 3), 255, np.uint8)


def test_where_signature_crosses_seal_the_dark_patch_goes_black_print_stays():
    page = _page()
    cv2.circle(page, (300, 200), 150, RED, thickness=10)
    cv2.line(page, (100, 200), (500, 200), BLUE, thickness=6)
    page[195:206, 445:456] = (17, 14, 63)        # both inks multiplied: dark, still tinted
    page[180:240, 140:165] = BLACK               # a printed letter the seal's rim runs over
    cleaned = suppress_colour_ink(page)
    assert (cleaned[195:206, 445:456] == 255).all()
    inside = cleaned[182:238, 142:163]  # (the mask's one-pixel growth may take the letter's edge)
    assert (inside == BLACK).all()


def test_a_piece_of_black_letter_cut_off_by_seal_strokes_is_kept():
    page = _page()
    page[100:160, 100:130] = BLACK               # a letter stem ...
    page[120:126, 95:135] = RED                  # ... crossed by two strokes of the seal's lettering
    page[134:140, 95:135] = RED
    cleaned = suppress_colour_ink(page)
    assert (cleaned[127:133, 100:130] == BLACK).all()   # the piece between the strokes: neutral black


def test_a_pale_stretch_of_pen_line_joined_to_the_stroke_is_ink_an_isolated_one_is_not():
    page = _page()
    page[100:104, 50:250] = BLUE                  # the signature stroke
    page[100:103, 250:400] = (120, 130, 150)      # its underline after JPEG smeared the colour
    page[300:303, 250:400] = (120, 130, 150)      # the same tone with no ink joined to it
    mask = colour_ink_mask(page)
    assert mask[100:103, 250:400].all()
    assert not mask[300:303, 250:400].any()


def test_the_red_seal_does_not_grow_into_pale_red_edges_of_print_under_it():
    page = _page()
    page[100:120, 50:250] = RED                   # the seal's stroke
    page[120:123, 50:250] = (150, 110, 115)       # the tinted edge of a printed title beneath it
    assert not colour_ink_mask(page)[121:123, 50:250].any()


def _letters(page: np.ndarray, *lefts: int, top: int = 100, height: int = 30, width: int = 20) -> None:
    for left in lefts:
        page[top:top + height, left:left + width] = 0


def test_a_period_on_the_baseline_after_a_wide_letter_stays_beyond_reach():
    page = np.full((300, 400), 255, np.uint8)
    _letters(page, 100)
    page[122:130, 120:124] = 255                 # the letter's lower right is open ("y", "1"): far ink
    page[124:130, 135:141] = 0                   # the period, 15 px right of the letter's box
    page[60:66, 300:306] = 0                     # dust in the margin
    cleaned = remove_specks(page)
    assert (cleaned[124:130, 135:141] == 0).all()
    assert (cleaned[58:68, 298:308] == 255).all()  # dust gone, its rim too


def test_a_speck_floating_between_two_words_goes_a_tone_mark_above_stays():
    page = np.full((300, 400), 255, np.uint8)
    _letters(page, 100, 135)
    page[108:113, 124:129] = 0                   # dust mid-height in the gap between letters
    page[88:94, 140:146] = 0                     # a tone mark 6 px above the right letter
    page[120:123, 214:217] = 0                   # tiny dust low in a gap: far thinner than a period
    _letters(page, 190, 220)
    cleaned = remove_specks(page)
    assert (cleaned[108:113, 124:129] == 255).all()
    assert (cleaned[120:123, 214:217] == 255).all()
    assert (cleaned[88:94, 140:146] == 0).all()


def test_a_grey_rim_of_a_speck_goes_with_it():
    page = np.full((200, 200), 255, np.uint8)
    page[20:60, 20:60] = 0                               # print elsewhere on the page
    cv2.circle(page, (100, 100), 4, 200, thickness=-1)   # the anti-aliased halo, 2 px wide
    cv2.circle(page, (100, 100), 2, 0, thickness=-1)     # the dark core of the speck
    assert (remove_specks(page)[90:111, 90:111] == 255).all()


def test_a_dark_signature_scrawl_goes_printed_letters_stay_even_where_it_touches_them():
    page = np.full((600, 900), 250, np.uint8)
    points = np.array([[100 + 12 * i, 250 + int(90 * np.sin(i / 3))] for i in range(40)], np.int32)
    cv2.polylines(page, [points], False, 40, thickness=4)          # the signature, in dark ink
    for left in range(520, 760, 40):
        page[300:345, left:left + 30] = 30                          # the signer's name ...
    cv2.line(page, tuple(int(v) for v in points[-1]), (525, 320), 40, thickness=4)  # ... its first letter touched by the stroke
    page[450:490, 100:400:12] = 30                                  # a line of narrow letters elsewhere
    cleaned = remove_scrawls(page)
    assert (cleaned[points[5:30, 1], points[5:30, 0]] == 255).all()
    assert (cleaned[300:345, 520:760] == page[300:345, 520:760]).all()
    assert (cleaned[450:490, 100:400] == page[450:490, 100:400]).all()


def test_bilevel_pages_are_told_from_grey_ones():
    grey = np.full((300, 300), 245, np.uint8)
    grey[100:200, 100:200] = np.linspace(20, 200, 100, dtype=np.uint8)
    assert not is_bilevel(grey)
    assert is_bilevel(np.where(grey < 128, 0, 255).astype(np.uint8))


def test_a_patchy_grey_seal_ring_is_found_although_hough_misses_its_centre():
    rng = np.random.default_rng(3)
    page = np.full((1000, 1000), 250, np.uint8)
    ring = np.zeros_like(page)
    cv2.circle(ring, (500, 500), 220, 255, thickness=9)
    patchy = rng.uniform(0.55, 1.0, page.shape)
    page[ring > 0] = (250 - 110 * patchy[ring > 0]).astype(np.uint8)   # stamp ink pressed unevenly
    cleaned = suppress_grey_seal(page)
    assert (cleaned[ring > 0] == 255).mean() > 0.99


@pytest.mark.slow
def test_signature_crossing_the_seal_rim_does_not_move_the_recipient_line():
    page = letter_page(12, Degradation())
    settings = IngestSettings(ocr=OcrSettings(workers=1))
    text = extract_document(read_upload(image_bytes(page.image), settings, filename="stamped.png"), settings).text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    recipients = next(i for i, line in enumerate(lines) if line.startswith("- Lưu"))
    assert lines[recipients - 1] == "- Như trên;"
    assert lines.index("HIỆU TRƯỞNG") > recipients
    assert not any(line in ("/", "|", "I") for line in lines)
