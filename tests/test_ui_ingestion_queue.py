"""The worker's queue reader: extractions overlap (one per OCR worker), reading stays in order.

A pile of one-page scans is the common upload; with one document at a time one of the two
cores sat idle. These tests replace only the extraction step (OCR itself is tested in
``test_ingest_*``) to observe the overlap without timing: a barrier that both extractions must
reach at once fails if they ran one after the other.
"""

from __future__ import annotations

import threading

from minhchung.ingest.document import Document
from minhchung.ingest.errors import CorruptFileError
from minhchung.ui.services import ingestion


def queue_texts(context, count: int) -> list[int]:
    results = [ingestion.submit(context, f"Biên bản họp số {i}".encode(), filename=f"bb-{i}.txt") for i in range(count)]
    assert [r.outcome for r in results] == ["queued"] * count
    return [r.document_id for r in results]


def test_two_extractions_are_in_flight_at_once_and_read_in_claim_order(context, monkeypatch):
    ids = queue_texts(context, 4)
    barrier = threading.Barrier(2, timeout=30)
    real_extract = ingestion.extract

    def extract_together(ctx, sha, filename, progress=None):
        barrier.wait()  # raises BrokenBarrierError if the other extraction is not running meanwhile
        return real_extract(ctx, sha, filename, progress)

    monkeypatch.setattr(ingestion, "extract", extract_together)
    read: list[int] = []

    def stage(ctx, document_id: int, document: Document) -> None:
        assert threading.current_thread() is threading.main_thread()  # the index owner's thread
        read.append(document_id)

    results = list(ingestion.process_queue(context, [stage], parallel=2))
    assert [r.ok for r in results] == [True] * 4, [r.detail for r in results]
    assert read == ids
    assert ingestion.pending_count(context) == 0


def test_a_failed_extraction_fails_its_file_only(context, monkeypatch):
    ids = queue_texts(context, 3)
    real_extract = ingestion.extract

    def extract_or_fail(ctx, sha, filename, progress=None):
        if filename == "bb-1.txt":
            raise CorruptFileError(filename, "truncated")
        return real_extract(ctx, sha, filename, progress)

    monkeypatch.setattr(ingestion, "extract", extract_or_fail)
    results = list(ingestion.process_queue(context, [], parallel=2))
    assert [(r.document_id, r.ok) for r in results] == [(ids[0], True), (ids[1], False), (ids[2], True)]
    assert "bb-1.txt" in results[1].message


def test_stop_finishes_what_was_claimed_and_leaves_the_rest_queued(context):
    queue_texts(context, 5)
    stopping = threading.Event()
    results = []
    for result in ingestion.process_queue(context, [], parallel=2, stop=stopping.is_set):
        results.append(result)
        stopping.set()
    assert len(results) == 2  # the two already claimed when stop was asked
    assert ingestion.pending_count(context) == 3
