"""`minhchung doctor` — placeholder until the feature lands."""

import typer

from minhchung.ui.commands import pending


def register(app: typer.Typer) -> None:
    pending(app, "doctor", "Kiểm tra và sửa sai lệch dữ liệu")
