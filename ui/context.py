"""The application context: settings plus the opened store, built once per process.

Commands and Streamlit pages receive an :class:`AppContext` and pass its parts down; nothing in
minhchung keeps module-level mutable state. Opening a fresh data folder migrates the database and
creates the default school, period and first admin, so no command asks set-up questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from minhchung.index.store import Database
from minhchung.ui.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Database = field(init=False)
    bootstrap: object | None = field(default=None, init=False)  # BootstrapResult of this open

    def __post_init__(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.settings.db_url)
        self.db.migrate()

    @classmethod
    def open(cls, settings: Settings | None = None) -> AppContext:
        """Open (and on first use initialise) the data folder named by the settings."""
        context = cls(settings or Settings())
        from minhchung.ui.services.bootstrap import ensure_defaults

        ensure_defaults(context)
        return context

    @cached_property
    def blobs(self):
        """The content-addressed store of originals (``<home>/originals``)."""
        from minhchung.ingest.blobstore import BlobStore

        return BlobStore(self.settings.originals_dir)

    @cached_property
    def vectors(self):
        """The search index (qdrant-edge shard or server), opened by the first caller.

        An embedded shard is owned by one process: when the running app holds it, this raises
        ``IndexLockedError`` with a message that says what to do.
        """
        from minhchung.index.vectorstore import open_vectorstore

        return open_vectorstore(self.settings.index, self.settings.data_dir)

    @cached_property
    def embedder(self):
        """The configured embedder with its vectors cached in the store."""
        from minhchung.index.indexing import CachedEmbedder
        from minhchung.nlp.embeddings import load_embedder

        return CachedEmbedder(load_embedder(self.settings.index.embedder), self.db)

    @cached_property
    def ocr_pool(self):
        """One OCR process pool for every file this process reads (no start-up cost per file)."""
        from minhchung.ingest.ocr import ocr_executor

        return ocr_executor(self.settings.ingest.ocr)

    def close(self) -> None:
        if "ocr_pool" in self.__dict__:
            self.ocr_pool.shutdown(cancel_futures=True)
        if "vectors" in self.__dict__:
            self.vectors.close()
        self.db.dispose()
