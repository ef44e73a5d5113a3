"""`minhchung export evidence-list --format xlsx|docx [--out FILE] [--period ID]`.

The official evidence list of the data folder's first school, for its newest period unless
``--period`` names one, in the framework's columns (see ``ui/services/evidence_list.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

from minhchung.index.store import School
from minhchung.nlp.frameworks import load_framework
from minhchung.ui.context import AppContext
from minhchung.ui.services.catalog import item_link_resolver
from minhchung.ui.services.coverage import resolve_period
from minhchung.ui.services.evidence_list import build_list, export_docx, export_xlsx


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
                                framework_id=chosen.framework_id, link_for=item_link_resolver(context))
            target = out or Path(f"danh-muc-minh-chung-{chosen.school_year}.{format}")
            writer = export_xlsx if format == "xlsx" else export_docx
            writer(groups, framework, target, school_name=school_name, school_year=chosen.school_year)
        finally:
            context.close()
        count = sum(len(c.rows) for s in groups for c in s.criteria)
        typer.echo(f"Đã xuất {count} dòng minh chứng → {target}")
