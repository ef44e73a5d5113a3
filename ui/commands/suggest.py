"""`minhchung suggest` — placeholder until the feature lands."""

import typer

from minhchung.ui.commands import pending


def register(app: typer.Typer) -> None:
    pending(app, "suggest", "Gợi ý tiêu chí và mã minh chứng")
