"""Ingestion throughput and memory: born-digital pages/s, scanned s/page, peak RSS of a long scan.

* born-digital: every ``samples/letters/*.pdf`` through ``extract_document`` (text layer);
* scanned: ``samples/scans/*.pdf`` repeated into one PDF of ``--scan-pages`` pages, OCR'd with
  ``--workers`` processes; the extraction runs in a child process and the parent samples the
  resident memory (RSS) of the whole process tree (child + OCR workers + Tesseract) from /proc.

    .venv/bin/python tests/bench/bench_ingest.py [--scan-pages 200] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pikepdf

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def born_digital() -> dict:
    from minhchung.ingest.intake import read_upload
    from minhchung.ingest.pipeline import extract_document
    from minhchung.ingest.settings import IngestSettings

    settings = IngestSettings()
    files = sorted((REPO / "samples" / "letters").glob("*.pdf"))
    pages, strategies, started, cpu_started = 0, set(), time.perf_counter(), time.process_time()
    for path in files:
        document = extract_document(read_upload(path, settings), settings)
        pages += len(document.pages)
        strategies |= {p.strategy for p in document.pages}
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"files": len(files), "pages": pages, "seconds": seconds, "pages_per_s": pages / seconds,
            "cpu_seconds": cpu, "pages_per_cpu_s": pages / cpu, "strategies": sorted(strategies)}


def long_scan(pages: int, target: Path) -> None:
    """Repeat the sample scan PDFs' pages up to ``pages`` pages into one PDF."""
    sources = [pikepdf.open(p) for p in sorted((REPO / "samples" / "scans").glob("*.pdf"))]
    out = pikepdf.new()
    while len(out.pages) < pages:
        for source in sources:
            for page in source.pages:
                if len(out.pages) < pages:
                    out.pages.append(page)
    out.save(target)


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(pid, []))
    return total


def scanned(pages: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        pdf = Path(scratch) / "scan.pdf"
        long_scan(pages, pdf)
        command = [sys.executable, __file__, "--child", str(pdf), "--workers", str(workers)]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        peak = 0
        while child.poll() is None:
            peak = max(peak, tree_rss(child.pid))
            time.sleep(0.25)
        seconds = time.perf_counter() - started
        result = json.loads(child.stdout.read().strip().splitlines()[-1])
    return {"pages": pages, "workers": workers, "seconds": seconds, "s_per_page": seconds / pages,
            "peak_rss_mb": peak / 1e6, **result}


def child(pdf: Path, workers: int) -> None:
    from minhchung.ingest.intake import read_upload
    from minhchung.ingest.pipeline import extract_document
    from minhchung.ingest.settings import IngestSettings, OcrSettings

    settings = IngestSettings(ocr=OcrSettings(workers=workers))
    started = time.perf_counter()
    document = extract_document(read_upload(pdf, settings), settings)
    confidences = [p.confidence for p in document.pages if p.confidence is not None]
    print(json.dumps({"extract_seconds": time.perf_counter() - started,
                      "ocr_pages": sum(p.strategy == "ocr" for p in document.pages),
                      "mean_confidence": sum(confidences) / max(1, len(confidences)),
                      "low_confidence_pages": sum(p.low_confidence for p in document.pages)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scan-pages", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workers)
        return
    digital = born_digital()
    print(f"born-digital: {digital['pages']} pages in {digital['seconds']:.2f} s = {digital['pages_per_s']:.1f} pages/s wall, "
          f"{digital['pages_per_cpu_s']:.1f} pages per CPU-second ({digital['files']} files, strategies {digital['strategies']})")
    scan = scanned(args.scan_pages, args.workers)
    print(f"scanned: {scan['pages']} pages, {scan['workers']} workers: {scan['seconds']:.0f} s wall = "
          f"{scan['s_per_page']:.2f} s/page; peak RSS of the process tree {scan['peak_rss_mb']:.0f} MB; "
          f"mean confidence {scan['mean_confidence']:.1f}, low-confidence pages {scan['low_confidence_pages']}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
    if args.json:
        print(json.dumps({"born_digital": digital, "scanned": scan}))


if __name__ == "__main__":
    main()
