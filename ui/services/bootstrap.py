"""First-run set-up of a data folder: default school and period, and the first admin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from minhchung.index.store import Period, School, User
from minhchung.nlp.frameworks import default_framework_for
from minhchung.ui.services.accounts import create_user, generate_password


@dataclass
class BootstrapResult:
    school_id: int
    period_id: int
    admin_password: str | None = None  # set only when the first admin was just created


def ensure_defaults(context) -> BootstrapResult:
    """Create what a fresh data folder needs; on an existing one, change nothing."""
    settings = context.settings
    with context.db.write() as session:
        school = session.execute(select(School).order_by(School.id)).scalars().first()
        if school is None:
            school = School(name=settings.school.name, level=settings.school.level)
            session.add(school)
            session.flush()
        period = session.execute(select(Period).filter_by(school_id=school.id).order_by(Period.id.desc())).scalars().first()
        if period is None:
            framework = settings.school.framework or default_framework_for(school.level)
            period = Period(school_id=school.id, name=f"Tự đánh giá năm học {settings.school.school_year}",
                            school_year=settings.school.school_year, framework_id=framework)
            session.add(period)
            session.flush()
        password = None
        if session.execute(select(func.count()).select_from(User)).scalar_one() == 0:
            password = settings.auth.initial_admin_password or generate_password()
            create_user(session, username="admin", password=password, role="admin", school_id=school.id,
                        actor="system", full_name="Quản trị viên",
                        must_change_password=settings.auth.initial_admin_password is None)
        result = BootstrapResult(school_id=school.id, period_id=period.id, admin_password=password)
    context.bootstrap = result
    return result
