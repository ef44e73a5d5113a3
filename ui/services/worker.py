"""The background worker: reads queued documents in the process that owns the search index.

The Streamlit process (``minhchung serve`` runs it) holds one :class:`Worker` per data folder,
created with ``st.cache_resource`` next to the shared :class:`AppContext`, so the worker's
indexing stage and the *Tra cứu* page use the same handle on the embedded index (which one
process only may open). OCR itself runs in child processes (one Tesseract per core, see
``minhchung.ingest.pipeline``), so neither the GIL nor a long scan blocks the pages other people
are using. ``wake()`` makes a fresh upload start at once; jobs queued by another process (a CLI
batch) are picked up by polling.
"""

from __future__ import annotations

import logging
import threading

from minhchung.ingest.errors import MinhchungError
from minhchung.ui.context import AppContext
from minhchung.ui.services import ingestion
from minhchung.ui.services.reading import default_stages

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, context: AppContext, poll_seconds: float = 2.0) -> None:
        self.context = context
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def start(self) -> Worker:
        """Requeue what a previous run left unfinished, then start reading in the background."""
        if self._thread is None or not self._thread.is_alive():
            ingestion.recover(self.context)
            self._thread = threading.Thread(target=self._run, name="minhchung-worker", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _reconcile(self) -> None:
        """Repair drift between store, originals and index left by a crash (``minhchung doctor``)."""
        from minhchung.ui.services.maintenance import doctor

        try:
            report = doctor(self.context, repair=True)
        except MinhchungError as error:
            self.last_error = error.message_en
            log.warning("start-up reconciliation failed: %s", error.message_en)
            return
        if not report.clean:
            log.warning("start-up reconciliation repaired drift: %s", report.as_dict())

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            stages = default_stages(self.context)
        except MinhchungError as error:  # e.g. the index is owned by another process: say so, stop
            self.last_error = error.message_vi
            log.error("worker cannot start: %s", error.message_en)
            return
        while not self._stop.is_set():
            try:
                for result in ingestion.process_queue(self.context, stages, stop=self._stop.is_set):
                    if not result.ok:
                        self.last_error = result.message or result.detail
                        log.warning("failed to read %s: %s", result.filename, result.detail)
            except Exception:  # a database hiccup must not kill the app's only reader; logged in full
                log.exception("worker step failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
