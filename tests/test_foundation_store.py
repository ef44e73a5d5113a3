"""Store: migrations, first-run defaults, audit log, content-addressed originals."""

from __future__ import annotations

from sqlalchemy import select

from minhchung.index.store import AuditEvent, DocumentRow, Period, School, User
from minhchung.ui.services import ingestion
from minhchung.ui.services.accounts import verify_password


def test_fresh_data_folder_gets_school_period_and_admin(context) -> None:
    with context.db.session() as session:
        school = session.execute(select(School)).scalar_one()
        period = session.execute(select(Period)).scalar_one()
        admin = session.execute(select(User)).scalar_one()
    assert school.level == "thcs"
    assert period.framework_id == "tt57-pt"  # TT57 is the default for new periods
    assert admin.role == "admin"
    assert admin.password_hash.startswith("$argon2")
    assert verify_password(admin.password_hash, "admin-password-for-tests")
    assert not verify_password(admin.password_hash, "wrong")


def test_reopening_changes_nothing(context) -> None:
    from minhchung.ui.context import AppContext

    again = AppContext.open(context.settings)
    assert again.bootstrap.admin_password is None
    with again.db.session() as session:
        assert len(session.execute(select(School)).all()) == 1
        assert len(session.execute(select(User)).all()) == 1
    again.close()


def test_same_bytes_are_one_document_and_one_blob(context, tmp_path) -> None:
    text = "Kế hoạch tự đánh giá năm học 2026-2027 của Trường THCS Hòa Bình.\n" * 3
    first = tmp_path / "ke-hoach.txt"
    second = tmp_path / "ban-sao.txt"
    first.write_text(text, encoding="utf-8")
    second.write_text(text, encoding="utf-8")
    one = ingestion.submit(context, first)
    two = ingestion.submit(context, second)
    assert one.outcome == "queued"
    assert two.outcome == "duplicate"
    assert two.document_id == one.document_id
    with context.db.session() as session:
        row = session.execute(select(DocumentRow)).scalar_one()
    assert context.blobs.read(row.sha256) == first.read_bytes()  # byte for byte
    assert len(list(context.blobs.root.rglob("*"))) == 3  # ab/, ab/cd/, the blob


def test_audit_log_records_who_and_what(context, tmp_path) -> None:
    path = tmp_path / "bien-ban.txt"
    path.write_text("Biên bản họp Hội đồng trường ngày 05/9/2026.", encoding="utf-8")
    result = ingestion.submit(context, path, actor="thuky")
    with context.db.session() as session:
        events = session.execute(select(AuditEvent).filter_by(entity="document")).scalars().all()
    assert [(e.actor, e.action, e.entity_id) for e in events] == [("thuky", "upload", str(result.document_id))]
    assert events[0].after["filename"] == "bien-ban.txt"


def test_bad_file_fails_alone_and_stores_nothing(context, tmp_path) -> None:
    empty = tmp_path / "rong.pdf"
    empty.write_bytes(b"")
    result = ingestion.submit(context, empty)
    assert result.outcome == "failed"
    assert "rỗng" in result.message
    with context.db.session() as session:
        assert session.execute(select(DocumentRow)).first() is None


def test_upload_names_cannot_escape(context) -> None:
    result = ingestion.submit(context, b"Thong bao ve viec hop hoi dong truong.", filename="../../etc/passwd\x00.txt")
    assert result.outcome == "queued"
    with context.db.session() as session:
        row = session.get(DocumentRow, result.document_id)
    assert row.filename == "passwd.txt"
