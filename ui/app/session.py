"""What every page needs: the process's application context, its worker, the logged-in user.

The context is opened once per Streamlit server process (``st.cache_resource``, keyed by the data
folder) and shared by all sessions. The same process owns the background :class:`Worker` (one
per data folder): an embedded search index may be opened by one process only, and the worker
writes to it while the *Tra cứu* page reads it, so both must live here. OCR runs in child
processes of the ingest pipeline, so a 50-page scan never freezes anyone's page.

The login token lives in the browser session's ``st.session_state`` and is checked against the
database on every run, so an expired or revoked session is noticed at the next click.
"""

from __future__ import annotations

import streamlit as st

from minhchung.ingest.errors import MinhchungError
from minhchung.ui.context import AppContext
from minhchung.ui.services.auth import AuthService, CurrentUser, SessionExpiredError
from minhchung.ui.services.worker import Worker
from minhchung.ui.settings import Settings

TOKEN_KEY = "minhchung_token"


@st.cache_resource(show_spinner=False)
def _open_context(home: str) -> AppContext:
    return AppContext.open(Settings(home=home))


def app_context() -> AppContext:
    """The context of the data folder named by ``MINHCHUNG_HOME`` (opened once per process)."""
    return _open_context(str(Settings().home.resolve()))


@st.cache_resource(show_spinner=False)
def _start_worker(home: str) -> Worker:
    context = _open_context(home)
    context.vectors  # opened here, under Streamlit's resource lock, before two threads race for it
    return Worker(context).start()


def background_worker() -> Worker:
    """The process's worker for this data folder, started on first use (raises if the index is owned elsewhere)."""
    return _start_worker(str(Settings().home.resolve()))


@st.cache_resource(show_spinner=False)
def _search_engine(home: str):
    from minhchung.ui.services.search import open_engine

    return open_engine(_open_context(home))


def search_engine():
    """The search service over this process's index handle (models load once per process)."""
    return _search_engine(str(Settings().home.resolve()))


@st.cache_resource(show_spinner=False)
def directive_reader():
    """The directive reader (spaCy pipeline), built once per process."""
    from minhchung.nlp.directives import DirectiveReader

    return DirectiveReader.load()


def auth_service() -> AuthService:
    context = app_context()
    return AuthService(context.db, context.settings.auth)


def logged_in_user() -> CurrentUser | None:
    """The session's user, or ``None`` (an expired session is forgotten with a notice)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return None
    try:
        return auth_service().current_user(token)
    except SessionExpiredError as error:
        st.session_state.pop(TOKEN_KEY, None)
        st.warning(error.message_vi)
        return None


def require_login() -> CurrentUser:
    """Stop the page unless someone is logged in and has set their own password."""
    user = logged_in_user()
    if user is None:
        st.info("Vui lòng đăng nhập để tiếp tục.")
        st.stop()
    if user.must_change_password:
        st.warning("Bạn cần đổi mật khẩu trước khi sử dụng.")
        st.stop()
    return user


def show_error(error: MinhchungError) -> None:
    st.error(error.message_vi)


def choose_period(context: AppContext, user: CurrentUser):
    """The period picker shared by pages that show one period; stops the page when none exists."""
    from minhchung.ui.services import admin

    periods = admin.list_periods(context, user)
    if not periods:
        st.info("Chưa có kỳ đánh giá nào.")
        st.stop()
    return st.selectbox("Kỳ đánh giá", periods, format_func=lambda p: f"{p.name} ({p.framework_id})")
