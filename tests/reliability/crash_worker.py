"""A worker process for the crash test: reads the queue with the real stages, then hangs.

``python crash_worker.py HANG_ON_DOCUMENT MARKER`` processes queued jobs in order; when it
reaches document ``HANG_ON_DOCUMENT`` it runs every reading stage (pages, fields, suggestion,
vectors all written), writes ``MARKER`` and waits forever — so the test can SIGKILL it at the
worst moment, after the work and before the job is marked done.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from minhchung.ui.context import AppContext
from minhchung.ui.services import ingestion
from minhchung.ui.services.reading import default_stages


def main(hang_on: int, marker: Path) -> None:
    context = AppContext.open()
    stages = default_stages(context)

    def hang(_context, document_id: int, _document) -> None:
        if document_id == hang_on:
            context.vectors.optimize()  # the vectors reach the disk: the worst case for search
            marker.write_text(str(document_id), encoding="utf-8")
            threading.Event().wait()

    while ingestion.process_next(context, [*stages, hang]) is not None:
        pass


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
