"""Evidence list export (XLSX, DOCX) and import of an existing Excel list."""

from __future__ import annotations

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from minhchung.index.review import confirm, create_suggested_item, link_criterion
from minhchung.index.store import EvidenceItem
from minhchung.nlp.frameworks import load_framework
from minhchung.ui.services.evidence_list import build_list, export_docx, export_xlsx, import_xlsx


@pytest.fixture()
def school(school_db):
    return school_db("tt57-pt", "tt18-2018")


def _confirmed(s, framework, title, criterion, **fields):
    item = create_suggested_item(s["db"], actor="thuky", school_id=s["school"], period_id=s[framework],
                                 framework_id=framework, title=title, **fields)
    return confirm(s["db"], item.id, criterion, actor="thuky", expected_version=item.version)


def _tt57_list(s):
    plan = _confirmed(s, "tt57-pt", "Kế hoạch năm học 2026-2027", "1.1", location="https://drive.example/kh.pdf")
    link_criterion(s["db"], plan.id, "3.1", actor="thuky", expected_version=plan.version)
    _confirmed(s, "tt57-pt", "Quyết định thành lập Hội đồng trường", "1.2", number="12/QĐ-THCS")
    _confirmed(s, "tt57-pt", "Sổ theo dõi CSVC", "4.1")
    return build_list(s["db"], school_id=s["school"], period_id=s["tt57-pt"], framework_id="tt57-pt",
                      link_for=lambda item: item.location)


def test_xlsx_has_official_columns_groups_and_shared_items(school, tmp_path):
    groups = _tt57_list(school)
    path = export_xlsx(groups, load_framework("tt57-pt"), tmp_path / "dm.xlsx", school_name="THCS Hòa Bình",
                       school_year="2026-2027")
    sheet = load_workbook(path).active
    rows = [tuple(c for c in r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(("TT", "Mã minh chứng", "Tên minh chứng",
                         "Định dạng, vị trí lưu trữ hoặc đường dẫn điện tử", "Ghi chú"))
    body = [r for r in rows[header + 1:] if r[1]]
    assert [(r[0], r[1], r[2]) for r in body] == [
        ("1", "MC.1.1.01", "Kế hoạch năm học 2026-2027"),
        ("2", "MC.1.2.01", "Quyết định thành lập Hội đồng trường"),
        ("3", "MC.1.1.01", "Kế hoạch năm học 2026-2027"),
        ("4", "MC.4.1.01", "Sổ theo dõi CSVC"),
    ]
    assert "mã gốc thuộc tiêu chí 1.1" in body[2][4]
    headers = [r[0] for r in rows if r[0] and str(r[0]).startswith(("Tiêu chuẩn", "Tiêu chí"))]
    assert headers[0].startswith("Tiêu chuẩn 1.") and "Tiêu chí 3.1. Tổ chức thực hiện chương trình giáo dục" in headers
    code_cell = next(c for row in sheet.iter_rows() for c in row if c.value == "MC.1.1.01")
    assert code_cell.hyperlink.target == "https://drive.example/kh.pdf"
    assert code_cell.font.name == "Times New Roman"
    assert sheet.page_setup.orientation == "landscape"


def test_docx_table_holds_rows_and_landscape(school, tmp_path):
    path = export_docx(_tt57_list(school), load_framework("tt57-pt"), tmp_path / "dm.docx",
                       school_name="THCS Hòa Bình", school_year="2026-2027")
    document = Document(str(path))
    table = document.tables[0]
    texts = [[c.text for c in row.cells] for row in table.rows]
    assert texts[0][:3] == ["TT", "Mã minh chứng", "Tên minh chứng"]
    assert ["2", "MC.1.2.01", "Quyết định thành lập Hội đồng trường"] == texts[[r[1] for r in texts].index("MC.1.2.01")][:3]
    section = document.sections[0]
    assert section.page_width > section.page_height
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert any(rel.reltype.endswith("/hyperlink") and rel.target_ref == "https://drive.example/kh.pdf"
               for rel in document.part.rels.values())


def test_2018_list_uses_cv5932_columns(school, tmp_path):
    _confirmed(school, "tt18-2018", "Quyết định thành lập Hội đồng trường", "1.2", number="05/QĐ-THCS", issuer="UBND huyện")
    groups = build_list(school["db"], school_id=school["school"], period_id=school["tt18-2018"], framework_id="tt18-2018")
    sheet = load_workbook(export_xlsx(groups, load_framework("tt18-2018"), tmp_path / "old.xlsx",
                                      school_name="THCS", school_year="2019-2020")).active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[2] == "[H1-1.2-01]")
    assert row == ("1.2", "1", "[H1-1.2-01]", "Quyết định thành lập Hội đồng trường", "05/QĐ-THCS", "UBND huyện", None)


def test_import_reports_bad_rows_and_imports_good_ones(school, tmp_path):
    _confirmed(school, "tt57-pt", "Kế hoạch năm học", "1.1")  # holds MC.1.1.01
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH MỤC MINH CHỨNG"])
    sheet.append([])
    sheet.append(["TT", "Mã minh chứng", "Tên minh chứng", "Định dạng, vị trí lưu trữ hoặc đường dẫn điện tử", "Ghi chú"])
    sheet.append([None, None, "Tiêu chuẩn 1. Quản trị nhà trường", None, None])
    sheet.append([1, "MC.1.2.04", "QĐ thành lập tổ CM", "Hộp 1", None])          # row 5: good
    sheet.append([2, "MC 1.2.x", "BB họp HĐ trường", None, None])                # row 6: bad code
    sheet.append([3, "MC.1.1.01", "Kế hoạch năm học (bản sao)", None, None])     # row 7: code taken
    sheet.append([4, "MC.9.1.01", "Không có tiêu chí này", None, None])          # row 8: no criterion 9.1
    sheet.append([5, "MC.4.1.02", None, None, None])                             # row 9: no title
    sheet.append([6, "(MC.4.1.03)", "Sổ theo dõi CSVC", "Tủ hồ sơ", "Mã cũ: H3-3.1-02"])  # row 10: good
    path = tmp_path / "old-list.xlsx"
    book.save(path)
    report = import_xlsx(school["db"], path, actor="thuky", school_id=school["school"], period_id=school["tt57-pt"],
                         framework_id="tt57-pt")
    assert report.imported == ["MC.1.2.04", "MC.4.1.03"]
    assert [p.row for p in report.problems] == [6, 7, 8, 9]
    assert "đã có" in report.problems[1].reason_vi and "tên" in report.problems[3].reason_vi
    fresh = create_suggested_item(school["db"], actor="thuky", school_id=school["school"], period_id=school["tt57-pt"],
                                  framework_id="tt57-pt", title="Quy chế làm việc")
    assert confirm(school["db"], fresh.id, "1.2", actor="thuky", expected_version=fresh.version).code == "MC.1.2.05"
    with school["db"].session() as session:
        imported = session.execute(select(EvidenceItem).filter_by(code="MC.4.1.03")).scalar_one()
        assert (imported.location, imported.status) == ("Tủ hồ sơ", "confirmed")
