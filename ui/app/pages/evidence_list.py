"""Danh mục minh chứng: the official evidence list, filterable, exported as XLSX/DOCX, imported
from an existing Excel list (bad rows reported one by one)."""

from __future__ import annotations

import streamlit as st

from minhchung.ingest.errors import MinhchungError
from minhchung.ui.app.session import app_context, choose_period, require_login, show_error
from minhchung.ui.services import catalog

COVERAGE_LABELS = {"all": "Tất cả tiêu chí", "with": "Tiêu chí đã có minh chứng", "without": "Tiêu chí chưa có minh chứng"}
STATUS_LABELS = {"confirmed": "đã xác nhận", "suggested": "chờ duyệt", "rejected": "đã từ chối"}
EXPORT_KEY = "evidence_list_file"

user = require_login()
context = app_context()
st.title("Danh mục minh chứng")

period = choose_period(context, user)
try:
    groups = catalog.evidence_list(context, user, period.id)
    counts = catalog.item_count(context, user, period.id)
except MinhchungError as error:
    show_error(error)
    st.stop()
st.caption("Minh chứng trong kỳ: " + ", ".join(f"{counts.get(s, 0)} {label}" for s, label in STATUS_LABELS.items())
           + ". Danh mục chỉ gồm minh chứng đã xác nhận và có mã.")

left, middle, right = st.columns(3)
standards = left.multiselect("Tiêu chuẩn", [g.number for g in groups], format_func=lambda n: f"Tiêu chuẩn {n}")
criteria = middle.multiselect("Tiêu chí", [c.criterion for g in groups for c in g.criteria
                                            if not standards or g.number in standards])
coverage = right.selectbox("Trạng thái", list(COVERAGE_LABELS), format_func=COVERAGE_LABELS.get)
shown = catalog.filter_groups(groups, set(standards), set(criteria), coverage)

rows = [{"Tiêu chí": c.criterion, "Mã minh chứng": r.code, "Tên minh chứng": r.title, "Số, ngày": r.number_date,
         "Nơi ban hành": r.issuer, "Vị trí lưu trữ": r.location, "Ghi chú": r.note}
        for g in shown for c in g.criteria for r in c.rows]
empty = [c.criterion for g in shown for c in g.criteria if not c.rows]
st.write(f"{len(rows)} dòng minh chứng; {len(empty)} tiêu chí chưa có minh chứng.")
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
if empty and coverage != "with":
    st.caption("Tiêu chí chưa có minh chứng: " + ", ".join(empty))

if user.can("export"):
    st.subheader("Xuất danh mục")
    one, two = st.columns(2)
    for column, fmt in ((one, "xlsx"), (two, "docx")):
        if column.button(f"Tạo tệp {fmt.upper()}", key=f"make-{fmt}"):
            try:
                st.session_state[EXPORT_KEY] = catalog.export(context, user, period.id, fmt, frozenset(standards),
                                                               frozenset(criteria), coverage)
            except MinhchungError as error:
                show_error(error)
    made = st.session_state.get(EXPORT_KEY)
    if made is not None:
        st.download_button(f"Tải {made.filename}", made.data, made.filename, made.mime, type="primary")

if user.can("import"):
    st.subheader("Nhập danh mục có sẵn từ Excel")
    with st.form("import", clear_on_submit=True):
        workbook = st.file_uploader("Tệp Excel (.xlsx) có cột “Mã minh chứng” và “Tên minh chứng”", type=["xlsx"])
        if st.form_submit_button("Nhập") and workbook is not None:
            try:
                report = catalog.import_list(context, user, period.id, workbook.name, workbook.getvalue())
            except MinhchungError as error:
                show_error(error)
            else:
                st.success(f"Đã nhập {len(report.imported)} minh chứng.")
                for problem in report.problems:
                    st.error(f"Dòng {problem.row}: {problem.reason_vi}")
