"""`minhchung serve [--port P]` — the Streamlit app, plus the background ingestion workers.

The data folder is opened once here (migrate, bootstrap, print the one-time admin password if it
was just created); then Streamlit runs ``ui/app/main.py`` in a child process with the same
``MINHCHUNG_HOME``, while this process's :class:`Worker` reads the job queue (OCR never runs in a page request).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from rich.console import Console

from minhchung.ui.context import AppContext
from minhchung.ui.services.worker import Worker

MAIN = Path(__file__).resolve().parents[1] / "app" / "main.py"


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
        worker = Worker(context).start()
        env = dict(os.environ, MINHCHUNG_HOME=str(context.settings.data_dir))
        command = [sys.executable, "-m", "streamlit", "run", str(MAIN), "--server.port", str(port),
                   "--server.address", address, "--server.headless", "true",
                   "--browser.gatherUsageStats", "false"]
        err.print(f"Ứng dụng: http://{address}:{port}")
        try:
            code = subprocess.call(command, env=env)
        finally:
            worker.stop()
            context.close()
        raise typer.Exit(code)
