"""Auth: hashing, sessions and expiry, throttling, forced password change, school isolation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from minhchung.index.store import School, SessionRow, User
from minhchung.ui.services import admin
from minhchung.ui.services.accounts import create_user
from minhchung.ui.services.auth import (
    AccountLockedError,
    AuthService,
    CurrentUser,
    InvalidCredentialsError,
    PasswordPolicyError,
    PermissionDeniedError,
    SessionExpiredError,
    require,
)

ADMIN_PASSWORD = "admin-password-for-tests"


class Clock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(context, clock) -> AuthService:
    return AuthService(context.db, context.settings.auth, clock=clock)


def _add(context, username: str, role: str, school_id: int, password: str = "password-123", **kw) -> None:
    with context.db.session() as session:
        create_user(session, username=username, password=password, role=role, school_id=school_id,
                    actor="test", **kw)


def test_password_is_stored_hashed_and_token_hashed(context, auth):
    token = auth.login("admin", ADMIN_PASSWORD)
    with context.db.session() as session:
        user = session.execute(select(User).filter_by(username="admin")).scalar_one()
        stored = session.execute(select(SessionRow)).scalars().all()
    assert user.password_hash.startswith("$argon2id$") and ADMIN_PASSWORD not in user.password_hash
    assert len(stored) == 1 and stored[0].token_hash != token and len(stored[0].token_hash) == 64
    assert auth.current_user(token).username == "admin"


def test_wrong_password_and_unknown_user_give_the_same_error(auth):
    with pytest.raises(InvalidCredentialsError) as wrong:
        auth.login("admin", "nope-nope-nope")
    with pytest.raises(InvalidCredentialsError) as unknown:
        auth.login("ghost", "nope-nope-nope")
    assert wrong.value.message_vi == unknown.value.message_vi == "Sai tên đăng nhập hoặc mật khẩu."


def test_session_expires_after_configured_hours(context, auth, clock):
    token = auth.login("admin", ADMIN_PASSWORD)
    clock.advance(hours=context.settings.auth.session_hours - 0.01)
    assert auth.current_user(token).role == "admin"
    clock.advance(hours=0.02)
    with pytest.raises(SessionExpiredError):
        auth.current_user(token)
    with context.db.session() as session:  # the expired row is gone
        assert session.execute(select(SessionRow)).first() is None


def test_logout_ends_the_session(auth):
    token = auth.login("admin", ADMIN_PASSWORD)
    auth.logout(token)
    with pytest.raises(SessionExpiredError):
        auth.current_user(token)


def test_lockout_after_max_failures_then_unlock_after_minutes(context, auth, clock):
    limit = context.settings.auth.max_failed_logins
    for _ in range(limit - 1):
        with pytest.raises(InvalidCredentialsError):
            auth.login("admin", "wrong-password")
    with pytest.raises(AccountLockedError):
        auth.login("admin", "wrong-password")
    with pytest.raises(AccountLockedError):  # even the right password is refused while locked
        auth.login("admin", ADMIN_PASSWORD)
    clock.advance(minutes=context.settings.auth.lockout_minutes + 1)
    assert auth.login("admin", ADMIN_PASSWORD)


def test_success_resets_the_failure_count(context, auth):
    limit = context.settings.auth.max_failed_logins
    for _ in range(limit - 1):
        with pytest.raises(InvalidCredentialsError):
            auth.login("admin", "wrong-password")
    auth.login("admin", ADMIN_PASSWORD)
    for _ in range(limit - 1):  # counting starts again from zero
        with pytest.raises(InvalidCredentialsError):
            auth.login("admin", "wrong-password")


def test_forced_password_change(context, auth):
    _add(context, "thuky", "secretary", context.bootstrap.school_id, must_change_password=True)
    token = auth.login("thuky", "password-123")
    assert auth.current_user(token).must_change_password
    with pytest.raises(PasswordPolicyError):
        auth.change_password(token, "password-123", "short")
    with pytest.raises(InvalidCredentialsError):
        auth.change_password(token, "not-the-old-one", "new-password-456")
    other = auth.login("thuky", "password-123")
    user = auth.change_password(token, "password-123", "new-password-456")
    assert not user.must_change_password
    with pytest.raises(SessionExpiredError):  # other sessions of the user end
        auth.current_user(other)
    assert auth.current_user(token).username == "thuky"
    with pytest.raises(InvalidCredentialsError):
        auth.login("thuky", "password-123")
    assert auth.login("thuky", "new-password-456")


def _user(role: str, school_id: int = 1, period_id: int | None = None) -> CurrentUser:
    return CurrentUser(id=9, username=role, role=role, school_id=school_id, period_id=period_id,
                       full_name=None, must_change_password=False)


@pytest.mark.parametrize(("role", "allowed"), [
    ("admin", {"read", "upload", "suggest", "confirm", "export", "import", "tasks", "admin"}),
    ("secretary", {"read", "upload", "suggest", "confirm", "export", "import", "tasks"}),
    ("member", {"read", "upload", "suggest"}),
    ("reviewer", {"read"}),
])
def test_role_matrix(role, allowed):
    for action in ("read", "upload", "suggest", "confirm", "export", "import", "tasks", "admin"):
        if action in allowed:
            require(_user(role), action, 1, 1)
        else:
            with pytest.raises(PermissionDeniedError) as error:
                require(_user(role), action, 1, 1)
            assert "không được phép" in error.value.message_vi


def test_nobody_crosses_schools():
    for role in ("admin", "secretary", "member", "reviewer"):
        with pytest.raises(PermissionDeniedError):
            require(_user(role, school_id=1), "read", 2)


def test_reviewer_limited_to_invited_period():
    reviewer = _user("reviewer", period_id=3)
    require(reviewer, "read", 1, 3)
    with pytest.raises(PermissionDeniedError):
        require(reviewer, "read", 1, 4)


def test_admin_of_another_school_cannot_manage_this_one(context, auth):
    with context.db.session() as session:
        other = School(name="Trường khác", level="thpt")
        session.add(other)
        session.flush()
        other_id = other.id
    _add(context, "admin2", "admin", other_id)
    intruder = auth.current_user(auth.login("admin2", "password-123"))
    own_admin = auth.current_user(auth.login("admin", ADMIN_PASSWORD))
    names = {u.username for u in admin.list_users(context, intruder, datetime.now(timezone.utc))}
    assert names == {"admin2"}
    victim = next(u for u in admin.list_users(context, own_admin, datetime.now(timezone.utc)) if u.username == "admin")
    with pytest.raises(Exception) as error:
        admin.reset_password(context, intruder, victim.id)
    assert "Không tìm thấy" in error.value.message_vi
    assert auth.login("admin", ADMIN_PASSWORD)  # password unchanged


def test_admin_creates_user_with_one_time_password(context, auth):
    own_admin = auth.current_user(auth.login("admin", ADMIN_PASSWORD))
    password = admin.add_user(context, own_admin, username="doan1", role="reviewer",
                              period_id=context.bootstrap.period_id)
    reviewer = auth.current_user(auth.login("doan1", password))
    assert reviewer.role == "reviewer" and reviewer.must_change_password
    assert reviewer.period_id == context.bootstrap.period_id
    with pytest.raises(PermissionDeniedError):
        admin.add_user(context, reviewer, username="x-user", role="admin")
