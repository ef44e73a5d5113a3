"""Coverage for people: the permission check, the period in force, and the gaps workbook."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select

from minhchung.index.coverage import STATUS_LABELS_VI, CoverageReport, compute_coverage
from minhchung.index.store import Period
from minhchung.ingest.errors import UsageError
from minhchung.nlp.embeddings import load_embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.ui.context import AppContext
from minhchung.ui.services.auth import CurrentUser, require

GAP_FILLS = {"none": "F4CCCC", "weak": "FFE599"}


def resolve_period(context: AppContext, school_id: int, period_id: int | None) -> Period:
    """The named period of the school, else the one of its latest school year."""
    with context.db.session() as session:
        query = select(Period).where(Period.school_id == school_id)
        if period_id is not None:
            query = query.where(Period.id == period_id)
        period = session.execute(query.order_by(Period.school_year.desc(), Period.id.desc())).scalars().first()
    if period is None:
        raise UsageError(f"School {school_id} has no period {period_id or ''}.".strip(),
                         "Trường chưa có kỳ đánh giá này.")
    return period


def coverage_report(context: AppContext, user: CurrentUser, period_id: int | None = None) -> CoverageReport:
    """Coverage of the user's school for ``period_id`` (a limited reviewer: their period)."""
    if period_id is None and user.role == "reviewer":
        period_id = user.period_id
    period = resolve_period(context, user.school_id, period_id)
    require(user, "read", user.school_id, period.id)
    return system_coverage(context, user.school_id, period)


def system_coverage(context: AppContext, school_id: int, period: Period) -> CoverageReport:
    """Coverage without a person (the CLI runs as the machine's owner)."""
    framework = load_framework(period.framework_id, context.settings.frameworks_override_dir)
    spec = context.settings.suggest.embedder  # the indicators are matched like criteria are suggested
    with context.db.session() as session:
        return compute_coverage(session, school_id=school_id, period=period, framework=framework,
                                embedder=lambda: load_embedder(spec))


def gaps_workbook(report: CoverageReport) -> bytes:
    """XLSX of the criteria that are not yet supported and what each one lacks."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Tiêu chí còn thiếu"
    header = ["Tiêu chí", "Tên tiêu chí", "Bắt buộc", "Trạng thái", "Số minh chứng", "Minh chứng cũ",
              "Mức chưa có minh chứng"]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for criterion in report.criteria():
        if criterion.status == "supported":
            continue
        sheet.append([criterion.id, criterion.title, "Có" if criterion.mandatory else "",
                      STATUS_LABELS_VI[criterion.status], criterion.evidence_count, criterion.stale_count,
                      ", ".join(criterion.unsupported_indicators)])
        fill = PatternFill("solid", fgColor=GAP_FILLS[criterion.status])
        for cell in sheet[sheet.max_row]:
            cell.fill = fill
    for column, width in zip("ABCDEFG", (10, 60, 10, 20, 14, 14, 24)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
