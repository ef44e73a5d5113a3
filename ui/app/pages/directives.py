"""Văn bản chỉ đạo: directives, their deadlines and quotas."""

from __future__ import annotations

import streamlit as st

from minhchung.ui.app.session import optional_module, require_login

user = require_login()
st.title("Văn bản chỉ đạo")
optional_module("minhchung.nlp.directives", "đọc văn bản chỉ đạo (thời hạn, chỉ tiêu)")
