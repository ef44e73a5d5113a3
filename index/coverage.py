"""Coverage: which criteria and indicators the confirmed evidence of a period supports.

For every criterion of the period's framework the engine counts confirmed evidence items, marks
items dated outside the period (or its school year) as stale, and decides which indicator
(Mức 1, Mức 2, …) each item supports:

* an indicator a person set on the link (``EvidenceCriterion.indicator``) always wins;
* otherwise the item's title is compared with the indicator texts of that criterion with the
  same embedder the suggester uses, and the item supports the closest indicator.

A criterion is ``none`` without confirmed evidence, ``weak`` when some indicator has no
evidence or all of its evidence is stale, else ``supported``. Only people's decisions count:
suggested or rejected links never appear here (reviewers expect a human-confirmed mapping).

Embeddings of titles and indicator texts are cached in ``embedding_cache`` (raw float32 bytes,
keyed by sha256 of the normalised text and the embedder id), so a page that shows coverage does
not re-embed a thousand titles on every render.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from minhchung.index.store.tables import EmbeddingCache, EvidenceCriterion, EvidenceItem, Period
from minhchung.ingest.normalize import normalize_text
from minhchung.nlp.embeddings import Embedder
from minhchung.nlp.frameworks import Framework

Status = Literal["none", "weak", "supported"]
MatchedBy = Literal["person", "similarity"]

STATUS_LABELS_VI = {"none": "Chưa có minh chứng", "weak": "Còn thiếu", "supported": "Đủ minh chứng"}


@dataclass(frozen=True)
class EvidenceRef:
    item_id: int
    document_id: int | None
    code: str | None
    title: str
    issued_date: date | None
    stale: bool
    matched_by: MatchedBy
    score: float | None = None


@dataclass
class IndicatorCoverage:
    level: str
    text: str
    evidence: list[EvidenceRef] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return bool(self.evidence)


@dataclass
class CriterionCoverage:
    id: str
    title: str
    mandatory: bool
    evidence: list[EvidenceRef]
    indicators: list[IndicatorCoverage]

    @property
    def evidence_count(self) -> int:
        return len(self.evidence)

    @property
    def stale_count(self) -> int:
        return sum(1 for e in self.evidence if e.stale)

    @property
    def fresh_count(self) -> int:
        return self.evidence_count - self.stale_count

    @property
    def unsupported_indicators(self) -> list[str]:
        return [i.level for i in self.indicators if not i.supported]

    @property
    def status(self) -> Status:
        if not self.evidence:
            return "none"
        if self.unsupported_indicators or self.fresh_count == 0:
            return "weak"
        return "supported"


@dataclass
class StandardCoverage:
    number: int
    title: str
    criteria: list[CriterionCoverage]


@dataclass
class CoverageReport:
    framework_id: str
    period_id: int
    school_year: str
    window: tuple[date, date] | None
    standards: list[StandardCoverage]

    def criteria(self) -> list[CriterionCoverage]:
        return [c for s in self.standards for c in s.criteria]

    def criterion(self, criterion_id: str) -> CriterionCoverage:
        return next(c for c in self.criteria() if c.id == criterion_id)

    def totals(self) -> dict[str, int]:
        counts = {"none": 0, "weak": 0, "supported": 0}
        for c in self.criteria():
            counts[c.status] += 1
        return counts

    def to_dict(self) -> dict:
        """JSON-ready form (``minhchung coverage --json``)."""
        return {
            "framework": self.framework_id,
            "period_id": self.period_id,
            "school_year": self.school_year,
            "window": [d.isoformat() for d in self.window] if self.window else None,
            "totals": self.totals(),
            "criteria": [
                {
                    "criterion": c.id, "title": c.title, "mandatory": c.mandatory, "status": c.status,
                    "evidence": c.evidence_count, "fresh": c.fresh_count, "stale": c.stale_count,
                    "unsupported_indicators": c.unsupported_indicators,
                    "indicators": [
                        {"level": i.level, "evidence": [_ref_json(e) for e in i.evidence]} for i in c.indicators
                    ],
                }
                for c in self.criteria()
            ],
        }


def _ref_json(ref: EvidenceRef) -> dict:
    data = asdict(ref)
    data["issued_date"] = ref.issued_date.isoformat() if ref.issued_date else None
    return data


def period_window(period: Period) -> tuple[date, date] | None:
    """The dates evidence should fall in: the period's own dates, else its school year.

    A school year "2026-2027" runs from 1 August 2026 to 31 July 2027 (the year's plans are
    issued in August, its results reported by July).
    """
    if period.starts_on and period.ends_on:
        return period.starts_on, period.ends_on
    parts = (period.school_year or "").split("-")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        first, second = (int(p) for p in parts)
        return date(first, 8, 1), date(second, 7, 31)
    return None


def is_stale(issued: date | None, window: tuple[date, date] | None) -> bool:
    """Dated outside the window; undated evidence is not called stale (nothing to judge by)."""
    if issued is None or window is None:
        return False
    return not (window[0] <= issued <= window[1])


def compute_coverage(session: Session, *, school_id: int, period: Period, framework: Framework,
                     embedder: Callable[[], Embedder]) -> CoverageReport:
    """The coverage of one school's period against its framework.

    ``embedder`` is called only if some confirmed link lacks a person-set indicator, so a fully
    hand-mapped period never pays for loading a model.
    """
    window = period_window(period)
    links = _confirmed_links(session, school_id=school_id, period_id=period.id)
    by_criterion: dict[str, list[tuple[EvidenceItem, EvidenceCriterion]]] = {}
    for item, link in links:
        by_criterion.setdefault(link.criterion, []).append((item, link))
    matcher = _IndicatorMatcher(session, embedder)
    standards = []
    for standard in framework.standards:
        criteria = []
        for criterion in standard.criteria:
            pairs = by_criterion.get(criterion.id, [])
            indicators = [IndicatorCoverage(level=i.level, text=i.text) for i in criterion.indicators]
            refs = []
            for item, link in pairs:
                refs.append(_assign(item, link, indicators, matcher, window))
            criteria.append(CriterionCoverage(id=criterion.id, title=criterion.title, mandatory=criterion.mandatory,
                                              evidence=refs, indicators=indicators))
        standards.append(StandardCoverage(number=standard.number, title=standard.title, criteria=criteria))
    matcher.flush()
    return CoverageReport(framework_id=framework.id, period_id=period.id, school_year=period.school_year,
                          window=window, standards=standards)


def _confirmed_links(session: Session, *, school_id: int, period_id: int) -> list[tuple[EvidenceItem, EvidenceCriterion]]:
    rows = session.execute(
        select(EvidenceItem, EvidenceCriterion)
        .join(EvidenceCriterion, EvidenceCriterion.item_id == EvidenceItem.id)
        .where(EvidenceItem.school_id == school_id, EvidenceItem.period_id == period_id,
               EvidenceItem.status == "confirmed", EvidenceCriterion.status == "confirmed")
        .order_by(EvidenceItem.code, EvidenceItem.id)
    ).all()
    return [(item, link) for item, link in rows]


def _assign(item: EvidenceItem, link: EvidenceCriterion, indicators: list[IndicatorCoverage],
            matcher: _IndicatorMatcher, window: tuple[date, date] | None) -> EvidenceRef:
    stale = is_stale(item.issued_date, window)
    common = dict(item_id=item.id, document_id=item.document_id, code=item.code, title=item.title,
                  issued_date=item.issued_date, stale=stale)
    if not indicators:
        return EvidenceRef(**common, matched_by="person")
    explicit = normalize_text(link.indicator or "")
    chosen = next((i for i in indicators if normalize_text(i.level) == explicit), None) if explicit else None
    if chosen is not None:
        ref = EvidenceRef(**common, matched_by="person")
    else:
        index, score = matcher.best(item.title, [i.text for i in indicators])
        chosen = indicators[index]
        ref = EvidenceRef(**common, matched_by="similarity", score=round(score, 4))
    chosen.evidence.append(ref)
    return ref


class _IndicatorMatcher:
    """Closest indicator text for a title, with vectors cached in the database."""

    def __init__(self, session: Session, embedder: Callable[[], Embedder]) -> None:
        self.session = session
        self._load_embedder = embedder
        self._memo: dict[tuple[str, str], np.ndarray] = {}
        self._new: list[EmbeddingCache] = []

    def best(self, title: str, texts: list[str]) -> tuple[int, float]:
        self._prefetch([("passage", title)] + [("query", t) for t in texts])
        title_vector = self._memo[("passage", normalize_text(title))]
        matrix = np.vstack([self._memo[("query", normalize_text(t))] for t in texts])
        scores = matrix @ title_vector
        index = int(np.argmax(scores))
        return index, float(scores[index])

    def _prefetch(self, wanted: list[tuple[str, str]]) -> None:
        missing = [(side, normalize_text(t)) for side, t in wanted if (side, normalize_text(t)) not in self._memo]
        if not missing:
            return
        embedder = self._load_embedder()
        keys = {_cache_key(side, text): (side, text) for side, text in missing}
        cached = self.session.execute(
            select(EmbeddingCache).where(EmbeddingCache.embedder == embedder.id,
                                         EmbeddingCache.text_sha.in_(list(keys)))
        ).scalars().all()
        for row in cached:
            self._memo[keys[row.text_sha]] = np.frombuffer(row.vector, dtype=np.float32)
        for side in ("passage", "query"):
            todo = sorted({text for key, (s, text) in keys.items() if s == side and (s, text) not in self._memo})
            if not todo:
                continue
            vectors = (embedder.embed_passages if side == "passage" else embedder.embed_queries)(todo)
            for text, vector in zip(todo, vectors):
                vector = np.asarray(vector, dtype=np.float32)
                self._memo[(side, text)] = vector
                self._new.append(EmbeddingCache(text_sha=_cache_key(side, text), embedder=embedder.id,
                                                dim=int(vector.shape[0]), vector=vector.tobytes()))

    def flush(self) -> None:
        """Store newly computed vectors (the caller's transaction commits them)."""
        for row in self._new:
            self.session.merge(row)
        self._new.clear()


def _cache_key(side: str, text: str) -> str:
    return hashlib.sha256(f"{side}: {text}".encode("utf-8")).hexdigest()
