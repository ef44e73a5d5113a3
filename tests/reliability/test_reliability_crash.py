"""SIGKILL the ingestion worker mid-batch, restart: nothing lost, nothing half-written visible."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import drain, letter
from minhchung.index.search import SearchService
from minhchung.index.store import DocumentRow, EvidenceItem, Job
from minhchung.ui.context import AppContext
from minhchung.ui.services import ingestion
from minhchung.ui.services.maintenance import doctor
from minhchung.ui.services.reading import default_stages
from minhchung.ui.settings import Settings
from sqlalchemy import func, select

BATCH = 4
HANG_ON = 2


def _wait_for(path: Path, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.stderr.read().decode(errors="replace")[-3000:]
        assert time.monotonic() < deadline, "worker never reached the document"
        time.sleep(0.2)


@pytest.mark.slow
def test_sigkill_mid_batch_loses_nothing_and_resumes(home: Path, tmp_path: Path) -> None:
    context = AppContext.open(Settings())
    ids = [ingestion.submit(context, letter(n), filename=f"thu-{n}.txt").document_id for n in range(BATCH)]
    context.close()
    marker = tmp_path / "reached"
    worker = subprocess.Popen([sys.executable, str(Path(__file__).with_name("crash_worker.py")), str(ids[HANG_ON - 1]),
                               str(marker)], env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(marker, worker, seconds=240)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)

    context = AppContext.open(Settings())
    try:
        with context.db.session() as session:
            statuses = dict(session.execute(select(DocumentRow.id, DocumentRow.status)).all())
            running = session.execute(select(Job).filter_by(status="running")).scalars().all()
        assert [statuses[i] for i in ids] == ["ready", "processing", "queued", "queued"]
        assert [job.document_id for job in running] == [ids[HANG_ON - 1]]
        assert all(context.blobs.exists(sha) for sha in _shas(context))  # no original lost

        found = doctor(context, repair=False)  # the killed document's vectors are found, not trusted
        assert found.recovered_jobs == 1 and found.vectors_of_unfinished == [str(ids[HANG_ON - 1])]
        repaired = doctor(context, repair=True)
        assert repaired.recovered_jobs == 1
        hits = SearchService(context.vectors, context.embedder).search("kế hoạch tổ chuyên môn", k=50)
        assert str(ids[HANG_ON - 1]) not in {hit.document_id for hit in hits}
        assert {hit.document_id for hit in hits} == {str(i) for i in ids[:HANG_ON - 1]}

        results = drain(context, default_stages(context))
        assert [r.document_id for r in results] == ids[HANG_ON - 1:] and all(r.ok for r in results)
        with context.db.session() as session:
            assert session.execute(select(func.count()).select_from(DocumentRow)
                                   .where(DocumentRow.status == "ready")).scalar_one() == BATCH
            items = session.execute(select(EvidenceItem.document_id)).scalars().all()
            job = session.execute(select(Job).filter_by(document_id=ids[HANG_ON - 1])).scalar_one()
        assert sorted(items) == sorted(ids)  # one review item per document, none duplicated by the retry
        assert job.status == "done" and job.attempts == 2
        assert doctor(context, repair=False).clean
    finally:
        context.close()


def _shas(context) -> list[str]:
    with context.db.session() as session:
        return session.execute(select(DocumentRow.sha256)).scalars().all()


def test_a_document_killed_repeatedly_is_failed_with_a_retry(context) -> None:
    document_id = ingestion.submit(context, letter(99), filename="doc-nguy-hiem.txt").document_id
    for _ in range(ingestion.MAX_ATTEMPTS):
        assert ingestion._claim(context) is not None  # a worker takes it … and dies
        ingestion.recover(context)
    with context.db.session() as session:
        document = session.get(DocumentRow, document_id)
        assert document.status == "failed" and "Thử lại" in document.error
    ingestion.retry(context, document_id, actor="thuky")
    with context.db.session() as session:
        assert session.get(DocumentRow, document_id).status == "queued"
