"""`minhchung export evidence-list --format xlsx|docx [--out FILE] [--period ID]`.

The official evidence list of the data folder's first school, for its newest period unless
``--period`` names one, in the framework's columns (see ``ui/services/evidence_list.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer
from sqlalchemy.orm import object_session

from minhchung.index.store import DocumentRow, EvidenceItem, School
from minhchung.nlp.frameworks import load_framework
from minhchung.ui.context import AppContext
from minhchung.ui.services.coverage import resolve_period
from minhchung.ui.services.evidence_list import build_list, export_docx, export_xlsx


def _link_for(context: AppContext):
    """The electronic link of an item: its own URL/location if given, else its stored original."""
    def link(item: EvidenceItem) -> str | None:
        if item.location and item.location.startswith(("http://", "https://", "file:")):
            return item.location
        if item.document_id is None:
            return None
        document = object_session(item).get(DocumentRow, item.document_id)
        return context.blobs.path(document.sha256).as_uri() if document else None
    return link


def register(app: typer.Typer) -> None:
    export_app = typer.Typer(help="Xuất danh mục minh chứng và các biểu mẫu.", no_args_is_help=True)
    app.add_typer(export_app, name="export")

    @export_app.command("evidence-list", help="Danh mục minh chứng theo mẫu của bộ tiêu chuẩn (XLSX hoặc DOCX).")
    def evidence_list(
        format: Literal["xlsx", "docx"] = typer.Option("xlsx", "--format", help="xlsx hoặc docx"),
        out: Path | None = typer.Option(None, "--out", help="tệp ra (mặc định: danh-muc-minh-chung-<năm học>.<đuôi>)"),
        period: int | None = typer.Option(None, "--period", help="mã kỳ đánh giá (mặc định: kỳ mới nhất)"),
    ) -> None:
        context = AppContext.open()
        try:
            school_id = context.bootstrap.school_id
            chosen = resolve_period(context, school_id, period)
            with context.db.session() as session:
                school_name = session.get(School, school_id).name
            framework = load_framework(chosen.framework_id)
            groups = build_list(context.db, school_id=school_id, period_id=chosen.id,
                                framework_id=chosen.framework_id, link_for=_link_for(context))
            target = out or Path(f"danh-muc-minh-chung-{chosen.school_year}.{format}")
            writer = export_xlsx if format == "xlsx" else export_docx
            writer(groups, framework, target, school_name=school_name, school_year=chosen.school_year)
        finally:
            context.close()
        count = sum(len(c.rows) for s in groups for c in s.criteria)
        typer.echo(f"Đã xuất {count} dòng minh chứng → {target}")
