"""`minhchung bench search --chunks N [--json]` — engine latency of the search backends.

Query embedding is excluded; the corpus is synthetic Vietnamese passages (real lexical vectors)
with random unit dense vectors. With ``--json`` the last line is
``{"backend", "chunks", "dense_p95_ms", "lexical_p95_ms", "hybrid_filter_p95_ms",
"peer": {"backend", "chunks", "hybrid_filter_p95_ms"}}``.
"""

from __future__ import annotations

import json

import typer

bench_app = typer.Typer(help="Đo hiệu năng.", no_args_is_help=True)


def _line(label: str, p50: float, p95: float) -> str:
    return f"  {label:<22} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms"


@bench_app.command("search", help="Độ trễ tìm kiếm của chỉ mục (không tính thời gian nhúng câu hỏi).")
def bench_search(
    chunks: int = typer.Option(20_000, "--chunks", min=100, help="Số đoạn trong chỉ mục thử"),
    queries: int = typer.Option(200, "--queries", min=10, help="Số truy vấn mỗi loại"),
    peer_queries: int = typer.Option(10, "--peer-queries", min=3, help="Số truy vấn cho chế độ local của qdrant-client"),
    as_json: bool = typer.Option(False, "--json", help="Dòng cuối là JSON"),
) -> None:
    from minhchung.index.vectorstore.bench import run_edge, run_peer

    typer.echo(f"Corpus: synthetic Vietnamese passages (real lexical vectors) + random unit dense vectors (384-d); "
               f"query embedding excluded. Building {chunks} chunks on qdrant-edge…")
    edge, rss_mib = run_edge(chunks, queries)
    typer.echo(f"qdrant-edge, {edge.chunks} chunks (load + optimise {edge.load_seconds:.1f} s, peak RSS {rss_mib:.0f} MiB):")
    assert edge.dense and edge.lexical
    typer.echo(_line("dense", edge.dense.p50_ms, edge.dense.p95_ms))
    typer.echo(_line("lexical", edge.lexical.p50_ms, edge.lexical.p95_ms))
    typer.echo(_line("hybrid + filter", edge.hybrid_filter.p50_ms, edge.hybrid_filter.p95_ms))
    typer.echo(f"Peer: qdrant-client local mode, {min(chunks, 20_000)} chunks…")
    peer = run_peer(chunks, peer_queries)
    typer.echo(f"qdrant-client local, {peer.chunks} chunks (load {peer.load_seconds:.1f} s):")
    typer.echo(_line("hybrid + filter", peer.hybrid_filter.p50_ms, peer.hybrid_filter.p95_ms))
    if as_json:
        typer.echo(json.dumps({
            "backend": edge.backend, "chunks": edge.chunks,
            "dense_p95_ms": round(edge.dense.p95_ms, 3), "lexical_p95_ms": round(edge.lexical.p95_ms, 3),
            "hybrid_filter_p95_ms": round(edge.hybrid_filter.p95_ms, 3),
            "peer": {"backend": peer.backend, "chunks": peer.chunks, "hybrid_filter_p95_ms": round(peer.hybrid_filter.p95_ms, 3)},
        }))


@bench_app.command("all", help="Mọi phép đo đã có (hiện tại: tìm kiếm ở 20 000 đoạn).")
def bench_all(as_json: bool = typer.Option(False, "--json", help="Dòng cuối là JSON")) -> None:
    bench_search(chunks=20_000, queries=200, peer_queries=10, as_json=as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
