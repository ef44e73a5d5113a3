"""`minhchung serve [--port P]` — the Streamlit app, which also reads uploads in the background.

The data folder is opened once here to migrate it, create the defaults and print the one-time
admin password if it was just made; then it is released and Streamlit runs ``ui/app/main.py``
with the same ``MINHCHUNG_HOME``. The Streamlit process owns everything that stays open: the
application context, the search index and the background :class:`Worker` (see
``minhchung.ui.app.session``), because an embedded index can be opened by one process only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from rich.console import Console

from minhchung.ui.context import AppContext

MAIN = Path(__file__).resolve().parents[1] / "app" / "main.py"


def register(app: typer.Typer) -> None:
    @app.command("serve", help="Chạy ứng dụng web (Streamlit), kèm bộ xử lý nền đọc tệp tải lên.")
    def serve(
        port: int = typer.Option(8501, "--port", help="cổng web"),
        address: str = typer.Option("localhost", "--address", help="địa chỉ lắng nghe (0.0.0.0 cho mạng nội bộ)"),
    ) -> None:
        context = AppContext.open()
        password = context.bootstrap.admin_password
        data_dir = context.settings.data_dir
        context.close()
        err = Console(stderr=True)
        if password:
            err.print(f"[bold]Tài khoản quản trị đầu tiên:[/bold] admin / {password} "
                      "(mật khẩu dùng một lần; hãy đổi sau khi đăng nhập)")
        env = dict(os.environ, MINHCHUNG_HOME=str(data_dir))
        command = [sys.executable, "-m", "streamlit", "run", str(MAIN), "--server.port", str(port),
                   "--server.address", address, "--server.headless", "true",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        err.print(f"Ứng dụng: http://{address}:{port}")
        raise typer.Exit(subprocess.call(command, env=env))
