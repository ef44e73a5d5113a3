"""Tra cứu: search with filters; results come from the search service."""

from __future__ import annotations

import streamlit as st

from minhchung.ui.app.session import app_context, optional_module, require_login

user = require_login()
context = app_context()
st.title("Tra cứu minh chứng")
query = st.text_input("Tìm kiếm (có dấu hoặc không dấu)", placeholder="ke hoach tu danh gia")
service = optional_module("minhchung.ui.services.search", "tra cứu")
if service is not None and query.strip():
    st.info("Dịch vụ tra cứu đã có nhưng trang này chưa được nối với nó.")
