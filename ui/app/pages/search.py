"""Tra cứu: search with filters; one result per document with its highlighted passages, the page
of the chosen hit with the passage boxed, and the original for download."""

from __future__ import annotations

import html
from datetime import date

import streamlit as st

from minhchung.index.search import DocumentHit
from minhchung.ingest.errors import MinhchungError
from minhchung.nlp.frameworks import load_framework
from minhchung.nlp.letter_header import load_doctypes
from minhchung.ui.app.session import app_context, require_login, search_engine, show_error
from minhchung.ui.services import admin
from minhchung.ui.services import search as search_service

VIEW_KEY = "search_view"
WINDOW = 360

user = require_login()
context = app_context()
st.title("Tra cứu minh chứng")


def window(text: str, ranges: tuple[tuple[int, int], ...], width: int = WINDOW) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About ``width`` characters of ``text`` around its longest highlight (the densest match), ranges shifted."""
    first = max(ranges, key=lambda r: r[1] - r[0])[0] if ranges else 0
    start = max(0, first - width // 3)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + width)
    shifted = tuple((a - start, b - start) for a, b in ranges if a >= start and b <= end)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else ""), \
        tuple((a + 1, b + 1) for a, b in shifted) if start else shifted


def marked(text: str, ranges: tuple[tuple[int, int], ...]) -> str:
    """HTML of ``text`` with the matched ranges in <mark> (everything else escaped)."""
    out, cursor = [], 0
    for start, end in ranges:
        out += [html.escape(text[cursor:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out).replace("\n", " ")


periods = admin.list_periods(context, user)
framework = load_framework(periods[0].framework_id) if periods else None
types = {t.id: t.name for t in load_doctypes()}
this_year = date.today().year

with st.form("search"):
    query = st.text_input("Tìm kiếm (có dấu hoặc không dấu, viết tắt như KH, QĐ, CSVC)",
                          placeholder="ke hoach tu danh gia")
    filters = st.expander("Bộ lọc: tiêu chuẩn, tiêu chí, loại văn bản, năm ban hành")
    left, middle, right, from_column, to_column = filters.columns([2, 2, 2, 1, 1])
    standards = left.multiselect("Tiêu chuẩn", [str(s.number) for s in framework.standards] if framework else [],
                                 format_func=lambda n: f"Tiêu chuẩn {n}")
    criteria = middle.multiselect("Tiêu chí", [c.id for s in framework.standards for c in s.criteria]
                                  if framework else [])
    doc_types = right.multiselect("Loại văn bản", list(types), format_func=types.get)
    year_options = [None, *range(this_year + 1, this_year - 15, -1)]
    year_from = from_column.selectbox("Từ năm", year_options, format_func=lambda y: "—" if y is None else str(y))
    year_to = to_column.selectbox("Đến năm", year_options, format_func=lambda y: "—" if y is None else str(y))
    st.form_submit_button("Tìm", type="primary")

hits: list[DocumentHit] = []
if query.strip():
    request = search_service.SearchRequest(query, tuple(standards), tuple(criteria), tuple(doc_types),
                                           year_from, year_to)
    try:
        hits = search_service.search(search_engine(), user, request)
    except MinhchungError as error:
        show_error(error)
        st.stop()
    if not hits:
        st.info("Không tìm thấy minh chứng phù hợp.")
if not hits:
    st.stop()

st.caption(f"{len(hits)} tài liệu phù hợp, xếp theo mức độ liên quan.")
ids = [hit.document_id for hit in hits]
chosen = st.session_state.get(VIEW_KEY)
if chosen not in ids:
    chosen = ids[0]
results, viewer = st.columns([3, 2])
for rank, hit in enumerate(hits, start=1):
    with results.container(border=True):
        codes = " · ".join(hit.codes)
        st.markdown(f"**{rank}. {html.escape(hit.title)}**" + (f"  \n`{codes}`" if codes else ""))
        st.caption(" · ".join(part for part in (
            hit.filename, f"trang {hit.page}", types.get(hit.doc_type or "", ""), hit.date or "",
            ("tiêu chí " + ", ".join(hit.criteria)) if hit.criteria else "") if part))
        passages = [p for p in hit.passages if p.highlights] or []
        if passages:
            for passage in passages:
                where = f"<small>trang {passage.span.page}:</small> " if passage.span else ""
                st.markdown(where + marked(*window(passage.text, passage.highlights)), unsafe_allow_html=True)
        else:
            st.markdown(marked(hit.snippet, hit.snippet_highlights), unsafe_allow_html=True)
        if st.button("Xem trang", key=f"view-{hit.document_id}", disabled=hit.document_id == chosen):
            st.session_state[VIEW_KEY] = hit.document_id
            st.rerun()

hit = hits[ids.index(chosen)]
with viewer:
    st.markdown(f"**{html.escape(hit.title)}**")
    span = hit.span or next((p.span for p in hit.passages if p.span), None)
    try:
        view = search_service.page_view(context, user, int(hit.document_id), span.page if span else hit.page,
                                        span.start if span else None, span.end if span else None)
        st.image(view.png, caption=f"{hit.filename}, trang {span.page if span else hit.page}"
                 + (" (khung đỏ: đoạn phù hợp)" if view.box else ""))
        for note in view.notes:
            st.caption(note)
    except MinhchungError as error:
        st.caption(error.message_vi)
    except OSError:
        st.caption("Không mở được bản gốc để tạo ảnh trang.")
    try:
        stored = search_service.original(context, user, int(hit.document_id))
        st.download_button("Tải bản gốc", data=stored.data, file_name=stored.filename, mime=stored.mime)
    except (MinhchungError, OSError) as error:
        st.caption(getattr(error, "message_vi", "Không đọc được bản gốc."))
