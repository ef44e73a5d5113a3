"""The Streamlit app under AppTest: login, every page for every role, refusals by the services."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from minhchung.index.store import EvidenceCriterion, EvidenceItem
from minhchung.ui.app.session import TOKEN_KEY
from minhchung.ui.services import inbox
from minhchung.ui.services.accounts import create_user
from minhchung.ui.services.auth import AuthService, PermissionDeniedError

APP = Path(__file__).resolve().parents[1] / "ui" / "app"
PAGES = ("upload", "search", "coverage", "directives", "evidence_list", "admin")
ROLES = ("admin", "secretary", "member", "reviewer")
PASSWORD = "password-123"
TIMEOUT = 60


@pytest.fixture
def tokens(context) -> dict[str, str]:
    """A logged-in session token per role (reviewer limited to the default period)."""
    with context.db.session() as session:
        for role in ROLES[1:]:
            create_user(session, username=role, password=PASSWORD, role=role, school_id=context.bootstrap.school_id,
                        actor="test", period_id=context.bootstrap.period_id if role == "reviewer" else None)
    auth = AuthService(context.db, context.settings.auth)
    out = {role: auth.login(role, PASSWORD) for role in ROLES[1:]}
    out["admin"] = auth.login("admin", "admin-password-for-tests")
    return out


@pytest.fixture
def queued_item(context) -> int:
    with context.db.session() as session:
        item = EvidenceItem(school_id=context.bootstrap.school_id, period_id=context.bootstrap.period_id,
                            framework_id="tt57-pt", title="Kế hoạch giáo dục nhà trường năm học 2026-2027",
                            status="suggested")
        item.criteria = [EvidenceCriterion(criterion="1.1", status="suggested", rank=0, score=0.93,
                                           reason="giống “Kế hoạch năm học”"),
                         EvidenceCriterion(criterion="3.1", status="suggested", rank=1, score=0.41, reason="từ khoá")]
        session.add(item)
        session.flush()
        return item.id


def page(name: str, token: str | None) -> AppTest:
    at = AppTest.from_file(str(APP / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    if token:
        at.session_state[TOKEN_KEY] = token
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.markdown, *at.info, *at.error, *at.warning, *at.success, *at.caption)]
    return "\n".join(str(p) for p in parts)


def test_login_wrong_then_right(context):
    at = AppTest.from_file(str(APP / "main.py"), default_timeout=TIMEOUT).run()
    assert at.title[0].value == "Đăng nhập"
    at.text_input[0].input("admin")
    at.text_input[1].input("not-the-password")
    at.button[0].click().run()
    assert "Sai tên đăng nhập hoặc mật khẩu." in [e.value for e in at.error]
    at.text_input[1].input("admin-password-for-tests")
    at.button[0].click().run()
    assert at.session_state[TOKEN_KEY]
    assert not at.exception
    assert "Quản trị viên" in texts(at) and at.title[0].value == "Tải lên minh chứng"


def test_first_login_forces_password_change(context):
    with context.db.session() as session:
        create_user(session, username="moi", password=PASSWORD, role="member",
                    school_id=context.bootstrap.school_id, actor="test", must_change_password=True)
    token = AuthService(context.db, context.settings.auth).login("moi", PASSWORD)
    at = AppTest.from_file(str(APP / "main.py"), default_timeout=TIMEOUT)
    at.session_state[TOKEN_KEY] = token
    at.run()
    assert at.title[0].value == "Đổi mật khẩu"
    at.text_input[0].input(PASSWORD)
    at.text_input[1].input("new-password-456")
    at.text_input[2].input("new-password-456")
    at.button[0].click().run()
    assert at.title[0].value == "Tải lên minh chứng"
    assert page("coverage", token).title[0].value == "Độ phủ tiêu chí"


def test_pages_need_login(context):
    for name in PAGES:
        at = page(name, None)
        assert "Vui lòng đăng nhập" in texts(at)
        assert not at.title


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(context, tokens, role):
    for name in PAGES:
        at = page(name, tokens[role])
        assert not at.exception, (name, at.exception)
        assert at.title, name
        if name == "admin" and role != "admin":
            assert "không được phép quản trị" in texts(at)


def test_main_hides_admin_page_from_non_admins(context, tokens):
    at = AppTest.from_file(str(APP / "main.py"), default_timeout=TIMEOUT)
    at.session_state[TOKEN_KEY] = tokens["secretary"]
    at.run()
    assert not at.exception and "Thư ký hội đồng" in texts(at)


def test_review_queue_shows_suggestions_and_hides_decisions_from_reviewer(context, tokens, queued_item):
    secretary = page("upload", tokens["secretary"])
    shown = texts(secretary)
    assert "Kế hoạch giáo dục nhà trường" in shown and "Tiêu chí **1.1**" in shown
    assert any(b.label == "Xác nhận" for b in secretary.button)
    reviewer = page("upload", tokens["reviewer"])
    assert "Kế hoạch giáo dục nhà trường" in texts(reviewer)
    assert not any(b.label == "Xác nhận" for b in reviewer.button)
    assert not reviewer.get("file_uploader")


def test_reviewer_confirm_is_refused_by_the_service(context, tokens, queued_item):
    auth = AuthService(context.db, context.settings.auth)
    for role in ("reviewer", "member"):
        user = auth.current_user(tokens[role])
        with pytest.raises(PermissionDeniedError) as error:
            inbox.confirm(context, user, queued_item, ["1.1"])
        assert "không được phép xác nhận" in error.value.message_vi
        with pytest.raises(PermissionDeniedError):
            inbox.bulk_confirm(context, user, context.bootstrap.period_id, 0.5)
        with pytest.raises(PermissionDeniedError):
            inbox.reject(context, user, queued_item)
    with context.db.session() as session:
        assert session.get(EvidenceItem, queued_item).status == "suggested"


def test_reviewer_cannot_upload(context, tokens):
    user = AuthService(context.db, context.settings.auth).current_user(tokens["reviewer"])
    with pytest.raises(PermissionDeniedError):
        inbox.upload(context, user, [("a.txt", "Kế hoạch".encode())])


def test_upload_page_queues_files_without_processing_them(context, tokens):
    user = AuthService(context.db, context.settings.auth).current_user(tokens["member"])
    results = inbox.upload(context, user, [("ke-hoach.txt", "KẾ HOẠCH năm học 2026-2027".encode()),
                                           ("rong.txt", b"")])
    assert [r.outcome for r in results] == ["queued", "failed"]
    assert "rỗng" in results[1].message
    status = inbox.batch_status(context, user, [results[0].document_id])
    assert (status.total, status.queued, status.ready, status.fraction) == (1, 1, 0, 0.0)


def test_coverage_page_shows_matrix_and_gap_download(context, tokens):
    at = page("coverage", tokens["reviewer"])
    assert not at.exception
    assert [m.value for m in at.metric] == ["0", "0", "15"]
    assert any(b.label.startswith(":red[●] 1.1") for b in at.button)
    at.button(key="cell-2.1").click().run()
    assert "Tiêu chí 2.1" in texts(at)


def test_admin_creates_user_from_the_page(context, tokens):
    at = page("admin", tokens["admin"])
    form_inputs = [t for t in at.text_input if t.label == "Tên đăng nhập mới"]
    form_inputs[0].input("giaovien1")
    next(b for b in at.button if b.label == "Tạo tài khoản").click().run()
    assert any("Đã tạo tài khoản giaovien1" in s.value for s in at.success)


def test_secretary_confirms_with_two_criteria(context, tokens, queued_item):
    user = AuthService(context.db, context.settings.auth).current_user(tokens["secretary"])
    inbox.confirm(context, user, queued_item, ["1.1", "3.1"])
    with context.db.session() as session:
        item = session.get(EvidenceItem, queued_item)
        assert item.status == "confirmed" and item.code == "MC.1.1.01"
        assert {c.criterion for c in item.criteria if c.status == "confirmed"} == {"1.1", "3.1"}
