"""CLI command modules; each exposes ``register(app)`` and ``ui/cli.py`` lists them."""

from __future__ import annotations

import typer


def pending(app: typer.Typer, name: str, help_text: str) -> None:
    """Register a command whose feature has not landed: it says so and exits with code 2."""

    @app.command(name, help=f"{help_text} (chưa có trong bản này)", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def _not_built(ctx: typer.Context) -> None:
        typer.echo(f"Lệnh '{name}' chưa có trong phiên bản này. / The '{name}' command is not built yet.", err=True)
        raise typer.Exit(2)
