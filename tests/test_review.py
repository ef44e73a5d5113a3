"""Review state and evidence codes against a real SQLite file."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from minhchung.index.review import (
    ConflictError,
    ReviewError,
    SuggestedCriterion,
    bulk_confirm,
    confirm,
    create_suggested_item,
    link_criterion,
    reject,
    remap_legacy,
    renumber,
    update_fields,
)
from minhchung.index.store import AuditEvent, EvidenceItem


@pytest.fixture()
def school(school_db):
    ids = school_db("tt57-pt", "tt18-2018", school_name="THCS Thử Nghiệm")
    return ids | {"period": ids["tt57-pt"], "legacy": ids["tt18-2018"]}


def _item(s, title="Quyết định thành lập Hội đồng trường", framework="tt57-pt", period=None, **kw):
    return create_suggested_item(s["db"], actor="thuky", school_id=s["school"], period_id=period or s["period"],
                                 framework_id=framework, title=title, **kw)


def test_confirm_allocates_sequential_codes_and_audits(school):
    first, second = _item(school), _item(school, title="Sơ đồ tổ chức")
    a = confirm(school["db"], first.id, "1.2", actor="thuky", expected_version=first.version)
    b = confirm(school["db"], second.id, "1.2", actor="hieutruong", expected_version=second.version)
    assert (a.code, b.code) == ("MC.1.2.01", "MC.1.2.02")
    with school["db"].session() as session:
        events = session.execute(select(AuditEvent).filter_by(action="evidence.confirm")).scalars().all()
    assert {(e.entity_id, e.actor, e.after["code"]) for e in events} == {
        (str(a.id), "thuky", "MC.1.2.01"), (str(b.id), "hieutruong", "MC.1.2.02")}
    assert all(e.before["status"] == "suggested" for e in events)


def test_shared_evidence_keeps_its_first_code(school):
    item = _item(school, title="Kế hoạch năm học 2026-2027")
    item = confirm(school["db"], item.id, "1.1", actor="thuky", expected_version=item.version)
    item = link_criterion(school["db"], item.id, "3.1", actor="thuky", expected_version=item.version)
    item = confirm(school["db"], item.id, "1.3", actor="thuky", expected_version=item.version)
    assert item.code == "MC.1.1.01" and item.root_criterion == "1.1"
    assert {link.criterion for link in item.criteria if link.status == "confirmed"} == {"1.1", "3.1", "1.3"}
    other = _item(school, title="Báo cáo rà soát kế hoạch")
    assert confirm(school["db"], other.id, "3.1", actor="thuky", expected_version=other.version).code == "MC.3.1.01"


def test_stale_version_raises_conflict(school):
    item = _item(school)
    seen = item.version
    update_fields(school["db"], item.id, actor="phohieutruong", expected_version=seen, number="12/QĐ-THCS")
    with pytest.raises(ConflictError) as error:
        confirm(school["db"], item.id, "1.2", actor="thuky", expected_version=seen)
    assert "phohieutruong" in error.value.message_vi


def test_update_rejects_unknown_fields_and_reject_keeps_code(school):
    item = _item(school)
    with pytest.raises(ReviewError):
        update_fields(school["db"], item.id, actor="thuky", expected_version=item.version, code="MC.9.9.99")
    item = confirm(school["db"], item.id, "1.2", actor="thuky", expected_version=item.version)
    item = reject(school["db"], item.id, actor="thuky", expected_version=item.version)
    assert (item.status, item.code) == ("rejected", "MC.1.2.01")
    fresh = _item(school, title="QĐ thành lập tổ văn phòng")
    assert confirm(school["db"], fresh.id, "1.2", actor="thuky", expected_version=fresh.version).code == "MC.1.2.02"


def test_2018_codes_take_the_box_from_the_standard(school):
    item = _item(school, framework="tt18-2018", period=school["legacy"], title="QĐ thành lập Hội đồng trường")
    item = confirm(school["db"], item.id, "1.10", actor="thuky", expected_version=item.version)
    assert item.code == "[H1-1.10-01]"
    boxed = _item(school, framework="tt18-2018", period=school["legacy"], title="Sổ thư viện", box=6)
    assert confirm(school["db"], boxed.id, "3.6", actor="thuky", expected_version=boxed.version).code == "[H6-3.6-01]"


def test_concurrent_confirmations_never_share_a_code(school):
    items = [_item(school, title=f"Biên bản họp tổ chuyên môn tháng {n}") for n in range(1, 13)]
    codes, errors = [], []

    def work(chunk):
        for item in chunk:
            try:
                codes.append(confirm(school["db"], item.id, "3.2", actor="thuky", expected_version=item.version).code)
            except Exception as error:  # collected so the assertion below reports it
                errors.append(error)

    threads = [threading.Thread(target=work, args=(items[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(codes) == [f"MC.3.2.{n:02d}" for n in range(1, 13)]


def test_bulk_confirm_takes_only_confident_items(school):
    sure = _item(school, suggestions=[SuggestedCriterion("4.1", 0.93, "giống minh chứng gợi ý")])
    unsure = _item(school, title="Ảnh hoạt động", suggestions=[SuggestedCriterion("3.3", 0.41, "khớp tên")])
    done = bulk_confirm(school["db"], actor="thuky", school_id=school["school"], period_id=school["period"], min_score=0.9)
    assert [i.id for i in done] == [sure.id] and done[0].code == "MC.4.1.01"
    with school["db"].session() as session:
        assert session.get(EvidenceItem, unsure.id).status == "suggested"


def test_renumber_closes_gaps_only_when_asked(school):
    items = [_item(school, title=f"Hồ sơ {n}") for n in range(3)]
    coded = [confirm(school["db"], i.id, "2.2", actor="thuky", expected_version=i.version) for i in items]
    reject(school["db"], coded[1].id, actor="thuky", expected_version=coded[1].version)
    with school["db"].write() as session:
        session.get(EvidenceItem, coded[1].id).code = None  # the secretary deleted the code: a gap remains
        session.get(EvidenceItem, coded[1].id).root_criterion = None
    changes = renumber(school["db"], actor="thuky", school_id=school["school"], period_id=school["period"], criterion="2.2")
    assert changes == {"MC.2.2.03": "MC.2.2.02"}
    nxt = _item(school, title="Hồ sơ mới")
    assert confirm(school["db"], nxt.id, "2.2", actor="thuky", expected_version=nxt.version).code == "MC.2.2.03"


def test_remap_legacy_uses_mapping_table_then_suggester(school):
    mapped = _item(school, framework="tt18-2018", period=school["legacy"], title="QĐ thành lập Hội đồng trường")
    confirm(school["db"], mapped.id, "1.2", actor="thuky", expected_version=mapped.version)
    unmapped = _item(school, framework="tt18-2018", period=school["legacy"], title="Danh sách học sinh các lớp")
    confirm(school["db"], unmapped.id, "1.5", actor="thuky", expected_version=unmapped.version)
    asked = []

    def suggest(title):
        asked.append(title)
        return [SuggestedCriterion("3.4", 0.8, "suggester")]

    created = remap_legacy(school["db"], actor="thuky", school_id=school["school"], source_period_id=school["legacy"],
                           target_period_id=school["period"], target_framework_id="tt57-pt", suggest=suggest)
    by_legacy = {i.legacy_code: i for i in created}
    assert [c.criterion for c in by_legacy["[H1-1.2-01]"].criteria] == ["1.2"]
    assert "bảng đối chiếu" in by_legacy["[H1-1.2-01]"].criteria[0].reason
    assert asked == ["Danh sách học sinh các lớp"]
    assert all(i.status == "suggested" and i.code is None for i in created)
