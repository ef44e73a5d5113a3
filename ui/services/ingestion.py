"""Ingestion as a service: accept files at once, read them in the background.

``submit`` is fast and safe to call from a Streamlit callback: it checks each file (type, size,
limits), stores the original byte-for-byte, and records a queued document and job in one
transaction. A duplicate (same bytes, same school) returns the existing document. Nothing is
OCR'd here.

``process_next`` is the worker's step: it claims one queued job under the write lock, extracts
the document (text layer or OCR), then runs the reading stages (letter fields, criterion
suggestion, search index) and marks the job done or failed with the person-readable reason.
``process_queue`` does the same for the whole queue with up to one extraction per OCR worker in
flight, so a pile of one-page scans keeps every core busy (one document at a time left one of two
cores idle); the reading stages still run one document at a time, in claim order, in the caller's
thread (the one that owns the search index).
A job left ``running`` by a worker that died is requeued at start-up (``recover``), up to
``MAX_ATTEMPTS`` times, so a crash loses no original. Pages are written in one transaction and
the document is marked ready only after every stage succeeded; a crash between indexing and
that mark leaves index entries of an unfinished document, which ``doctor`` (run when the
worker starts) removes.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from sqlalchemy import select

from minhchung.index.store import DocumentRow, Job, PageRow
from minhchung.index.store.audit import record
from minhchung.ingest.document import Document
from minhchung.ingest.errors import IngestError, MinhchungError
from minhchung.ingest.intake import read_upload
from minhchung.ui.context import AppContext

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
SIDE_FILES = {".json", ".md"}  # ground-truth sidecars and notes next to samples are not evidence

Outcome = Literal["queued", "duplicate", "failed"]


@dataclass
class SubmitResult:
    filename: str
    outcome: Outcome
    document_id: int | None = None
    message: str | None = None  # Vietnamese, for the person who uploaded
    detail: str | None = None  # English, for logs and the CLI


@dataclass
class ProcessResult:
    document_id: int
    filename: str
    ok: bool
    pages: int = 0
    strategy: str | None = None
    message: str | None = None
    detail: str | None = None


Stage = Callable[[AppContext, int, Document], None]
"""A reading stage run after extraction: (context, document row id, document)."""


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and every file under named folders (recursively, sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                            and p.suffix.lower() not in SIDE_FILES)
        else:
            found.append(path)
    return found


def submit(context: AppContext, source: Path | bytes, *, filename: str | None = None,
           school_id: int | None = None, actor: str = "system") -> SubmitResult:
    """Check, store and queue one file; never raises for a bad file (the result says why)."""
    school_id = school_id or context.bootstrap.school_id
    name = _safe_name(filename or (source.name if isinstance(source, Path) else "tệp"))
    try:
        upload = read_upload(source, context.settings.ingest, filename=name)
    except IngestError as error:
        return SubmitResult(name, "failed", message=error.message_vi, detail=error.message_en)
    except OSError as error:
        return SubmitResult(name, "failed", message=f"{name}: không đọc được tệp ({error.strerror}).",
                            detail=f"{name}: cannot read file: {error}")
    with context.db.write() as session:
        existing = session.execute(
            select(DocumentRow).filter_by(school_id=school_id, sha256=upload.sha256)
        ).scalar_one_or_none()
        if existing is not None:
            return SubmitResult(name, "duplicate", document_id=existing.id,
                                message=f"{name}: trùng với tệp đã có “{existing.filename}”.",
                                detail=f"{name}: duplicate of document {existing.id} ({existing.filename})")
        context.blobs.put(upload.data)
        row = DocumentRow(school_id=school_id, sha256=upload.sha256, filename=name, mime=upload.mime,
                          size=upload.size, status="queued", uploaded_by=actor)
        session.add(row)
        session.flush()
        session.add(Job(document_id=row.id, kind="ingest", status="queued"))
        record(session, actor=actor, action="upload", entity="document", entity_id=row.id,
               after={"filename": name, "sha256": upload.sha256, "size": upload.size}, school_id=school_id)
        return SubmitResult(name, "queued", document_id=row.id)


def _safe_name(filename: str) -> str:
    """The base name only (no folders, no NUL), at most 255 bytes, never empty."""
    base = filename.replace("\\", "/").split("/")[-1].replace("\x00", "").strip().lstrip(".") or "tệp"
    while len(base.encode("utf-8")) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:-1] + dot + ext) if dot and len(ext) < 16 else base[:-1]
    return base


def recover(context: AppContext) -> int:
    """Requeue jobs a dead worker left running (or fail them after MAX_ATTEMPTS); return count."""
    with context.db.write() as session:
        stuck = session.execute(select(Job).filter_by(status="running")).scalars().all()
        for job in stuck:
            document = session.get(DocumentRow, job.document_id)
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.error = "failed", "worker stopped repeatedly while processing this file"
                document.status = "failed"
                document.error = "Xử lý bị gián đoạn nhiều lần; hãy bấm “Thử lại” hoặc kiểm tra tệp."
            else:
                job.status, document.status = "queued", "queued"
        return len(stuck)


def pending_count(context: AppContext) -> int:
    with context.db.session() as session:
        return len(session.execute(select(Job.id).where(Job.status.in_(("queued", "running")))).all())


def retry(context: AppContext, document_id: int, actor: str) -> None:
    """Queue a failed document again (after a person fixed the cause, e.g. installed a language)."""
    with context.db.write() as session:
        document = session.get(DocumentRow, document_id)
        if document is None or document.status != "failed":
            return
        document.status, document.error = "queued", None
        session.add(Job(document_id=document_id, kind="ingest", status="queued"))
        record(session, actor=actor, action="retry", entity="document", entity_id=document_id,
               school_id=document.school_id)


def _claim(context: AppContext) -> _Claimed | None:
    with context.db.write() as session:
        job = session.execute(select(Job).filter_by(status="queued").order_by(Job.id).limit(1)).scalar_one_or_none()
        if job is None:
            return None
        job.status, job.attempts = "running", job.attempts + 1
        job.started_at, job.worker = datetime.now(timezone.utc), f"pid:{os.getpid()}"
        document = session.get(DocumentRow, job.document_id)
        document.status = "processing"
        return _Claimed(job.id, document.id, document.filename, document.sha256)


@dataclass(frozen=True)
class _Claimed:
    job_id: int
    document_id: int
    filename: str
    sha256: str


def process_next(context: AppContext, stages: list[Stage], progress=None) -> ProcessResult | None:
    """Process one queued job; ``None`` when the queue is empty."""
    claimed = _claim(context)
    if claimed is None:
        return None
    return _read(context, stages, claimed, lambda: extract(context, claimed.sha256, claimed.filename, progress))


def process_queue(context: AppContext, stages: list[Stage], *, parallel: int | None = None,
                  stop: Callable[[], bool] = lambda: False) -> Iterator[ProcessResult]:
    """Process queued jobs until none is left (or ``stop()``), extracting ``parallel`` at once.

    ``parallel`` defaults to the number of OCR workers. Jobs still being extracted when ``stop()``
    turns true are finished first; a crash leaves them ``running`` for ``recover``.
    """
    parallel = parallel or context.settings.ingest.ocr.workers
    if parallel > 1:
        context.ocr_pool  # created here, once, not by two extraction threads at the same time
    in_flight: deque[tuple[_Claimed, Future]] = deque()
    with ThreadPoolExecutor(parallel, thread_name_prefix="minhchung-extract") as pool:
        while True:
            while len(in_flight) < parallel and not stop() and (claimed := _claim(context)) is not None:
                in_flight.append((claimed, pool.submit(extract, context, claimed.sha256, claimed.filename)))
            if not in_flight:
                return
            claimed, future = in_flight.popleft()
            yield _read(context, stages, claimed, future.result)


def _read(context: AppContext, stages: list[Stage], claimed: _Claimed,
          extracted: Callable[[], Document]) -> ProcessResult:
    """Extract (or collect the extraction), store the pages and run the reading stages; the job
    ends done or failed with the person-readable reason."""
    job_id, document_id, filename = claimed.job_id, claimed.document_id, claimed.filename
    try:
        document = extracted()
        _store_pages(context, document_id, document)
        for stage in stages:
            stage(context, document_id, document)
        _finish(context, job_id, document_id, error=None)
        return ProcessResult(document_id, filename, True, pages=len(document.pages),
                             strategy=_overall_strategy(document))
    except MinhchungError as error:
        _finish(context, job_id, document_id, error=error.message_vi)
        return ProcessResult(document_id, filename, False, message=error.message_vi, detail=error.message_en)
    except Exception as error:  # a bug must fail this one file, not the batch; logged in full
        log.exception("processing %s failed", filename)
        _finish(context, job_id, document_id, error=f"Lỗi xử lý không mong đợi: {error!r}")
        return ProcessResult(document_id, filename, False, message=f"Lỗi xử lý không mong đợi: {error!r}",
                             detail=repr(error))


def extract(context: AppContext, sha: str, filename: str, progress=None) -> Document:
    """Text of a stored original (text layer or OCR), as a typed Document."""
    from minhchung.ingest.pipeline import extract_document

    upload = read_upload(context.blobs.path(sha), context.settings.ingest, filename=filename)
    executor = context.ocr_pool if upload.kind in ("pdf", "tiff", "jpeg", "png") else None
    return extract_document(upload, context.settings.ingest, progress=progress, executor=executor)


def _overall_strategy(document: Document) -> str | None:
    strategies = {p.strategy for p in document.pages}
    return strategies.pop() if len(strategies) == 1 else ("mixed" if strategies else None)


def _store_pages(context: AppContext, document_id: int, document: Document) -> None:
    confidences = [p.confidence for p in document.pages if p.confidence is not None]
    with context.db.write() as session:
        row = session.get(DocumentRow, document_id)
        row.pages.clear()
        session.flush()
        for page in document.pages:
            row.pages.append(PageRow(
                number=page.number, strategy=page.strategy, text=page.text, confidence=page.confidence,
                low_confidence=page.low_confidence, width=page.width, height=page.height,
                layout=_page_layout(page),
            ))
        row.page_count = len(document.pages)
        row.strategy = _overall_strategy(document)
        row.ocr_confidence = sum(confidences) / len(confidences) if confidences else None
        row.low_confidence_pages = sum(1 for p in document.pages if p.low_confidence)


def _page_layout(page) -> dict:
    """What a page row keeps beyond its text: blocks with boxes, and the legacy encoding its text
    was converted from (TCVN3/VNI), so a re-read or a reindex knows the provenance."""
    layout: dict = {"blocks": [b.model_dump(mode="json") for b in page.blocks]}
    if page.source_encoding:
        layout["source_encoding"] = page.source_encoding
    return layout


def _finish(context: AppContext, job_id: int, document_id: int, error: str | None) -> None:
    with context.db.write() as session:
        job = session.get(Job, job_id)
        document = session.get(DocumentRow, document_id)
        job.status = "failed" if error else "done"
        job.error = error
        job.finished_at = datetime.now(timezone.utc)
        document.status = "failed" if error else "ready"
        document.error = error


def load_document(context: AppContext, document_id: int) -> Document:
    """Rebuild the typed Document of a processed file from the store (no OCR)."""
    from minhchung.ingest.document import Block, Page

    with context.db.session() as session:
        row = session.get(DocumentRow, document_id)
        pages = [
            Page(number=p.number, width=p.width, height=p.height, strategy=p.strategy, text=p.text,
                 confidence=p.confidence, low_confidence=p.low_confidence,
                 source_encoding=(p.layout or {}).get("source_encoding"),
                 blocks=[Block.model_validate(b) for b in (p.layout or {}).get("blocks", [])])
            for p in row.pages
        ]
        return Document(id=row.sha256, filename=row.filename, mime=row.mime, size=row.size, pages=pages)
