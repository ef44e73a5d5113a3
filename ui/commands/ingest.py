"""`minhchung ingest PATH... [--school S] [--watch DIR]` — load files into the store.

Every file is checked and stored first (fast), then read (text layer or OCR) with a progress
bar. One line per failed file names the file and the reason; identical re-uploads are reported
as duplicates. Exit code 1 if any file failed (the others are still processed).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from minhchung.ingest.errors import UsageError
from minhchung.ui.context import AppContext
from minhchung.ui.services import ingestion
from minhchung.ui.services.reading import IndexBusyError, default_stages


def register(app: typer.Typer) -> None:
    @app.command("ingest", help="Nạp tệp hoặc thư mục minh chứng (PDF, ảnh, DOCX, TXT) vào kho.")
    def ingest(
        paths: list[Path] = typer.Argument(None, help="tệp hoặc thư mục (duyệt đệ quy)"),
        school: int | None = typer.Option(None, "--school", help="mã số trường (mặc định: trường đầu tiên)"),
        watch: Path | None = typer.Option(None, "--watch", help="theo dõi thư mục (vd. thư mục máy quét)"),
        once: bool = typer.Option(False, "--once", help="với --watch: xử lý những gì đang có rồi dừng"),
        interval: float = typer.Option(2.0, "--interval", help="với --watch: số giây giữa hai lần quét"),
    ) -> None:
        if not paths and watch is None:
            raise UsageError("Give at least one PATH or --watch DIR.", "Cần ít nhất một tệp/thư mục hoặc --watch.")
        context = AppContext.open()
        _announce_admin(context)
        failed = 0
        try:
            if paths:
                failed += _ingest_paths(context, paths, school)
            if watch is not None:
                failed += _watch(context, watch, school, once=once, interval=interval)
        finally:
            context.close()
        raise typer.Exit(1 if failed else 0)


def _announce_admin(context: AppContext) -> None:
    if context.bootstrap.admin_password:
        Console(stderr=True).print(
            f"[bold]Tài khoản quản trị đầu tiên:[/bold] admin / {context.bootstrap.admin_password} "
            "(mật khẩu dùng một lần; hãy đổi sau khi đăng nhập)"
        )


def _ingest_paths(context: AppContext, paths: list[Path], school: int | None) -> int:
    err = Console(stderr=True)
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        err.print(f"[red]THẤT BẠI[/red] {path}: không tìm thấy tệp hoặc thư mục.")
    files = ingestion.collect_files([p for p in paths if p.exists()])
    results = [ingestion.submit(context, f, school_id=school, actor="cli")
               for f in tqdm(files, desc="Kiểm tra và lưu bản gốc", unit="tệp", disable=None)]
    processed = _process_queue(context, err)
    failures = [r for r in results if r.outcome == "failed"] + [p for p in processed if not p.ok]
    for failure in failures:
        err.print(f"[red]THẤT BẠI[/red] {failure.filename}: {failure.message}")
    table = Table(title="Kết quả nạp minh chứng")
    for column in ("Đã nạp", "Trùng lặp", "Thất bại", "Chờ xử lý"):
        table.add_column(column, justify="right")
    table.add_row(
        str(sum(1 for p in processed if p.ok)),
        str(sum(1 for r in results if r.outcome == "duplicate")),
        str(len(failures) + len(missing)),
        str(ingestion.pending_count(context)),
    )
    Console().print(table)
    return len(failures) + len(missing)


def _process_queue(context: AppContext, err: Console) -> list[ingestion.ProcessResult]:
    """Read every queued file here, unless the running app owns the index (then it reads them)."""
    try:
        stages = default_stages(context)
    except IndexBusyError as busy:
        err.print(f"[yellow]{busy.message_vi}[/yellow]")
        return []
    ingestion.recover(context)
    results = []
    bar = tqdm(total=ingestion.pending_count(context), desc="Đọc văn bản (OCR)", unit="tệp", disable=None)
    try:
        for result in ingestion.process_queue(context, stages):
            results.append(result)
            bar.update(1)
    finally:
        bar.close()
        for stage in stages:
            getattr(stage, "close", lambda: None)()
    return results


def _watch(context: AppContext, folder: Path, school: int | None, *, once: bool, interval: float) -> int:
    """Ingest what appears in ``folder``; move each file to ``done/`` or ``failed/`` beside it."""
    done, failed_dir = folder / "done", folder / "failed"
    done.mkdir(parents=True, exist_ok=True)
    failed_dir.mkdir(parents=True, exist_ok=True)
    err = Console(stderr=True)
    err.print(f"Đang theo dõi {folder} (Ctrl+C để dừng)…")
    failures = 0
    try:
        while True:
            arrived = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
            for path in arrived:
                result = ingestion.submit(context, path, school_id=school, actor="watch")
                outcome_ok = result.outcome != "failed"
                if outcome_ok and result.outcome == "queued":
                    processed = _process_queue(context, err)
                    outcome_ok = all(p.ok for p in processed if p.document_id == result.document_id)
                    result.message = next((p.message for p in processed if not p.ok), result.message)
                target = (done if outcome_ok else failed_dir) / path.name
                shutil.move(str(path), str(target))
                if not outcome_ok:
                    failures += 1
                    target.with_name(target.name + ".loi.txt").write_text(result.message or "", encoding="utf-8")
                    err.print(f"[red]THẤT BẠI[/red] {path.name}: {result.message}")
                else:
                    err.print(f"{'TRÙNG' if result.outcome == 'duplicate' else 'ĐÃ NẠP'} {path.name}")
            if once:
                return failures
            time.sleep(interval)
    except KeyboardInterrupt:
        return failures
