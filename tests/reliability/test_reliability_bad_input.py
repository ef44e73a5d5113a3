"""Hostile and broken files in one batch: each gets its own actionable error, the rest succeed."""

from __future__ import annotations

import time

import pytest
from conftest import drain, letter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from minhchung.index.store import DocumentRow, PageRow
from minhchung.ingest.errors import IngestError
from minhchung.ingest.intake import read_upload
from minhchung.ingest.normalize import normalize_text
from minhchung.ingest.settings import IngestSettings
from minhchung.ui.services import ingestion
from minhchung.ui.services.maintenance import doctor
from reliability_corpus import FOREIGN_TEXTS, LEGACY_TEXTS, LEGACY_UNICODE, awkward_names, bad_inputs
from sqlalchemy import func, select


@pytest.mark.parametrize("case", bad_inputs(), ids=lambda case: case.filename)
def test_intake_refuses_each_bad_file_with_its_own_reason(case) -> None:
    started = time.perf_counter()
    with pytest.raises(case.error) as refused:
        read_upload(case.data, IngestSettings(), filename=case.filename)
    assert case.filename in refused.value.message_vi and case.says in refused.value.message_vi
    assert refused.value.message_en and "Traceback" not in refused.value.message_vi
    assert time.perf_counter() - started < 10  # bombs are refused from headers, not decoded


@pytest.mark.parametrize("filename", sorted(LEGACY_TEXTS))
def test_legacy_encoded_text_is_converted_not_refused(filename: str) -> None:
    data, encoding = LEGACY_TEXTS[filename]
    upload = read_upload(data, IngestSettings(), filename=filename)
    assert (upload.text, upload.source_encoding) == (normalize_text(LEGACY_UNICODE), encoding)


@pytest.mark.slow
def test_bad_files_fail_alone_and_the_store_and_index_stay_consistent(context, stages, tmp_path) -> None:
    cases = bad_inputs()
    good = [(f"thu-{n}.txt", letter(n)) for n in range(2)]
    batch = [(c.filename, c.data) for c in cases] + good[:1] + list(awkward_names().items()) + good[1:]
    batch += [(name, text.encode()) for name, text in FOREIGN_TEXTS.items()]
    batch += [(name, data) for name, (data, _) in LEGACY_TEXTS.items()]
    results = [ingestion.submit(context, data, filename=name, actor="thuky") for name, data in batch]

    refused = {r.filename: r for r in results if r.outcome == "failed"}
    assert sorted(refused) == sorted(c.filename for c in cases)
    for case in cases:
        assert case.says in refused[case.filename].message
    queued = [r for r in results if r.outcome == "queued"]
    assert len(queued) == len(good) + len(awkward_names()) + len(FOREIGN_TEXTS) + len(LEGACY_TEXTS)

    processed = drain(context, stages)
    assert len(processed) == len(queued) and all(p.ok for p in processed), [p.detail for p in processed if not p.ok]

    with context.db.session() as session:
        names = session.execute(select(DocumentRow.filename)).scalars().all()
        assert session.execute(select(func.count()).select_from(DocumentRow)
                                .where(DocumentRow.status != "ready")).scalar_one() == 0
    for name in LEGACY_TEXTS:  # stored converted, as Unicode
        assert _stored_text(context, name).startswith(LEGACY_UNICODE.split(",")[0])
    for name in names:  # a base name only: no folder, no NUL, at most 255 bytes
        assert "/" not in name and "\\" not in name and "\x00" not in name and name not in ("", ".", "..")
        assert len(name.encode()) <= 255
    written = {p.resolve() for p in context.settings.data_dir.rglob("*")}
    assert all(p.is_relative_to(context.settings.data_dir) for p in written)
    assert not (tmp_path / "etc").exists()

    report = doctor(context, repair=False)
    assert report.clean, report.as_dict()
    assert report.documents == report.indexed_documents == len(queued)


def _stored_text(context, filename: str) -> str:
    with context.db.session() as session:
        return session.execute(select(PageRow.text).join(DocumentRow, PageRow.document_id == DocumentRow.id)
                               .where(DocumentRow.filename == filename)).scalar_one()


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048), st.text(max_size=300))
def test_fuzz_intake_only_raises_its_own_errors(data: bytes, filename: str) -> None:
    try:
        read_upload(data, IngestSettings(), filename=filename or "x")
    except IngestError as error:
        assert error.message_vi and error.message_en


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_safe_names_stay_inside_the_store(filename: str) -> None:
    name = ingestion._safe_name(filename)
    assert name and not name.startswith(".") and "/" not in name and "\x00" not in name
    assert len(name.encode()) <= 255
