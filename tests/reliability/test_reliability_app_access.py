"""Access control through the Streamlit app (AppTest), not only through the services.

The pages hide what a role may not do, but a browser can send any widget event it likes, so
each refusal here is also tried the way an attacker would: a hidden control forced on, or the
service called with the session the app gave the person. Every refusal must come back in
Vietnamese and change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from minhchung.index.indexing import load_indexable_documents
from minhchung.index.review import confirm, create_suggested_item
from minhchung.index.store import AuditEvent, DocumentRow, EvidenceItem, Period, School
from minhchung.index.store.tables import SessionRow, Task
from minhchung.ingest.errors import MinhchungError
from minhchung.ui.app.session import (
    TOKEN_KEY,
    app_context,
    auth_service,
    background_worker,
    directive_reader,
)
from minhchung.ui.services import catalog, directives, inbox, ingestion
from minhchung.ui.services import search as search_service
from minhchung.ui.services.accounts import create_user
from minhchung.ui.services.auth import PermissionDeniedError
from minhchung.ui.services.coverage import coverage_report
from minhchung.ui.services.reading import LetterFields, SearchIndex
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "ui" / "app"
PASSWORD = "mat-khau-dung-1"
TIMEOUT = 60
LETTER = (
    "UBND XÃ HÒA AN\nTRƯỜNG THCS HÒA AN\nSố: 31/KH-THCSHA\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\nHòa An, ngày 5 tháng 9 năm 2026\n\nKẾ HOẠCH\n"
    "Về việc kiểm kê thiết bị phòng thí nghiệm sinh học\n\n"
    "Tổ khoa học tự nhiên kiểm kê kính hiển vi, tiêu bản và hoá chất của phòng thí nghiệm sinh học, "
    "báo cáo Ban giám hiệu trước ngày 30/9/2026.\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n"
)
DIRECTIVE = (
    "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HÒA AN\nSố: 88/PGDĐT-THCS\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\nHòa An, ngày 2 tháng 9 năm 2026\n\nV/v nộp kế hoạch giáo dục nhà trường\n\n"
    "Kính gửi: Hiệu trưởng các trường THCS.\n\n"
    "Các trường THCS nộp kế hoạch giáo dục nhà trường về Phòng trước ngày 30/9/2030.\n"
    "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n"
)
SEARCH_QUERY = "kiểm kê kính hiển vi phòng thí nghiệm sinh học"


@pytest.fixture
def app(home):
    """The context the pages of this process use; the worker a page may start is stopped after."""
    context = app_context()
    yield context
    background_worker().stop()


@pytest.fixture
def schools(app) -> dict:
    """School A (the default) with a secretary and a reviewer; school B with its own period and secretary."""
    with app.db.write() as session:
        other = School(name="Trường THCS Bình Minh", level="thcs")
        session.add(other)
        session.flush()
        other_period = Period(school_id=other.id, name="Tự đánh giá B", school_year="2026-2027", framework_id="tt57-pt")
        session.add(other_period)
        session.flush()
        for username, role, school_id in (("thuky", "secretary", app.bootstrap.school_id),
                                          ("doan", "reviewer", app.bootstrap.school_id),
                                          ("thuky_b", "secretary", other.id)):
            create_user(session, username=username, password=PASSWORD, role=role, school_id=school_id, actor="admin",
                        period_id=app.bootstrap.period_id if role == "reviewer" else None)
        return {"school": app.bootstrap.school_id, "period": app.bootstrap.period_id, "other_school": other.id,
                "other_period": other_period.id}


@pytest.fixture
def evidence(app, schools) -> dict:
    """A letter of school A read, indexed and confirmed as evidence of criterion 4.1 (code MC.4.1.01)."""
    submitted = ingestion.submit(app, LETTER.encode(), filename="kh-kiem-ke-phong-sinh.txt",
                                 school_id=schools["school"], actor="thuky")
    assert ingestion.process_next(app, [LetterFields()]).ok
    item = create_suggested_item(app.db, actor="system", school_id=schools["school"], period_id=schools["period"],
                                 framework_id="tt57-pt", title="Kế hoạch kiểm kê phòng thí nghiệm sinh học",
                                 document_id=submitted.document_id)
    confirmed = confirm(app.db, item.id, "4.1", actor="thuky", expected_version=item.version)
    report = SearchIndex(app).indexer.index_documents(load_indexable_documents(app.db, [submitted.document_id]))
    assert report.documents == 1
    return {"document": submitted.document_id, "item": confirmed.id, "code": confirmed.code,
            "title": confirmed.title, "filename": "kh-kiem-ke-phong-sinh.txt"}


def login(username: str, password: str = PASSWORD) -> AppTest:
    """The app's entry script with the login form filled in and sent."""
    at = AppTest.from_file(str(APP / "main.py"), default_timeout=TIMEOUT).run()
    return submit_login(at, username, password)


def submit_login(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def page(name: str, token: str | None) -> AppTest:
    at = AppTest.from_file(str(APP / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    if token:
        at.session_state[TOKEN_KEY] = token
    return at.run()


def texts(at: AppTest) -> str:
    parts = (*at.title, *at.markdown, *at.info, *at.error, *at.warning, *at.success, *at.caption)
    return "\n".join(str(e.value) for e in parts) + "\n" + "\n".join(str(d.value) for d in at.dataframe)


def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def test_reviewer_sees_no_changing_controls_and_forged_actions_are_refused(app, schools, evidence):
    suggested = create_suggested_item(app.db, actor="system", school_id=schools["school"], period_id=schools["period"],
                                      framework_id="tt57-pt", title="Biên bản họp hội đồng trường tháng 9")
    at = login("doan")
    token = at.session_state[TOKEN_KEY]
    assert token and not at.exception

    upload = page("upload", token)
    assert "Biên bản họp hội đồng trường tháng 9" in texts(upload)  # the queue is readable
    assert not upload.get("file_uploader")
    assert not labels(upload) & {"Tải lên", "Xác nhận", "Từ chối", "Xác nhận hàng loạt"}
    assert "chỉ được xem" in texts(upload)
    listing = page("evidence_list", token)
    assert evidence["code"] in texts(listing)
    assert not listing.get("file_uploader") and not labels(listing) & {"Nhập", "Tạo tệp XLSX", "Tạo tệp DOCX"}

    user = auth_service().current_user(token)  # what the app holds for this browser session
    forged = {
        "confirm": lambda: inbox.confirm(app, user, suggested.id, ["1.1"]),
        "reject": lambda: inbox.reject(app, user, suggested.id),
        "bulk confirm": lambda: inbox.bulk_confirm(app, user, schools["period"], 0.0),
        "upload": lambda: inbox.upload(app, user, [("thu.txt", "Thông báo họp".encode())]),
        "import list": lambda: catalog.import_list(app, user, schools["period"], "ds.xlsx", b"PK"),
        "export list": lambda: catalog.export(app, user, schools["period"], "xlsx", frozenset(), frozenset(), "all"),
    }
    for name, action in forged.items():
        with pytest.raises(PermissionDeniedError) as refused:
            action()
        assert refused.value.message_vi.startswith("Vai trò Đoàn đánh giá ngoài không được phép"), name
    with app.db.session() as session:
        assert session.get(EvidenceItem, suggested.id).status == "suggested"
        assert session.execute(select(DocumentRow.id)).scalars().all() == [evidence["document"]]


def test_a_forged_task_tick_by_a_reviewer_changes_nothing(app, schools):
    secretary = auth_service().current_user(auth_service().login("thuky", PASSWORD))
    assert directives.submit(app, secretary, "cv-88.txt", DIRECTIVE.encode()).outcome == "queued"
    assert ingestion.process_next(app, []).ok  # extraction only; the directive reader makes the tasks
    assert directives.read_ready(app, secretary, directive_reader()) == 1
    with app.db.session() as session:
        task_id = session.execute(select(Task.id)).scalars().one()

    token = auth_service().login("doan", PASSWORD)
    at = page("directives", token)
    tick = at.checkbox(key=f"done-{task_id}")
    assert tick.proto.disabled  # the page offers no tick to a reviewer…
    tick.proto.disabled = False  # …so forge the browser's event for it (Streamlit drops callbacks of disabled widgets)
    tick.check().run()
    assert not at.exception
    with pytest.raises(PermissionDeniedError) as refused:  # the page's callback, called with this session's user
        directives.set_task_done(app, auth_service().current_user(token), task_id, True)
    assert refused.value.message_vi == ("Vai trò Đoàn đánh giá ngoài không được phép cập nhật công việc "
                                        "theo văn bản chỉ đạo.")
    with app.db.session() as session:
        assert session.get(Task, task_id).done is False
        assert not session.execute(select(AuditEvent).filter_by(action="task.done")).first()


def test_a_school_never_sees_another_schools_documents_on_the_pages(app, schools, evidence):
    auth = auth_service()
    own, other = auth.login("thuky", PASSWORD), auth.login("thuky_b", PASSWORD)

    def searched(token: str) -> AppTest:
        at = page("search", token)
        at.text_input[0].input(SEARCH_QUERY)
        return next(b for b in at.button if b.label == "Tìm").click().run()

    found = searched(own)  # the document is there for its own school…
    assert not found.exception and evidence["filename"] in texts(found)
    hidden = searched(other)  # …and nowhere for school B
    assert not hidden.exception and evidence["filename"] not in texts(hidden)
    assert "Không tìm thấy minh chứng phù hợp." in texts(hidden)

    assert evidence["code"] in texts(page("evidence_list", own))
    for name in ("evidence_list", "coverage", "upload"):
        at = page(name, other)
        assert not at.exception, name
        shown = texts(at)
        assert evidence["code"] not in shown and evidence["title"] not in shown, name
    periods = [box for box in page("coverage", other).selectbox if box.label == "Kỳ đánh giá"]
    assert periods and all("Tự đánh giá B" in option for option in periods[0].options)
    assert [m.value for m in page("coverage", other).metric][:2] == ["0", "0"]

    stranger = auth.current_user(other)  # a forged period or document id of school A
    for action in (lambda: coverage_report(app, stranger, schools["period"]),
                   lambda: catalog.evidence_list(app, stranger, schools["period"]),
                   lambda: search_service.original(app, stranger, evidence["document"])):
        with pytest.raises(MinhchungError) as refused:  # not found in school B, or not allowed: either way nothing
            action()
        assert refused.value.message_vi in {"Bạn không có quyền truy cập dữ liệu của trường này.",
                                            "Trường chưa có kỳ đánh giá này."}


def test_an_expired_session_sends_the_user_back_to_login(app, schools):
    at = login("thuky")
    token = at.session_state[TOKEN_KEY]
    assert at.title[0].value == "Tải lên minh chứng"
    with app.db.write() as session:
        session.execute(update(SessionRow).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    at.run()
    assert at.title[0].value == "Đăng nhập"
    assert any("Phiên đăng nhập đã hết hạn" in w.value for w in at.warning)
    assert TOKEN_KEY not in at.session_state
    stale = page("coverage", token)  # a page opened directly with the old token
    assert "Vui lòng đăng nhập" in texts(stale) and not stale.title


def test_repeated_wrong_passwords_on_the_login_form_are_throttled(app, schools):
    attempts = app.settings.auth.max_failed_logins
    at = AppTest.from_file(str(APP / "main.py"), default_timeout=TIMEOUT).run()
    for _ in range(attempts - 1):
        submit_login(at, "thuky", "doan-mo-mat-khau")
        assert [e.value for e in at.error] == ["Sai tên đăng nhập hoặc mật khẩu."]
    submit_login(at, "thuky", "doan-mo-mat-khau")
    assert any(e.value.startswith("Đăng nhập sai quá nhiều lần") for e in at.error)
    submit_login(at, "thuky", PASSWORD)  # the right password waits out the lock too
    assert any(e.value.startswith("Đăng nhập sai quá nhiều lần") for e in at.error)
    assert TOKEN_KEY not in at.session_state and at.title[0].value == "Đăng nhập"
    with app.db.session() as session:
        assert session.execute(select(AuditEvent).filter_by(action="lock")).first()


def test_an_upload_named_with_dot_dot_stays_inside_the_data_folder(app, schools, tmp_path):
    escape = tmp_path / "thoat.txt"
    before = set(tmp_path.rglob("*"))
    at = page("upload", auth_service().login("thuky", PASSWORD))
    at.get("file_uploader")[0].set_value([("../../../../" + str(escape), "Thông báo họp hội đồng.".encode(), "text/plain"),
                                          ("..\\..\\boot.ini", "Kế hoạch kiểm kê.".encode(), "text/plain")])
    next(b for b in at.button if b.label == "Tải lên").click().run()
    assert not at.exception and not at.error
    created = set(tmp_path.rglob("*")) - before
    assert not escape.exists()
    assert created and all(p.is_relative_to(app.settings.data_dir) for p in created)
    with app.db.session() as session:
        assert sorted(session.execute(select(DocumentRow.filename)).scalars()) == ["boot.ini", "thoat.txt"]
