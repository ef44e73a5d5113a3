"""`minhchung serve [--port P]` — the Streamlit app, plus the background ingestion workers.

The data folder is opened once here (migrate, bootstrap, print the one-time admin password if it
was just created); then Streamlit runs ``ui/app/main.py`` in a child process with the same
``MINHCHUNG_HOME``, while this process works the job queue (OCR never runs in a page request).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import typer
from rich.console import Console

from minhchung.ui.context import AppContext
from minhchung.ui.services import ingestion
from minhchung.ui.services.reading import default_stages

MAIN = Path(__file__).resolve().parents[1] / "app" / "main.py"
IDLE_SECONDS = 1.0


def register(app: typer.Typer) -> None:
    @app.command("serve", help="Chạy ứng dụng web (Streamlit) và bộ xử lý nền.")
    def serve(
        port: int = typer.Option(8501, "--port", help="cổng web"),
        address: str = typer.Option("localhost", "--address", help="địa chỉ lắng nghe (0.0.0.0 cho mạng nội bộ)"),
    ) -> None:
        context = AppContext.open()
        err = Console(stderr=True)
        if context.bootstrap.admin_password:
            err.print(f"[bold]Tài khoản quản trị đầu tiên:[/bold] admin / {context.bootstrap.admin_password} "
                      "(mật khẩu dùng một lần; hãy đổi sau khi đăng nhập)")
        stop = threading.Event()
        workers = _start_workers(context, stop)
        env = dict(os.environ, MINHCHUNG_HOME=str(context.settings.data_dir))
        command = [sys.executable, "-m", "streamlit", "run", str(MAIN), "--server.port", str(port),
                   "--server.address", address, "--server.headless", "true",
                   "--browser.gatherUsageStats", "false"]
        err.print(f"Ứng dụng: http://{address}:{port}")
        try:
            code = subprocess.call(command, env=env)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=30)
            context.close()
        raise typer.Exit(code)


def _start_workers(context: AppContext, stop: threading.Event) -> list[threading.Thread]:
    """The ingestion service's workers if it provides them, else one queue worker thread here."""
    starter = getattr(ingestion, "start_workers", None)
    if starter is not None:
        return list(starter(context) or [])
    ingestion.recover(context)
    worker = threading.Thread(target=_work_queue, args=(context, stop), name="minhchung-worker", daemon=True)
    worker.start()
    return [worker]


def _work_queue(context: AppContext, stop: threading.Event) -> None:
    stages = default_stages(context)
    while not stop.is_set():
        if ingestion.process_next(context, stages) is None:
            stop.wait(IDLE_SECONDS)
