"""Quản trị: school profile, periods, users and roles (the services refuse non-admins)."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from minhchung.ingest.errors import MinhchungError
from minhchung.nlp.frameworks import framework_ids
from minhchung.ui.app.session import app_context, require_login, show_error
from minhchung.ui.services import admin
from minhchung.ui.services.accounts import ROLES
from minhchung.ui.services.auth import ROLE_LABELS_VI

user = require_login()
context = app_context()
st.title("Quản trị")

try:
    profile = admin.school_profile(context, user)
    users = admin.list_users(context, user, datetime.now(timezone.utc))
except MinhchungError as error:
    show_error(error)
    st.stop()
periods = admin.list_periods(context, user)

st.subheader("Hồ sơ nhà trường")
with st.form("school"):
    name = st.text_input("Tên trường", profile.name)
    levels = list(admin.LEVEL_LABELS_VI)
    level = st.selectbox("Cấp học", levels, index=levels.index(profile.level), format_func=admin.LEVEL_LABELS_VI.get)
    if st.form_submit_button("Lưu hồ sơ"):
        try:
            admin.update_school(context, user, name=name, level=level)
            st.success("Đã lưu hồ sơ nhà trường.")
        except MinhchungError as error:
            show_error(error)

st.subheader("Kỳ đánh giá")
st.dataframe([{"Mã": p.id, "Tên": p.name, "Năm học": p.school_year, "Bộ tiêu chuẩn": p.framework_id,
               "Đã khoá cho đoàn đánh giá": "Có" if p.frozen else ""} for p in periods], hide_index=True)
with st.form("period"):
    period_name = st.text_input("Tên kỳ đánh giá mới")
    school_year = st.text_input("Năm học", placeholder="2027-2028")
    framework = st.selectbox("Bộ tiêu chuẩn", ["(mặc định theo cấp học)", *framework_ids()])
    if st.form_submit_button("Tạo kỳ đánh giá"):
        try:
            admin.create_period(context, user, name=period_name, school_year=school_year,
                                framework_id=None if framework.startswith("(") else framework)
            st.success("Đã tạo kỳ đánh giá.")
        except MinhchungError as error:
            show_error(error)
if periods:
    target = st.selectbox("Khoá/mở kỳ cho đoàn đánh giá", periods, format_func=lambda p: p.name)
    if st.button("Khoá kỳ" if not target.frozen else "Mở khoá kỳ"):
        admin.set_period_frozen(context, user, target.id, not target.frozen)
        st.rerun()

st.subheader("Tài khoản")
st.dataframe([{"Tên đăng nhập": u.username, "Họ tên": u.full_name or "", "Vai trò": ROLE_LABELS_VI[u.role],
               "Kỳ được xem": u.period_id or "", "Hoạt động": "Có" if u.active else "Đã khoá",
               "Tạm khoá do đăng nhập sai": "Có" if u.locked else ""} for u in users], hide_index=True)
with st.form("user"):
    username = st.text_input("Tên đăng nhập mới")
    full_name = st.text_input("Họ tên")
    role = st.selectbox("Vai trò", ROLES, format_func=ROLE_LABELS_VI.get)
    period_choice = st.selectbox("Giới hạn kỳ (đoàn đánh giá)", [None, *periods],
                                 format_func=lambda p: "Không giới hạn" if p is None else p.name)
    if st.form_submit_button("Tạo tài khoản"):
        try:
            password = admin.add_user(context, user, username=username, role=role, full_name=full_name or None,
                                      period_id=period_choice.id if period_choice else None)
            st.success(f"Đã tạo tài khoản {username}. Mật khẩu dùng một lần: `{password}` "
                       "(người dùng phải đổi khi đăng nhập lần đầu).")
        except MinhchungError as error:
            show_error(error)
others = [u for u in users if u.id != user.id]
if others:
    target_user = st.selectbox("Tài khoản", others, format_func=lambda u: u.username)
    left, right = st.columns(2)
    if left.button("Cấp lại mật khẩu"):
        st.success(f"Mật khẩu mới dùng một lần: `{admin.reset_password(context, user, target_user.id)}`")
    if right.button("Mở khoá tài khoản" if not target_user.active else "Khoá tài khoản"):
        admin.set_user_active(context, user, target_user.id, not target_user.active)
        st.rerun()
