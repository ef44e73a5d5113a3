"""The OCR pool: workers at a lower CPU priority, and never re-running a Streamlit page script."""

from __future__ import annotations

import os
import sys
import types

from minhchung.ingest.ocr import ocr_executor
from minhchung.ingest.settings import OcrSettings


def test_ocr_workers_yield_the_cpu_by_the_configured_niceness():
    mine = os.nice(0)
    with ocr_executor(OcrSettings(workers=1, niceness=3)) as pool:
        assert pool.submit(os.nice, 0).result(timeout=120) == min(19, mine + 3)
    with ocr_executor(OcrSettings(workers=1, niceness=0)) as pool:
        assert pool.submit(os.nice, 0).result(timeout=120) == mine


def test_workers_do_not_rerun_a_page_script_that_is_main(tmp_path, monkeypatch):
    """Streamlit makes the page it runs ``__main__``; a spawned worker used to re-run that file."""
    page = tmp_path / "upload_page.py"
    page.write_text("raise RuntimeError('a page script ran inside an OCR worker')\n", encoding="utf-8")
    streamlit_like_main = types.ModuleType("__main__")
    streamlit_like_main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", streamlit_like_main)
    with ocr_executor(OcrSettings(workers=2, niceness=0)) as pool:
        futures = [pool.submit(os.getpid) for _ in range(4)]
        assert all(f.result(timeout=120) != os.getpid() for f in futures)
    assert sys.modules["__main__"] is streamlit_like_main  # the page's module is back
