"""Coverage engine on a hand-counted fixture (TT57 phổ thông, school year 2026-2027).

Fixture (window 2026-08-01 … 2027-07-31):

| item | criterion links (confirmed)        | date       | note                          |
|------|------------------------------------|------------|-------------------------------|
| A    | 1.1 Mức 1                          | 2026-09-05 | fresh                         |
| B    | 1.1 Mức 2                          | 2026-10-01 | fresh                         |
| H    | 1.1 Mức 1, 1.2 Mức 1               | 2026-11-20 | one item, two criteria        |
| C    | 1.2 Mức 1                          | 2025-09-01 | stale                         |
| D    | 1.3 Mức 1                          | 2024-01-01 | stale                         |
| E    | 1.3 Mức 2                          | 2023-05-05 | stale                         |
| I    | 1.4 (no indicator: similarity)     | —          | title = 1.4's Mức 2 text      |
| F    | 2.1 suggested only                 |            | not counted                   |
| G    | 2.1 link rejected                  |            | not counted                   |
| X    | 2.2, other school                  |            | not counted                   |
| Y    | 2.2, other period                  |            | not counted                   |

Expected: 1.1 supported (3 items, 0 stale); 1.2 weak (2 items, 1 stale, Mức 2 unsupported);
1.3 weak (2 items, both stale); 1.4 weak (1 item, Mức 1 unsupported); every other criterion
none. Totals: supported 1, weak 3, none 11.
"""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from minhchung.index.coverage import compute_coverage, is_stale, period_window
from minhchung.index.store import EvidenceCriterion, EvidenceItem, Period, School
from minhchung.nlp.embeddings import load_embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.ui.cli import app


def _item(session, school_id, period_id, title, links, issued=None, status="confirmed", code=None):
    item = EvidenceItem(school_id=school_id, period_id=period_id, framework_id="tt57-pt", title=title,
                        issued_date=issued, status=status, code=code)
    item.criteria = [EvidenceCriterion(criterion=c, status=s, indicator=i, rank=n)
                     for n, (c, s, i) in enumerate(links)]
    session.add(item)
    return item


def seed(context) -> Period:
    framework = load_framework("tt57-pt")
    mucs = {i.level: i.text for i in framework.criterion("1.4").indicators}
    school, period = context.bootstrap.school_id, context.bootstrap.period_id
    with context.db.session() as session:
        other_school = School(name="Trường khác", level="thcs")
        session.add(other_school)
        session.flush()
        other_period = Period(school_id=school, name="Kỳ trước", school_year="2021-2022", framework_id="tt57-pt")
        session.add(other_period)
        session.flush()
        ok = "confirmed"
        _item(session, school, period, "Kế hoạch năm học 2026-2027", [("1.1", ok, "Mức 1")], date(2026, 9, 5), code="MC.1.1.01")
        _item(session, school, period, "Báo cáo rà soát kế hoạch", [("1.1", ok, "Mức 2")], date(2026, 10, 1), code="MC.1.1.02")
        _item(session, school, period, "Quyết định phân công nhiệm vụ",
              [("1.1", ok, "Mức 1"), ("1.2", ok, "Mức 1")], date(2026, 11, 20), code="MC.1.1.03")
        _item(session, school, period, "Sơ đồ tổ chức năm trước", [("1.2", ok, "Mức 1")], date(2025, 9, 1), code="MC.1.2.01")
        _item(session, school, period, "Hồ sơ dữ liệu 2024", [("1.3", ok, "Mức 1")], date(2024, 1, 1), code="MC.1.3.01")
        _item(session, school, period, "Báo cáo 2023", [("1.3", ok, "Mức 2")], date(2023, 5, 5), code="MC.1.3.02")
        _item(session, school, period, mucs["Mức 2"], [("1.4", ok, None)], None, code="MC.1.4.01")
        _item(session, school, period, "Gợi ý chưa duyệt", [("2.1", "suggested", None)], status="suggested")
        _item(session, school, period, "Liên kết bị từ chối", [("2.1", "rejected", "Mức 1")], date(2026, 9, 9))
        _item(session, other_school.id, period, "Của trường khác", [("2.2", ok, "Mức 1")], date(2026, 9, 9))
        _item(session, school, other_period.id, "Của kỳ khác", [("2.2", ok, "Mức 1")], date(2021, 9, 9))
        return session.get(Period, period)


def test_hand_counted_fixture(context):
    period = seed(context)
    framework = load_framework(period.framework_id)
    embedder = load_embedder(context.settings.index.embedder)
    with context.db.session() as session:
        report = compute_coverage(session, school_id=context.bootstrap.school_id, period=period,
                                  framework=framework, embedder=lambda: embedder)
    rows = {c.id: (c.status, c.evidence_count, c.stale_count, c.unsupported_indicators) for c in report.criteria()}
    assert rows["1.1"] == ("supported", 3, 0, [])
    assert rows["1.2"] == ("weak", 2, 1, ["Mức 2"])
    assert rows["1.3"] == ("weak", 2, 2, [])
    assert rows["1.4"] == ("weak", 1, 0, ["Mức 1"])
    assert rows["2.2"] == ("none", 0, 0, ["Mức 1", "Mức 2"])
    assert rows["2.1"][:2] == ("none", 0)
    assert report.totals() == {"supported": 1, "weak": 3, "none": 11}
    assert len(report.criteria()) == 15
    similar = report.criterion("1.4").indicators[1].evidence[0]
    assert similar.matched_by == "similarity" and similar.score > 0.9
    person = report.criterion("1.1").indicators[0].evidence
    assert [e.code for e in person] == ["MC.1.1.01", "MC.1.1.03"] and person[0].matched_by == "person"


def test_vectors_are_cached_between_runs(context):
    period = seed(context)
    framework = load_framework(period.framework_id)

    class Counting:
        def __init__(self, inner):
            self.inner, self.id, self.dim, self.calls = inner, inner.id, inner.dim, 0

        def embed_queries(self, texts):
            self.calls += len(texts)
            return self.inner.embed_queries(texts)

        def embed_passages(self, texts):
            self.calls += len(texts)
            return self.inner.embed_passages(texts)

    embedder = Counting(load_embedder(context.settings.index.embedder))
    for _ in range(2):
        with context.db.session() as session:
            compute_coverage(session, school_id=context.bootstrap.school_id, period=period,
                             framework=framework, embedder=lambda: embedder)
    assert embedder.calls == 3  # one title + two indicator texts, embedded once


def test_window_from_school_year_or_explicit_dates():
    assert period_window(Period(school_year="2026-2027")) == (date(2026, 8, 1), date(2027, 7, 31))
    explicit = Period(school_year="2026-2027", starts_on=date(2022, 1, 1), ends_on=date(2026, 12, 31))
    assert period_window(explicit) == (date(2022, 1, 1), date(2026, 12, 31))
    assert is_stale(date(2027, 8, 1), (date(2026, 8, 1), date(2027, 7, 31)))
    assert not is_stale(None, (date(2026, 8, 1), date(2027, 7, 31)))


def test_cli_json(context, home):
    seed(context)
    result = CliRunner().invoke(app, ["coverage", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["totals"] == {"supported": 1, "weak": 3, "none": 11}
    by_id = {c["criterion"]: c for c in data["criteria"]}
    assert by_id["1.2"]["unsupported_indicators"] == ["Mức 2"] and by_id["1.2"]["stale"] == 1


def test_cli_table(context, home):
    seed(context)
    result = CliRunner().invoke(app, ["coverage"])
    assert result.exit_code == 0, result.output
    assert "1.2" in result.output and "Còn thiếu" in result.output
