"""Tải lên minh chứng: upload (processed in the background) and the review queue."""

from __future__ import annotations

import streamlit as st

from minhchung.ingest.errors import MinhchungError
from minhchung.ingest.pipeline import render_page_png
from minhchung.ui.app.session import app_context, background_worker, require_login, show_error
from minhchung.ui.services import admin, inbox

BATCHES_KEY = "upload_batches"
FINISHED_KEY = "upload_batches_finished"

user = require_login()
context = app_context()
st.title("Tải lên minh chứng")


@st.cache_data(show_spinner=False, max_entries=256)
def thumbnail(blob_path: str, page: int) -> bytes:
    return render_page_png(blob_path, page, dpi=40)


if user.can("upload"):
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader("Chọn tệp (PDF, ảnh quét, DOCX, TXT)", accept_multiple_files=True)
        submitted = st.form_submit_button("Tải lên", type="primary")
    if submitted and files:
        try:
            results = inbox.upload(context, user, [(f.name, f.getvalue()) for f in files])
        except MinhchungError as error:
            show_error(error)
        else:
            for result in results:
                if result.outcome == "failed":
                    st.error(result.message)
                elif result.outcome == "duplicate":
                    st.warning(result.message)
            ids = [r.document_id for r in results if r.outcome == "queued"]
            if ids:
                st.session_state.setdefault(BATCHES_KEY, []).append(ids)
                background_worker().wake()
else:
    st.info("Vai trò của bạn chỉ được xem, không tải lên tài liệu.")


@st.fragment(run_every=2)
def batch_progress() -> None:
    """Polls the job status of this session's batches; OCR runs in the background worker. When a
    batch finishes, the whole page runs again so its items appear in the review queue."""
    finished = st.session_state.setdefault(FINISHED_KEY, set())
    for number, ids in enumerate(st.session_state.get(BATCHES_KEY, []), start=1):
        status = inbox.batch_status(context, user, ids)
        if status.done == status.total and number not in finished:
            finished.add(number)
            st.rerun(scope="app")
        st.progress(status.fraction, text=f"Đợt {number}: {status.ready} xong, {status.queued + status.processing} "
                                          f"đang chờ/đang đọc, {status.failed} lỗi / {status.total} tệp")
        for filename, error in status.errors:
            st.error(f"{filename}: {error}")


batch_progress()

st.header("Hàng chờ duyệt")
periods = admin.list_periods(context, user)
period = periods[0] if periods else None
if period is None:
    st.info("Chưa có kỳ đánh giá nào.")
    st.stop()
queue = inbox.review_queue(context, user, period.id, limit=20)
if not queue:
    st.info("Không có minh chứng nào đang chờ duyệt.")
if queue and user.can("confirm"):
    with st.form("bulk"):
        threshold = st.slider("Xác nhận hàng loạt các gợi ý có độ tin cậy từ", 0.5, 1.0, 0.9, 0.01)
        if st.form_submit_button("Xác nhận hàng loạt"):
            try:
                st.success(f"Đã xác nhận {inbox.bulk_confirm(context, user, period.id, threshold)} minh chứng.")
            except MinhchungError as error:
                show_error(error)
for item in queue:
    with st.container(border=True):
        image, details = st.columns([1, 4])
        if item.sha256 and item.page_count:
            try:
                image.image(thumbnail(str(context.blobs.path(item.sha256)), 1))
            except MinhchungError as error:
                image.caption(error.message_vi)
            except OSError:
                image.caption("Không mở được bản gốc để tạo ảnh trang.")
        details.markdown(f"**{item.title}**  \n{item.filename or ''}")
        details.caption(" · ".join(part for part in (
            f"Loại: {item.doc_type}" if item.doc_type else "", f"Số: {item.number}" if item.number else "",
            f"Ngày: {item.issued_date:%d/%m/%Y}" if item.issued_date else "",
            f"Nơi ban hành: {item.issuer}" if item.issuer else "") if part))
        for suggestion in item.suggestions:
            score = f"{suggestion.score:.2f}" if suggestion.score is not None else "—"
            details.write(f"- Tiêu chí **{suggestion.criterion}** (độ tin cậy {score}): {suggestion.reason or ''}")
        if user.can("confirm") and item.suggestions:
            options = [s.criterion for s in item.suggestions]
            first = details.selectbox("Tiêu chí", options, key=f"c1-{item.item_id}")
            second = details.text_input("Thêm tiêu chí thứ hai (vd. 2.1)", key=f"c2-{item.item_id}")
            ok, no = details.columns(2)
            try:
                if ok.button("Xác nhận", key=f"ok-{item.item_id}", type="primary"):
                    inbox.confirm(context, user, item.item_id, [first] + ([second.strip()] if second.strip() else []))
                    st.rerun()
                if no.button("Từ chối", key=f"no-{item.item_id}"):
                    inbox.reject(context, user, item.item_id)
                    st.rerun()
            except MinhchungError as error:
                show_error(error)
