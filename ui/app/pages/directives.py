"""Văn bản chỉ đạo: upload a directive, see its fields, deadlines (timeline, overdue in red) and
quotas, download them (ICS/CSV/XLSX), and follow the upcoming tasks of all directives."""

from __future__ import annotations

import html
from datetime import date

import streamlit as st

from minhchung.ingest.errors import MinhchungError
from minhchung.ui.app.session import (app_context, background_worker, directive_reader, require_login,
                                      show_error)
from minhchung.ui.services import directives

FIELD_LABELS = {"doc_type": "Loại văn bản", "number": "Số, ký hiệu", "issuer": "Cơ quan ban hành",
                "issuer_parent": "Cơ quan chủ quản", "issued_date": "Ngày ban hành", "place": "Địa danh",
                "subject": "Trích yếu", "signer": "Người ký", "signer_authority": "Thẩm quyền ký",
                "recipients": "Kính gửi", "cc": "Nơi nhận"}
COLOURS = {"overdue": "#c62828", "soon": "#e65100", "later": "#2e7d32", "done": "#9e9e9e", "undated": "#607d8b"}
SOON_DAYS = 7

user = require_login()
context = app_context()
today = date.today()
st.title("Văn bản chỉ đạo")


def state(task: directives.TaskView) -> str:
    if task.done:
        return "done"
    if task.days_left is None:
        return "undated"
    if task.days_left < 0:
        return "overdue"
    return "soon" if task.days_left <= SOON_DAYS else "later"


def when_text(task: directives.TaskView) -> str:
    if task.due is None:
        return "Chưa xác định ngày"
    day = f"{task.due:%d/%m/%Y}" + (" (hằng năm)" if task.recurring and len(task.recurring) == 5 else "")
    if task.done:
        return f"{day} · đã xong"
    if task.days_left < 0:
        return f"{day} · QUÁ HẠN {-task.days_left} ngày"
    return f"{day} · hôm nay" if task.days_left == 0 else f"{day} · còn {task.days_left} ngày"


def timeline_html(tasks: tuple[directives.TaskView, ...] | list[directives.TaskView], with_label: bool) -> str:
    rows = []
    for task in tasks:
        colour = COLOURS[state(task)]
        label = f"<div style='color:#555'>{html.escape(task.directive_label)}</div>" if with_label else ""
        who = f" — <i>{html.escape(task.who)}</i>" if task.who else ""
        rows.append(
            f"<div style='border-left:6px solid {colour};padding:4px 10px;margin:6px 0'>"
            f"<b style='color:{colour}'>{html.escape(when_text(task))}</b>{label}"
            f"<div>{html.escape(task.action or task.quote or '')}{who}</div>"
            f"<div style='color:#777;font-size:0.85em'>“{html.escape(task.quote or '')}” (trang {task.page or 1})</div>"
            "</div>")
    return "".join(rows)


def mark_done(task_id: int, key: str) -> None:
    try:
        directives.set_task_done(context, user, task_id, st.session_state[key])
    except MinhchungError as error:
        st.session_state["directive_error"] = error.message_vi


if user.can("upload"):
    with st.form("directive_upload", clear_on_submit=True):
        upload = st.file_uploader("Tải lên văn bản chỉ đạo (PDF, ảnh quét, DOCX, TXT)")
        if st.form_submit_button("Tải lên và đọc", type="primary") and upload is not None:
            try:
                result = directives.submit(context, user, upload.name, upload.getvalue())
            except MinhchungError as error:
                show_error(error)
            else:
                if result.outcome == "failed":
                    st.error(result.message)
                else:
                    background_worker().wake()
                    st.success(f"Đã nhận {result.filename}; hệ thống đang đọc văn bản.")
if "directive_error" in st.session_state:
    st.error(st.session_state.pop("directive_error"))

try:
    views = directives.list_directives(context, user, today)
except MinhchungError as error:
    show_error(error)
    st.stop()


@st.fragment(run_every=2)
def wait_for_reading() -> None:
    """While a directive's file is being read, poll; once ready, read the directive and refresh."""
    if directives.read_ready(context, user, directive_reader()):
        st.rerun(scope="app")
    st.caption("Đang đọc văn bản vừa tải lên…")


if any(v.status == "waiting" for v in views):
    wait_for_reading()
if not views:
    st.info("Chưa có văn bản chỉ đạo nào. Hãy tải lên công văn, kế hoạch hoặc quyết định cần thực hiện.")
    st.stop()

upcoming, each, overview = st.tabs(["Sắp đến hạn", "Từng văn bản", "Tất cả văn bản"])

with upcoming:
    tasks = directives.upcoming_tasks(context, user, today)
    if not tasks:
        st.info("Không có việc nào đang chờ thực hiện.")
    for task in tasks:
        mark, body = st.columns([1, 9])
        key = f"done-{task.id}"
        mark.checkbox("Xong", value=task.done, key=key, disabled=not user.can("tasks"), on_change=mark_done,
                      args=(task.id, key))
        body.markdown(timeline_html([task], with_label=True), unsafe_allow_html=True)
    ready = [v for v in views if v.status == "ready"]
    if ready:
        left, middle, right = st.columns(3)
        left.download_button("Lịch tất cả thời hạn (ICS)", directives.calendar_file(ready), "thoi-han.ics",
                             "text/calendar")
        middle.download_button("Tất cả thời hạn (CSV)", directives.deadlines_csv(ready), "thoi-han.csv", "text/csv")
        right.download_button("Thời hạn và chỉ tiêu (XLSX)", directives.workbook(ready), "van-ban-chi-dao.xlsx",
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

with each:
    view = st.selectbox("Văn bản", views, format_func=lambda v: f"{v.label} ({v.filename})")
    if view.status == "waiting":
        st.info("Văn bản đang được đọc (ảnh quét cần nhận dạng chữ); trang sẽ tự cập nhật.")
    elif view.status == "failed":
        st.error(f"Không đọc được {view.filename}: {view.error or ''}")
    else:
        data = view.extraction
        st.subheader("Thông tin văn bản")
        fields = [(label, data.get(name)) for name, label in FIELD_LABELS.items()]
        st.table([{"Trường": label, "Giá trị": "; ".join(value) if isinstance(value, list) else str(value)}
                  for label, value in fields if value])
        for warning in data.get("warnings", []):
            st.warning(warning)
        st.subheader("Thời hạn")
        if view.tasks:
            st.markdown(timeline_html(view.tasks, with_label=False), unsafe_allow_html=True)
        else:
            st.info("Không tìm thấy thời hạn trong văn bản.")
        st.subheader("Chỉ tiêu")
        quotas = data.get("quotas", [])
        if quotas:
            st.dataframe([{"Số lượng": q.get("quantity"), "Đơn vị": q.get("unit") or "", "Nội dung": q.get("what") or "",
                           "Đơn vị/địa bàn": q.get("who_or_where") or "", "Trích dẫn": q.get("quote"),
                           "Trang": q.get("page")} for q in quotas], hide_index=True)
        else:
            st.info("Không tìm thấy chỉ tiêu số lượng trong văn bản.")
        stem = view.filename.rsplit(".", 1)[0]
        left, middle, right = st.columns(3)
        left.download_button("Lịch (ICS)", directives.calendar_file([view]), f"{stem}.ics", "text/calendar",
                             key="ics-one")
        middle.download_button("Thời hạn (CSV)", directives.deadlines_csv([view]), f"{stem}.csv", "text/csv",
                               key="csv-one")
        right.download_button("Thời hạn và chỉ tiêu (XLSX)", directives.workbook([view]), f"{stem}.xlsx",
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="xlsx-one")

with overview:
    def next_due(v: directives.DirectiveView) -> str:
        open_tasks = [t for t in v.tasks if not t.done and t.due]
        return f"{open_tasks[0].due:%d/%m/%Y}" if open_tasks else ""

    st.dataframe([{"Văn bản": v.label, "Tệp": v.filename,
                   "Trạng thái": {"ready": "Đã đọc", "waiting": "Đang đọc", "failed": "Lỗi"}[v.status],
                   "Số thời hạn": len(v.tasks), "Quá hạn": sum(t.overdue for t in v.tasks),
                   "Hạn gần nhất": next_due(v)} for v in views], hide_index=True)
