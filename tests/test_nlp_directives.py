"""Reading letters: header fields, doc type, deadlines, quotas — one phenomenon per test.

Sentences are written for these tests in the style of real Sở/Phòng GD&ĐT letters.
"""

from __future__ import annotations

import time
from datetime import date

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from minhchung.ingest.document import Block, Document, Page
from minhchung.nlp import components
from minhchung.nlp.calendar_export import to_csv, to_ics
from minhchung.nlp.dates import PartialDate, find_dates, find_ranges
from minhchung.nlp.deadlines import add_working_days
from minhchung.nlp.directives import DirectiveReader

HEADER = """UBND TỈNH BẮC NINH
SỞ GIÁO DỤC VÀ ĐÀO TẠO
Số: 742/SGDĐT-KTKĐ
V/v hướng dẫn tự đánh giá
năm học 2025-2026

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Bắc Ninh, ngày 12 tháng 9 năm 2025

Kính gửi:
- Phòng Giáo dục và Đào tạo các huyện, thị xã;
- Các trường trung học phổ thông.
"""

FOOTER = """
Nơi nhận:
- Như trên;
- Lưu: VT, KTKĐ.

KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC

Lê Thị Minh Hạnh
"""


@pytest.fixture(scope="module")
def reader() -> DirectiveReader:
    return DirectiveReader.load()


def letter(body: str) -> str:
    return HEADER + "\n" + body + "\n" + FOOTER


def deadlines_of(reader: DirectiveReader, body: str) -> list[dict]:
    return reader.extract_text(letter(body)).to_json_dict()["deadlines"]


def quotas_of(reader: DirectiveReader, body: str) -> list[dict]:
    return reader.extract_text(letter(body)).to_json_dict()["quotas"]


# -- header -----------------------------------------------------------------------------------
def test_header_fields_of_a_cong_van(reader):
    data = reader.extract_text(letter("Các đơn vị thực hiện nghiêm túc./.")).to_json_dict()
    assert data["doc_type"] == "cong_van"
    assert data["number"] == "742/SGDĐT-KTKĐ"
    assert data["issuer"] == "Sở Giáo dục và Đào tạo Bắc Ninh"
    assert data["issuer_parent"] == "Ủy ban nhân dân tỉnh Bắc Ninh"
    assert data["issued_date"] == "2025-09-12"
    assert data["place"] == "Bắc Ninh"
    assert data["subject"] == "V/v hướng dẫn tự đánh giá năm học 2025-2026"
    assert data["recipients"] == ["Phòng Giáo dục và Đào tạo các huyện, thị xã", "Các trường trung học phổ thông"]
    assert data["signer"] == "Lê Thị Minh Hạnh"
    assert data["signer_authority"] == "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
    assert data["cc"] == ["Như trên", "Lưu: VT, KTKĐ"]


def test_two_column_header_interleaved_and_type_line(reader):
    text = """ỦY BAN NHÂN DÂN HUYỆN GIA LÂM CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TRƯỜNG THCS ĐÌNH XUYÊN Độc lập - Tự do - Hạnh phúc
Số : 05 / QĐ-THCS Gia Lâm, ngày 03 tháng 02 năm 2025

QUYẾT ĐỊNH
Về việc thành lập Hội đồng tự đánh giá
năm học 2024-2025

Điều 1. Thành lập Hội đồng tự đánh giá gồm 11 thành viên.
"""
    data = reader.extract_text(text).to_json_dict()
    assert data["doc_type"] == "quyet_dinh" and data["doc_type_source"] == "type-line"
    assert data["number"] == "05/QĐ-THCS"
    assert data["issued_date"] == "2025-02-03"
    assert data["place"] == "Gia Lâm"
    assert data["issuer"] == "Trường THCS Đình Xuyên"
    assert data["subject"] == "Về việc thành lập Hội đồng tự đánh giá năm học 2024-2025"


def test_ocr_noise_in_number_line_and_missing_diacritics(reader):
    text = """SO GIAO DUC VA DAO TAO
S6: 1O5/SGDĐT-GDTrH
Ha Noi, ngay 10 thang 3 nam 2025
V/v bao cao ket qua tu danh gia

Cac truong nop bao cao truoc ngay 25/3/2025.
"""
    data = reader.extract_text(text).to_json_dict()
    assert data["number"] == "105/SGDĐT-GDTrH"
    assert data["issued_date"] == "2025-03-10"
    assert data["doc_type"] == "cong_van"
    assert [d["date"] for d in data["deadlines"]] == ["2025-03-25"]


def test_blank_day_draft_keeps_month_and_year(reader):
    text = "SỞ GIÁO DỤC VÀ ĐÀO TẠO\nSố:    /TB-SGDĐT\nNam Định, ngày    tháng 01 năm 2021\n\nTHÔNG BÁO\nKết luận hội nghị\n"
    data = reader.extract_text(text + "\nCác đơn vị báo cáo về Sở trước ngày 30/01/2021.\n").to_json_dict()
    assert data["issued_date"] is None and data["issued_month"] == "2021-01"
    assert data["number"] is None
    assert data["doc_type"] == "thong_bao"


def test_doc_type_from_symbol_when_type_line_is_missing(reader):
    text = "TRƯỜNG MẦM NON HOA SEN\nSố: 12/KH-MNHS\nHải Dương, ngày 05 tháng 9 năm 2025\n\nNhà trường xây dựng kế hoạch năm học như sau.\n"
    data = reader.extract_text(text).to_json_dict()
    assert (data["doc_type"], data["doc_type_source"]) == ("ke_hoach", "symbol")


# -- deadlines --------------------------------------------------------------------------------
def test_before_and_no_later_than(reader):
    items = deadlines_of(reader, "Các trường nộp hồ sơ đăng ký về Sở trước ngày 20/10/2025. "
                                 "Phòng GD&ĐT tổng hợp danh sách, gửi về Sở chậm nhất ngày 05 tháng 11 năm 2025.")
    assert [(d["date"], d["mod"]) for d in items] == [("2025-10-20", "BEFORE"), ("2025-11-05", "ON_OR_BEFORE")]
    assert items[0]["quote"] == "trước ngày 20/10/2025"
    assert items[0]["who"] == "Các trường"
    assert items[1]["who"] == "Phòng GD&ĐT"
    assert items[1]["action"].startswith("tổng hợp danh sách")


def test_date_split_across_line_break_and_two_digit_year(reader):
    items = deadlines_of(reader, "Các trường hoàn thành báo cáo trước ngày 15 tháng 10\nnăm 2025; "
                                 "hồ sơ minh chứng cập nhật trước ngày 30/11/25.")
    assert [d["date"] for d in items] == ["2025-10-15", "2025-11-30"]
    assert "\n" in items[0]["quote"]


def test_cited_documents_issue_date_and_past_events_are_not_deadlines(reader):
    body = ("Căn cứ Thông tư số 18/2018/TT-BGDĐT ngày 22/8/2018 của Bộ GD&ĐT;\n"
            "Thực hiện Công văn số 1234/BGDĐT-QLCL ngày 04/9/2025 về việc hướng dẫn nhiệm vụ, "
            "Sở đã tổ chức hội nghị tập huấn vào ngày 08/9/2025.\n"
            "Vào lúc 8 giờ 00 ngày 10/9/2025, Sở đã họp với các phòng chuyên môn.\n"
            "Theo Quyết định 2071/QĐ-BGDĐT ngày 16 tháng 6 năm 2017 các đơn vị thực hiện.")
    assert deadlines_of(reader, body) == []


def test_month_only_forms_take_the_year_of_the_letter(reader):
    items = deadlines_of(reader, "- Các trường hoàn thiện hồ sơ vào cuối tháng 11.\n"
                                 "- Sở tổ chức đánh giá ngoài từ đầu tháng 3/2026.\n"
                                 "- Phòng GD&ĐT kiểm tra hồ sơ trong tháng 12/2025.")
    assert [(d["date"], d["mod"]) for d in items] == [("2025-11", "END"), ("2026-03", "START"), ("2025-12", "ON")]
    assert all(d["grain"] == "month" for d in items)


def test_range_from_to(reader):
    items = deadlines_of(reader, "Sở tổ chức tập huấn từ ngày 06 đến ngày 08 tháng 10 năm 2025 tại Hội trường.")
    assert len(items) == 1
    assert (items[0]["start"], items[0]["date"], items[0]["mod"]) == ("2025-10-06", "2025-10-08", "RANGE")


def test_yearly_recurring_pair(reader):
    items = deadlines_of(reader, "b) Đối với các trường THPT:\n"
                                 "- Cập nhật dữ liệu trên phần mềm trước ngày 15 tháng 5 và 15 tháng 12 hằng năm.")
    assert [(d["recurring"], d["date"]) for d in items] == [("05-15", None), ("12-15", None)]
    assert {d["who"] for d in items} == {"Các trường THPT"}


def test_periodic_reporting(reader):
    items = deadlines_of(reader, "Các đơn vị báo cáo kết quả thực hiện về Sở định kỳ 6 tháng.")
    assert [(d["recurring"], d["date"], d["who"]) for d in items] == [("P6M", None, "Các đơn vị")]


def test_relative_working_days_from_signing_are_counted_from_issue_date(reader):
    items = deadlines_of(reader, "Các trường gửi báo cáo trong vòng 10 ngày làm việc kể từ ngày ký văn bản này.")
    assert items[0]["relative"] == {"amount": 10, "unit": "working_day", "anchor": "signing"}
    assert items[0]["date"] == add_working_days(date(2025, 9, 12), 10).isoformat() == "2025-09-26"


def test_relative_from_receipt_has_no_calendar_date(reader):
    items = deadlines_of(reader, "Trong thời hạn 05 ngày kể từ ngày nhận được công văn, các trường báo cáo về Sở.")
    assert items[0]["relative"] == {"amount": 5, "unit": "day", "anchor": "receipt"}
    assert items[0]["date"] is None


def test_who_from_heading_and_sentence_subject_wins(reader):
    body = ("2. Đối với Phòng GD&ĐT:\n"
            "- Tổng hợp hồ sơ gửi về Sở trước ngày 10/10/2025;\n"
            "- Các trường THCS, trường tiểu học nộp báo cáo chậm nhất ngày 20/10/2025.\n"
            "3. Các trường THPT:\n"
            "- Hoàn thành tự đánh giá trước ngày 30/10/2025.")
    items = deadlines_of(reader, body)
    assert [d["who"] for d in items] == ["Phòng GD&ĐT", "Các trường THCS, trường tiểu học", "Các trường THPT"]


def test_who_falls_back_to_recipients(reader):
    items = deadlines_of(reader, "Đề nghị báo cáo kết quả trước ngày 25/9/2025.")
    assert items[0]["who"] == "Phòng Giáo dục và Đào tạo các huyện, thị xã; Các trường trung học phổ thông"


def test_time_of_day_before_the_date(reader):
    items = deadlines_of(reader, "Các trường cập nhật số liệu trước 16 giờ 30 ngày 28/12/2025.")
    assert (items[0]["date"], items[0]["mod"]) == ("2025-12-28", "BEFORE")


def test_year_and_quarter_targets(reader):
    items = deadlines_of(reader, "- Đến năm 2030, 100% trường đạt chuẩn quốc gia.\n- Quý IV/2025: hoàn thành cải tạo phòng học.")
    assert [(d["date"], d["grain"]) for d in items] == [("2030", "year"), ("2025-Q4", "quarter")]


def test_deadline_spans_point_at_the_page(reader):
    document = Document.from_text(letter("Trang một.") + "\f" + "Các trường nộp hồ sơ trước ngày 20/10/2025.",
                                  document_id="d1", filename="x.txt")
    result = reader.extract(document)
    deadline = result.deadlines[0]
    assert deadline.page == 2 and deadline.span.page == 2
    assert document.pages[1].text[deadline.span.start:deadline.span.end] == deadline.quote


# -- quotas -----------------------------------------------------------------------------------
def test_breakdown_gives_one_record_per_number(reader):
    items = quotas_of(reader, "Năm học 2025-2026, toàn tỉnh đánh giá ngoài 25 trường, trong đó 10 trường mầm non, "
                              "08 trường tiểu học và 07 trường THCS.")
    assert [(q["quantity"], q["unit"]) for q in items] == [(25, "trường"), (10, "trường"), (8, "trường"), (7, "trường")]
    assert items[1]["what"] == "trường mầm non"


def test_percentages_with_qualifier(reader):
    items = quotas_of(reader, "Phấn đấu ít nhất 50% số trường đạt Mức 2; 100% CBQL, giáo viên được tập huấn.")
    assert [(q["quantity"], q["unit"], q["mod"]) for q in items] == [(50, "%", "AT_LEAST"), (100, "%", None)]
    assert items[0]["quote"].startswith("ít nhất 50% số trường")


def test_numbers_that_are_not_quotas(reader):
    body = ("Căn cứ Thông tư số 17/2018/TT-BGDĐT, Điều 5 khoản 2; tiêu chí 1.2 đạt Mức 2; đợt 1 tổ chức "
            "vào tháng 12/2025 giai đoạn 2021-2025; liên hệ số điện thoại 0221.3862.475 lúc 7 giờ 30.")
    assert quotas_of(reader, body) == []


def test_list_item_label_is_who_or_where(reader):
    items = quotas_of(reader, "Số trường được đánh giá ngoài:\n- Giáo dục Mầm non: 12 trường;\n- Giáo dục tiểu học: 09 trường.")
    assert [(q["quantity"], q["who_or_where"]) for q in items] == [(12, "Giáo dục Mầm non"), (9, "Giáo dục tiểu học")]


def test_tab_aligned_text_table(reader):
    body = ("III. LỘ TRÌNH (đơn vị: trường)\nThời gian\tMầm non\tTiểu học\tTổng số\n"
            "Tháng 10/2025\t4\t3\t7\nTháng 11/2025\t2\t5\t7\n\nCác đơn vị thực hiện./.")
    items = [q for q in quotas_of(reader, body) if q["row"]]
    assert [(q["row"], q["column"], q["quantity"]) for q in items[:3]] == [
        ("Tháng 10/2025", "Mầm non", 4), ("Tháng 10/2025", "Tiểu học", 3), ("Tháng 10/2025", "Tổng số", 7)]
    assert {q["unit"] for q in items} == {"trường"}
    assert len(items) == 6


def test_table_block_from_the_document(reader):
    text = letter("Chỉ tiêu đánh giá ngoài như sau.\nCụm Mầm non THCS\nCụm 1 3 2\n")
    document = Document.from_text(text, document_id="t", filename="t.txt")
    page = document.pages[0]
    start = page.text.index("Cụm Mầm non")
    end = page.text.index("Cụm 1 3 2") + len("Cụm 1 3 2")
    page.blocks.append(Block(kind="table", start=start, end=end, rows=[["Cụm", "Mầm non", "THCS"], ["Cụm 1", "3", "2"]]))
    items = [q for q in reader.extract(document).quotas if q.row]
    assert [(q.row, q.column, q.quantity) for q in items] == [("Cụm 1", "Mầm non", 3), ("Cụm 1", "THCS", 2)]
    assert page.text[items[0].span.start:items[0].span.end] == "3"


# -- robustness -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   \n\n", "\x00\x01\x02\x03" * 50 + "\ufffd" * 30,
                                  "The quick brown fox jumps over the lazy dog while the committee meets on Monday."])
def test_malformed_input_gives_empty_result_with_warning(reader, text):
    result = reader.extract(Document(id="x", filename="bad.txt", mime="text/plain", size=len(text),
                                     pages=[Page(number=1, strategy="plain-text", text=text)]))
    data = result.to_json_dict()
    assert data["deadlines"] == [] and data["quotas"] == [] and data["doc_type"] is None
    assert result.warnings


def test_components_work_alone_on_a_doc():
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    components.register_extensions()
    nlp.add_pipe("deadlines")
    nlp.add_pipe("quotas")
    doc = nlp("Các trường nộp 02 bản báo cáo trước ngày 20/10/2025.")
    assert [(d.date, d.mod) for d in doc._.deadlines] == [("2025-10-20", "BEFORE")]
    assert [(q.quantity, q.unit) for q in doc._.quotas] == [(2, "bản")]
    # Token-aligned (the whitespace tokenizer keeps the full stop on the last token).
    assert [s.text.rstrip(".") for s in doc.spans["deadlines"]] == ["trước ngày 20/10/2025"]


def test_ics_and_csv_export(reader):
    result = reader.extract_text(letter("Các trường báo cáo trước ngày 10 tháng 5 hằng năm và nộp hồ sơ trước ngày 20/10/2025."))
    ics = to_ics([result]).decode()
    assert ics.count("BEGIN:VEVENT") == 2 and "RRULE:FREQ=YEARLY" in ics and "DTSTART;VALUE=DATE:20251020" in ics
    csv_text = to_csv([result])
    assert csv_text.splitlines()[0].startswith("file,number,date,recurring") and "05-10" in csv_text


def test_date_grammar_directly():
    mentions = find_dates("từ ngày 10/6 - 20/6/2026 và ngày 5 tháng 7", PartialDate(2026, 5, 2))
    assert [m.iso for m in mentions] == ["2026-06-10", "2026-06-20", "2026-07-05"]
    assert [(r.first.iso, r.last.iso) for r in find_ranges("từ ngày 10/6 - 20/6/2026 và ngày 5 tháng 7", mentions)] == [
        ("2026-06-10", "2026-06-20")]
    assert find_dates("định kỳ 6 tháng 1 lần; tiêu chí 1.2.03; năm học 2025 - 2026") == []


_VI_PIECES = st.sampled_from(["ngày", "tháng", "năm", "trước", "chậm nhất", "từ", "đến", "hằng năm", "định kỳ",
                              "trường", "%", "ít nhất", "/", ".", ",", ";", ":", "\n", "-", "Đối với", "Phòng GD&ĐT",
                              "Số:", "V/v", "Kính gửi:", "KT.", "quý IV", "0", "12", "31", "2025", "99", "trong vòng"])


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(_VI_PIECES, st.text(max_size=6)), max_size=60))
def test_fuzz_never_raises_and_is_fast(reader, pieces):
    text = " ".join(pieces)
    start = time.perf_counter()
    result = reader.extract_text(text)
    assert time.perf_counter() - start < 2.0
    for item in result.deadlines + result.quotas:
        assert item.span is not None and item.span.start <= item.span.end



def test_multi_row_header_table_keeps_columns_aligned(reader):
    body = ("Lộ trình thực hiện:\nThời gian\tSố trường\t\t\n\tTổng số\tTrong đó\t\n\t\tMầm non\tTiểu học\n"
            "Tháng 3 năm 2026\t5\t3\t2\n<b>Cộng</b>\t<b>5</b>\t<b>3</b>\t<b>2</b>\n\nCác đơn vị thực hiện./.")
    items = [q for q in quotas_of(reader, body) if q["row"]]
    assert [(q["row"], q["column"], q["quantity"]) for q in items] == [
        ("Tháng 3 năm 2026", "Tổng số", 5), ("Tháng 3 năm 2026", "Mầm non", 3), ("Tháng 3 năm 2026", "Tiểu học", 2),
        ("Cộng", "Tổng số", 5), ("Cộng", "Mầm non", 3), ("Cộng", "Tiểu học", 2)]


def test_time_of_day_minutes_are_not_quotas(reader):
    assert quotas_of(reader, "Hội nghị bắt đầu lúc 7 giờ 30 phút tại hội trường Sở.") == []
