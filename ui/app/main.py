"""Entry of the Streamlit app: login first, then the pages the user's role may open.

Run with ``minhchung serve``. The first run in the server process starts the background worker
(see ``session.background_worker``), so uploads are read while nobody waits. Pages are thin:
they call application services, which check permissions themselves.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from minhchung.ingest.errors import MinhchungError
from minhchung.ui.app.session import TOKEN_KEY, auth_service, background_worker, logged_in_user, show_error
from minhchung.ui.services.auth import ROLE_LABELS_VI

PAGES = Path(__file__).parent / "pages"


def login_page() -> None:
    st.title("Đăng nhập")
    st.caption("Hệ thống quản lý minh chứng kiểm định chất lượng giáo dục")
    with st.form("login"):
        username = st.text_input("Tên đăng nhập")
        password = st.text_input("Mật khẩu", type="password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if submitted:
        try:
            st.session_state[TOKEN_KEY] = auth_service().login(username, password)
        except MinhchungError as error:
            show_error(error)
        else:
            st.rerun()


def change_password_page() -> None:
    st.title("Đổi mật khẩu")
    st.info("Đây là lần đăng nhập đầu tiên (hoặc mật khẩu vừa được cấp lại): hãy đặt mật khẩu mới.")
    with st.form("change_password"):
        old = st.text_input("Mật khẩu hiện tại", type="password")
        new = st.text_input("Mật khẩu mới (ít nhất 8 ký tự)", type="password")
        again = st.text_input("Nhập lại mật khẩu mới", type="password")
        submitted = st.form_submit_button("Đổi mật khẩu", type="primary")
    if submitted:
        if new != again:
            st.error("Hai lần nhập mật khẩu mới không khớp.")
            return
        try:
            auth_service().change_password(st.session_state[TOKEN_KEY], old, new)
        except MinhchungError as error:
            show_error(error)
        else:
            st.success("Đã đổi mật khẩu.")
            st.rerun()


def logout() -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        auth_service().logout(token)


def run() -> None:
    """One run of the app script: worker, login or navigation, then the chosen page."""
    st.set_page_config(page_title="Minh chứng kiểm định", page_icon=":material/folder_open:", layout="wide")
    try:
        worker = background_worker()
    except MinhchungError as error:  # the index is held by another process (e.g. a CLI batch)
        worker = None
        st.sidebar.warning(error.message_vi)

    user = logged_in_user()
    if user is None:
        navigation = st.navigation([st.Page(login_page, title="Đăng nhập", icon=":material/key:")])
    elif user.must_change_password:
        navigation = st.navigation([st.Page(change_password_page, title="Đổi mật khẩu", icon=":material/key:")])
    else:
        pages = [
            st.Page(PAGES / "upload.py", title="Tải lên minh chứng", icon=":material/upload_file:", url_path="tai-len", default=True),
            st.Page(PAGES / "search.py", title="Tra cứu", icon=":material/search:", url_path="tra-cuu"),
            st.Page(PAGES / "coverage.py", title="Độ phủ tiêu chí", icon=":material/grid_view:", url_path="do-phu"),
            st.Page(PAGES / "directives.py", title="Văn bản chỉ đạo", icon=":material/event:", url_path="van-ban-chi-dao"),
            st.Page(PAGES / "evidence_list.py", title="Danh mục minh chứng", icon=":material/list_alt:", url_path="danh-muc"),
        ]
        if user.can("admin"):
            pages.append(st.Page(PAGES / "admin.py", title="Quản trị", icon=":material/settings:", url_path="quan-tri"))
        navigation = st.navigation(pages)
        with st.sidebar:
            st.markdown(f"**{user.display_name}**  \n{ROLE_LABELS_VI.get(user.role, user.role)}")
            st.button("Đăng xuất", on_click=logout)
            if worker is not None and worker.last_error:
                st.caption(f"Bộ xử lý nền: {worker.last_error}")
    navigation.run()


# The OCR pool's spawned processes re-import this script as ``__mp_main__``: only Streamlit's own
# run (``__main__``) may draw the app, or every OCR worker would start a copy of it and die.
if __name__ == "__main__":
    run()
