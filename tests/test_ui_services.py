"""Search, directives and evidence-list services and their pages, with real components: a
born-digital sample letter read by the ingestion pipeline, the real index and embedder, the real
directive reader, openpyxl for the workbooks."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from minhchung.index.store import AuditEvent
from minhchung.index.store.tables import Task
from minhchung.nlp.directives import DirectiveReader
from minhchung.ui.app.session import TOKEN_KEY, app_context, search_engine
from minhchung.ui.services import catalog, directives, ingestion
from minhchung.ui.services import search as search_service
from minhchung.ui.services.accounts import create_user
from minhchung.ui.services.auth import AuthService, CurrentUser, PermissionDeniedError
from minhchung.ui.services.reading import default_stages

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "ui" / "app"
LETTER = REPO / "samples" / "letters" / "bb-bdd-cmhs-thcsha-hop-dau-nam.pdf"
DIRECTIVE = REPO / "samples" / "letters" / "cv-sgd-1523-trien-khai-tt57.pdf"
PASSWORD = "password-123"
TODAY = date(2026, 11, 23)


@pytest.fixture
def app(home):
    """The context the pages of this process use (so the test and the pages share one index handle)."""
    return app_context()


@pytest.fixture
def users(app) -> dict[str, CurrentUser]:
    with app.db.session() as session:
        for role in ("secretary", "member", "reviewer"):
            create_user(session, username=role, password=PASSWORD, role=role, school_id=app.bootstrap.school_id,
                        actor="test", period_id=app.bootstrap.period_id if role == "reviewer" else None)
    auth = AuthService(app.db, app.settings.auth)
    tokens = {role: auth.login(role, PASSWORD) for role in ("secretary", "member", "reviewer")}
    tokens["admin"] = auth.login("admin", "admin-password-for-tests")
    return {role: auth.current_user(token) for role, token in tokens.items()} | {
        f"{role}-token": token for role, token in tokens.items()}


def page(name: str, token: str) -> AppTest:
    at = AppTest.from_file(str(APP / "pages" / f"{name}.py"), default_timeout=120)
    at.session_state[TOKEN_KEY] = token
    return at.run()


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*at.title, *at.markdown, *at.info, *at.error, *at.caption, *at.success))


@pytest.mark.slow
def test_search_finds_read_letter_boxes_the_passage_and_fences_the_school(app, users):
    submitted = ingestion.submit(app, LETTER)
    assert ingestion.process_next(app, default_stages(app)).ok
    hits = search_service.search(search_engine(), users["member"], search_service.SearchRequest("mái che nhà để xe"))
    assert hits and hits[0].filename == LETTER.name
    assert any(p.highlights for p in hits[0].passages)
    span = hits[0].span
    view = search_service.page_view(app, users["member"], submitted.document_id, span.page, span.start, span.end)
    assert view.png.startswith(b"\x89PNG") and view.box is not None
    left, top, right, bottom = view.box
    assert right > left and bottom > top
    assert search_service.original(app, users["reviewer"], submitted.document_id).data == LETTER.read_bytes()

    stranger = CurrentUser(id=99, username="khac", role="admin", school_id=users["admin"].school_id + 1,
                           period_id=None, full_name=None, must_change_password=False)
    fenced = search_service.fenced_filter(stranger, search_service.SearchRequest("mái che"))
    assert fenced.schools == (str(stranger.school_id),)
    assert search_service.search(search_engine(), stranger, search_service.SearchRequest("mái che nhà để xe")) == []
    with pytest.raises(PermissionDeniedError):
        search_service.original(app, stranger, submitted.document_id)
    reviewer_filter = search_service.fenced_filter(users["reviewer"], search_service.SearchRequest("x"))
    assert reviewer_filter.periods == (str(app.bootstrap.period_id),)

    at = page("search", users["reviewer-token"])
    at.text_input[0].input("mai che nha de xe")
    next(b for b in at.button if b.label == "Tìm").click().run()
    assert not at.exception
    shown = texts(at)
    assert LETTER.name in shown and "<mark>" in shown
    assert at.get("imgs") or at.get("image")


@pytest.fixture
def read_directive(app, users) -> directives.DirectiveView:
    result = directives.submit(app, users["member"], DIRECTIVE.name, DIRECTIVE.read_bytes())
    assert result.outcome == "queued"
    assert [v.status for v in directives.list_directives(app, users["reviewer"], TODAY)] == ["waiting"]
    assert ingestion.process_next(app, []).ok  # extraction only: the reading stages are tested elsewhere
    reader = DirectiveReader.load()
    assert directives.read_ready(app, users["reviewer"], reader) == 1
    assert directives.read_ready(app, users["reviewer"], reader) == 0  # stored once
    return directives.list_directives(app, users["reviewer"], TODAY)[0]


def test_directive_fields_tasks_timeline_and_exports(app, users, read_directive):
    view = read_directive
    assert view.status == "ready" and view.extraction["number"].startswith("1523/")
    dues = [t.due for t in view.tasks]
    assert date(2026, 9, 30) in dues and date(2026, 12, 20) in dues
    dated = [t for t in view.tasks if t.due]
    assert dated == sorted(dated, key=lambda t: t.due)  # nearest first, overdue ones are the nearest
    assert {t.due for t in view.tasks if t.overdue} == {d for d in dues if d and d < TODAY}
    assert view.tasks[-1].due is None  # "every six months" has no day: last
    assert b"BEGIN:VEVENT" in directives.calendar_file([view])
    assert ",2026-09-30," in directives.deadlines_csv([view]).decode("utf-8-sig")
    book = load_workbook(io.BytesIO(directives.workbook([view])))
    assert book.sheetnames == ["Thời hạn", "Chỉ tiêu"]
    assert book["Thời hạn"].max_row == len(view.tasks) + 1 and book["Chỉ tiêu"].max_row > 1


def test_task_done_is_for_secretaries_and_audited(app, users, read_directive):
    task = read_directive.tasks[0]
    for role in ("reviewer", "member"):
        with pytest.raises(PermissionDeniedError):
            directives.set_task_done(app, users[role], task.id, True)
    directives.set_task_done(app, users["secretary"], task.id, True)
    with app.db.session() as session:
        assert session.get(Task, task.id).done
        events = session.execute(select(AuditEvent).filter_by(entity="task", action="task.done")).scalars().all()
        assert [e.actor for e in events] == ["secretary"]
    assert task.id not in [t.id for t in directives.upcoming_tasks(app, users["reviewer"], TODAY)]


def test_reviewer_cannot_upload_a_directive(app, users):
    with pytest.raises(PermissionDeniedError):
        directives.submit(app, users["reviewer"], "cv.txt", "Công văn".encode())


def test_directives_page_shows_timeline_and_done_boxes_by_role(app, users, read_directive):
    secretary = page("directives", users["secretary-token"])
    assert not secretary.exception
    shown = texts(secretary)
    assert "30/09/2026" in shown and "Trích yếu" in str([t.value for t in secretary.table])
    assert any(not c.disabled for c in secretary.checkbox)
    reviewer = page("directives", users["reviewer-token"])
    assert not reviewer.exception and all(c.disabled for c in reviewer.checkbox)
    assert not reviewer.get("file_uploader")


def test_due_dates():
    assert directives.due_date({"date": "2026-10"}, None) == date(2026, 10, 31)
    assert directives.due_date({"recurring": "05-10"}, date(2026, 9, 10)) == date(2027, 5, 10)
    assert directives.due_date({"date": "2026-02-30"}, None) is None
    assert directives.due_date({"recurring": "P6M"}, date(2026, 9, 10)) is None


def _list_workbook(rows: list[tuple]) -> bytes:
    book = Workbook()
    book.active.append(("TT", "Mã minh chứng", "Tên minh chứng", "Ghi chú"))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_evidence_list_import_export_and_roles(app, users):
    period = app.bootstrap.period_id
    data = _list_workbook([(1, "MC.1.1.01", "Kế hoạch giáo dục nhà trường", ""), (2, "XYZ", "Sai mã", "")])
    for role in ("reviewer", "member"):
        with pytest.raises(PermissionDeniedError):
            catalog.import_list(app, users[role], period, "ds.xlsx", data)
    with pytest.raises(PermissionDeniedError):
        catalog.export(app, users["reviewer"], period, "xlsx")
    report = catalog.import_list(app, users["secretary"], period, "ds.xlsx", data)
    assert report.imported == ["MC.1.1.01"] and [p.row for p in report.problems] == [3]
    groups = catalog.evidence_list(app, users["reviewer"], period)
    only = catalog.filter_groups(groups, set(), set(), "with")
    assert [c.criterion for g in only for c in g.criteria] == ["1.1"]
    assert all(c.rows == () for g in catalog.filter_groups(groups, {1}, set(), "without") for c in g.criteria)
    made = catalog.export(app, users["secretary"], period, "xlsx", coverage="with")
    assert "Kế hoạch giáo dục nhà trường" in str([c.value for r in load_workbook(io.BytesIO(made.data)).active
                                                  .iter_rows() for c in r])
    assert catalog.export(app, users["admin"], period, "docx").data.startswith(b"PK")

    at = page("evidence_list", users["secretary-token"])
    assert not at.exception and "MC.1.1.01" in str(at.dataframe[0].value)
    reviewer = page("evidence_list", users["reviewer-token"])
    assert not reviewer.exception and not any(b.label.startswith("Tạo tệp") for b in reviewer.button)


def test_a_tcvn3_text_file_is_stored_converted_and_remembers_its_encoding(app):
    legacy = "Tr\u00adêng THCS Hßa An\nKÕ ho¹ch tù ®¸nh gi¸ n¨m häc 2025–2026\n\nC¨n cø kÕ ho¹ch cña Phßng Gi¸o dôc."
    submitted = ingestion.submit(app, legacy.encode("cp1252"), filename="ke-hoach.txt")
    assert submitted.outcome == "queued"
    assert ingestion.process_next(app, []).ok
    document = ingestion.load_document(app, submitted.document_id)
    assert document.text.startswith("Trường THCS Hòa An\nKế hoạch tự đánh giá năm học 2025–2026")
    assert [p.source_encoding for p in document.pages] == ["TCVN3 (ABC)"]
