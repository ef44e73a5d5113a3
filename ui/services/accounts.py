"""Accounts: password hashing (argon2id) and user creation.

Roles: ``admin`` (everything in the school), ``secretary`` (thư ký: upload, code, confirm),
``member`` (thành viên hội đồng: upload and suggest, no confirmation), ``reviewer`` (đoàn đánh
giá ngoài: read-only, optionally limited to one period).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from minhchung.index.store import User
from minhchung.index.store.audit import record
from minhchung.ingest.errors import MinhchungError

ROLES = ("admin", "secretary", "member", "reviewer")
_HASHER = PasswordHasher()


class AccountError(MinhchungError):
    """A user cannot be created or changed as asked."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A one-time password a person can type: 4 groups of 4 URL-safe characters."""
    raw = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    school_id: int | None,
    actor: str,
    full_name: str | None = None,
    period_id: int | None = None,
    must_change_password: bool = False,
) -> User:
    """Create a user; usernames are unique, roles are one of :data:`ROLES`, passwords ≥ 8 chars."""
    username = username.strip()
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.",
                           f"Vai trò “{role}” không hợp lệ.")
    if not username or len(username) > 100:
        raise AccountError("A username of 1–100 characters is required.", "Tên đăng nhập phải có 1–100 ký tự.")
    if len(password) < 8:
        raise AccountError("Passwords need at least 8 characters.", "Mật khẩu phải có ít nhất 8 ký tự.")
    if session.execute(select(User).filter_by(username=username)).scalar_one_or_none():
        raise AccountError(f"User {username!r} already exists.", f"Tên đăng nhập “{username}” đã tồn tại.")
    user = User(username=username, full_name=full_name, password_hash=hash_password(password), role=role,
                school_id=school_id, period_id=period_id, must_change_password=must_change_password)
    session.add(user)
    session.flush()
    record(session, actor=actor, action="create", entity="user", entity_id=user.id,
           after={"username": username, "role": role, "school_id": school_id, "period_id": period_id},
           school_id=school_id)
    return user
