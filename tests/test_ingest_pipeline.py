"""End-to-end extraction with real pdfplumber, PDFium and Tesseract on pages rendered here."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest
from ingest_pages import (
    Degradation,
    born_digital_letter,
    concatenate_pdfs,
    image_bytes,
    letter_page,
    scan_with_hidden_text,
    scanned_pdf,
)
from PIL import Image

from minhchung.ingest.document import Document
from minhchung.ingest.intake import read_upload
from minhchung.ingest.normalize import normalize_text
from minhchung.ingest.pipeline import extract_document, render_page_png
from minhchung.ingest.settings import IngestSettings, OcrSettings
from minhchung.ui.commands.text import text_command

SETTINGS = IngestSettings(ocr=OcrSettings(workers=2))
BODY = ["KẾ HOẠCH", "Tự đánh giá chất lượng giáo dục năm học 2024-2025",
        "Căn cứ kế hoạch năm học, nhà trường tổ chức tự đánh giá và hoà giải.",
        "Hội đồng gồm hiệu trưởng và các tổ trưởng chuyên môn."]
TABLE = [["TT", "Nội dung", "Thời hạn"], ["1", "Rà soát minh chứng", "15/5/2025"], ["2", "Viết báo cáo", "30/5/2025"]]
# The layer a poor OCR tool leaves on a scan: TCVN3 glyph soup, not Vietnamese.
# What an English-only OCR engine leaves over a Vietnamese scan (a TCVN3 layer would now be
# converted and trusted, see test_ingest_legacy_encoding.py).
GARBAGE_LAYER = "\n".join(["Tnrong hqc dtrqc c6ng nhan dat chuan qu6c gia va danh gia ngoai"] * 4)


def _assert_offsets_exact(document: Document) -> None:
    for page in document.pages:
        assert normalize_text(page.text) == page.text
        for block in page.blocks:
            assert page.text[block.start:block.end] == "\n".join(line.text for line in block.lines)
            for line in block.lines:
                assert page.text[line.start:line.end] == line.text
                for word in line.words:
                    assert page.text[word.start:word.end] == word.text


def test_born_digital_letter_reads_header_columns_and_table():
    data = born_digital_letter(BODY, TABLE)
    document = extract_document(read_upload(data, SETTINGS, filename="kh.pdf"), SETTINGS)
    page = document.pages[0]
    assert page.strategy == "text-layer" and page.confidence is None
    texts = ["\n".join(line.text for line in block.lines) for block in page.blocks]
    assert texts[0] == "UBND HUYỆN THANH BÌNH\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO\nSố: 12/PGDĐT-TH"
    assert texts[1] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nThanh Bình, ngày 5 tháng 3 năm 2025"
    table = next(block for block in page.blocks if block.kind == "table")
    assert table.rows == TABLE
    assert "1 | Rà soát minh chứng | 15/5/2025" in page.text
    assert "tự đánh giá và hòa giải." in page.text  # "hoà" normalised to the classic placement
    _assert_offsets_exact(document)
    hit = page.text.index("Hạnh phúc")
    box = page.bbox_of(hit, hit + len("Hạnh phúc"))
    assert box is not None and box.l > 595 / 2 and 55 < box.t < 80


@pytest.fixture(scope="module")
def mixed() -> tuple[Document, object]:
    """Text page, scanned page (seal, skew), scanned page with a garbage hidden layer."""
    scan = letter_page(3, Degradation(skew_degrees=1.5, noise=0.001), sentences=2)
    garbage_scan = letter_page(4, Degradation(seal=False), sentences=1)
    data = concatenate_pdfs([
        born_digital_letter(BODY),
        scanned_pdf([scan.image]),
        scan_with_hidden_text(garbage_scan.image, GARBAGE_LAYER),
    ])
    progress: list[tuple[int, int]] = []
    document = extract_document(read_upload(data, SETTINGS, filename="hon-hop.pdf"), SETTINGS,
                                progress=lambda done, total: progress.append((done, total)))
    return document, (scan, garbage_scan, progress)


@pytest.mark.slow
def test_mixed_pdf_takes_the_right_strategy_per_page(mixed):
    document, (scan, garbage_scan, progress) = mixed
    assert [p.strategy for p in document.pages] == ["text-layer", "ocr", "ocr"]
    assert [p.number for p in document.pages] == [1, 2, 3]
    assert progress[-1] == (3, 3) and len(progress) == 3
    assert "Độc lập - Tự do - Hạnh phúc" in document.pages[1].text
    assert "®" not in document.pages[2].text and "Độc lập - Tự do - Hạnh phúc" in document.pages[2].text
    for page in document.pages[1:]:
        assert page.confidence is not None and page.confidence > 80 and not page.low_confidence
    _assert_offsets_exact(document)


@pytest.mark.slow
def test_ocr_provenance_maps_back_to_page_and_box(mixed):
    document, (scan, _garbage, _progress) = mixed
    phrase = "Độc lập - Tự do - Hạnh phúc"
    start = document.text.index(phrase, document.page_starts()[1])
    span = document.span_at(start, start + len(phrase))
    assert span.page == 2 and span.document_id == document.id
    page = document.pages[span.page - 1]
    assert page.text[span.start:span.end] == phrase
    box = page.bbox_of(span.start, span.end)
    drawn = scan.line_boxes[phrase]  # pixels at 300 DPI before a 1.5° skew about the centre
    to_px = 300 / 72
    assert box is not None
    # the skew moves this line by at most ~35 px; the OCR box must cover the drawn line
    slack = 40
    assert box.l * to_px <= drawn[0] + slack and box.r * to_px >= drawn[2] - slack
    assert abs(box.t * to_px - drawn[1]) < slack and abs(box.b * to_px - drawn[3]) < slack


@pytest.mark.slow
def test_multipage_tiff_is_ocred_page_by_page():
    pages = [letter_page(seed, Degradation(seal=False, signature=False), sentences=1) for seed in (1, 2)]
    frames = [p.image.crop((0, 0, 2480, 1400)).convert("L") for p in pages]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300), compression="tiff_lzw")
    document = extract_document(read_upload(buffer.getvalue(), SETTINGS, filename="scan.tif"), SETTINGS)
    assert [p.strategy for p in document.pages] == ["ocr", "ocr"]
    assert "TRƯỜNG THPT NGUYỄN TRÃI" in document.pages[0].text
    assert "TRƯỜNG MẦM NON HOA SEN" in document.pages[1].text
    assert document.pages[0].width == pytest.approx(595.2, abs=0.5)


def test_docx_paragraphs_and_tables():
    word = docx.Document()
    word.add_paragraph("QUYẾT ĐỊNH")
    word.add_paragraph("Về việc thành lập Hội đồng tự đánh giá, hoà nhập")
    table = word.add_table(rows=2, cols=2)
    for r, row in enumerate([["Họ và tên", "Chức vụ"], ["Nguyễn Văn An", "Hiệu trưởng"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    word.add_paragraph("Điều 2. Quyết định có hiệu lực kể từ ngày ký.")
    buffer = io.BytesIO()
    word.save(buffer)
    document = extract_document(read_upload(buffer.getvalue(), SETTINGS, filename="qd.docx"), SETTINGS)
    page = document.pages[0]
    assert page.strategy == "docx"
    assert page.text == ("QUYẾT ĐỊNH\n\nVề việc thành lập Hội đồng tự đánh giá, hòa nhập\n\n"
                         "Họ và tên | Chức vụ\nNguyễn Văn An | Hiệu trưởng\n\n"
                         "Điều 2. Quyết định có hiệu lực kể từ ngày ký.")


def test_plain_text_is_normalised_per_page():
    data = "Kế hoạch thuỷ lợi\r\nNgày 5\fTrang hai".encode("utf-8-sig")
    document = extract_document(read_upload(data, SETTINGS, filename="a.txt"), SETTINGS)
    assert [p.text for p in document.pages] == ["Kế hoạch thủy lợi\nNgày 5", "Trang hai"]
    assert document.pages[0].strategy == "plain-text"


def test_render_page_png_for_the_ui(tmp_path: Path):
    path = tmp_path / "blob"
    path.write_bytes(born_digital_letter(BODY))
    png = render_page_png(path, 1, dpi=72)
    with Image.open(io.BytesIO(png)) as image:
        assert abs(image.size[0] - 595) <= 1 and abs(image.size[1] - 842) <= 1
        assert image.convert("L").getextrema()[0] < 100  # some ink was rendered


def test_text_command_prints_text_and_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    good = tmp_path / "kh.pdf"
    good.write_bytes(born_digital_letter(BODY))
    assert text_command(good, SETTINGS) == 0
    assert capsys.readouterr().out.startswith("UBND HUYỆN THANH BÌNH\n")
    bad = tmp_path / "fake.pdf"
    bad.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    failed = subprocess.run([sys.executable, "-m", "minhchung.ui.cli", "text", str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and failed.stdout == ""
    assert "Windows executable" in failed.stderr and "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_sideways_scan_is_turned_upright_and_boxes_stay_on_the_stored_page():
    page = letter_page(2, Degradation(seal=False, signature=False), sentences=1)
    sideways = page.image.crop((0, 0, 2480, 1300)).rotate(90, expand=True)  # counter-clockwise
    document = extract_document(read_upload(image_bytes(sideways), SETTINGS, filename="ngang.png"), SETTINGS)
    result = document.pages[0]
    assert result.text.startswith("UBND XÃ HÒA AN\nTRƯỜNG MẦM NON HOA SEN")
    assert (round(result.width), round(result.height)) == (312, 595)
    start = result.text.index("UBND")
    box = result.bbox_of(start, start + 4)
    # upright top-left corner of the letter is the bottom-left of the stored (turned) image
    assert box is not None and box.l < 80 and box.t > 420 and box.b - box.t > box.r - box.l


def test_scanned_ruled_table_becomes_a_table_block_read_cell_by_cell():
    pdf = pdfium.PdfDocument(born_digital_letter(BODY, TABLE))
    image = pdf[0].render(scale=300 / 72).to_pil().convert("RGB")
    pdf.close()
    data = scanned_pdf([image])
    document = extract_document(read_upload(data, SETTINGS, filename="kh-scan.pdf"), SETTINGS)
    page = document.pages[0]
    assert page.strategy == "ocr"
    table = next(block for block in page.blocks if block.kind == "table")
    assert table.rows == TABLE
    assert "1 | Rà soát minh chứng | 15/5/2025" in page.text
    assert page.text.index("Tự đánh giá chất lượng") < page.text.index("TT | Nội dung")
    _assert_offsets_exact(document)
