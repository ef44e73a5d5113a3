"""Fuzzing the letter reader (header, dates, deadlines, quotas): never an exception, bounded time."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from minhchung.nlp.directives import DirectiveReader

# Pieces real letters are made of, so the fuzzer reaches deep into the parsers instead of
# stopping at "not a letter"; hypothesis glues them with random text, digits and punctuation.
FRAGMENTS = (
    "UBND TỈNH HÒA AN", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "TRƯỜNG THCS HÒA AN", "Số: 12/KH-THCSHA", "Số: /QĐ-UBND",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Hòa An, ngày 05 tháng 9 năm 2026",
    "ngày 31 tháng 2 năm 2026", "ngày 00/13/2026", "trước ngày 15/10", "chậm nhất 07 ngày làm việc",
    "trước 17 giờ 00 ngày 30/9/2026", "hằng năm vào ngày 20/11", "từ ngày 01/9 đến ngày 30/9/2026",
    "V/v báo cáo", "KẾ HOẠCH", "QUYẾT ĐỊNH", "Điều 1.", "I. MỤC ĐÍCH", "1.", "a)", "-", "Nơi nhận:",
    "tối thiểu 02 sáng kiến", "100% giáo viên", "mỗi tổ 03 chuyên đề", "không quá 5 học sinh/lớp",
    "chỉ tiêu: 95,5%", "12.345 học sinh", "KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG", "Lưu: VT.", "\t", "\n", "\n\n",
)
LETTER_TEXT = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40), st.from_regex(r"[0-9]{1,6}[/.\-][0-9]{1,4}", fullmatch=True)),
    max_size=60,
).map(" ".join)


@pytest.fixture(scope="module")
def reader() -> DirectiveReader:
    return DirectiveReader.load()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(text=LETTER_TEXT)
def test_fuzz_letter_reader_never_raises_and_stays_fast(reader: DirectiveReader, text: str) -> None:
    started = time.perf_counter()
    result = reader.extract_text(text)
    assert time.perf_counter() - started < 5.0
    for deadline in result.deadlines:  # provenance stays inside the text
        assert deadline.span is None or 0 <= deadline.span.start <= deadline.span.end


@pytest.mark.parametrize("text", [
    "x" * 300_000,  # one 300,000-character "word"
    "Các tổ nộp báo cáo trước ngày 05 tháng 9 năm 2026.\n" * 400,  # 400 deadlines
], ids=["one-huge-token", "400-deadlines"])
def test_reader_stays_bounded_on_pathological_letters(reader: DirectiveReader, text: str) -> None:
    # Deadline "who/what" lookup re-folds the whole paragraph per deadline, so time grows with the
    # square of the deadline count (2,000 deadline lines: ~18 s); 400 is beyond any real directive.
    started = time.perf_counter()
    reader.extract_text(text)
    assert time.perf_counter() - started < 15.0
