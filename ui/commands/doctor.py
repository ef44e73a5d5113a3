"""`minhchung doctor [--repair] [--json]` — compare store, originals and search index.

Reports documents missing from the index, vectors of deleted or unfinished documents, orphaned
originals, leftovers of interrupted writes, stuck jobs; ``--repair`` fixes them (see
``minhchung.ui.services.maintenance``). Exit code 0 when nothing drifted (or all was repaired),
1 when drift remains.
"""

from __future__ import annotations

import json

import typer
from minhchung.ui.context import AppContext
from minhchung.ui.services.maintenance import DoctorReport, doctor
from rich.console import Console

LINES_VI = (
    ("missing_from_index", "văn bản đã đọc xong nhưng chưa có trong chỉ mục"),
    ("vectors_without_document", "văn bản đã xoá/lỗi vẫn còn trong chỉ mục"),
    ("vectors_of_unfinished", "văn bản chưa đọc xong đã lộ trong chỉ mục"),
    ("orphaned_files", "tệp gốc không thuộc văn bản nào"),
    ("temporary_files", "tệp tạm của lần ghi bị gián đoạn"),
    ("missing_originals", "văn bản mất tệp gốc (cần tải lên lại)"),
    ("requeued_documents", "văn bản chưa đọc xong không có việc trong hàng đợi"),
)


def register(app: typer.Typer) -> None:
    @app.command("doctor", help="Kiểm tra và sửa sai lệch giữa kho dữ liệu, tệp gốc và chỉ mục tìm kiếm.")
    def doctor_command(
        repair: bool = typer.Option(False, "--repair", help="sửa những sai lệch tìm thấy"),
        as_json: bool = typer.Option(False, "--json", help="in báo cáo dạng JSON"),
    ) -> int:
        context = AppContext.open()
        try:
            report = doctor(context, repair=repair)
        finally:
            context.close()
        if as_json:
            typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        else:
            _print(report)
        return 0 if report.clean or (repair and not report.missing_originals and not report.index_failures) else 1


def _print(report: DoctorReport) -> None:
    console = Console()
    console.print(f"{report.documents} văn bản trong kho, {report.indexed_documents} văn bản trong chỉ mục.")
    if report.recovered_jobs:
        verb = "đã xếp lại" if report.repaired else "có"
        console.print(f"- {verb} {report.recovered_jobs} việc bị bỏ dở khi tiến trình đọc dừng đột ngột")
    for name, label in LINES_VI:
        found = getattr(report, name)
        if found:
            shown = ", ".join(str(x) for x in found[:10]) + (" …" if len(found) > 10 else "")
            console.print(f"- {len(found)} {label}: {shown}")
    for failure in report.index_failures:
        console.print(f"[red]Lỗi lập chỉ mục[/red] {failure}")
    if report.clean:
        console.print("[green]Không có sai lệch.[/green]")
    elif report.repaired:
        console.print("[green]Đã sửa[/green] (tệp gốc lạc được chuyển vào thư mục orphans, không xoá).")
    else:
        console.print("Chạy [bold]minhchung doctor --repair[/bold] để sửa.")
