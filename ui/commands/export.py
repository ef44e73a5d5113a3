"""`minhchung export` — placeholder until the feature lands."""

import typer

from minhchung.ui.commands import pending


def register(app: typer.Typer) -> None:
    pending(app, "export", "Xuất danh mục minh chứng")
