"""`minhchung backup FILE` and `minhchung restore FILE [--replace]`.

A backup is one tar file with a consistent copy of the database, every original and (when no
other process holds it) the search index; restore checks every original against its sha256 and
rebuilds the index when the backup has none. See ``minhchung.ui.services.maintenance``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from minhchung.ingest.errors import UsageError
from minhchung.ui.context import AppContext
from minhchung.ui.services.maintenance import backup, restore
from minhchung.ui.settings import Settings
from rich.console import Console


def register(app: typer.Typer) -> None:
    @app.command("backup", help="Sao lưu cơ sở dữ liệu, tệp gốc và chỉ mục vào một tệp .tar.")
    def backup_command(
        target: Path = typer.Argument(..., help="tệp sao lưu sẽ tạo, vd. minhchung-2026-11-23.tar"),
        without_index: bool = typer.Option(False, "--without-index", help="không kèm chỉ mục (khôi phục sẽ xây lại)"),
    ) -> int:
        if target.exists():
            raise UsageError(f"{target} already exists; choose another name.", f"{target} đã tồn tại; hãy chọn tên khác.")
        context = AppContext.open()
        try:
            manifest = backup(context, target, include_index=not without_index)
        finally:
            context.close()
        index = "có chỉ mục" if manifest.index_included else "không kèm chỉ mục (sẽ xây lại khi khôi phục)"
        Console().print(f"Đã sao lưu {manifest.documents} văn bản, {manifest.originals} tệp gốc, {index} → {target}")
        return 0

    @app.command("restore", help="Khôi phục từ tệp sao lưu vào thư mục dữ liệu (MINHCHUNG_HOME).")
    def restore_command(
        source: Path = typer.Argument(..., exists=True, dir_okay=False, help="tệp sao lưu .tar"),
        replace: bool = typer.Option(False, "--replace", help="thay dữ liệu hiện có (dữ liệu cũ được cất sang bên)"),
    ) -> int:
        report = restore(source, Settings(), replace=replace)
        console = Console()
        if report.previous_data is not None:
            console.print(f"Dữ liệu cũ được cất tại {report.previous_data}.")
        how = "đã xây lại chỉ mục" if report.index_rebuilt else "chỉ mục khôi phục từ bản sao lưu"
        console.print(f"Đã khôi phục {report.manifest.documents} văn bản, {report.originals} tệp gốc; {how} "
                      f"({report.indexed_documents} văn bản trong chỉ mục).")
        return 0
