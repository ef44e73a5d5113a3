"""`minhchung search QUERY [--criterion C] [--k 10] [--json]` — hybrid Vietnamese search.

JSON shape (stable, scripts depend on it): ``{"results": [{document_id, filename, title, score,
page, snippet, codes[]}]}``, one entry per document, best first.
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.text import Text

from minhchung.index.indexing import spec_for
from minhchung.index.search import DocumentHit, SearchService
from minhchung.index.vectorstore import QueryMode, SearchFilter, open_vectorstore
from minhchung.nlp.embeddings import load_embedder
from minhchung.ui.settings import Settings


def _print_hits(console: Console, hits: list[DocumentHit]) -> None:
    if not hits:
        console.print("Không tìm thấy minh chứng phù hợp.")
        return
    for rank, hit in enumerate(hits, start=1):
        codes = f" [{', '.join(hit.codes)}]" if hit.codes else ""
        console.print(Text.assemble((f"{rank}. {hit.title}", "bold"), codes, (f"  ({hit.filename}, trang {hit.page})", "dim")))
        snippet = Text(hit.snippet.replace("\n", " "))
        for start, end in hit.snippet_highlights:
            snippet.stylize("bold yellow", start, end)
        console.print(Text("   ") + snippet)


def register(app: typer.Typer) -> None:
    @app.command("search", help="Tra cứu minh chứng (có dấu hoặc không dấu, chữ viết tắt như KH, QĐ, CSVC).")
    def search(
        query: str = typer.Argument(..., help="Nội dung cần tìm"),
        criterion: list[str] = typer.Option([], "--criterion", "-c", help="Chỉ tìm minh chứng của tiêu chí, ví dụ 1.2 (lặp lại được)"),
        standard: list[str] = typer.Option([], "--standard", help="Chỉ tìm trong tiêu chuẩn, ví dụ 1"),
        code: list[str] = typer.Option([], "--code", help="Mã minh chứng"),
        doc_type: list[str] = typer.Option([], "--doc-type", help="Loại văn bản, ví dụ ke_hoach, quyet_dinh"),
        status: list[str] = typer.Option([], "--status", help="Trạng thái minh chứng, ví dụ confirmed"),
        year_from: int | None = typer.Option(None, "--from-year", help="Năm ban hành từ"),
        year_to: int | None = typer.Option(None, "--to-year", help="Năm ban hành đến"),
        k: int = typer.Option(10, "--k", min=1, max=100, help="Số văn bản trả về"),
        mode: QueryMode = typer.Option(QueryMode.HYBRID, "--mode", help="hybrid (mặc định), dense hoặc lexical"),
        as_json: bool = typer.Option(False, "--json", help="In kết quả dạng JSON"),
    ) -> None:
        settings = Settings()
        embedder = load_embedder(settings.index.embedder)
        filters = SearchFilter(
            criteria=tuple(criterion), standards=tuple(standard), codes=tuple(code), doc_types=tuple(doc_type),
            statuses=tuple(status), year_from=year_from, year_to=year_to,
        )
        with open_vectorstore(settings.index, settings.data_dir) as vectorstore:
            vectorstore.ensure_collection(spec_for(embedder))
            hits = SearchService(vectorstore, embedder).search(query, filters, k=k, mode=mode)
        if as_json:
            typer.echo(json.dumps({"results": [h.as_json() for h in hits]}, ensure_ascii=False))
        else:
            _print_hits(Console(), hits)
