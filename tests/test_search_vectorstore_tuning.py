"""Bounded bulk loads on a real qdrant-edge shard: slices get optimised, segments stay capped,
nothing is lost, deletion still reaches every segment, and the tuning survives a reopen."""

from __future__ import annotations

import shutil

import pytest

from minhchung.index.settings import IndexSettings
from minhchung.index.vectorstore import QueryMode, SearchFilter, open_vectorstore
from minhchung.index.vectorstore.base import CollectionSpec
from minhchung.index.vectorstore.bench import DIM, SyntheticCorpus
from minhchung.index.vectorstore.edge import EdgeTuning, EdgeVectorStore

SPEC = CollectionSpec("test:random-unit", DIM)
POINTS = 2400
# The engine counts 2–3 KB of vectors per synthetic chunk: a 1 500 KB cap holds under 750 of them,
# so two 800-point slices can never be merged into one segment.
SMALL = EdgeTuning(load_slice=800, max_segment_kb=1500, indexing_threshold_kb=100)


@pytest.fixture(scope="module")
def points():
    return list(SyntheticCorpus(seed=3).points(POINTS))


def _load(store: EdgeVectorStore, points) -> None:
    store.ensure_collection(SPEC)
    for first in range(0, len(points), 400):
        store.upsert(points[first : first + 400])


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, points):
    """A closed shard bulk-loaded in slices and optimised, as ``reindex`` leaves it."""
    folder = tmp_path_factory.mktemp("sliced") / "index"
    with EdgeVectorStore(folder, tuning=SMALL) as store:
        _load(store, points)
        store.optimize()
    return folder


def test_upsert_optimises_each_slice_without_being_asked(tmp_path, points):
    with EdgeVectorStore(tmp_path / "sliced", tuning=SMALL) as sliced, \
            EdgeVectorStore(tmp_path / "plain", tuning=EdgeTuning(load_slice=None, indexing_threshold_kb=100)) as plain:
        _load(sliced, points)
        _load(plain, points[:1200])
        # 3 slices of 800 were indexed during the load (2 vectors per point); the plain load
        # left everything in one appendable segment for a final optimise to rebuild at once.
        assert sliced.stats().indexed_vectors >= 2 * POINTS
        assert plain.stats().segments == 1 and plain.stats().indexed_vectors < 2 * 1200


def test_reopened_sliced_shard_has_capped_segments_and_every_point(loaded, points):
    with EdgeVectorStore(loaded, tuning=SMALL) as store:
        store.ensure_collection(SPEC)
        stats = store.stats()
        assert stats.points == POINTS == store.count()
        # 3 slices of 800 (≥ 1 600 KB each, over the cap) are never merged: at least 3 segments.
        assert stats.segments >= 3
        for point in points[::400]:
            assert store.query(point.dense, None, None, 1, QueryMode.DENSE)[0].id == point.id
        wanted = points[1234]
        criterion, year = wanted.payload["criteria"][0], wanted.payload["year"]
        hits = store.query(wanted.dense, wanted.sparse, SearchFilter(criteria=(criterion,), year_from=year, year_to=year), 5)
        assert hits[0].id == wanted.id
        assert all(criterion in h.payload["criteria"] and h.payload["year"] == year for h in hits)


def test_deletion_reaches_every_segment_after_a_sliced_load(tmp_path, loaded, points):
    folder = tmp_path / "index"
    shutil.copytree(loaded, folder)
    with EdgeVectorStore(folder, tuning=SMALL) as store:
        store.ensure_collection(SPEC)
        # the first and the last document (8 chunks each) were loaded in different slices
        first, last = points[0], points[-1]
        for point in (first, last):
            store.delete_document(point.payload["document_id"])
        assert store.count() == POINTS - 16
        for point in (first, last):
            hits = store.query(point.dense, point.sparse, None, 10, QueryMode.HYBRID)
            assert point.payload["document_id"] not in {h.payload["document_id"] for h in hits}


def test_settings_reach_the_edge_backend(tmp_path):
    settings = IndexSettings(load_slice=777, max_segment_kb=4096)
    store = open_vectorstore(settings, tmp_path)
    assert isinstance(store, EdgeVectorStore)
    assert store.tuning.load_slice == 777 and store.tuning.max_segment_kb == 4096
    assert open_vectorstore(IndexSettings(), tmp_path).tuning == EdgeTuning()
