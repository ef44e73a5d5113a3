"""`minhchung coverage [--period ID] [--json]` — which criteria the confirmed evidence supports.

Runs as the machine's owner (no login): the school is the data folder's first school, the
period its newest unless ``--period`` names one.
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from minhchung.index.coverage import STATUS_LABELS_VI
from minhchung.ui.context import AppContext
from minhchung.ui.services.coverage import resolve_period, system_coverage

STATUS_STYLES = {"none": "red", "weak": "yellow", "supported": "green"}


def register(app: typer.Typer) -> None:
    @app.command("coverage", help="Độ phủ tiêu chí: số minh chứng đã xác nhận, mức chưa có minh chứng, minh chứng cũ.")
    def coverage(
        period: int | None = typer.Option(None, "--period", help="mã kỳ đánh giá (mặc định: kỳ mới nhất)"),
        as_json: bool = typer.Option(False, "--json", help="in JSON"),
    ) -> None:
        context = AppContext.open()
        try:
            school_id = context.bootstrap.school_id
            report = system_coverage(context, school_id, resolve_period(context, school_id, period))
        finally:
            context.close()
        if as_json:
            typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
            return
        table = Table(title=f"Độ phủ tiêu chí — {report.framework_id}, năm học {report.school_year}")
        for header, justify in (("Tiêu chí", "left"), ("Tên", "left"), ("Trạng thái", "left"),
                                ("Minh chứng", "right"), ("Cũ", "right"), ("Mức chưa có", "left")):
            table.add_column(header, justify=justify, overflow="fold")
        for criterion in report.criteria():
            style = STATUS_STYLES[criterion.status]
            table.add_row(criterion.id + (" *" if criterion.mandatory else ""), criterion.title,
                          f"[{style}]{STATUS_LABELS_VI[criterion.status]}[/{style}]",
                          str(criterion.evidence_count), str(criterion.stale_count),
                          ", ".join(criterion.unsupported_indicators))
        console = Console()
        console.print(table)
        totals = report.totals()
        console.print(f"Đủ: {totals['supported']} · Còn thiếu: {totals['weak']} · Chưa có: {totals['none']}"
                      "  (* tiêu chí bắt buộc)")
