"""Evidence codes: parse and validate them through the frameworks' data, allocate them safely.

How codes look is data (``models/frameworks/<id>.json`` → ``code``: a template to write and the
regexes that read every accepted form, e.g. TT57 ``MC.1.3.01`` and the 2018 CV 5932/5942
``[H1-1.10-03]``, ``H1-1.1-01``, ``1.1-01``). This module adds what needs the database:
allocation of the next sequence per (school, period, framework, criterion) from a counter row
updated under the write lock, so two secretaries confirming at once never get the same code and
a deleted item leaves a gap instead of a reused code (DESIGN §3).
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minhchung.index.store.tables import CodeCounter
from minhchung.ingest.errors import MinhchungError
from minhchung.nlp.frameworks import Framework, ParsedCode, framework_ids, load_framework


class CodeError(MinhchungError):
    """A code that does not follow any known template, or does not fit the framework."""


def _invalid(text: str) -> CodeError:
    return CodeError(
        f"{text!r} is not an evidence code; expected MC.1.3.01, [H1-1.10-03], H1-1.1-01 or 1.1-01.",
        f"“{text}” không phải mã minh chứng hợp lệ. Mã đúng có dạng MC.1.3.01 (TT57) "
        "hoặc [H1-1.10-03] (CV 5932/5942).",
    )


def parse_code(text: str, framework: Framework | None = None) -> ParsedCode:
    """Read a code in any form the framework accepts (any shipped framework when ``None``)."""
    frameworks = [framework] if framework else [load_framework(i) for i in framework_ids()]
    for candidate in frameworks:
        parsed = candidate.code.parse(text or "")
        if parsed is not None:
            return parsed
    raise _invalid(text)


def validate_code(text: str, framework: Framework) -> ParsedCode:
    """Parse ``text`` with the framework's own forms and check that its criterion exists."""
    parsed = parse_code(text, framework)
    if parsed.criterion_id not in {c.id for c in framework.criteria()}:
        raise CodeError(f"{text!r}: criterion {parsed.criterion_id} does not exist in {framework.id}.",
                        f"“{text}”: tiêu chí {parsed.criterion_id} không có trong bộ tiêu chuẩn đang dùng.")
    return parsed


def find_codes(text: str, framework: Framework) -> list[str]:
    """Codes cited inside running text ("… năm học (MC.1.1.01, MC.1.1.02)"), canonical, in order."""
    pattern = re.compile(framework.code.patterns[0].strip("^$"))
    codes = []
    for match in pattern.finditer(text or ""):
        parsed = framework.code.parse(match.group(0))
        if parsed is not None:
            codes.append(framework.code.format(parsed.criterion_id, parsed.seq, parsed.box))
    return codes


def allocate_seq(session: Session, *, school_id: int, period_id: int, framework_id: str, criterion: str) -> int:
    """Take the next sequence number for a criterion; call inside ``Database.write()``."""
    key = dict(school_id=school_id, period_id=period_id, framework_id=framework_id, criterion=criterion)
    taken = session.execute(
        update(CodeCounter).filter_by(**key).values(next_seq=CodeCounter.next_seq + 1).returning(CodeCounter.next_seq)
    ).scalar_one_or_none()
    if taken is not None:
        return taken - 1
    session.add(CodeCounter(**key, next_seq=2))
    session.flush()
    return 1


def reserve_seq(session: Session, *, school_id: int, period_id: int, framework_id: str, criterion: str, seq: int) -> None:
    """Move the counter past an imported code so allocation never hands it out again."""
    key = dict(school_id=school_id, period_id=period_id, framework_id=framework_id, criterion=criterion)
    counter = session.execute(select(CodeCounter).filter_by(**key)).scalar_one_or_none()
    if counter is None:
        session.add(CodeCounter(**key, next_seq=seq + 1))
    elif counter.next_seq <= seq:
        counter.next_seq = seq + 1
