"""Access control through the service layer, and hostile input kept away from shells, pickle, eval, SQL."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from minhchung.index.review import create_suggested_item
from minhchung.index.store import EvidenceItem, Period, School
from minhchung.ui.services import inbox
from minhchung.ui.services.accounts import create_user
from minhchung.ui.services.auth import (
    AccountLockedError,
    AuthService,
    InvalidCredentialsError,
    PermissionDeniedError,
    SessionExpiredError,
)
from sqlalchemy import select

PASSWORD = "mat-khau-dung-1"
REPO = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("ingest", "nlp", "index", "ui")


class Clock:
    """Tests move time instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(context):
    """Two schools; school A has a secretary, a reviewer and a suggested item, school B a secretary."""
    with context.db.write() as session:
        home_school = session.execute(select(School)).scalars().first()
        period = session.execute(select(Period).filter_by(school_id=home_school.id)).scalars().first()
        other = School(name="Trường khác", level="thcs")
        session.add(other)
        session.flush()
        other_period = Period(school_id=other.id, name="Kỳ B", school_year="2026-2027", framework_id=period.framework_id)
        session.add(other_period)
        session.flush()
        for username, role, school_id in (("thuky", "secretary", home_school.id), ("doan", "reviewer", home_school.id),
                                          ("thuky_b", "secretary", other.id)):
            create_user(session, username=username, password=PASSWORD, role=role, school_id=school_id, actor="admin")
        ids = dict(school=home_school.id, period=period.id, other_school=other.id, other_period=other_period.id,
                   framework=period.framework_id)
    item = create_suggested_item(context.db, actor="system", school_id=ids["school"], period_id=ids["period"],
                                 framework_id=ids["framework"], title="Kế hoạch năm học")
    clock = Clock()
    auth = AuthService(context.db, context.settings.auth, clock=clock)
    return dict(ids, item=item.id, auth=auth, clock=clock)


def _user(world, username: str):
    return world["auth"].current_user(world["auth"].login(username, PASSWORD))


def test_reviewer_is_read_only(context, world) -> None:
    reviewer = _user(world, "doan")
    inbox.review_queue(context, reviewer, world["period"])  # reading is allowed
    for action in (lambda: inbox.confirm(context, reviewer, world["item"], ["1.1"]),
                   lambda: inbox.reject(context, reviewer, world["item"]),
                   lambda: inbox.bulk_confirm(context, reviewer, world["period"], 0.0),
                   lambda: inbox.upload(context, reviewer, [("a.txt", "Thông báo họp".encode())])):
        with pytest.raises(PermissionDeniedError):
            action()
    with context.db.session() as session:
        assert session.get(EvidenceItem, world["item"]).status == "suggested"


def test_a_school_never_reaches_another_schools_data(context, world) -> None:
    intruder = _user(world, "thuky_b")
    with pytest.raises(PermissionDeniedError):
        inbox.confirm(context, intruder, world["item"], ["1.1"])
    assert inbox.review_queue(context, intruder, world["period"]) == []  # another school's period: nothing
    assert inbox.review_queue(context, intruder, world["other_period"]) == []
    own = _user(world, "thuky")
    assert [q.item_id for q in inbox.review_queue(context, own, world["period"])] == [world["item"]]


def test_expired_and_forged_sessions_are_refused(world) -> None:
    auth, clock = world["auth"], world["clock"]
    token = auth.login("thuky", PASSWORD)
    clock.now += timedelta(hours=auth.settings.session_hours, minutes=1)
    with pytest.raises(SessionExpiredError):
        auth.current_user(token)
    for forged in ("", "x" * 64, "' OR 1=1 --", token + "a"):
        with pytest.raises(SessionExpiredError):
            auth.current_user(forged)


def test_brute_force_login_is_throttled(world) -> None:
    auth, clock = world["auth"], world["clock"]
    for _ in range(auth.settings.max_failed_logins - 1):
        with pytest.raises(InvalidCredentialsError):
            auth.login("thuky", "doan-mo-mat-khau")
    with pytest.raises(AccountLockedError):  # the last allowed failure locks the account
        auth.login("thuky", "doan-mo-mat-khau")
    with pytest.raises(AccountLockedError):
        auth.login("thuky", PASSWORD)  # even the right password waits out the lock
    clock.now += timedelta(minutes=auth.settings.lockout_minutes + 1)
    assert auth.current_user(auth.login("thuky", PASSWORD)).username == "thuky"
    with pytest.raises(InvalidCredentialsError):  # SQL in a username is only a wrong username
        auth.login("thuky' OR '1'='1", PASSWORD)


def test_uploads_land_only_in_the_content_store(context, world, tmp_path) -> None:
    secretary = _user(world, "thuky")
    before = {p for p in tmp_path.rglob("*")}
    results = inbox.upload(context, secretary, [
        ("../../../../" + str(tmp_path / "thoat.txt"), "Thông báo họp hội đồng trường.".encode()),
        ("/etc/passwd", "Kế hoạch kiểm kê cơ sở vật chất.".encode()),
    ])
    assert [r.outcome for r in results] == ["queued", "queued"]
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(p.is_relative_to(context.settings.data_dir) for p in created)
    assert all(p.parent.parent.parent == context.settings.originals_dir for p in created
               if p.is_file() and p.is_relative_to(context.settings.originals_dir))


def _python_sources() -> list[Path]:
    return [p for d in SOURCE_DIRS for p in (REPO / d).rglob("*.py") if "migrations" not in p.parts]


DANGEROUS_CALLS = {"eval", "exec", "compile"}  # __import__ of a configured embedder package is settings, not input
DANGEROUS_ATTRIBUTES = {("os", "system"), ("os", "popen"), ("pickle", "load"), ("pickle", "loads"),
                        ("marshal", "loads"), ("yaml", "load"), ("subprocess", "getoutput")}
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|DROP|PRAGMA|BEGIN)\b")


def test_no_user_input_can_reach_a_shell_pickle_eval_or_formatted_sql() -> None:
    problems = []
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in DANGEROUS_CALLS:
                    problems.append(f"{where} calls {func.id}()")
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                        and (func.value.id, func.attr) in DANGEROUS_ATTRIBUTES:
                    problems.append(f"{where} calls {func.value.id}.{func.attr}()")
                if any(k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                       for k in node.keywords):
                    problems.append(f"{where} runs a shell")
                if isinstance(func, ast.Attribute) and func.attr in ("text", "exec_driver_sql", "execute") \
                        and node.args and isinstance(node.args[0], (ast.JoinedStr, ast.BinOp)):
                    problems.append(f"{where} builds SQL from strings")
            if isinstance(node, ast.JoinedStr) and any(
                    isinstance(v, ast.Constant) and SQL_WORDS.search(str(v.value)) for v in node.values) \
                    and any(isinstance(v, ast.FormattedValue) for v in node.values):
                problems.append(f"{where} formats values into an SQL-looking string")
    assert not problems, "\n".join(problems)
