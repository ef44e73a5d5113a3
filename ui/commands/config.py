"""`minhchung config` — print the effective settings (defaults < TOML < environment)."""

from __future__ import annotations

import json

import typer

from minhchung.ui.settings import Settings, config_file


def register(app: typer.Typer) -> None:
    @app.command("config", help="In cấu hình đang có hiệu lực (mặc định < tệp TOML < biến môi trường).")
    def config(as_json: bool = typer.Option(False, "--json", help="JSON thay vì TOML-like")) -> None:
        settings = Settings()
        values = json.loads(settings.model_dump_json())
        values["effective"] = {
            "data_dir": str(settings.data_dir), "database_url": settings.db_url,
            "originals_dir": str(settings.originals_dir), "index_dir": str(settings.index_dir),
            "config_file": f"{config_file()} ({'có' if config_file().exists() else 'không có'})",
        }
        if as_json:
            typer.echo(json.dumps(values, ensure_ascii=False, indent=2))
            return
        _print_section(values)


def _print_section(values: dict, prefix: str = "") -> None:
    for key, value in values.items():
        if isinstance(value, dict):
            typer.echo(f"\n[{prefix}{key}]")
            _print_section(value, prefix=f"{prefix}{key}.")
        else:
            typer.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")
