"""Several secretaries confirming at once (processes × threads on one store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import letter
from minhchung.index.indexing import CachedEmbedder
from minhchung.index.review import (
    ConflictError,
    confirm,
    create_suggested_item,
    update_fields,
)
from minhchung.index.store import AuditEvent, EmbeddingCache, EvidenceItem, Period
from minhchung.ui.services import ingestion
from minhchung.ui.services.reading import CriterionSuggestions
from sqlalchemy import func, select

SECRETARIES = 3
ITEMS = 24


def _items(context, count: int) -> tuple[list[int], str]:
    with context.db.session() as session:
        period = session.execute(select(Period)).scalars().first()
    ids = [create_suggested_item(context.db, actor="system", school_id=period.school_id, period_id=period.id,
                                 framework_id=period.framework_id, title=f"Minh chứng {n}").id
           for n in range(count)]
    return ids, period.framework_id


@pytest.mark.slow
def test_racing_secretaries_get_unique_gapless_codes_and_a_complete_audit(context) -> None:
    ids, _ = _items(context, ITEMS)
    criterion = "1.1"
    script = str(Path(__file__).with_name("confirm_worker.py"))
    workers = [subprocess.Popen([sys.executable, script, f"thuky{n}", criterion, *map(str, ids)],
                                env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for n in range(SECRETARIES)]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err.decode(errors="replace")[-3000:]
        outputs.append(json.loads(out.decode().strip().splitlines()[-1]))
    made = sum(o["confirmations"] for o in outputs)
    assert made >= ITEMS  # every item confirmed at least once; re-confirmations are harmless links

    with context.db.session() as session:
        items = session.execute(select(EvidenceItem).where(EvidenceItem.id.in_(ids))).scalars().all()
        audit = session.execute(select(AuditEvent).filter_by(action="evidence.confirm")).scalars().all()
    codes = [item.code for item in items]
    assert all(item.status == "confirmed" for item in items)
    assert len(set(codes)) == ITEMS  # no duplicate code
    assert sorted(item.seq for item in items) == list(range(1, ITEMS + 1))  # no gap, nothing skipped
    assert len(audit) == made  # every successful confirmation audited, no phantom entries
    first_confirmations = [e for e in audit if e.before and e.before.get("code") is None]
    assert Counter(e.entity_id for e in first_confirmations) == Counter(str(i) for i in ids)
    assert {e.after["code"] for e in first_confirmations} == set(codes)


def test_a_stale_edit_is_refused_not_lost(context) -> None:
    (item_id,), _ = _items(context, 1)
    update_fields(context.db, item_id, actor="thuky1", expected_version=1, title="Kế hoạch năm học (sửa bởi thư ký 1)")
    with pytest.raises(ConflictError) as conflict:
        confirm(context.db, item_id, "1.1", actor="thuky2", expected_version=1)
    assert "thuky1" in conflict.value.message_vi
    with context.db.session() as session:
        item = session.get(EvidenceItem, item_id)
        assert item.title.endswith("(sửa bởi thư ký 1)") and item.code is None and item.version == 2


class _CountingEmbedder:
    """Deterministic vectors: this test is about the cache's transactions, not about a model."""

    def __init__(self, name: str) -> None:
        self.id, self.dim = name, 8

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), self.dim), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_passages(texts)


def test_embedding_cache_writers_in_parallel_never_hit_a_locked_database(context) -> None:
    """The reader stores passage vectors while the app writes: a read-then-write transaction used to
    fail at once with "database is locked" (SQLite cannot upgrade a stale read snapshot)."""
    caches = [CachedEmbedder(_CountingEmbedder(f"test:{n}"), context.db, capacity=1) for n in range(3)]
    failures: list[BaseException] = []

    def store(cache: CachedEmbedder) -> None:
        try:
            for n in range(120):
                cache.embed_passages([f"đoạn văn {n} của {cache.id}"])
        except Exception as error:  # noqa: BLE001 — collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=store, args=(cache,)) for cache in caches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    with context.db.session() as session:
        assert session.execute(select(func.count()).select_from(EmbeddingCache)).scalar_one() == 3 * 120


def test_the_reader_learns_confirmations_made_between_documents_and_only_then_rereads(context, stages) -> None:
    suggestions = next(stage for stage in stages if isinstance(stage, CriterionSuggestions))
    refreshes: list[str] = []
    refresh = suggestions.pool.refresh
    suggestions.pool.refresh = lambda framework_id: refreshes.append(framework_id) or refresh(framework_id)
    for number in range(3):
        ingestion.submit(context, letter(number), filename=f"kh-{number}.txt")
    assert [r.ok for r in (ingestion.process_next(context, stages), ingestion.process_next(context, stages))] == [True] * 2
    assert len(refreshes) == 1  # nothing confirmed between the two documents: confirmed items not re-read
    with context.db.session() as session:
        item = session.execute(select(EvidenceItem).filter_by(status="suggested")).scalars().first()
        framework_id, title, version = item.framework_id, item.title, item.version
    learnt_before = suggestions.pool.get(framework_id).exemplar_count
    confirm(context.db, item.id, "3.1", actor="thuky", expected_version=version)
    assert ingestion.process_next(context, stages).ok
    assert len(refreshes) == 2 and suggestions.pool.get(framework_id).exemplar_count == learnt_before + 1
    assert (title, "3.1") in suggestions.pool._learnt[framework_id]
