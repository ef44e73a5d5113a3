"""``doctor`` finds and repairs drift; ``backup`` → ``restore`` round-trips store, originals, index."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from conftest import drain, letter
from minhchung.index.indexing import IndexableDocument, Indexer, spec_for
from minhchung.index.search import SearchService
from minhchung.index.store import AuditEvent, DocumentRow, EvidenceItem, Job
from minhchung.ingest.document import Page
from minhchung.ui.context import AppContext
from minhchung.ui.services import ingestion
from minhchung.ui.services.maintenance import (
    MaintenanceError,
    backup,
    doctor,
    indexed_document_ids,
    restore,
)
from minhchung.ui.settings import Settings
from sqlalchemy import select
from typer.testing import CliRunner

QUERY = "kế hoạch bồi dưỡng học sinh giỏi"


@pytest.fixture
def filled(context, stages):
    """Three read documents, one of them confirmed (a person's decision a backup must keep)."""
    for n in range(3):
        ingestion.submit(context, letter(n), filename=f"ke-hoach-{n}.txt", actor="thuky")
    assert all(r.ok for r in drain(context, stages))
    from minhchung.index.review import confirm

    with context.db.session() as session:
        item = session.execute(select(EvidenceItem).order_by(EvidenceItem.id)).scalars().first()
    confirm(context.db, item.id, "1.1", actor="thuky", expected_version=item.version)
    return context


def _state(context) -> dict:
    with context.db.session() as session:
        return {
            "documents": sorted(session.execute(select(DocumentRow.sha256, DocumentRow.filename, DocumentRow.status)).all()),
            "codes": sorted(c for c in session.execute(select(EvidenceItem.code)).scalars() if c),
            "audit": session.execute(select(AuditEvent.id)).scalars().all(),
        }


def _search(context) -> list[tuple[str, str]]:
    context.vectors.ensure_collection(spec_for(context.embedder))
    return [(h.filename, h.title) for h in SearchService(context.vectors, context.embedder).search(QUERY, k=5)]


@pytest.mark.slow
def test_doctor_reports_then_repairs_every_kind_of_drift(filled) -> None:
    context = filled
    assert doctor(context, repair=False).clean
    with context.db.session() as session:
        victim = session.execute(select(DocumentRow.id).order_by(DocumentRow.id)).scalars().first()
    context.vectors.delete_document(str(victim))  # a document lost from the index
    Indexer(context.vectors, context.embedder).index_documents([IndexableDocument(  # vectors of a deleted document
        document_id="424242", filename="da-xoa.txt", title="Đã xoá", pages=(Page(number=1, strategy="plain-text", text="văn bản đã xoá"),))])
    orphan = context.blobs.put(b"a file whose row never committed")  # killed between blob and row
    temporary = context.settings.originals_dir / "ab" / ".incoming-x1"
    temporary.parent.mkdir(parents=True, exist_ok=True)
    temporary.write_bytes(b"half")
    queued = ingestion.submit(context, letter(50), filename="cho.txt").document_id
    with context.db.write() as session:  # an unfinished document whose job vanished
        session.execute(Job.__table__.delete().where(Job.document_id == queued))

    assert doctor(context, repair=False).orphaned_files == []  # too fresh: maybe an upload in flight
    found = doctor(context, repair=False, grace_seconds=0)
    assert found.missing_from_index == [victim]
    assert found.vectors_without_document == ["424242"]
    assert found.orphaned_files == [orphan] and found.temporary_files == [".incoming-x1"]
    assert found.requeued_documents == [queued] and found.drift == 5
    assert context.blobs.exists(orphan) and temporary.exists()  # reporting changes nothing

    repaired = doctor(context, repair=True, grace_seconds=0)
    assert repaired.drift == 5 and not repaired.index_failures
    assert indexed_document_ids(context.vectors) >= {str(victim)}
    assert (context.settings.data_dir / "orphans" / orphan).exists() and not temporary.exists()
    assert doctor(context, repair=False).clean


@pytest.mark.slow
def test_backup_restore_round_trip_keeps_everything(filled, tmp_path, monkeypatch) -> None:
    context = filled
    before, results_before = _state(context), _search(context)
    assert results_before
    archive = tmp_path / "sao-luu.tar"
    manifest = backup(context, archive)
    assert manifest.index_included and manifest.documents == 3 and manifest.originals == 3

    for include_index, home in ((True, tmp_path / "khoi-phuc"), (False, tmp_path / "xay-lai")):
        source = archive if include_index else tmp_path / "khong-chi-muc.tar"
        if not include_index:
            backup(context, source, include_index=False)
        report = restore(source, Settings(home=home))
        assert report.index_rebuilt is not include_index and report.originals == 3 and report.indexed_documents == 3
        restored = AppContext.open(Settings(home=home))
        try:
            assert _state(restored) == before
            assert _search(restored) == results_before
            assert doctor(restored, repair=False).clean
        finally:
            restored.close()


def test_restore_refuses_a_non_empty_folder_and_a_hostile_archive(context, tmp_path) -> None:
    archive = tmp_path / "a.tar"
    backup(context, archive, include_index=False)
    from minhchung.ingest.errors import UsageError

    with pytest.raises(UsageError):
        restore(archive, Settings(home=context.settings.data_dir))
    hostile = tmp_path / "hostile.tar"
    with tarfile.open(hostile, "w") as tar:
        for name, body in (("manifest.json", b"{}"), ("minhchung.db", b""), ("../../thoat.txt", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    with pytest.raises(MaintenanceError):
        restore(hostile, Settings(home=tmp_path / "moi"))
    assert not (tmp_path.parent / "thoat.txt").exists()


def test_cli_doctor_backup_and_restore_are_registered(context, tmp_path, monkeypatch) -> None:
    from minhchung.ui.cli import app

    context.close()
    runner = CliRunner()
    doctored = runner.invoke(app, ["doctor", "--json"], standalone_mode=False)
    assert doctored.exit_code == 0 and doctored.return_value == 0, doctored.output
    assert json.loads(doctored.stdout[doctored.stdout.index("{"):])["drift"] == 0
    archive = tmp_path / "cli.tar"
    assert runner.invoke(app, ["backup", str(archive)], standalone_mode=False).return_value == 0
    monkeypatch.setenv("MINHCHUNG_HOME", str(tmp_path / "cli-restore"))
    restored = runner.invoke(app, ["restore", str(archive)], standalone_mode=False)
    assert restored.exit_code == 0 and restored.return_value == 0, restored.output
    assert Path(tmp_path / "cli-restore" / "minhchung.db").exists()
