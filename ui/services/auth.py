"""Login, sessions, throttling and the one permission check every service calls.

Why it looks like this:

* Session tokens are random (``secrets``) and only their sha256 is stored, so a copy of the
  database cannot be replayed as a login. A token expires ``auth.session_hours`` after login.
* Failed logins are counted per user; after ``auth.max_failed_logins`` the account is locked for
  ``auth.lockout_minutes``. Unknown usernames still pay for one argon2 verification, so response
  time does not reveal which usernames exist, and the message is the same for both cases.
* :func:`require` is called by every service method that reads or changes school data, so a
  hidden button is never the only thing standing between a reviewer and a confirmation.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from types import MappingProxyType

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from minhchung.index.store import Database, User
from minhchung.index.store.audit import record
from minhchung.index.store.tables import SessionRow
from minhchung.ingest.errors import MinhchungError
from minhchung.ui.services.accounts import hash_password, verify_password
from minhchung.ui.settings import AuthSettings

Clock = Callable[[], datetime]

#: What each role may do. ``read`` covers every page; the rest are changes or bulk exports.
ROLE_ACTIONS: MappingProxyType[str, frozenset[str]] = MappingProxyType({
    "admin": frozenset({"read", "upload", "suggest", "confirm", "export", "import", "tasks", "admin"}),
    "secretary": frozenset({"read", "upload", "suggest", "confirm", "export", "import", "tasks"}),
    "member": frozenset({"read", "upload", "suggest"}),
    "reviewer": frozenset({"read"}),
})

ACTION_LABELS_VI: MappingProxyType[str, str] = MappingProxyType({
    "read": "xem dữ liệu",
    "upload": "tải lên tài liệu",
    "suggest": "chạy gợi ý tiêu chí",
    "confirm": "xác nhận, mã hoá hoặc từ chối minh chứng",
    "export": "xuất danh mục minh chứng",
    "import": "nhập danh mục minh chứng",
    "tasks": "cập nhật công việc theo văn bản chỉ đạo",
    "admin": "quản trị trường, kỳ đánh giá và tài khoản",
})

ROLE_LABELS_VI: MappingProxyType[str, str] = MappingProxyType({
    "admin": "Quản trị viên",
    "secretary": "Thư ký hội đồng",
    "member": "Thành viên hội đồng",
    "reviewer": "Đoàn đánh giá ngoài",
})


class AuthError(MinhchungError):
    """A login or session problem the person can act on."""


class InvalidCredentialsError(AuthError):
    def __init__(self) -> None:
        super().__init__("Wrong username or password.", "Sai tên đăng nhập hoặc mật khẩu.")


class AccountLockedError(AuthError):
    def __init__(self, until: datetime) -> None:
        local = until.astimezone().strftime("%H:%M")
        super().__init__(f"Too many failed logins; the account is locked until {until.isoformat()}.",
                         f"Đăng nhập sai quá nhiều lần; tài khoản bị khoá đến {local}. Vui lòng thử lại sau.")


class SessionExpiredError(AuthError):
    def __init__(self) -> None:
        super().__init__("The session has expired or is invalid; log in again.",
                         "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại.")


class PasswordPolicyError(AuthError):
    """A new password that cannot be accepted."""


class PermissionDeniedError(MinhchungError):
    """The acting user's role, school or period does not allow the action."""

    exit_code = 1


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in person, detached from any database session."""

    id: int
    username: str
    role: str
    school_id: int | None
    period_id: int | None
    full_name: str | None
    must_change_password: bool

    @classmethod
    def of(cls, user: User) -> CurrentUser:
        return cls(id=user.id, username=user.username, role=user.role, school_id=user.school_id,
                   period_id=user.period_id, full_name=user.full_name,
                   must_change_password=user.must_change_password)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def can(self, action: str) -> bool:
        """Whether the role allows ``action`` at all (for showing controls; services still check)."""
        return action in ROLE_ACTIONS.get(self.role, frozenset())


def require(user: CurrentUser, action: str, school_id: int | None, period_id: int | None = None) -> None:
    """Raise :class:`PermissionDeniedError` unless ``user`` may do ``action`` on that school/period.

    Nobody crosses schools (an admin administers their own school only). A reviewer bound to a
    period (the frozen snapshot they were invited to) sees that period only.
    """
    label = ACTION_LABELS_VI.get(action, action)
    if action not in ACTION_LABELS_VI:
        raise PermissionDeniedError(f"Unknown action {action!r}.", f"Thao tác “{action}” không xác định.")
    if school_id is None or user.school_id != school_id:
        raise PermissionDeniedError(
            f"{user.username} may not access school {school_id}.",
            "Bạn không có quyền truy cập dữ liệu của trường này.",
        )
    if not user.can(action):
        role = ROLE_LABELS_VI.get(user.role, user.role)
        raise PermissionDeniedError(
            f"Role {user.role} may not {action}.",
            f"Vai trò {role} không được phép {label}.",
        )
    if user.role == "reviewer" and user.period_id is not None and period_id is not None \
            and period_id != user.period_id:
        raise PermissionDeniedError(
            f"{user.username} is limited to period {user.period_id}.",
            "Tài khoản đoàn đánh giá chỉ được xem kỳ đánh giá đã được mời.",
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class AuthService:
    """Logins and sessions over one database; ``clock`` is injectable so tests need no sleeps."""

    def __init__(self, db: Database, settings: AuthSettings, clock: Clock = _utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    @cached_property
    def _dummy_hash(self) -> str:
        return hash_password(secrets.token_urlsafe(16))

    def login(self, username: str, password: str) -> str:
        """Check the password and open a session; return its token (keep it secret)."""
        now = self.clock()
        with self.db.write() as session:
            user = session.execute(select(User).filter_by(username=username.strip())).scalar_one_or_none()
            if user is None or not user.active:
                verify_password(self._dummy_hash, password)
                raise InvalidCredentialsError()
            if user.locked_until is not None and _aware(user.locked_until) > now:
                verify_password(self._dummy_hash, password)
                raise AccountLockedError(_aware(user.locked_until))
            if not verify_password(user.password_hash, password):
                self._count_failure(session, user, now)
                session.commit()
                if user.locked_until is not None and _aware(user.locked_until) > now:
                    raise AccountLockedError(_aware(user.locked_until))
                raise InvalidCredentialsError()
            user.failed_logins = 0
            user.locked_until = None
            token = secrets.token_urlsafe(32)
            session.add(SessionRow(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                                   expires_at=now + timedelta(hours=self.settings.session_hours)))
            record(session, actor=user.username, action="login", entity="user", entity_id=user.id,
                   school_id=user.school_id)
        return token

    def _count_failure(self, session: Session, user: User, now: datetime) -> None:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= self.settings.max_failed_logins:
            user.locked_until = now + timedelta(minutes=self.settings.lockout_minutes)
            user.failed_logins = 0
            record(session, actor=user.username, action="lock", entity="user", entity_id=user.id,
                   after={"locked_until": user.locked_until.isoformat()}, school_id=user.school_id)

    def current_user(self, token: str | None) -> CurrentUser:
        """The user behind a session token; raise :class:`SessionExpiredError` if it is not valid now."""
        if not token:
            raise SessionExpiredError()
        with self.db.session() as session:
            row = session.get(SessionRow, _token_hash(token))
            if row is None:
                raise SessionExpiredError()
            if _aware(row.expires_at) <= self.clock():
                session.delete(row)
                session.commit()
                raise SessionExpiredError()
            user = session.get(User, row.user_id)
            if user is None or not user.active:
                raise SessionExpiredError()
            return CurrentUser.of(user)

    def logout(self, token: str) -> None:
        with self.db.session() as session:
            session.execute(delete(SessionRow).where(SessionRow.token_hash == _token_hash(token)))

    def change_password(self, token: str, old_password: str, new_password: str) -> CurrentUser:
        """Change the logged-in user's password; other sessions of that user are ended."""
        current = self.current_user(token)
        if len(new_password) < 8:
            raise PasswordPolicyError("Passwords need at least 8 characters.", "Mật khẩu mới phải có ít nhất 8 ký tự.")
        if new_password == old_password:
            raise PasswordPolicyError("The new password must differ from the old one.",
                                      "Mật khẩu mới phải khác mật khẩu cũ.")
        with self.db.write() as session:
            user = session.get(User, current.id)
            if not verify_password(user.password_hash, old_password):
                raise InvalidCredentialsError()
            user.password_hash = hash_password(new_password)
            user.must_change_password = False
            session.execute(delete(SessionRow).where(SessionRow.user_id == user.id,
                                                     SessionRow.token_hash != _token_hash(token)))
            record(session, actor=user.username, action="change_password", entity="user", entity_id=user.id,
                   school_id=user.school_id)
            return CurrentUser.of(user)

    def purge_expired(self) -> int:
        """Delete expired sessions; returns how many were removed."""
        with self.db.session() as session:
            result = session.execute(delete(SessionRow).where(SessionRow.expires_at <= self.clock()))
            return result.rowcount or 0
