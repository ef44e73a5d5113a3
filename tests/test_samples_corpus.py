"""The sample corpus is ground truth for every extractor benchmark, so it must be self-consistent.

Each sidecar must validate, point at text that is really in its letter, use only known document
types and criteria, and agree with its own dates; every PDF must open, the born-digital ones must
carry the letter's text, the scans must carry none and be scanned at print resolution.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import pdfplumber
import pytest
from PIL import Image
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from minhchung.ingest.normalize import normalize_text

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LETTERS = SAMPLES / "letters"
IDS = sorted(p.stem for p in LETTERS.glob("*.json"))

DATE_VALUE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?|-Q[1-4])?$")
RECURRING = re.compile(r"^(\d{2}-\d{2}|---\d{2}|P\d+[DWMY])$")
A4_POINTS = (595.28, 841.89)


class Relative(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int
    unit: Literal["day", "working_day"]
    anchor: Literal["receipt", "signing", "issue", "event", "quarter_start"]


class Deadline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: str | None
    start: str | None
    recurring: str | None
    relative: Relative | None
    mod: Literal["ON_OR_BEFORE", "BEFORE", "AFTER", "START", "ON", "RANGE", "MID", "END"] | None
    action: str
    who: str
    quote: str

    @field_validator("date", "start")
    @classmethod
    def _iso_value(cls, v: str | None) -> str | None:
        if v is not None and not DATE_VALUE.match(v):
            raise ValueError(f"not an ISO/TIMEX date value: {v}")
        return v

    @field_validator("recurring")
    @classmethod
    def _recurring(cls, v: str | None) -> str | None:
        if v is not None and not RECURRING.match(v):
            raise ValueError(f"not MM-DD, ---DD or an ISO period: {v}")
        return v

    @model_validator(mode="after")
    def _shape(self) -> Deadline:
        if (self.mod == "RANGE") != (self.start is not None):
            raise ValueError("start is given exactly for RANGE deadlines")
        if self.start and self.date and self.start > self.date:
            raise ValueError("range starts after it ends")
        if self.date is None and self.recurring is None and self.relative is None:
            raise ValueError("a deadline needs a date, a recurrence or a relative offset")
        return self


class Quota(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quantity: float
    unit: str
    what: str
    who_or_where: str
    quote: str
    row: str | None
    column: str | None


class Sidecar(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    role: Literal["directive", "evidence"]
    title: str
    doc_type: str
    number: str | None
    issuer: str
    issuer_parent: str | None
    issued_date: dt.date | None
    place: str
    subject: str
    recipients: list[str]
    signer: str
    signer_authority: str
    deadlines: list[Deadline]
    quotas: list[Quota]
    framework: str | None
    criteria: list[str]
    scan: bool

    @field_validator("number")
    @classmethod
    def _number(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^\d+/\S+$", v):
            raise ValueError(f"number must look like '12/QĐ-THCSHA': {v}")
        return v


@cache
def sidecar(doc_id: str) -> Sidecar:
    return Sidecar.model_validate_json((LETTERS / f"{doc_id}.json").read_text(encoding="utf-8"))


@cache
def text(doc_id: str) -> str:
    return (LETTERS / f"{doc_id}.txt").read_text(encoding="utf-8")


@cache
def doc_type_ids() -> frozenset[str]:
    data = json.loads(files("minhchung.models").joinpath("doctypes.json").read_text(encoding="utf-8"))
    return frozenset(t["id"] for t in data["types"])


@cache
def tt57_pt_criteria() -> frozenset[str]:
    data = json.loads(files("minhchung.models").joinpath("frameworks/tt57-pt.json").read_text(encoding="utf-8"))
    return frozenset(c["id"] for s in data["standards"] for c in s["criteria"])


@cache
def manifest() -> dict[str, dict]:
    data = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
    return {entry["id"]: entry for entry in data["samples"]}


def squeeze(s: str) -> str:
    """Text without any whitespace, for comparing what a PDF says with what the letter says."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", s))


def add_days(start: dt.date, amount: int, unit: str) -> dt.date:
    """Calendar days, or working days skipping Saturday and Sunday (holidays ignored)."""
    if unit == "day":
        return start + dt.timedelta(days=amount)
    day = start
    while amount:
        day += dt.timedelta(days=1)
        amount -= day.weekday() < 5
    return day


@pytest.mark.parametrize("doc_id", IDS)
def test_sidecar_validates_and_matches_file_name(doc_id: str) -> None:
    assert sidecar(doc_id).id == doc_id


@pytest.mark.parametrize("doc_id", IDS)
def test_quotes_number_and_signer_are_in_the_letter(doc_id: str) -> None:
    meta, body = sidecar(doc_id), text(doc_id)
    missing = [x.quote for x in [*meta.deadlines, *meta.quotas] if x.quote not in body]
    assert missing == []
    assert meta.signer in body
    if meta.number is not None:
        assert f"Số: {meta.number}" in body
    else:
        assert re.search(r"^Số:\s+/", body, re.M) or "Số:" not in body


@pytest.mark.parametrize("doc_id", IDS)
def test_doc_type_and_criteria_are_known(doc_id: str) -> None:
    meta = sidecar(doc_id)
    assert meta.doc_type in doc_type_ids()
    assert set(meta.criteria) <= tt57_pt_criteria()
    assert len(set(meta.criteria)) == len(meta.criteria)
    if meta.framework is None:
        assert meta.criteria == []
    else:
        assert meta.framework == "tt57-pt"
    if meta.role == "evidence":
        assert meta.criteria, "evidence must support at least one criterion"


@pytest.mark.parametrize("doc_id", IDS)
def test_letter_text_is_already_normalised(doc_id: str) -> None:
    """Quotes are compared on normalised text, so the letters use NFC and classic tone marks."""
    body = text(doc_id)
    assert unicodedata.normalize("NFC", body) == body
    assert normalize_text(body) == re.sub(r"[ \t]+", " ", body)


@pytest.mark.parametrize("doc_id", IDS)
def test_issue_date_agrees_with_place_date_line(doc_id: str) -> None:
    meta, body = sidecar(doc_id), text(doc_id)
    line = next(ln for ln in body.splitlines() if re.match(rf"^{re.escape(meta.place)}, ngày", ln))
    if meta.issued_date is None:
        assert re.search(r"ngày\s+tháng", line)
    else:
        d = meta.issued_date
        assert re.search(rf"ngày 0?{d.day} tháng 0?{d.month} năm {d.year}$", line)


@pytest.mark.parametrize("doc_id", IDS)
def test_relative_deadlines_are_computed_from_the_issue_date(doc_id: str) -> None:
    meta = sidecar(doc_id)
    for deadline in meta.deadlines:
        rel = deadline.relative
        if rel is None:
            continue
        if rel.anchor in ("signing", "issue"):
            assert meta.issued_date is not None
            expected = add_days(meta.issued_date, rel.amount, rel.unit)
            assert deadline.date == expected.isoformat(), deadline.quote
        else:
            assert deadline.date is None, "receipt/event anchors cannot be resolved from the letter"


def test_corpus_shape() -> None:
    metas = [sidecar(i) for i in IDS]
    roles = [m.role for m in metas]
    assert len(metas) >= 40
    assert roles.count("directive") >= 14 and roles.count("evidence") >= 22
    assert sum(m.scan for m in metas) >= 12
    evidence_criteria = {c for m in metas if m.role == "evidence" for c in m.criteria}
    assert evidence_criteria == tt57_pt_criteria()
    with_tables = [i for i in IDS if any("\t" in ln for ln in text(i).splitlines())]
    assert len(with_tables) >= 3
    assert any(q.row for m in metas for q in m.quotas)
    assert any(m.issued_date is None for m in metas) and any(m.number is None for m in metas)
    mods = {d.mod for m in metas for d in m.deadlines}
    assert {"ON_OR_BEFORE", "BEFORE", "AFTER", "START", "ON", "RANGE"} <= mods


def test_manifest_lists_every_sample_and_existing_files() -> None:
    entries = manifest()
    assert sorted(entries) == IDS
    for doc_id, entry in entries.items():
        meta = sidecar(doc_id)
        assert (entry["role"], entry["doc_type"], entry["scan"]) == (meta.role, meta.doc_type, meta.scan)
        assert ("scan_pdf" in entry["files"]) == meta.scan
        for rel in entry["files"].values():
            assert (SAMPLES / rel).is_file(), rel
    kinds = {k for e in entries.values() for k in e["files"]}
    assert {"scan_pdf", "scan_tif", "scan_jpg"} <= kinds


@pytest.mark.parametrize("doc_id", IDS)
def test_born_digital_pdf_carries_the_letter_text(doc_id: str) -> None:
    with pdfplumber.open(LETTERS / f"{doc_id}.pdf") as pdf:
        page = pdf.pages[0]
        assert (round(page.width, 1), round(page.height, 1)) == (595.3, 841.9)
        assert page.chars and all("DejaVuSerif" in c["fontname"] for c in page.chars)
        flow = "".join(p.extract_text(use_text_flow=True) or "" for p in pdf.pages)
    assert squeeze(flow)[:200] == squeeze(text(doc_id))[:200]
    assert squeeze(sidecar(doc_id).signer) in squeeze(flow)


SCANNED = [i for i in IDS if sidecar(i).scan]


@pytest.mark.parametrize("doc_id", SCANNED)
def test_scan_pdf_is_image_only_at_print_resolution(doc_id: str) -> None:
    path = SAMPLES / "scans" / f"{doc_id}.pdf"
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            assert page.chars == []
            assert len(page.images) == 1
            image = page.images[0]
            dpi = image["srcsize"][0] / (page.width / 72)
            assert dpi >= 290
        n_pages = len(pdf.pages)
    assert path.stat().st_size <= n_pages * 650_000


def test_multipage_tiff_and_phone_photo() -> None:
    tifs = sorted((SAMPLES / "scans").glob("*.tif"))
    assert tifs
    with Image.open(tifs[0]) as tif:
        assert tif.n_frames >= 2
        assert tif.info["dpi"][0] >= 290
    photos = sorted((SAMPLES / "scans").glob("*.jpg"))
    assert photos
    with Image.open(photos[0]) as photo:
        assert photo.format == "JPEG" and min(photo.size) >= 1500
    assert any(manifest()[i]["pages"] >= 2 for i in SCANNED)
