"""What every page needs: the process's application context, the logged-in user, error display.

The context is opened once per Streamlit server process (``st.cache_resource``, keyed by the data
folder) and shared by all sessions; the login token lives in the browser session's
``st.session_state`` and is checked against the database on every run, so an expired or revoked
session is noticed at the next click.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import streamlit as st

from minhchung.ingest.errors import MinhchungError
from minhchung.ui.context import AppContext
from minhchung.ui.services.auth import AuthService, CurrentUser, SessionExpiredError
from minhchung.ui.settings import Settings

TOKEN_KEY = "minhchung_token"


@st.cache_resource(show_spinner=False)
def _open_context(home: str) -> AppContext:
    return AppContext.open(Settings(home=home))


def app_context() -> AppContext:
    """The context of the data folder named by ``MINHCHUNG_HOME`` (opened once per process)."""
    return _open_context(str(Settings().home.resolve()))


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


def optional_module(name: str, feature_vi: str) -> ModuleType | None:
    """A module another part of the system provides, or a notice that the feature is not there yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            st.info(f"Chức năng “{feature_vi}” chưa có trong phiên bản này.")
            return None
        raise
