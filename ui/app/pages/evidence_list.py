"""Danh mục minh chứng: the official evidence list, export and import."""

from __future__ import annotations

import streamlit as st

from minhchung.ui.app.session import optional_module, require_login

user = require_login()
st.title("Danh mục minh chứng")
optional_module("minhchung.ui.services.evidence_list", "danh mục minh chứng (xuất XLSX/DOCX, nhập Excel)")
