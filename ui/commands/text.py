"""`minhchung text` — placeholder until the feature lands."""

import typer

from minhchung.ui.commands import pending


def register(app: typer.Typer) -> None:
    pending(app, "text", "In văn bản trích xuất của một tệp")
