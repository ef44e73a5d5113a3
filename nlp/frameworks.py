"""Accreditation frameworks (khung tiêu chuẩn) loaded from data, validated, cached.

Vietnam's rules changed twice (TT17/18/19 of 2018, amended by TT22/2024, replaced by TT57/2026),
so nothing in code names a standard or a criterion: each framework is one JSON file under
``models/frameworks/`` (schema: ``framework.schema.json``; the list of shipped ids and the
default framework per institution level: ``index.json``). This module turns a file into typed,
frozen :class:`Framework` objects and refuses bad data with a :class:`FrameworkError` that names
the file and the field.

Correcting titles without code changes
---------------------------------------
Several titles come from secondary sources and are marked as unconfirmed (``confidence``). A
school admin who has the official text can correct them by dropping a JSON file named after the
framework id into the data folder's ``frameworks/`` directory (``<MINHCHUNG_HOME>/frameworks``,
passed here as ``overrides_dir``), e.g. ``frameworks/tt57-pt.json``::

    {
      "criteria": {"1.4": {"title": "Tự đánh giá, cải tiến chất lượng, công khai và trách nhiệm giải trình",
                           "confidence": "2+", "confidence_note": "Đã đối chiếu văn bản gốc"}},
      "standards": {"3": {"title": "Thực hiện chương trình, … và phát triển học sinh"}}
    }

Each entry may set ``title``, ``confidence`` and ``confidence_note``. The override is merged
over the shipped file on load and the result is validated like shipped data: an unknown
criterion, an unknown mark or an empty title is a :class:`FrameworkError` naming the override
file. Entries changed this way carry ``overridden = True`` so the UI can show them.

Loaded frameworks are cached per process with :func:`functools.lru_cache`, keyed by the id, the
override file and its modification time, so an edited override is picked up without a restart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from minhchung.ingest.errors import MinhchungError
from minhchung.ingest.normalize import normalize_text

VnText = Annotated[str, AfterValidator(normalize_text), StringConstraints(min_length=1)]
Mark = Literal["C", "S", "M", "2+", "1", "conflict"]
Level = Annotated[str, StringConstraints(pattern=r"^Mức [1-9]$")]
InstitutionLevel = Literal["mam_non", "tieu_hoc", "thcs", "thpt", "nhieu_cap", "gdtx"]
CriterionId = Annotated[str, StringConstraints(pattern=r"^[1-9]\.[1-9][0-9]?$")]
FrameworkId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]

_CODE_GROUPS = {"standard", "criterion", "seq"}


# --- errors ------------------------------------------------------------------------------------


class FrameworkError(MinhchungError):
    """A framework file (shipped or a school's override) is missing, unreadable or invalid.

    Exit code 2: it is configuration the admin must fix, not a per-item failure.
    """

    exit_code = 2

    def __init__(self, file: str, field: str, detail: str, detail_vi: str | None = None) -> None:
        self.file = file
        self.field = field
        where = f"{file}: {field}" if field else file
        super().__init__(
            f"{where}: {detail}",
            f"Tệp bộ tiêu chuẩn {where}: {detail_vi or detail}",
        )


class UnknownFrameworkError(FrameworkError):
    """An id that is not in ``index.json``."""

    def __init__(self, framework_id: str, known: Iterable[str]) -> None:
        known_list = ", ".join(known)
        MinhchungError.__init__(
            self,
            f"unknown framework id {framework_id!r}; known: {known_list}",
            f"Không có bộ tiêu chuẩn “{framework_id}”. Các mã hợp lệ: {known_list}",
        )
        self.file, self.field, self.framework_id = "index.json", "frameworks", framework_id


class UnknownCriterionError(FrameworkError):
    """A criterion id that the framework does not have (e.g. a typo in ``--criterion``)."""

    def __init__(self, framework_id: str, criterion_id: str) -> None:
        MinhchungError.__init__(
            self,
            f"no criterion {criterion_id!r} in framework {framework_id}",
            f"Không có tiêu chí “{criterion_id}” trong bộ tiêu chuẩn {framework_id}.",
        )
        self.file, self.field = f"{framework_id}.json", "standards.criteria"


class UnknownLevelError(FrameworkError):
    def __init__(self, level: str, known: Iterable[str]) -> None:
        known_list = ", ".join(known)
        MinhchungError.__init__(
            self,
            f"no default framework for institution level {level!r}; known: {known_list}",
            f"Không có bộ tiêu chuẩn mặc định cho cấp học “{level}”. Các cấp hợp lệ: {known_list}",
        )
        self.file, self.field = "index.json", "defaults"


# --- models ------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ConfidenceMark(_Model):
    confirmed: bool
    label: VnText


class LegalDocument(_Model):
    number: VnText
    title: VnText
    issued: date
    effective: date | None = None
    appendix: VnText | None = None
    appendix_title: VnText | None = None
    confidence: Mark | None = None
    note: VnText | None = None


class LegalBasis(LegalDocument):
    amended_by: tuple[LegalDocument, ...] = ()
    guidance: tuple[LegalDocument, ...] = ()


class RatingLevel(_Model):
    """What the school as a whole needs for one level (absent fields impose nothing)."""

    level: Level
    mandatory_at_least: Level | None = None
    others_min_count: NonNegativeInt | None = Field(None, description="None = all non-mandatory criteria")
    others_at_least: Level | None = None
    none_below: Level | None = None
    additional_requirements: VnText | None = None


class RatingRule(_Model):
    legal_ref: VnText
    confidence: Mark
    confidence_note: VnText | None = None
    sentence: VnText
    levels: tuple[RatingLevel, ...] = Field(min_length=1)


class ParsedCode(_Model):
    standard: PositiveInt
    criterion: PositiveInt
    seq: PositiveInt
    box: PositiveInt | None = None

    @property
    def criterion_id(self) -> str:
        return f"{self.standard}.{self.criterion}"


class CodeFormat(_Model):
    """How evidence codes look under a framework: a template to write, regexes to read."""

    template: str = Field(min_length=1)
    patterns: tuple[str, ...] = Field(min_length=1)
    examples: tuple[str, ...] = Field(min_length=1)
    note: VnText | None = None

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for i, pattern in enumerate(patterns):
            try:
                groups = set(re.compile(pattern).groupindex)
            except re.error as error:
                raise ValueError(f"patterns[{i}] is not a valid regex: {error}") from error
            missing = _CODE_GROUPS - groups
            if missing:
                raise ValueError(f"patterns[{i}] lacks named groups {sorted(missing)}")
        return patterns

    @cached_property
    def _compiled(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.patterns)

    def parse(self, text: str) -> ParsedCode | None:
        """Read a code written in any accepted form; ``None`` if it is not one."""
        for pattern in self._compiled:
            match = pattern.match(text.strip())
            if match:
                parts = match.groupdict()
                values = {k: int(v) for k, v in parts.items() if v is not None}
                if min(values.values()) == 0:
                    return None
                return ParsedCode(**values)
        return None

    def format(self, criterion_id: str, seq: int, box: int | None = None) -> str:
        """Write the canonical code; the box defaults to the standard number (school practice)."""
        standard, criterion = (int(part) for part in criterion_id.split("."))
        return self.template.format(standard=standard, criterion=criterion, seq=seq, box=box or standard)


class Indicator(_Model):
    level: Level
    id: Annotated[str, StringConstraints(pattern=r"^[a-zđ]$")] | None = None
    text: VnText


class Criterion(_Model):
    id: CriterionId
    number: PositiveInt
    title: VnText
    mandatory: bool
    confidence: Mark
    confidence_note: VnText | None = None
    content_group: VnText | None = None
    indicators: tuple[Indicator, ...]
    suggested_evidence: tuple[VnText, ...]
    quantitative_data: tuple[VnText, ...]
    quantitative_data_note: VnText | None = None
    overridden: bool = Field(False, description="set by the loader when a school override changed it")


class Standard(_Model):
    number: PositiveInt
    title: VnText
    confidence: Mark
    confidence_note: VnText | None = None
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    overridden: bool = False


class CriterionMapping(_Model):
    from_: CriterionId = Field(alias="from")
    to: tuple[CriterionId, ...] = Field(min_length=1)
    confidence: Literal["official", "inferred"]
    basis: VnText


class FrameworkMapping(_Model):
    """Old criterion → criteria of a newer framework, to carry legacy evidence forward."""

    target: FrameworkId
    note: VnText
    entries: tuple[CriterionMapping, ...] = Field(min_length=1)


class UnconfirmedTitle(_Model):
    kind: Literal["standard", "criterion"]
    id: str
    title: str
    confidence: Mark
    note: str | None = None


class Framework(_Model):
    id: FrameworkId
    name: VnText
    status: Literal["current", "legacy"]
    legal_basis: LegalBasis
    institution_levels: tuple[InstitutionLevel, ...] = Field(min_length=1)
    levels: tuple[Level, ...] = Field(min_length=1)
    rating_rule: RatingRule
    code: CodeFormat
    evidence_list_columns: tuple[VnText, ...] = Field(min_length=1)
    confidence_scale: dict[Mark, ConfidenceMark] = Field(min_length=1)
    confidence: Mark
    confidence_note: VnText | None = None
    appendix_note: VnText | None = None
    suggested_evidence_note: VnText | None = Field(None, description="set when suggested evidence is not official text")
    standards: tuple[Standard, ...] = Field(min_length=1)
    mapping_to: FrameworkMapping | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        for problem in _consistency_problems(self):
            raise ValueError(problem)
        return self

    def criteria(self) -> tuple[Criterion, ...]:
        """All criteria in document order (standard 1 first)."""
        return tuple(c for s in self.standards for c in s.criteria)

    def criterion(self, criterion_id: str) -> Criterion:
        for candidate in self.criteria():
            if candidate.id == criterion_id:
                return candidate
        raise UnknownCriterionError(self.id, criterion_id)

    def mandatory_criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria() if c.mandatory)

    def is_confirmed(self, mark: Mark) -> bool:
        return self.confidence_scale[mark].confirmed

    def unconfirmed_titles(self) -> tuple[UnconfirmedTitle, ...]:
        """Standard and criterion titles whose mark the framework's scale calls unconfirmed."""
        found: list[UnconfirmedTitle] = []
        for s in self.standards:
            entries = [("standard", str(s.number), s)] + [("criterion", c.id, c) for c in s.criteria]
            found += [
                UnconfirmedTitle(kind=kind, id=key, title=e.title, confidence=e.confidence, note=e.confidence_note)
                for kind, key, e in entries
                if not self.is_confirmed(e.confidence)
            ]
        return tuple(found)


def _consistency_problems(fw: Framework) -> Iterable[str]:
    """Cross-field rules the JSON schema cannot express; each yields 'field.path: problem'."""
    numbers = [s.number for s in fw.standards]
    if len(set(numbers)) != len(numbers):
        yield f"standards: duplicate standard numbers {numbers}"
    seen: set[str] = set()
    for si, s in enumerate(fw.standards):
        for ci, c in enumerate(s.criteria):
            where = f"standards[{si}].criteria[{ci}]"
            if c.id != f"{s.number}.{c.number}":
                yield f"{where}.id: {c.id!r} does not match standard {s.number} and number {c.number}"
            if c.id in seen:
                yield f"{where}.id: duplicate criterion {c.id!r}"
            seen.add(c.id)
            for ii, indicator in enumerate(c.indicators):
                if indicator.level not in fw.levels:
                    yield f"{where}.indicators[{ii}].level: {indicator.level!r} is not one of {list(fw.levels)}"
    yield from _mark_problems(fw)
    yield from _rating_problems(fw)
    for example in fw.code.examples:
        parsed = fw.code.parse(example)
        if parsed is None:
            yield f"code.examples: {example!r} matches none of code.patterns"
        elif parsed.criterion_id not in seen:
            yield f"code.examples: {example!r} names criterion {parsed.criterion_id}, which does not exist"
    if fw.mapping_to:
        for ei, entry in enumerate(fw.mapping_to.entries):
            if entry.from_ not in seen:
                yield f"mapping_to.entries[{ei}].from: no criterion {entry.from_!r} in this framework"


def _mark_problems(fw: Framework) -> Iterable[str]:
    marks: list[tuple[str, Mark | None]] = [
        ("confidence", fw.confidence),
        ("rating_rule.confidence", fw.rating_rule.confidence),
        ("legal_basis.confidence", fw.legal_basis.confidence),
    ]
    marks += [(f"legal_basis.amended_by[{i}].confidence", d.confidence) for i, d in enumerate(fw.legal_basis.amended_by)]
    marks += [(f"legal_basis.guidance[{i}].confidence", d.confidence) for i, d in enumerate(fw.legal_basis.guidance)]
    for si, s in enumerate(fw.standards):
        marks.append((f"standards[{si}].confidence", s.confidence))
        marks += [(f"standards[{si}].criteria[{ci}].confidence", c.confidence) for ci, c in enumerate(s.criteria)]
    for where, mark in marks:
        if mark is not None and mark not in fw.confidence_scale:
            yield f"{where}: mark {mark!r} is not in confidence_scale {sorted(fw.confidence_scale)}"


def _rating_problems(fw: Framework) -> Iterable[str]:
    others = sum(1 for c in fw.criteria() if not c.mandatory)
    for li, rule in enumerate(fw.rating_rule.levels):
        where = f"rating_rule.levels[{li}]"
        for name in ("level", "mandatory_at_least", "others_at_least", "none_below"):
            value = getattr(rule, name)
            if value is not None and value not in fw.levels:
                yield f"{where}.{name}: {value!r} is not one of {list(fw.levels)}"
        if rule.others_min_count is not None and rule.others_min_count > others:
            yield f"{where}.others_min_count: {rule.others_min_count} exceeds the {others} non-mandatory criteria"


class FrameworkSummary(_Model):
    id: str
    name: str
    status: Literal["current", "legacy"]
    institution_levels: tuple[InstitutionLevel, ...]
    levels: tuple[str, ...]
    standards: int
    criteria: int
    mandatory: int
    unconfirmed_titles: int
    confidence: Mark


class FrameworkIndex(_Model):
    frameworks: tuple[FrameworkId, ...] = Field(min_length=1)
    defaults: dict[InstitutionLevel, FrameworkId]
    not_shipped: dict[str, VnText] = Field(default_factory=dict)


class EntryOverride(_Model):
    title: VnText | None = None
    confidence: Mark | None = None
    confidence_note: VnText | None = None


class FrameworkOverride(_Model):
    """A school's corrections (see the module docstring)."""

    criteria: dict[CriterionId, EntryOverride] = Field(default_factory=dict)
    standards: dict[Annotated[str, StringConstraints(pattern=r"^[1-9]$")], EntryOverride] = Field(default_factory=dict)


# --- loading -----------------------------------------------------------------------------------


def _data_dir():
    return resources.files("minhchung.models") / "frameworks"


def _error_field(error: dict[str, Any]) -> str:
    parts: list[str] = []
    for item in error["loc"]:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _validation_error(file: str, error: ValidationError) -> FrameworkError:
    first = error.errors()[0]
    more = error.error_count() - 1
    detail = first["msg"] + (f" (and {more} more problem(s))" if more else "")
    detail_vi = first["msg"] + (f" (và {more} lỗi khác)" if more else "")
    return FrameworkError(file, _error_field(first) or "(root)", detail, detail_vi)


def _read_json(file: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise FrameworkError(file, where, f"not valid JSON ({error.msg})", f"không phải JSON hợp lệ ({error.msg})") from error


@lru_cache(maxsize=1)
def _index() -> FrameworkIndex:
    file = "models/frameworks/index.json"
    raw = _read_json(file, (_data_dir() / "index.json").read_text(encoding="utf-8"))
    try:
        return FrameworkIndex.model_validate(raw)
    except ValidationError as error:
        raise _validation_error(file, error) from error


@lru_cache(maxsize=16)
def _shipped_raw(framework_id: str) -> str:
    """The shipped file's text (cached; callers parse a fresh copy so nothing shared mutates)."""
    resource = _data_dir() / f"{framework_id}.json"
    if not resource.is_file():
        raise FrameworkError(
            f"models/frameworks/{framework_id}.json", "", "listed in index.json but missing",
            "có trong index.json nhưng không tìm thấy tệp",
        )
    return resource.read_text(encoding="utf-8")


def _apply_override(raw: dict[str, Any], override: FrameworkOverride, file: str) -> dict[str, Any]:
    by_id = {c["id"]: c for s in raw["standards"] for c in s["criteria"]}
    by_number = {str(s["number"]): s for s in raw["standards"]}
    for section, targets, patch in (("criteria", by_id, override.criteria), ("standards", by_number, override.standards)):
        for key, entry in patch.items():
            if key not in targets:
                raise FrameworkError(file, f"{section}.{key}", f"{raw['id']} has no such entry", f"bộ {raw['id']} không có mục này")
            targets[key].update(entry.model_dump(exclude_none=True))
            targets[key]["overridden"] = True
    return raw


@lru_cache(maxsize=64)
def _load(framework_id: str, override_path: str | None, override_mtime_ns: int | None) -> Framework:
    shipped_file = f"models/frameworks/{framework_id}.json"
    text = _shipped_raw(framework_id)
    try:
        framework = Framework.model_validate(_read_json(shipped_file, text))
    except ValidationError as error:
        raise _validation_error(shipped_file, error) from error
    if override_path is None:
        return framework
    try:
        override_text = Path(override_path).read_text(encoding="utf-8")
    except OSError as error:
        raise FrameworkError(override_path, "", f"cannot be read ({error.strerror})", f"không đọc được ({error.strerror})") from error
    try:
        override = FrameworkOverride.model_validate(_read_json(override_path, override_text))
    except ValidationError as error:
        raise _validation_error(override_path, error) from error
    merged = _apply_override(json.loads(text), override, override_path)
    try:
        return Framework.model_validate(merged)
    except ValidationError as error:
        raise _validation_error(override_path, error) from error


def load_framework(framework_id: str, overrides_dir: Path | None = None) -> Framework:
    """The validated framework ``framework_id``, with the school's override merged if present."""
    known = _index().frameworks
    if framework_id not in known:
        raise UnknownFrameworkError(framework_id, known)
    override = overrides_dir / f"{framework_id}.json" if overrides_dir is not None else None
    if override is not None and override.is_file():
        return _load(framework_id, str(override.resolve()), override.stat().st_mtime_ns)
    return _load(framework_id, None, None)


def list_frameworks(overrides_dir: Path | None = None) -> list[FrameworkSummary]:
    """One summary per shipped framework, in the order of ``index.json``."""
    return [summarize(load_framework(fid, overrides_dir)) for fid in _index().frameworks]


def summarize(framework: Framework) -> FrameworkSummary:
    return FrameworkSummary(
        id=framework.id,
        name=framework.name,
        status=framework.status,
        institution_levels=framework.institution_levels,
        levels=framework.levels,
        standards=len(framework.standards),
        criteria=len(framework.criteria()),
        mandatory=len(framework.mandatory_criteria()),
        unconfirmed_titles=len(framework.unconfirmed_titles()),
        confidence=framework.confidence,
    )


def default_framework_for(level: str) -> str:
    """The framework a new period uses for an institution level (TT57 for every level)."""
    defaults = _index().defaults
    if level not in defaults:
        raise UnknownLevelError(level, defaults)
    return defaults[level]


def framework_ids() -> tuple[str, ...]:
    """Ids of the shipped frameworks, in ``index.json`` order."""
    return _index().frameworks
