"""`minhchung ingest` — placeholder until the feature lands."""

import typer

from minhchung.ui.commands import pending


def register(app: typer.Typer) -> None:
    pending(app, "ingest", "Nạp tệp minh chứng vào kho")
