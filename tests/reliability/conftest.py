"""Fixtures of the reliability suite: letters written on the fly and a worker's reading stages."""

from __future__ import annotations

import pytest
from minhchung.ui.services import ingestion

SUBJECTS = (
    "kế hoạch bồi dưỡng học sinh giỏi", "phân công chuyên môn giáo viên", "kiểm kê cơ sở vật chất",
    "tổ chức hoạt động trải nghiệm", "thu chi quỹ hội cha mẹ học sinh", "phòng chống đuối nước",
)


def letter(number: int) -> bytes:
    """A short plain-text letter; every ``number`` gives different bytes (a different document)."""
    subject = SUBJECTS[number % len(SUBJECTS)]
    return (
        "UBND XÃ HÒA AN\nTRƯỜNG THCS HÒA AN\n"
        f"Số: {number}/KH-THCSHA\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        f"Hòa An, ngày {1 + number % 28} tháng {1 + number % 12} năm 2026\n\nKẾ HOẠCH\n"
        f"Về việc {subject} (đợt {number})\n\n"
        f"Nhà trường xây dựng kế hoạch {subject} năm học 2026-2027, giao tổ chuyên môn thực hiện "
        f"trước ngày {1 + number % 28}/{1 + number % 12}/2027 và báo cáo kết quả về Ban giám hiệu.\n"
        "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n"
    ).encode()


def drain(context, stages) -> list[ingestion.ProcessResult]:
    """Process queued jobs until the queue is empty (what one worker does)."""
    results = []
    while (result := ingestion.process_next(context, stages)) is not None:
        results.append(result)
    return results


@pytest.fixture
def stages(context):
    from minhchung.ui.services.reading import default_stages

    return default_stages(context)
