"""Work that must grow linearly with the input: a letter with thousands of dates, a long evidence list."""

from __future__ import annotations

import time

from minhchung.index.review import confirm, create_suggested_item
from minhchung.nlp.directives import DirectiveReader
from minhchung.ui.services.evidence_list import build_list
from sqlalchemy import event

HEAD = ("UBND XÃ HÒA AN\nTRƯỜNG THCS HÒA AN\nSố: 1/KH-THCSHA\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nHòa An, ngày 1 tháng 1 năm 2026\n\nKẾ HOẠCH\nVề việc kiểm tra hồ sơ\n\n")


def _bulleted(count: int) -> str:
    return HEAD + "".join(f"- Tổ {n} nộp báo cáo trước ngày {1 + n % 28}/{1 + n % 12}/{2027 + n // 336}.\n"
                          for n in range(count))


def _paragraph(count: int) -> str:
    """One clause listing ``count`` dates: every date's who and action come from the same long clause."""
    dates = [f"trước ngày {1 + n % 28}/{1 + n % 12}/{2027 + n // 336}" for n in range(count)]
    return HEAD + "Các tổ chuyên môn nộp báo cáo " + ", ".join(dates) + ".\n"


def _cpu_seconds(reader: DirectiveReader, text: str) -> tuple[float, list]:
    started = time.process_time()  # CPU time: other people's jobs on the machine do not count
    deadlines = reader.extract_text(text).deadlines
    return time.process_time() - started, deadlines


def test_deadlines_grow_linearly_with_the_number_of_dates() -> None:
    reader = DirectiveReader.load()
    reader.extract_text(_paragraph(5))  # warm the pipeline
    small_seconds, small = _cpu_seconds(reader, _paragraph(300))
    large_seconds, large = _cpu_seconds(reader, _paragraph(1200))
    assert small and len(large) > len(small)
    # 4× the dates: linear ≈ 4× (measured 3.6×); re-reading the whole clause per date was ≈ 12×
    assert large_seconds < 7 * small_seconds
    first_short = reader.extract_text(_paragraph(3)).deadlines[0]
    assert large[0].who == first_short.who == "Các tổ chuyên môn"
    assert large[0].action.endswith("…") and large[0].date == first_short.date


def test_each_of_a_thousand_items_is_read_as_if_alone() -> None:
    reader = DirectiveReader.load()
    deadlines = reader.extract_text(_bulleted(1000)).deadlines
    assert len(deadlines) == 1000
    alone = reader.extract_text(HEAD + "- Tổ 999 nộp báo cáo trước ngày 20/4/2029.\n").deadlines[0]
    last = deadlines[-1]
    assert (last.date, last.who, last.action) == (alone.date, alone.who, alone.action)


def test_the_evidence_list_is_one_query_however_many_items(school_db) -> None:
    ids = school_db("tt57-pt")
    db = ids["db"]
    for n in range(30):
        item = create_suggested_item(db, actor="thuky", school_id=ids["school"], period_id=ids["tt57-pt"],
                                     framework_id="tt57-pt", title=f"Minh chứng số {n}")
        confirm(db, item.id, ("1.1", "1.2", "2.1", "3.1", "4.1")[n % 5], actor="thuky", expected_version=item.version)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    groups = build_list(db, school_id=ids["school"], period_id=ids["tt57-pt"], framework_id="tt57-pt")
    assert sum(len(c.rows) for g in groups for c in g.criteria) == 30
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
