"""Units of the text stages: reading order, text-layer verdicts, syllables, deskew, ink removal."""

from __future__ import annotations

import numpy as np
import pytest
from ingest_pages import Degradation, letter_page

from minhchung.ingest.document import BBox
from minhchung.ingest.layout import RawWord, arrange_blocks, assemble_page
from minhchung.ingest.normalize import normalize_text
from minhchung.ingest.ocr import is_ocr_junk
from minhchung.ingest.preprocess import (
    estimate_skew,
    find_rules,
    find_tables,
    remove_specks,
    suppress_colour_ink,
    suppress_grey_seal,
    to_gray,
)
from minhchung.ingest.textlayer import judge_text_layer
from minhchung.ingest.vietnamese import invalid_syllable_rate, is_vietnamese_syllable


def _row(y: float, *segments: tuple[float, str]) -> list[RawWord]:
    """Words of one row; each segment starts at x and its words are 6 pt per letter + 3 pt space."""
    words = []
    for x, text in segments:
        for token in text.split():
            width = 6.0 * len(token)
            words.append(RawWord(text=token, box=BBox(l=x, t=y, r=x + width, b=y + 11)))
            x += width + 3
    return words


def _block_texts(words: list[RawWord]) -> list[str]:
    page = assemble_page(1, 595, 842, "text-layer", arrange_blocks(words))
    return ["\n".join(line.text for line in block.lines) for block in page.blocks]


def test_letter_header_columns_are_separate_blocks_left_first():
    words = (_row(40, (60, "UBND HUYỆN AN PHÚ"), (300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
             + _row(54, (50, "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"), (320, "Độc lập - Tự do - Hạnh phúc"))
             + _row(68, (70, "Số: 12/PGDĐT"), (310, "An Phú, ngày 5 tháng 3 năm 2025"))
             + _row(82, (60, "V/v tập huấn"))
             + _row(120, (200, "KẾ HOẠCH"))
             + _row(134, (60, "Căn cứ kế hoạch năm học nhà trường tổ chức tự đánh giá chất lượng")))
    assert _block_texts(words) == [
        "UBND HUYỆN AN PHÚ\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO\nSố: 12/PGDĐT\nV/v tập huấn",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nAn Phú, ngày 5 tháng 3 năm 2025",
        "KẾ HOẠCH\nCăn cứ kế hoạch năm học nhà trường tổ chức tự đánh giá chất lượng",
    ]


def test_a_single_wide_gap_row_is_not_a_column_band():
    words = _row(40, (60, "Điều 1."), (200, "Thành lập hội đồng")) + _row(54, (60, "gồm các ông bà có tên sau đây và các tổ trưởng"))
    assert _block_texts(words) == ["Điều 1. Thành lập hội đồng\ngồm các ông bà có tên sau đây và các tổ trưởng"]


def test_signers_names_below_the_signature_space_stay_under_their_titles():
    words = (_row(400, (60, "Cuộc họp kết thúc lúc 10 giờ 30 cùng ngày và các thành viên thống nhất"))
             + _row(430, (90, "THƯ KÝ"), (380, "TRƯỞNG BAN"))
             + _row(500, (70, "Lã Thị Hương"), (370, "Quách Văn Lực")))  # ≈ 5 line heights of signatures
    assert _block_texts(words)[-2:] == ["THƯ KÝ\nLã Thị Hương", "TRƯỞNG BAN\nQuách Văn Lực"]


def test_a_far_two_column_row_is_not_pulled_into_an_earlier_band():
    words = (_row(100, (90, "THƯ KÝ"), (380, "TRƯỞNG BAN"))
             + _row(400, (70, "Nơi nhận"), (370, "Phụ lục kèm theo")))  # a page-third away: not signatures
    assert _block_texts(words) == ["THƯ KÝ TRƯỞNG BAN", "Nơi nhận Phụ lục kèm theo"]


def test_paragraph_gap_starts_a_new_block_and_offsets_index_the_text():
    words = _row(40, (60, "Dòng một")) + _row(54, (60, "Dòng hai")) + _row(100, (60, "Đoạn mới"))
    page = assemble_page(1, 595, 842, "text-layer", arrange_blocks(words))
    assert page.text == "Dòng một\nDòng hai\n\nĐoạn mới"
    word = page.blocks[1].lines[0].words[0]
    assert page.text[word.start:word.end] == "Đoạn" and word.bbox.t == 100


def test_words_are_normalised_before_offsets():
    words = [RawWord("hoà", BBox(l=10, t=10, r=40, b=20)), RawWord("Ðồng\u00ad", BBox(l=45, t=10, r=80, b=20))]
    page = assemble_page(1, 595, 842, "ocr", arrange_blocks(words))
    assert page.text == "hòa Đồng" == normalize_text(page.text)
    assert [(w.start, w.end) for w in page.blocks[0].lines[0].words] == [(0, 3), (4, 8)]


@pytest.mark.parametrize(("token", "valid"), [
    ("trường", True), ("nghiêng", True), ("khuyến", True), ("Quyết", True), ("giữa", True),
    ("tập", True), ("tẩp", False), ("hòa", True), ("Tr\u00adêng", False), ("häc", False), ("xyz", False),
])
def test_vietnamese_syllables(token: str, valid: bool):
    assert is_vietnamese_syllable(token) is valid


def test_text_layer_verdicts():
    good = "Căn cứ kế hoạch năm học, nhà trường tổ chức tự đánh giá chất lượng giáo dục theo quy định hiện hành."
    assert judge_text_layer(good, 40).usable
    assert not judge_text_layer("Trang 1", 40).usable
    tcvn3 = "Tr\u00adêng häc ®\u00adîc c«ng nhËn ®¹t chuÈn quèc gia vµ ®¸nh gi¸ ngoµi " * 3
    verdict = judge_text_layer(tcvn3, 40)  # a .VnTime layer is converted, not OCR'd
    assert verdict.usable and verdict.reason.startswith("converted from TCVN3")
    garbage = "Trzêng hqc ®xîc cgng nhXn ®zt chuwn quyc gia vq ®snh gzs ngozi " * 3
    verdict = judge_text_layer(garbage, 40)
    assert not verdict.usable and "not Vietnamese syllables" in verdict.reason
    unaccented = "Can cu ke hoach nam hoc nha truong to chuc tu danh gia chat luong giao duc " * 3
    assert not judge_text_layer(unaccented, 40).usable  # an English OCR engine's layer: no marks
    assert invalid_syllable_rate(good) == 0.0
    assert not judge_text_layer("(cid:12)(cid:45)(cid:77) " * 10, 40).usable


@pytest.mark.parametrize("skew", [3.0, -1.37])
def test_deskew_estimates_the_applied_angle_to_a_few_hundredths(skew: float):
    page = letter_page(5, Degradation(seal=False, signature=False, skew_degrees=skew), sentences=4)
    angle = estimate_skew(to_gray(np.asarray(page.image)))
    assert angle == pytest.approx(-skew, abs=0.03)


def _grid(rows: list[int], columns: list[int], merged_first_row: bool = False) -> np.ndarray:
    page = np.full((1200, 1000), 255, np.uint8)
    for y in rows:
        page[y:y + 3, columns[0]:columns[-1] + 3] = 0
    for x in columns:
        top = rows[1] if merged_first_row and x not in (columns[0], columns[-1]) else rows[0]
        page[top:rows[-1] + 3, x:x + 3] = 0
    return page


def test_ruled_table_cells_are_found_row_by_row_with_merged_cells():
    page = _grid([100, 180, 260, 340], [100, 400, 600, 900], merged_first_row=True)
    page[600:603, 100:900] = 0  # a lone underline elsewhere is not a table
    [table] = find_tables(find_rules(page))
    assert [len(cells) for _, _, cells in table.rows] == [1, 3, 3]
    top, bottom, cells = table.rows[1]
    assert abs(top - 181) <= 2 and abs(bottom - 261) <= 2
    assert [(round(a, -1), round(b, -1)) for a, b in cells] == [(100, 400), (400, 600), (600, 900)]


def test_a_framed_paragraph_is_not_a_table():
    assert find_tables(find_rules(_grid([100, 180, 260], [100, 900]))) == []


def test_isolated_specks_go_diacritic_dots_and_periods_stay():
    page = np.full((300, 400), 255, np.uint8)
    page[100:140, 100:130] = 0   # a letter
    page[146:151, 112:117] = 0   # its dot below (ạ), 6 px under it
    page[134:140, 134:139] = 0   # a period after it
    page[30:34, 300:304] = 0     # dust in the margin
    page[200:205, 110:115] = 0   # dust between lines
    page[200:205, 300:305] = 0   # a colon set far from its letter: two stacked dots
    page[214:219, 300:305] = 0
    cleaned = remove_specks(page)
    assert (cleaned[100:151, 100:140] == page[100:151, 100:140]).all()
    assert (cleaned[200:219, 300:305] == page[200:219, 300:305]).all()
    assert (cleaned[30:34, 300:304] == 255).all() and (cleaned[200:205, 110:115] == 255).all()


def test_seal_and_signature_ink_are_painted_white_black_text_kept():
    page = np.full((60, 90, 3), 255, np.uint8)
    page[10:20, 10:80] = (205, 30, 40)      # red seal ring
    page[30:40, 10:80] = (25, 45, 170)      # blue signature
    page[45:55, 10:80] = (15, 15, 15)       # black print
    page[12:18, 40:45] = (30, 10, 10)       # black print under the seal
    cleaned = suppress_colour_ink(page)
    assert (cleaned[10:20, 10:35] == 255).all() and (cleaned[30:40, 10:80] == 255).all()
    assert (cleaned[45:55, 10:80] == 15).all()
    assert (cleaned[13:17, 41:44] == (30, 10, 10)).all()


def test_a_stray_mark_in_the_margin_does_not_open_a_column_band():
    words = (_row(40, (20, "¬"), (60, "1. Cải tạo sửa chữa bốn phòng học bộ môn Khoa học"))
             + _row(54, (60, "ngữ, Công nghệ);"))
             + _row(68, (60, "2. Bổ sung máy tính cho phòng Tin học")))
    assert _block_texts(words) == ["¬ 1. Cải tạo sửa chữa bốn phòng học bộ môn Khoa học\nngữ, Công nghệ);\n2. Bổ sung máy tính cho phòng Tin học"]


def test_a_stray_mark_between_header_columns_joins_the_nearer_column():
    words = (_row(40, (60, "UBND XÃ HÒA AN"), (300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
             + _row(54, (50, "TRƯỜNG THCS HÒA AN"), (270, "|"), (310, "Độc lập - Tự do - Hạnh phúc"))
             + _row(68, (70, "Số: 30/KH"), (310, "Hòa An, ngày 2 tháng 10 năm 2026")))
    assert _block_texts(words) == [
        "UBND XÃ HÒA AN\nTRƯỜNG THCS HÒA AN\nSố: 30/KH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n| Độc lập - Tự do - Hạnh phúc\nHòa An, ngày 2 tháng 10 năm 2026",
    ]


def test_a_grey_round_seal_is_erased_and_black_print_under_it_kept():
    import cv2

    page = np.full((800, 800), 235, np.uint8)
    cv2.circle(page, (400, 400), 160, 140, thickness=10)       # the seal ring, mid-grey
    cv2.putText(page, "SEAL", (300, 420), cv2.FONT_HERSHEY_SIMPLEX, 2, 140, 6)
    page[380:420, 500:700] = 20                                  # black print over the seal
    page[700:740, 100:300] = 140                                 # grey print away from any seal
    cleaned = suppress_grey_seal(page)
    seal_ink = page[200:600, 200:600] == 140
    assert (cleaned[200:600, 200:600][seal_ink] == 255).all()
    assert (cleaned[380:420, 500:700] == 20).all()
    assert (cleaned[700:740, 100:300] == 140).all()


def test_text_lines_are_not_taken_for_a_seal():
    page = letter_page(7, Degradation(seal=False, signature=False), sentences=6)
    gray = to_gray(np.asarray(page.image))
    assert (suppress_grey_seal(gray) == gray).all()


@pytest.mark.parametrize(("text", "confidence", "junk"), [
    ("SN", 38, True), ("\\JN", 18, True), ("ˆ", 50, True), (":", 55, True),
    ("Lưu", 35, False), ("12", 20, False), ("VT.", 90, False), ("QLCL", 85, False),
])
def test_pen_strokes_and_dust_read_as_text_are_junk_words_are_not(text: str, confidence: float, junk: bool):
    assert is_ocr_junk(text, confidence) is junk
