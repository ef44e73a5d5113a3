"""`minhchung frameworks` — placeholder until the feature lands."""

import typer

from minhchung.ui.commands import pending


def register(app: typer.Typer) -> None:
    pending(app, "frameworks", "Bộ tiêu chuẩn đánh giá")
