"""The ``minhchung`` command.

Each area's commands live in ``ui/commands/<area>.py`` and expose ``register(app)``. ``main()``
turns every :class:`MinhchungError` into one clear line and its exit code (0 ok, 1 an item
failed, 2 usage); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from minhchung.ingest.errors import MinhchungError

COMMAND_MODULES = (
    "config", "frameworks", "text", "ingest", "directives", "suggest", "search", "coverage",
    "export", "reindex", "bench", "serve", "doctor", "backup",
)

app = typer.Typer(
    name="minhchung",
    help="Minh chứng kiểm định chất lượng giáo dục: đọc, mã hoá, tra cứu minh chứng.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for module_name in COMMAND_MODULES:
    importlib.import_module(f"minhchung.ui.commands.{module_name}").register(app)


def main() -> None:
    """Console entry point."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    err = Console(stderr=True)
    try:
        result = app(standalone_mode=False)
        sys.exit(result if isinstance(result, int) else 0)
    except MinhchungError as error:
        if debug:
            raise
        err.print(f"[red]Lỗi:[/red] {error.message_vi}\n[dim]{error.message_en}[/dim]")
        sys.exit(error.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("Đã dừng.")
        sys.exit(130)
    except Exception as error:  # click usage errors carry their own exit code
        exit_code = getattr(error, "exit_code", None)
        if exit_code is not None and hasattr(error, "show"):
            error.show()
            sys.exit(exit_code)
        if isinstance(error, SystemExit):
            raise
        if debug:
            raise
        err.print(f"[red]Lỗi không mong đợi:[/red] {error!r}. Chạy lại với --debug để xem chi tiết.")
        sys.exit(1)


if __name__ == "__main__":
    main()
