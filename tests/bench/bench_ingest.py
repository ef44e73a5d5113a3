"""Ingestion throughput and memory: born-digital pages/s, scanned s/page, peak RSS of a long scan.

* born-digital: every ``samples/letters/*.pdf`` through ``extract_document`` (text layer);
* scanned: ``samples/scans/*.pdf`` repeated into one PDF of ``--scan-pages`` pages, OCR'd with
  ``--workers`` processes; the extraction runs in a child process and the parent samples the
  resident memory (RSS) of the whole process tree (child + OCR workers + Tesseract) from /proc.

    .venv/bin/python tests/bench/bench_ingest.py [--scan-pages 200] [--workers 2] [--files] [--json]

``--files``: the scanned pages come as many small PDFs through one reused OCR pool, one file
after the other, instead of one long PDF. ``--service``: the same files go through the app's
ingestion service (``submit`` then the worker's ``process_queue``, which extracts one file per
OCR worker at once; reading stages off) in a scratch data folder. CPU-seconds per page (all processes) are
reported too: wall time on a shared machine says more about the neighbours than about us.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def many_files(pages: int, target: Path) -> None:
    """Copies of the sample scan PDFs, file after file, up to about ``pages`` pages in all."""
    sources = sorted((REPO / "samples" / "scans").glob("*.pdf"))
    count, copy = 0, 0
    while count < pages:
        for source in sources:
            if count >= pages:
                break
            # a comment after %%EOF makes each copy's bytes (so its sha256) unique, for the service
            (target / f"{copy:03d}-{source.name}").write_bytes(source.read_bytes() + f"\n%copy {copy}\n".encode())
            count += len(pikepdf.open(source).pages)
        copy += 1


def scanned(pages: int, workers: int, as_files: bool, service: bool = False) -> dict:
    """One ``pages``-page PDF, or (``as_files``) many small PDFs through one reused OCR pool."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "scan.pdf"
        if as_files:
            target = Path(scratch) / "files"
            target.mkdir()
            many_files(pages, target)
        else:
            long_scan(pages, target)
        command = [sys.executable, __file__, "--child", str(target), "--workers", str(workers)] + ["--service"] * service
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        peak = 0
        while child.poll() is None:
            peak = max(peak, tree_rss(child.pid))
            time.sleep(0.25)
        seconds = time.perf_counter() - started
        result = json.loads(child.stdout.read().strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child, its OCR workers, their Tesseracts
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    pages = result["ocr_pages"]
    return {"pages": pages, "workers": workers, "seconds": seconds, "s_per_page": seconds / pages,
            "cpu_s_per_page": cpu / pages, "peak_rss_mb": peak / 1e6, **result}


def child_service(target: Path, workers: int) -> None:
    """Submit every PDF of ``target`` to the ingestion service and drain the queue (no reading stages)."""
    os.environ["MINHCHUNG_HOME"] = tempfile.mkdtemp(prefix="minhchung-bench-")
    os.environ["MINHCHUNG_INGEST__OCR__WORKERS"] = str(workers)
    from minhchung.ui.context import AppContext
    from minhchung.ui.services import ingestion
    from minhchung.ui.settings import Settings

    context = AppContext.open(Settings())
    files = sorted(target.glob("*.pdf"))
    assert all(ingestion.submit(context, path).outcome == "queued" for path in files)
    started = time.perf_counter()
    results = list(ingestion.process_queue(context, []))
    seconds = time.perf_counter() - started
    documents = [ingestion.load_document(context, r.document_id) for r in results if r.ok]
    context.close()
    pages = [p for d in documents for p in d.pages]
    confidences = [p.confidence for p in pages if p.confidence is not None]
    print(json.dumps({"extract_seconds": seconds, "files": len(files), "failed": sum(not r.ok for r in results),
                      "ocr_pages": sum(p.strategy == "ocr" for p in pages),
                      "mean_confidence": sum(confidences) / max(1, len(confidences)),
                      "low_confidence_pages": sum(p.low_confidence for p in pages)}))


def child(target: Path, workers: int) -> None:
    """Extract one PDF, or every PDF of a directory through one OCR pool (as the service does)."""
    from minhchung.ingest.intake import read_upload
    from minhchung.ingest.ocr import ocr_executor
    from minhchung.ingest.pipeline import extract_document
    from minhchung.ingest.settings import IngestSettings, OcrSettings

    settings = IngestSettings(ocr=OcrSettings(workers=workers))
    files = sorted(target.glob("*.pdf")) if target.is_dir() else [target]
    started = time.perf_counter()
    pages = []
    with ocr_executor(settings.ocr) as pool:
        for path in files:
            pages += extract_document(read_upload(path, settings), settings, executor=pool).pages
    confidences = [p.confidence for p in pages if p.confidence is not None]
    print(json.dumps({"extract_seconds": time.perf_counter() - started, "files": len(files),
                      "ocr_pages": sum(p.strategy == "ocr" for p in pages),
                      "mean_confidence": sum(confidences) / max(1, len(confidences)),
                      "low_confidence_pages": sum(p.low_confidence for p in pages)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scan-pages", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", type=Path)
    parser.add_argument("--files", action="store_true", help="many small PDFs through one reused pool")
    parser.add_argument("--service", action="store_true", help="the files through the ingestion service's queue")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child:
        (child_service if args.service else child)(args.child, args.workers)
        return
    digital = born_digital()
    print(f"born-digital: {digital['pages']} pages in {digital['seconds']:.2f} s = {digital['pages_per_s']:.1f} pages/s wall, "
          f"{digital['pages_per_cpu_s']:.1f} pages per CPU-second ({digital['files']} files, strategies {digital['strategies']})")
    scan = scanned(args.scan_pages, args.workers, args.files or args.service, args.service)
    print(f"scanned: {scan['pages']} pages in {scan['files']} file(s), {scan['workers']} workers: {scan['seconds']:.0f} s wall = "
          f"{scan['s_per_page']:.2f} s/page; {scan['cpu_s_per_page']:.2f} CPU-s/page (all processes); peak RSS of the process tree {scan['peak_rss_mb']:.0f} MB; "
          f"mean confidence {scan['mean_confidence']:.1f}, low-confidence pages {scan['low_confidence_pages']}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores; other engineers' jobs included)")
    if args.json:
        print(json.dumps({"born_digital": digital, "scanned": scan}))


if __name__ == "__main__":
    main()
