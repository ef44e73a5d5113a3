"""`minhchung reindex` — rebuild the search index from the store (after changing the embedder,
or to repair the index). Embeddings already computed for the same text and embedder are reused
from the database cache, so a rebuild with an unchanged embedder costs little.
"""

from __future__ import annotations

import typer
from rich.console import Console

from minhchung.index.indexing import CachedEmbedder, load_indexable_documents, rebuild
from minhchung.index.vectorstore import open_vectorstore
from minhchung.nlp.embeddings import load_embedder
from minhchung.ui.context import AppContext
from minhchung.ui.settings import Settings


def register(app: typer.Typer) -> None:
    @app.command("reindex", help="Xây dựng lại chỉ mục tìm kiếm từ kho dữ liệu (sau khi đổi bộ nhúng).")
    def reindex() -> int:
        console = Console(stderr=True)
        context = AppContext.open(Settings())
        try:
            embedder = CachedEmbedder(load_embedder(context.settings.index.embedder), context.db)
            with open_vectorstore(context.settings.index, context.settings.data_dir) as vectorstore:
                report = rebuild(vectorstore, embedder, load_indexable_documents(context.db))
        finally:
            context.close()
        for document_id, reason in report.failures:
            console.print(f"[red]Lỗi[/red] văn bản {document_id}: {reason}")
        console.print(
            f"Đã lập chỉ mục {report.documents} văn bản, {report.chunks} đoạn trong {report.seconds:.1f} giây "
            f"(bộ nhúng {embedder.id})."
        )
        return 1 if report.failures else 0
