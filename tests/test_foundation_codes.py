"""Evidence codes: every form of every framework parses, malformed ones are refused with a hint,
allocation is sequential, never reuses a number and never collides under concurrency."""

from __future__ import annotations

import threading

import pytest

from minhchung.index.codes import CodeError, allocate_seq, find_codes, parse_code, reserve_seq, validate_code
from minhchung.nlp.frameworks import load_framework


@pytest.mark.parametrize(
    ("text", "framework_id", "standard", "criterion", "seq", "box"),
    [
        ("MC.1.3.01", "tt57-pt", 1, 3, 1, None),
        ("MC - 2 - 1 - 05", "tt57-pt", 2, 1, 5, None),
        ("(MC.1.1.02)", "tt57-pt", 1, 1, 2, None),
        ("[H1-1.10-03]", "tt18-2018", 1, 10, 3, 1),
        ("H1-1.1-01", "tt17-2018", 1, 1, 1, 1),
        ("[H5 – 5.6 – 14]", "tt18-2018", 5, 6, 14, 5),  # en dashes from a word processor
        ("1.1-01", "tt19-2018", 1, 1, 1, None),
    ],
)
def test_parse_every_form(text, framework_id, standard, criterion, seq, box) -> None:
    for framework in (load_framework(framework_id), None):  # with its framework, and with any
        code = parse_code(text, framework)
        assert (code.standard, code.criterion, code.seq, code.box) == (standard, criterion, seq, box)


@pytest.mark.parametrize("text", ["", "MC.1.3", "H1-1.1", "MC.0.1.01", "[H1-1.1-00]", "Quyết định 12/QĐ", "1.1"])
def test_malformed_codes_are_rejected_with_a_hint(text) -> None:
    with pytest.raises(CodeError) as raised:
        parse_code(text)
    assert "MC.1.3.01" in raised.value.message_vi


def test_format_is_the_framework_template() -> None:
    assert load_framework("tt57-pt").code.format("1.3", 1) == "MC.1.3.01"
    assert load_framework("tt18-2018").code.format("1.10", 3, box=1) == "[H1-1.10-03]"


def test_validate_against_framework() -> None:
    tt57 = load_framework("tt57-pt")
    assert validate_code("MC.1.3.02", tt57).seq == 2
    with pytest.raises(CodeError, match="criterion 2.5"):
        validate_code("MC.2.5.01", tt57)  # standard 2 has criteria 2.1–2.3 only
    with pytest.raises(CodeError):
        validate_code("[H1-1.1-01]", tt57)  # a 2018 code is not a TT57 code


def test_find_codes_in_report_prose() -> None:
    text = "Nhà trường ban hành kế hoạch năm học (MC.1.1.01, MC.1.1.02); xem thêm MC.2.3.10."
    assert find_codes(text, load_framework("tt57-pt")) == ["MC.1.1.01", "MC.1.1.02", "MC.2.3.10"]


def test_allocation_is_sequential_per_criterion_and_never_reuses(school_db) -> None:
    db = school_db("tt57-pt")["db"]
    key = dict(school_id=1, period_id=1, framework_id="tt57-pt")
    with db.write() as session:
        taken = [allocate_seq(session, criterion="1.2", **key) for _ in range(3)]
        other = allocate_seq(session, criterion="2.1", **key)
        reserve_seq(session, criterion="1.2", seq=10, **key)  # an imported MC.1.2.10
        after_import = allocate_seq(session, criterion="1.2", **key)
    assert taken == [1, 2, 3]
    assert other == 1
    assert after_import == 11


def test_concurrent_allocations_never_collide(school_db) -> None:
    db = school_db("tt57-pt")["db"]
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(10):
                with db.write() as session:
                    seq = allocate_seq(session, school_id=1, period_id=1, framework_id="tt57-pt", criterion="1.3")
                with lock:
                    results.append(seq)
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == list(range(1, 61))
