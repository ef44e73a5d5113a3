"""`minhchung directives` — placeholder until the feature lands."""

import typer

from minhchung.ui.commands import pending


def register(app: typer.Typer) -> None:
    pending(app, "directives", "Đọc văn bản chỉ đạo: thời hạn, chỉ tiêu")
