"""Evidence codes: format, parse, validate, and allocate them without collisions.

Two families exist (see ``models/frameworks/*.json`` → ``code``):

* TT57/2026: ``MC.a.b.cc`` — standard, criterion, 2-digit sequence (``MC.1.3.01``);
* 2018 circulars (CV 5932/5942): ``[Hn-a.b-cc]`` — box, standard.criterion, sequence
  (``[H1-1.10-03]``); schools also write ``H1-1.1-01`` or just ``1.1-01``.

Parsing tolerates what OCR and hand-typing produce (spaces, en dashes, a missing bracket or
prefix). Allocation hands out the next sequence per (school, period, framework, criterion) from
a counter row updated under the database write lock, so two secretaries confirming at once never
get the same code, and a deleted item leaves a gap instead of a reused code (DESIGN §3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minhchung.index.store.tables import CodeCounter
from minhchung.ingest.errors import MinhchungError

_DASH = r"[-\u2010-\u2015\u2212]"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("mc", re.compile(rf"^\s*MC\s*[.\s]\s*(?P<standard>\d)\s*\.\s*(?P<criterion>\d{{1,2}})\s*\.\s*(?P<seq>\d{{1,3}})\s*$", re.I)),
    ("box", re.compile(rf"^\s*\[?\s*H\s*(?P<box>\d{{1,3}})\s*{_DASH}\s*(?P<standard>\d)\s*\.\s*(?P<criterion>\d{{1,2}})\s*{_DASH}\s*(?P<seq>\d{{1,3}})\s*\]?\s*$", re.I)),
    ("bare", re.compile(rf"^\s*(?P<standard>\d)\s*\.\s*(?P<criterion>\d{{1,2}})\s*{_DASH}\s*(?P<seq>\d{{1,3}})\s*$")),
)


class CodeError(MinhchungError):
    """A code that does not follow any known template, or does not fit the framework."""


@dataclass(frozen=True)
class EvidenceCode:
    standard: int
    criterion: int
    seq: int
    box: int | None = None
    scheme: str = "mc"

    @property
    def criterion_id(self) -> str:
        return f"{self.standard}.{self.criterion}"

    def format(self, template: str) -> str:
        """Render with a framework template, e.g. ``MC.{standard}.{criterion}.{seq:02d}``."""
        if "{box" in template and self.box is None:
            raise CodeError(f"Template {template!r} needs a box number (hộp).",
                            f"Mẫu mã {template!r} cần số hộp (H…).")
        return template.format(standard=self.standard, criterion=self.criterion, seq=self.seq, box=self.box)


def parse_code(text: str) -> EvidenceCode:
    """Read any known code form; raise :class:`CodeError` saying what a valid code looks like."""
    for scheme, pattern in _PATTERNS:
        match = pattern.match(text or "")
        if match:
            parts = match.groupdict()
            code = EvidenceCode(
                standard=int(parts["standard"]), criterion=int(parts["criterion"]), seq=int(parts["seq"]),
                box=int(parts["box"]) if parts.get("box") else None, scheme=scheme,
            )
            if code.seq == 0 or code.criterion == 0 or code.standard == 0:
                break
            return code
    raise CodeError(
        f"{text!r} is not an evidence code; expected MC.1.3.01, [H1-1.10-03], H1-1.1-01 or 1.1-01.",
        f"“{text}” không phải mã minh chứng hợp lệ. Mã đúng có dạng MC.1.3.01 (TT57) "
        "hoặc [H1-1.10-03] (CV 5932/5942).",
    )


def find_codes(text: str) -> list[str]:
    """Codes cited inside running text ("… năm học (MC.1.1.01, MC.1.1.02)")."""
    pattern = re.compile(rf"MC\s*\.\s*\d\s*\.\s*\d{{1,2}}\s*\.\s*\d{{2,3}}|\[?H\d{{1,3}}\s*{_DASH}\s*\d\.\d{{1,2}}\s*{_DASH}\s*\d{{2,3}}\]?", re.I)
    return [m.group(0) for m in pattern.finditer(text or "")]


def validate_code(text: str, template: str, criteria: set[str]) -> EvidenceCode:
    """Parse ``text`` and check it against a framework's template and criterion ids."""
    code = parse_code(text)
    if code.criterion_id not in criteria:
        raise CodeError(f"{text!r}: criterion {code.criterion_id} does not exist in this framework.",
                        f"“{text}”: tiêu chí {code.criterion_id} không có trong bộ tiêu chuẩn đang dùng.")
    expects_box = "{box" in template
    if expects_box != (code.box is not None) and code.scheme != "bare":
        raise CodeError(f"{text!r} does not follow the template {template!r}.",
                        f"“{text}” không đúng mẫu mã {template!r} của bộ tiêu chuẩn.")
    return code


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
