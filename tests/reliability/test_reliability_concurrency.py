"""Several secretaries confirming at once (processes × threads on one store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from minhchung.index.review import (
    ConflictError,
    confirm,
    create_suggested_item,
    update_fields,
)
from minhchung.index.store import AuditEvent, EvidenceItem, Period
from sqlalchemy import select

SECRETARIES = 3
ITEMS = 24


def _items(context, count: int) -> tuple[list[int], str]:
    with context.db.session() as session:
        period = session.execute(select(Period)).scalars().first()
    ids = [create_suggested_item(context.db, actor="system", school_id=period.school_id, period_id=period.id,
                                 framework_id=period.framework_id, title=f"Minh chứng {n}").id
           for n in range(count)]
    return ids, period.framework_id


@pytest.mark.slow
def test_racing_secretaries_get_unique_gapless_codes_and_a_complete_audit(context) -> None:
    ids, _ = _items(context, ITEMS)
    criterion = "1.1"
    script = str(Path(__file__).with_name("confirm_worker.py"))
    workers = [subprocess.Popen([sys.executable, script, f"thuky{n}", criterion, *map(str, ids)],
                                env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for n in range(SECRETARIES)]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err.decode(errors="replace")[-3000:]
        outputs.append(json.loads(out.decode().strip().splitlines()[-1]))
    made = sum(o["confirmations"] for o in outputs)
    assert made >= ITEMS  # every item confirmed at least once; re-confirmations are harmless links

    with context.db.session() as session:
        items = session.execute(select(EvidenceItem).where(EvidenceItem.id.in_(ids))).scalars().all()
        audit = session.execute(select(AuditEvent).filter_by(action="evidence.confirm")).scalars().all()
    codes = [item.code for item in items]
    assert all(item.status == "confirmed" for item in items)
    assert len(set(codes)) == ITEMS  # no duplicate code
    assert sorted(item.seq for item in items) == list(range(1, ITEMS + 1))  # no gap, nothing skipped
    assert len(audit) == made  # every successful confirmation audited, no phantom entries
    first_confirmations = [e for e in audit if e.before and e.before.get("code") is None]
    assert Counter(e.entity_id for e in first_confirmations) == Counter(str(i) for i in ids)
    assert {e.after["code"] for e in first_confirmations} == set(codes)


def test_a_stale_edit_is_refused_not_lost(context) -> None:
    (item_id,), _ = _items(context, 1)
    update_fields(context.db, item_id, actor="thuky1", expected_version=1, title="Kế hoạch năm học (sửa bởi thư ký 1)")
    with pytest.raises(ConflictError) as conflict:
        confirm(context.db, item_id, "1.1", actor="thuky2", expected_version=1)
    assert "thuky1" in conflict.value.message_vi
    with context.db.session() as session:
        item = session.get(EvidenceItem, item_id)
        assert item.title.endswith("(sửa bởi thư ký 1)") and item.code is None and item.version == 2
