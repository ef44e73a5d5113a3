"""The OCR pool's workers run at a lower CPU priority than the process that owns them."""

from __future__ import annotations

import os

from minhchung.ingest.ocr import ocr_executor
from minhchung.ingest.settings import OcrSettings


def test_ocr_workers_yield_the_cpu_by_the_configured_niceness():
    mine = os.nice(0)
    with ocr_executor(OcrSettings(workers=1, niceness=3)) as pool:
        assert pool.submit(os.nice, 0).result(timeout=120) == min(19, mine + 3)
    with ocr_executor(OcrSettings(workers=1, niceness=0)) as pool:
        assert pool.submit(os.nice, 0).result(timeout=120) == mine
