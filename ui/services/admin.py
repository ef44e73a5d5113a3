"""Administration of one school: its profile, accreditation periods and user accounts.

Every function takes the acting user and checks the ``admin`` permission on that user's own
school; changes are audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from minhchung.index.store import Period, School, User
from minhchung.index.store.audit import record
from minhchung.ingest.errors import UsageError
from minhchung.nlp.frameworks import default_framework_for, load_framework
from minhchung.ui.context import AppContext
from minhchung.ui.services.accounts import AccountError, create_user, generate_password, hash_password
from minhchung.ui.services.auth import CurrentUser, require

LEVEL_LABELS_VI = {
    "mam_non": "Mầm non",
    "tieu_hoc": "Tiểu học",
    "thcs": "Trung học cơ sở",
    "thpt": "Trung học phổ thông",
    "nhieu_cap": "Phổ thông nhiều cấp học",
    "gdtx": "Giáo dục thường xuyên",
}


@dataclass(frozen=True)
class SchoolProfile:
    id: int
    name: str
    level: str


@dataclass(frozen=True)
class PeriodInfo:
    id: int
    name: str
    school_year: str
    framework_id: str
    starts_on: date | None
    ends_on: date | None
    frozen: bool


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str | None
    role: str
    period_id: int | None
    active: bool
    locked: bool


def school_profile(context: AppContext, user: CurrentUser) -> SchoolProfile:
    """Any member of the school may see its name and level."""
    require(user, "read", user.school_id)
    with context.db.session() as session:
        school = session.get(School, user.school_id)
        return SchoolProfile(id=school.id, name=school.name, level=school.level)


def update_school(context: AppContext, user: CurrentUser, *, name: str, level: str) -> SchoolProfile:
    require(user, "admin", user.school_id)
    name = name.strip()
    if not name:
        raise UsageError("The school needs a name.", "Tên trường không được để trống.")
    default_framework_for(level)  # refuses an unknown level with a clear message
    with context.db.session() as session:
        school = session.get(School, user.school_id)
        before = {"name": school.name, "level": school.level}
        school.name, school.level = name, level
        record(session, actor=user.username, action="update", entity="school", entity_id=school.id,
               before=before, after={"name": name, "level": level}, school_id=school.id)
        return SchoolProfile(id=school.id, name=school.name, level=school.level)


def list_periods(context: AppContext, user: CurrentUser) -> list[PeriodInfo]:
    """Periods of the school, newest first; a reviewer bound to one period sees only it."""
    require(user, "read", user.school_id)
    with context.db.session() as session:
        query = select(Period).where(Period.school_id == user.school_id)
        if user.role == "reviewer" and user.period_id is not None:
            query = query.where(Period.id == user.period_id)
        rows = session.execute(query.order_by(Period.id.desc())).scalars().all()
        return [_period_info(p) for p in rows]


def create_period(context: AppContext, user: CurrentUser, *, name: str, school_year: str,
                  framework_id: str | None = None, starts_on: date | None = None,
                  ends_on: date | None = None) -> PeriodInfo:
    """A new self-assessment period; the framework defaults to TT57 for the school's level."""
    require(user, "admin", user.school_id)
    if not name.strip() or not school_year.strip():
        raise UsageError("A period needs a name and a school year.", "Kỳ đánh giá cần có tên và năm học.")
    if starts_on and ends_on and ends_on < starts_on:
        raise UsageError("The period ends before it starts.", "Ngày kết thúc phải sau ngày bắt đầu.")
    with context.db.session() as session:
        school = session.get(School, user.school_id)
        framework = framework_id or default_framework_for(school.level)
        load_framework(framework, context.settings.frameworks_override_dir)
        period = Period(school_id=school.id, name=name.strip(), school_year=school_year.strip(),
                        framework_id=framework, starts_on=starts_on, ends_on=ends_on)
        session.add(period)
        session.flush()
        record(session, actor=user.username, action="create", entity="period", entity_id=period.id,
               after={"name": period.name, "school_year": period.school_year, "framework_id": framework},
               school_id=school.id)
        return _period_info(period)


def set_period_frozen(context: AppContext, user: CurrentUser, period_id: int, frozen: bool) -> PeriodInfo:
    """Freeze a period for the external review (reviewers then see a fixed snapshot)."""
    require(user, "admin", user.school_id, period_id)
    with context.db.session() as session:
        period = _own_period(session, user, period_id)
        before = {"frozen": period.frozen}
        period.frozen = frozen
        record(session, actor=user.username, action="freeze" if frozen else "unfreeze", entity="period",
               entity_id=period.id, before=before, after={"frozen": frozen}, school_id=user.school_id)
        return _period_info(period)


def list_users(context: AppContext, user: CurrentUser, now) -> list[UserInfo]:
    require(user, "admin", user.school_id)
    with context.db.session() as session:
        rows = session.execute(select(User).where(User.school_id == user.school_id).order_by(User.username)).scalars()
        return [UserInfo(id=u.id, username=u.username, full_name=u.full_name, role=u.role, period_id=u.period_id,
                         active=u.active, locked=_locked(u, now)) for u in rows]


def add_user(context: AppContext, user: CurrentUser, *, username: str, role: str, full_name: str | None = None,
             period_id: int | None = None) -> str:
    """Create an account in the admin's school; returns its one-time password (changed at first login)."""
    require(user, "admin", user.school_id, period_id)
    password = generate_password()
    with context.db.session() as session:
        if period_id is not None:
            _own_period(session, user, period_id)
        create_user(session, username=username, password=password, role=role, school_id=user.school_id,
                    actor=user.username, full_name=full_name, period_id=period_id, must_change_password=True)
    return password


def set_user_active(context: AppContext, user: CurrentUser, user_id: int, active: bool) -> None:
    require(user, "admin", user.school_id)
    if user_id == user.id and not active:
        raise AccountError("You cannot deactivate your own account.", "Không thể tự khoá tài khoản của chính mình.")
    with context.db.session() as session:
        target = _own_user(session, user, user_id)
        before = {"active": target.active}
        target.active = active
        record(session, actor=user.username, action="activate" if active else "deactivate", entity="user",
               entity_id=target.id, before=before, after={"active": active}, school_id=user.school_id)


def reset_password(context: AppContext, user: CurrentUser, user_id: int) -> str:
    """A new one-time password for a user of the school; it must be changed at next login."""
    require(user, "admin", user.school_id)
    password = generate_password()
    with context.db.session() as session:
        target = _own_user(session, user, user_id)
        target.password_hash = hash_password(password)
        target.must_change_password = True
        target.failed_logins, target.locked_until = 0, None
        record(session, actor=user.username, action="reset_password", entity="user", entity_id=target.id,
               school_id=user.school_id)
    return password


def _own_period(session, user: CurrentUser, period_id: int) -> Period:
    period = session.get(Period, period_id)
    if period is None or period.school_id != user.school_id:
        raise UsageError(f"No period {period_id} in this school.", "Không tìm thấy kỳ đánh giá này trong trường.")
    return period


def _own_user(session, user: CurrentUser, user_id: int) -> User:
    target = session.get(User, user_id)
    if target is None or target.school_id != user.school_id:
        raise UsageError(f"No user {user_id} in this school.", "Không tìm thấy tài khoản này trong trường.")
    return target


def _locked(user: User, now) -> bool:
    if user.locked_until is None:
        return False
    until = user.locked_until if user.locked_until.tzinfo else user.locked_until.replace(tzinfo=now.tzinfo)
    return until > now


def _period_info(period: Period) -> PeriodInfo:
    return PeriodInfo(id=period.id, name=period.name, school_year=period.school_year,
                      framework_id=period.framework_id, starts_on=period.starts_on, ends_on=period.ends_on,
                      frozen=period.frozen)
