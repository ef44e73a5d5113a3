"""`minhchung reindex` — placeholder until the feature lands."""

import typer

from minhchung.ui.commands import pending


def register(app: typer.Typer) -> None:
    pending(app, "reindex", "Xây dựng lại chỉ mục tìm kiếm")
