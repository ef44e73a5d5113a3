"""The official evidence list (danh mục minh chứng): export to XLSX/DOCX, import from Excel.

Columns come from the framework (``evidence_list_columns``): TT57 Phụ lục IV has five
(TT | Mã minh chứng | Tên minh chứng | Định dạng, vị trí lưu trữ hoặc đường dẫn điện tử | Ghi chú),
the 2018 frameworks the seven of CV 5932/5942. Rows are grouped by standard and criterion with
header rows; an item supporting several criteria is listed under each with its one code (the
note says which criterion owns it). Where the list has an electronic-link column the code is a
hyperlink to the stored file (Phụ lục IV mục I.4). Times New Roman, landscape A4, as official
documents are printed (Debian ships no Times New Roman: viewers fall back to Liberation Serif /
DejaVu Serif, both with Vietnamese glyphs).

Import reads the common Excel template: the header row is found by column names, codes are
parsed with the framework's forms, and :func:`reserve_seq` moves the counters past them so new
codes never collide. Bad rows are reported with their row number and reason; good rows import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from minhchung.index.codes import CodeError, reserve_seq, validate_code
from minhchung.index.store import Database, EvidenceCriterion, EvidenceItem
from minhchung.index.store.audit import record
from minhchung.ingest.errors import UsageError
from minhchung.ingest.normalize import fold_accents, normalize_text
from minhchung.nlp.frameworks import Framework, load_framework

FONT = "Times New Roman"
LinkFor = Callable[[EvidenceItem], str | None]


@dataclass(frozen=True)
class ListRow:
    """One line of the list: an item as cited under one criterion."""

    criterion: str
    code: str
    title: str
    location: str
    number_date: str
    issuer: str
    note: str
    link: str | None


@dataclass(frozen=True)
class CriterionGroup:
    criterion: str
    title: str
    rows: tuple[ListRow, ...]


@dataclass(frozen=True)
class StandardGroup:
    number: int
    title: str
    criteria: tuple[CriterionGroup, ...]


def build_list(db: Database, *, school_id: int, period_id: int, framework_id: str,
               link_for: LinkFor = lambda item: None) -> list[StandardGroup]:
    """Confirmed items grouped by standard → criterion; shared items appear under each criterion.

    One query returns each item with each of its confirmed criteria (a list of hundreds of items
    must not cost a query per item)."""
    framework = load_framework(framework_id)
    with db.session() as session:
        links = session.execute(
            select(EvidenceItem, EvidenceCriterion.criterion)
            .join(EvidenceCriterion, EvidenceCriterion.item_id == EvidenceItem.id)
            .filter(EvidenceItem.school_id == school_id, EvidenceItem.period_id == period_id,
                    EvidenceItem.framework_id == framework_id, EvidenceItem.status == "confirmed",
                    EvidenceItem.code.is_not(None), EvidenceCriterion.status == "confirmed")
        ).all()
        cited: dict[str, list[tuple[int, int, ListRow]]] = {}
        for item, criterion in links:
            shared = criterion != item.root_criterion
            note = "; ".join(filter(None, [
                item.note,
                f"Mã cũ: {item.legacy_code}" if item.legacy_code else None,
                f"Minh chứng dùng chung, mã gốc thuộc tiêu chí {item.root_criterion}" if shared else None,
            ]))
            row = ListRow(criterion, item.code, item.title, item.location or "",
                          _number_date(item), item.issuer or "", note, link_for(item))
            cited.setdefault(criterion, []).append((int(shared), item.seq or 0, row))
    return [StandardGroup(s.number, s.title, tuple(
        CriterionGroup(c.id, c.title, tuple(r for *_, r in sorted(cited.get(c.id, []), key=lambda t: (t[0], t[1], t[2].code))))
        for c in s.criteria)) for s in framework.standards]


def _number_date(item: EvidenceItem) -> str:
    when = item.issued_date.strftime("%d/%m/%Y") if item.issued_date else ""
    return ", ".join(filter(None, [item.number, when]))


def _cell(column: str, row: ListRow, tt: int) -> str:
    """The value of one official column for a row, chosen by the column's name."""
    name = fold_accents(column)
    if name in ("tt", "so tt", "stt"):
        return str(tt)
    if name.startswith("ma"):
        return row.code
    if name.startswith("ten"):
        return row.title
    if name.startswith("dinh dang"):
        return row.location or (row.link or "")
    if name.startswith("so, ngay") or name.startswith("so ngay"):
        return row.number_date
    if name.startswith("noi ban hanh"):
        return row.issuer
    if name.startswith("tieu chi"):
        return row.criterion
    return row.note


def _wants_links(framework: Framework) -> bool:
    return any("đường dẫn" in c for c in framework.evidence_list_columns)


def _title_lines(framework: Framework, school_name: str, school_year: str) -> list[str]:
    return ["DANH MỤC MINH CHỨNG", f"{school_name} — Năm học {school_year}", framework.name]


def export_xlsx(groups: list[StandardGroup], framework: Framework, path: Path, *, school_name: str,
                school_year: str) -> Path:
    """Write the list as an Excel workbook (one sheet, group header rows, landscape A4)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    book = Workbook()
    sheet = book.active
    sheet.title = "Danh mục minh chứng"
    columns = list(framework.evidence_list_columns)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for line_no, line in enumerate(_title_lines(framework, school_name, school_year), start=1):
        sheet.cell(line_no, 1, line).font = Font(name=FONT, bold=line_no == 1, size=14 if line_no == 1 else 12)
        sheet.merge_cells(start_row=line_no, start_column=1, end_row=line_no, end_column=len(columns))
        sheet.cell(line_no, 1).alignment = Alignment(horizontal="center")
    header_row = 5
    for col, name in enumerate(columns, start=1):
        cell = sheet.cell(header_row, col, name)
        cell.font = Font(name=FONT, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    row_no, tt = header_row + 1, 0
    links = _wants_links(framework)
    for standard in groups:
        row_no = _group_row(sheet, row_no, len(columns), f"Tiêu chuẩn {standard.number}. {standard.title}",
                            Font(name=FONT, bold=True), PatternFill("solid", fgColor="D9D9D9"), box)
        for criterion in standard.criteria:
            row_no = _group_row(sheet, row_no, len(columns), f"Tiêu chí {criterion.criterion}. {criterion.title}",
                                Font(name=FONT, bold=True, italic=True), None, box)
            for row in criterion.rows:
                tt += 1
                for col, name in enumerate(columns, start=1):
                    cell = sheet.cell(row_no, col, _cell(name, row, tt))
                    cell.font = Font(name=FONT)
                    cell.alignment = Alignment(vertical="top", wrap_text=True)
                    cell.border = box
                    if links and row.link and fold_accents(name).startswith("ma"):
                        cell.hyperlink = row.link
                        cell.font = Font(name=FONT, color="0563C1", underline="single")
                row_no += 1
    widths = {"tt": 6, "so tt": 6, "ma": 16, "ten": 60, "tieu chi": 9}
    for col, name in enumerate(columns, start=1):
        key = next((k for k in widths if fold_accents(name).startswith(k)), None)
        sheet.column_dimensions[sheet.cell(header_row, col).column_letter].width = widths.get(key, 28)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = f"{header_row}:{header_row}"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _group_row(sheet, row_no: int, width: int, text: str, font, fill, border) -> int:
    cell = sheet.cell(row_no, 1, text)
    cell.font = font
    if fill is not None:
        cell.fill = fill
    for col in range(1, width + 1):
        sheet.cell(row_no, col).border = border
    sheet.merge_cells(start_row=row_no, start_column=1, end_row=row_no, end_column=width)
    return row_no + 1


def export_docx(groups: list[StandardGroup], framework: Framework, path: Path, *, school_name: str,
                school_year: str) -> Path:
    """Write the list as a Word document: landscape A4, one table, group header rows merged."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2))
    for n, line in enumerate(_title_lines(framework, school_name, school_year)):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = n == 0
    columns = list(framework.evidence_list_columns)
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, columns):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
    links = _wants_links(framework)
    tt = 0
    for standard in groups:
        _docx_group(table, f"Tiêu chuẩn {standard.number}. {standard.title}", italic=False)
        for criterion in standard.criteria:
            _docx_group(table, f"Tiêu chí {criterion.criterion}. {criterion.title}", italic=True)
            for row in criterion.rows:
                tt += 1
                cells = table.add_row().cells
                for cell, name in zip(cells, columns):
                    value = _cell(name, row, tt)
                    if links and row.link and fold_accents(name).startswith("ma"):
                        _hyperlink(cell.paragraphs[0], value, row.link)
                    else:
                        cell.text = value
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def _docx_group(table, text: str, italic: bool) -> None:
    cells = table.add_row().cells
    merged = cells[0].merge(cells[-1])
    merged.text = ""
    run = merged.paragraphs[0].add_run(text)
    run.bold, run.italic = True, italic


def _hyperlink(paragraph, text: str, url: str) -> None:
    """python-docx has no hyperlink API: add the relationship and the w:hyperlink element."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    for tag, value in (("w:color", "0563C1"), ("w:u", "single")):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        props.append(element)
    run.append(props)
    text_element = OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


# -- import --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowProblem:
    row: int
    reason_en: str
    reason_vi: str


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


_HEADERS = {  # folded header prefix → field
    "ma minh chung": "code", "ma mc": "code", "ten minh chung": "title", "ten mc": "title",
    "tieu chi": "criterion", "dinh dang": "location", "vi tri": "location", "duong dan": "location",
    "ghi chu": "note", "noi ban hanh": "issuer", "so, ngay": "number_date", "so ngay": "number_date",
    "so, ky hieu": "number_date",
}


def _header_map(values: tuple) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        name = fold_accents(str(value or "")).strip()
        for prefix, key in _HEADERS.items():
            if name.startswith(prefix) and key not in found:
                found[key] = index
                break
    return found if {"code", "title"} <= set(found) else None


def import_xlsx(db: Database, path: Path, *, actor: str, school_id: int, period_id: int,
                framework_id: str) -> ImportReport:
    """Import an existing evidence list; each good row becomes a confirmed, coded item."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    framework = load_framework(framework_id)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as error:
        raise UsageError(f"{path.name} is not a readable Excel workbook: {error}",
                         f"Không đọc được tệp Excel {path.name}.") from error
    rows = list(book.active.iter_rows(values_only=True))
    header_at, columns = next(((i, m) for i, r in enumerate(rows) for m in [_header_map(r)] if m), (None, None))
    if columns is None:
        raise UsageError(f"{path.name}: no header row with 'Mã minh chứng' and 'Tên minh chứng'.",
                         f"{path.name}: không tìm thấy dòng tiêu đề có cột “Mã minh chứng” và “Tên minh chứng”.")
    report = ImportReport()
    seen: set[str] = set()
    with db.write() as session:
        taken = set(session.execute(select(EvidenceItem.code).filter_by(school_id=school_id, period_id=period_id)
                                    .where(EvidenceItem.code.is_not(None))).scalars())
        for offset, values in enumerate(rows[header_at + 1:], start=header_at + 2):
            def get(key: str, values=values) -> str:
                return _value(values, columns, key)

            code_text, title = get("code"), get("title")
            if not code_text and not title:
                continue
            if not code_text and title and (title.startswith("Tiêu chuẩn") or title.startswith("Tiêu chí")):
                continue  # a group header row
            problem = _row_problem(framework, code_text, title, taken | seen)
            if problem:
                report.problems.append(RowProblem(offset, *problem))
                continue
            parsed = validate_code(code_text, framework)
            code = framework.code.format(parsed.criterion_id, parsed.seq, parsed.box)
            number, issued = _split_number_date(get("number_date"))
            item = EvidenceItem(school_id=school_id, period_id=period_id, framework_id=framework_id, title=title,
                                code=code, root_criterion=parsed.criterion_id, seq=parsed.seq, box=parsed.box,
                                location=get("location") or None, note=get("note") or None,
                                issuer=get("issuer") or None, number=number, issued_date=issued, status="confirmed")
            item.criteria = [EvidenceCriterion(criterion=parsed.criterion_id, status="confirmed", rank=0)]
            session.add(item)
            reserve_seq(session, school_id=school_id, period_id=period_id, framework_id=framework_id,
                        criterion=parsed.criterion_id, seq=parsed.seq)
            session.flush()
            record(session, actor=actor, action="evidence.import", entity="evidence_item", entity_id=item.id,
                   after={"code": code, "title": title, "source": path.name, "row": offset}, school_id=school_id)
            seen.add(code)
            report.imported.append(code)
    return report


def _value(values: tuple, columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    if index is None or index >= len(values) or values[index] is None:
        return ""
    return normalize_text(str(values[index])).strip()


def _row_problem(framework: Framework, code_text: str, title: str, taken: set[str]) -> tuple[str, str] | None:
    if not title:
        return "the title is empty", "thiếu tên minh chứng"
    if not code_text:
        return "the code is empty", "thiếu mã minh chứng"
    try:
        parsed = validate_code(code_text, framework)
    except CodeError as error:
        return error.message_en, error.message_vi
    code = framework.code.format(parsed.criterion_id, parsed.seq, parsed.box)
    if code in taken:
        return f"code {code} is already used", f"mã {code} đã có trong danh mục"
    return None


def _split_number_date(text: str) -> tuple[str | None, date | None]:
    """"12/QĐ-THCS, 05/09/2025" → number and date (either may be missing)."""
    if not text:
        return None, None
    parts = [p.strip() for p in text.split(",")]
    for i, part in enumerate(parts):
        for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"):
            try:
                return (", ".join(parts[:i] + parts[i + 1:]) or None), datetime.strptime(part, fmt).date()
            except ValueError:
                continue
    return text, None
