"""Keeping the data folder whole: ``doctor`` (find and repair drift) and backup/restore.

The store is the system of record, the originals are the ground truth, and the search index is
derived from both. A crash, a disk copied by hand or a bug can leave them out of step; ``doctor``
compares them and repairs what can be repaired without a person's decision:

* documents that are ready in the store but missing from the index are indexed again;
* vectors of documents that are gone from the store, failed, or not finished yet are removed
  (a half-read document must never show up in search);
* originals no document points to are moved to ``<home>/orphans`` (never deleted: they are
  someone's file) and temporary files of interrupted writes are removed;
* unfinished documents without a live job are queued again (``ingestion.recover`` first
  requeues jobs a dead worker left running).

Documents whose original is missing cannot be repaired here; they are reported.

A backup is one tar file: a consistent copy of the SQLite database (SQLite's online backup API,
safe while the app runs), every original, the index folder when no other process holds it, and
``manifest.json``. Restore refuses a non-empty data folder unless told to replace it (the old one
is kept aside, never deleted), checks every original against its sha256, and rebuilds the index
from the store when the backup has none or it was built with another embedder.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import qdrant_edge as qe
from minhchung.index.indexing import Indexer, load_indexable_documents, rebuild
from minhchung.index.store import DocumentRow, Job
from minhchung.index.vectorstore import IndexLockedError, VectorStore
from minhchung.ingest.errors import MinhchungError, UsageError
from minhchung.ingest.intake import sha256_hex
from minhchung.ui.context import AppContext
from minhchung.ui.settings import Settings
from sqlalchemy import select

BACKUP_FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "minhchung.db"
ORIGINALS_MEMBER = "originals"
INDEX_MEMBER = "index"
TEMPORARY_PREFIX = ".incoming-"
UNFINISHED = ("queued", "processing")
ORPHAN_GRACE_SECONDS = 600.0


class MaintenanceError(MinhchungError):
    """A backup or restore that cannot go on (the message says why and what to do)."""


@dataclass
class DoctorReport:
    """What differs between store, originals and index, and what was repaired."""

    documents: int = 0
    indexed_documents: int = 0
    missing_from_index: list[int] = field(default_factory=list)
    vectors_without_document: list[str] = field(default_factory=list)
    vectors_of_unfinished: list[str] = field(default_factory=list)
    orphaned_files: list[str] = field(default_factory=list)
    temporary_files: list[str] = field(default_factory=list)
    missing_originals: list[int] = field(default_factory=list)
    requeued_documents: list[int] = field(default_factory=list)
    recovered_jobs: int = 0
    index_failures: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def drift(self) -> int:
        """Number of problems found (before any repair)."""
        return (len(self.missing_from_index) + len(self.vectors_without_document) + len(self.vectors_of_unfinished)
                + len(self.orphaned_files) + len(self.temporary_files) + len(self.missing_originals)
                + len(self.requeued_documents) + self.recovered_jobs)

    @property
    def clean(self) -> bool:
        return self.drift == 0

    def as_dict(self) -> dict:
        return asdict(self) | {"drift": self.drift}


def indexed_document_ids(vectors: VectorStore) -> set[str]:
    """The ``document_id`` of every chunk in the index (a facet over the keyword payload index)."""
    total = vectors.count()
    if total == 0:
        return set()
    from minhchung.index.vectorstore.edge import EdgeVectorStore

    if isinstance(vectors, EdgeVectorStore):
        response = vectors._require().facet(qe.FacetRequest("document_id", limit=total, exact=True))
        return {str(hit.value) for hit in response.hits if hit.count > 0}
    response = vectors.client.facet(vectors.collection, key="document_id", limit=total, exact=True)
    return {str(hit.value) for hit in response.hits if hit.count > 0}


def doctor(context: AppContext, *, repair: bool, grace_seconds: float = ORPHAN_GRACE_SECONDS) -> DoctorReport:
    """Compare store, originals and index; with ``repair`` fix what needs no person's decision.

    Needs the search index, so it refuses (``IndexLockedError``) while the app holds it; that
    also guarantees no worker is processing while jobs are recovered. Files younger than
    ``grace_seconds`` are left alone: an upload stores its original just before its row commits.
    """
    from minhchung.ui.services import ingestion

    vectors = context.vectors
    vectors.ensure_collection(_spec(context))
    report = DoctorReport(repaired=repair)
    if repair:
        report.recovered_jobs = ingestion.recover(context)
    else:
        report.recovered_jobs = _count_running_jobs(context)
    documents = _documents(context)
    report.documents = len(documents)
    indexed = indexed_document_ids(vectors)
    report.indexed_documents = len(indexed)
    ready = {str(i) for i, (status, _) in documents.items() if status == "ready"}
    unfinished = {str(i) for i, (status, _) in documents.items() if status in UNFINISHED}
    report.missing_from_index = sorted(int(i) for i in ready - indexed)
    report.vectors_of_unfinished = sorted(indexed & unfinished, key=int)
    report.vectors_without_document = sorted(indexed - ready - unfinished, key=_sort_key)
    referenced = {sha for _, sha in documents.values()}
    report.missing_originals = sorted(i for i, (_, sha) in documents.items() if not context.blobs.exists(sha))
    orphans, temporary = _stray_files(context.settings.originals_dir, referenced, time.time() - grace_seconds)
    report.orphaned_files, report.temporary_files = [p.name for p in orphans], [p.name for p in temporary]
    report.requeued_documents = _documents_without_job(context)
    if repair:
        _repair(context, report, orphans, temporary)
    return report


def _spec(context: AppContext):
    from minhchung.index.indexing import spec_for

    return spec_for(context.embedder)


def _sort_key(document_id: str) -> tuple[int, str]:
    return (int(document_id), "") if document_id.isdigit() else (-1, document_id)


def _documents(context: AppContext) -> dict[int, tuple[str, str]]:
    with context.db.session() as session:
        rows = session.execute(select(DocumentRow.id, DocumentRow.status, DocumentRow.sha256)).all()
    return {row.id: (row.status, row.sha256) for row in rows}


def _count_running_jobs(context: AppContext) -> int:
    with context.db.session() as session:
        return len(session.execute(select(Job.id).filter_by(status="running")).all())


def _documents_without_job(context: AppContext) -> list[int]:
    """Unfinished documents that no queued or running job will ever pick up."""
    with context.db.session() as session:
        live = select(Job.document_id).where(Job.status.in_(("queued", "running")))
        rows = session.execute(
            select(DocumentRow.id).where(DocumentRow.status.in_(UNFINISHED), DocumentRow.id.not_in(live))
        ).scalars().all()
    return sorted(rows)


def _stray_files(root: Path, referenced: set[str], older_than: float) -> tuple[list[Path], list[Path]]:
    """(originals no document references, temporary files of interrupted writes), older than a moment."""
    if not root.exists():
        return [], []
    orphans, temporary = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime < older_than):
        if path.name.startswith(TEMPORARY_PREFIX):
            temporary.append(path)
        elif path.name not in referenced:
            orphans.append(path)
    return orphans, temporary


def _repair(context: AppContext, report: DoctorReport, orphans: list[Path], temporary: list[Path]) -> None:
    vectors = context.vectors
    for document_id in report.vectors_without_document + report.vectors_of_unfinished:
        vectors.delete_document(document_id)
    if report.missing_from_index:
        indexer = Indexer(vectors, context.embedder)
        result = indexer.index_documents(load_indexable_documents(context.db, report.missing_from_index))
        report.index_failures = [f"{document_id}: {reason}" for document_id, reason in result.failures]
    quarantine = context.settings.data_dir / "orphans"
    for path in orphans:
        quarantine.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), quarantine / path.name)
    for path in temporary:
        path.unlink(missing_ok=True)
    if report.requeued_documents:
        with context.db.write() as session:
            for document_id in report.requeued_documents:
                session.get(DocumentRow, document_id).status = "queued"
                session.add(Job(document_id=document_id, kind="ingest", status="queued"))


# --- backup and restore ------------------------------------------------------------------------


@dataclass
class BackupManifest:
    format: int
    created_at: str
    documents: int
    originals: int
    index_included: bool
    embedder: str

    @classmethod
    def read(cls, raw: bytes) -> BackupManifest:
        values = json.loads(raw)
        return cls(**{name: values[name] for name in cls.__dataclass_fields__})


@dataclass
class RestoreReport:
    manifest: BackupManifest
    originals: int
    index_rebuilt: bool
    indexed_documents: int
    previous_data: Path | None


def backup(context: AppContext, target: Path, *, include_index: bool = True) -> BackupManifest:
    """Write a backup of the data folder of ``context`` to the tar file ``target``.

    Without the index the backup is smaller and restore rebuilds the index from the store.
    """
    database = _sqlite_path(context.settings)
    target = Path(target).resolve()
    if target.is_relative_to(context.settings.data_dir):
        raise UsageError(f"Write the backup outside the data folder {context.settings.data_dir}.",
                         f"Hãy lưu bản sao lưu ra ngoài thư mục dữ liệu {context.settings.data_dir}.")
    with tempfile.TemporaryDirectory(prefix="minhchung-backup-") as scratch:
        snapshot = Path(scratch) / DATABASE_MEMBER
        _copy_sqlite(database, snapshot)
        index_included = include_index and _release_index(context)
        originals = _blob_files(context.settings.originals_dir)
        manifest = BackupManifest(
            format=BACKUP_FORMAT, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            documents=len(_documents(context)), originals=len(originals), index_included=index_included,
            embedder=context.settings.index.embedder,
        )
        manifest_path = Path(scratch) / MANIFEST
        manifest_path.write_text(json.dumps(asdict(manifest), indent=1), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(manifest_path, MANIFEST)
            archive.add(snapshot, DATABASE_MEMBER)
            for path in originals:
                archive.add(path, f"{ORIGINALS_MEMBER}/{path.relative_to(context.settings.originals_dir).as_posix()}")
            if index_included and context.settings.index_dir.exists():
                archive.add(context.settings.index_dir, INDEX_MEMBER)
        partial.replace(target)  # a backup cut short never looks complete
    return manifest


def _sqlite_path(settings: Settings) -> Path:
    url = settings.db_url
    if not url.startswith("sqlite:///"):
        raise UsageError("backup/restore handle the built-in SQLite store only; back up PostgreSQL with pg_dump.",
                         "Sao lưu/khôi phục chỉ hỗ trợ cơ sở dữ liệu SQLite tích hợp; với PostgreSQL hãy dùng pg_dump.")
    return Path(url.removeprefix("sqlite:///"))


def _copy_sqlite(source: Path, target: Path) -> None:
    """A transactionally consistent copy, even while other processes write (online backup API)."""
    live, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        live.backup(copy)
    finally:
        copy.close()
        live.close()


def _release_index(context: AppContext) -> bool:
    """Make the index files consistent on disk; False when another process owns the index.

    When this process already has the index open (the app's own backup) it is flushed and kept
    open; otherwise it is opened (which takes its lock, proving nobody writes it) and closed.
    """
    if context.settings.index.backend != "edge":
        return False
    vectors = context.vectors
    if getattr(vectors, "_shard", None) is not None:
        vectors.optimize()
        return True
    spec = vectors.stored_spec()
    if spec is None:
        return False
    try:
        vectors.ensure_collection(spec)
    except IndexLockedError:
        return False
    vectors.close()
    return True


def _blob_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(TEMPORARY_PREFIX))


def restore(archive_path: Path, settings: Settings, *, replace: bool = False) -> RestoreReport:
    """Restore a backup into the data folder of ``settings``; rebuild the index when needed."""
    home = settings.data_dir
    previous = _make_room(home, replace)
    with tarfile.open(archive_path, "r") as archive:
        members = archive.getmembers()
        _check_members(members, archive_path)
        manifest = BackupManifest.read(archive.extractfile(MANIFEST).read())
        if manifest.format != BACKUP_FORMAT:
            raise MaintenanceError(f"{archive_path}: backup format {manifest.format} is not supported.",
                                   f"{archive_path}: định dạng bản sao lưu {manifest.format} không được hỗ trợ.")
        home.mkdir(parents=True, exist_ok=True)
        archive.extractall(home, members=[m for m in members if m.name != MANIFEST], filter="data")
    _check_originals(settings.originals_dir)
    context = AppContext.open(settings)
    try:
        rebuilt = not manifest.index_included or manifest.embedder != settings.index.embedder
        if rebuilt:
            shutil.rmtree(settings.index_dir, ignore_errors=True)
            result = rebuild(context.vectors, context.embedder, load_indexable_documents(context.db))
            if result.failures:
                raise MaintenanceError(f"Rebuilding the index failed for {result.failures}.",
                                       f"Không xây dựng lại được chỉ mục cho {result.failures}.")
        context.vectors.ensure_collection(_spec(context))
        indexed = len(indexed_document_ids(context.vectors))
        originals = len(_blob_files(settings.originals_dir))
    finally:
        context.close()
    return RestoreReport(manifest, originals, rebuilt, indexed, previous)


def _make_room(home: Path, replace: bool) -> Path | None:
    """Refuse to mix a backup into existing data; with ``replace`` move the old folder aside."""
    if not home.exists() or not any(home.iterdir()):
        return None
    if not replace:
        raise UsageError(f"The data folder {home} is not empty; restore into an empty folder or pass --replace "
                         "(the current data is kept aside, not deleted).",
                         f"Thư mục dữ liệu {home} không trống; hãy khôi phục vào thư mục trống hoặc dùng --replace "
                         "(dữ liệu hiện tại được cất sang chỗ khác, không bị xoá).")
    aside = home.with_name(f"{home.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%S}")
    home.rename(aside)
    return aside


def _check_members(members: list[tarfile.TarInfo], archive_path: Path) -> None:
    """Only regular files and folders under the known top-level names; nothing escapes the home."""
    allowed = {MANIFEST, DATABASE_MEMBER, ORIGINALS_MEMBER, INDEX_MEMBER}
    names = {m.name for m in members}
    for member in members:
        path = PurePosixPath(member.name)
        if (path.is_absolute() or ".." in path.parts or path.parts[0] not in allowed
                or not (member.isfile() or member.isdir())):
            raise MaintenanceError(f"{archive_path}: unexpected entry {member.name!r}; not a minhchung backup.",
                                   f"{archive_path}: mục lạ {member.name!r}; đây không phải bản sao lưu minhchung.")
    if MANIFEST not in names or DATABASE_MEMBER not in names:
        raise MaintenanceError(f"{archive_path}: no manifest or database; not a minhchung backup.",
                               f"{archive_path}: thiếu manifest hoặc cơ sở dữ liệu; không phải bản sao lưu minhchung.")


def _check_originals(root: Path) -> None:
    """Every restored original must still hash to its name (a damaged backup is refused)."""
    damaged = [p.name for p in _blob_files(root) if sha256_hex(p.read_bytes()) != p.name]
    if damaged:
        raise MaintenanceError(f"{len(damaged)} originals in the backup are damaged: {damaged[:5]}.",
                               f"{len(damaged)} tệp gốc trong bản sao lưu bị hỏng: {damaged[:5]}.")
