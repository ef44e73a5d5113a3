"""Độ phủ tiêu chí: standards × criteria matrix, drill-down to indicators, gaps as XLSX."""

from __future__ import annotations

import streamlit as st

from minhchung.index.coverage import STATUS_LABELS_VI
from minhchung.ingest.errors import MinhchungError
from minhchung.ui.app.session import app_context, choose_period, require_login, show_error
from minhchung.ui.services.coverage import coverage_report, gaps_workbook

STATUS_ICONS = {"none": ":red[●]", "weak": ":orange[●]", "supported": ":green[●]"}  # no emoji: fonts vary

user = require_login()
context = app_context()
st.title("Độ phủ tiêu chí")

period = choose_period(context, user)
try:
    report = coverage_report(context, user, period.id)
except MinhchungError as error:
    show_error(error)
    st.stop()

totals = report.totals()
left, middle, right = st.columns(3)
left.metric("Đủ minh chứng", totals["supported"])
middle.metric("Còn thiếu", totals["weak"])
right.metric("Chưa có minh chứng", totals["none"])
if report.window:
    st.caption(f"Minh chứng ngoài khoảng {report.window[0]:%d/%m/%Y} – {report.window[1]:%d/%m/%Y} "
               "được đánh dấu là minh chứng cũ. Chỉ tính minh chứng đã được xác nhận.")

st.subheader("Ma trận tiêu chuẩn × tiêu chí")
widest = max(len(s.criteria) for s in report.standards)
for standard in report.standards:
    cells = st.columns([3] + [1] * widest)
    cells[0].markdown(f"**Tiêu chuẩn {standard.number}.** {standard.title}")
    for cell, criterion in zip(cells[1:], standard.criteria):
        label = f"{STATUS_ICONS[criterion.status]} {criterion.id} · {criterion.evidence_count}"
        if cell.button(label, key=f"cell-{criterion.id}", help=f"{criterion.title} — {STATUS_LABELS_VI[criterion.status]}",
                       width="stretch"):
            st.session_state["coverage_criterion"] = criterion.id

chosen_id = st.session_state.get("coverage_criterion", report.criteria()[0].id)
ids = [c.id for c in report.criteria()]
chosen_id = st.selectbox("Tiêu chí", ids, index=ids.index(chosen_id) if chosen_id in ids else 0,
                         format_func=lambda i: f"{i} — {report.criterion(i).title}")
criterion = report.criterion(chosen_id)
st.markdown(f"### {STATUS_ICONS[criterion.status]} Tiêu chí {criterion.id}: {criterion.title}"
            + (" *(bắt buộc)*" if criterion.mandatory else ""))
st.write(f"{criterion.evidence_count} minh chứng đã xác nhận, trong đó {criterion.stale_count} minh chứng cũ.")
if not criterion.indicators:
    for ref in criterion.evidence:
        st.write(f"- {ref.code or '—'} {ref.title}" + (" :orange[*cũ*]" if ref.stale else ""))
for indicator in criterion.indicators:
    with st.expander(f"{':green[Đạt]' if indicator.supported else ':red[Thiếu]'} {indicator.level}", expanded=not indicator.supported):
        st.caption(indicator.text)
        if not indicator.supported:
            st.error("Chưa có minh chứng cho mức này.")
        for ref in indicator.evidence:
            how = "do người xác định" if ref.matched_by == "person" else f"tự đối chiếu, độ tương đồng {ref.score:.2f}"
            dated = f", ngày {ref.issued_date:%d/%m/%Y}" if ref.issued_date else ""
            st.write(f"- **{ref.code or '—'}** {ref.title}{dated} ({how})" + (" :orange[*minh chứng cũ*]" if ref.stale else ""))

st.download_button("Tải danh sách tiêu chí còn thiếu (XLSX)", data=gaps_workbook(report),
                   file_name=f"tieu-chi-con-thieu-{report.framework_id}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
