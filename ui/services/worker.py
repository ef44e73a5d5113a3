"""The background worker: reads queued documents in the process that owns the search index.

The app (``minhchung serve``) starts one :class:`Worker` thread. OCR itself runs in child
processes (one Tesseract per core, see ``minhchung.ingest.pipeline``), so neither the GIL nor a
long scan blocks the pages other people are using. ``wake()`` makes a fresh upload start at
once; jobs queued by another process (a CLI batch while the app runs) are picked up by polling.
"""

from __future__ import annotations

import logging
import threading

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

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        stages = default_stages(self.context)
        while not self._stop.is_set():
            result = ingestion.process_next(self.context, stages)
            if result is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
            elif not result.ok:
                self.last_error = result.detail
                log.warning("failed to read %s: %s", result.filename, result.detail)
