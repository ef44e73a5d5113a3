"""Framework catalog: shipped data, the loader, school overrides, and `minhchung frameworks`."""

from __future__ import annotations

import json
import os
from importlib import resources

import jsonschema
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from minhchung.nlp.frameworks import (
    Framework,
    FrameworkError,
    UnknownCriterionError,
    UnknownFrameworkError,
    default_framework_for,
    framework_ids,
    list_frameworks,
    load_framework,
)
from minhchung.ui.commands.frameworks import app

DATA = resources.files("minhchung.models") / "frameworks"
TT57 = ("tt57-mn", "tt57-pt", "tt57-gdtx")
TT57_MANDATORY = {"1.3", "1.4", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2"}
# criteria per standard, as the research notes give them
PER_STANDARD = {
    "tt57-mn": [4, 3, 5, 3],
    "tt57-pt": [4, 3, 5, 3],
    "tt57-gdtx": [4, 3, 5, 3],
    "tt17-2018": [10, 4, 6, 2, 5],
    "tt18-2018": [10, 4, 6, 2, 6],
    "tt19-2018": [10, 3, 6, 2, 4],
    "tt19-tt22": [10, 3, 3, 2, 4],
}


def _raw(framework_id: str) -> dict:
    return json.loads((DATA / f"{framework_id}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((DATA / "framework.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# --- shipped data --------------------------------------------------------------------------------


def test_index_lists_exactly_the_shipped_files():
    files = {p.name.removesuffix(".json") for p in DATA.iterdir() if p.name.endswith(".json")}
    assert files - {"index", "framework.schema"} == set(framework_ids())
    assert set(framework_ids()) == set(PER_STANDARD)


@pytest.mark.parametrize("framework_id", sorted(PER_STANDARD))
def test_shipped_file_validates_against_schema_and_model(framework_id, validator):
    raw = _raw(framework_id)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(raw)]
    assert errors == []
    framework = Framework.model_validate(raw)
    assert framework.id == framework_id
    assert "overridden" not in json.dumps(raw)


def test_schema_rejects_what_the_model_rejects(validator):
    raw = _raw("tt57-pt")
    raw["standards"][0]["criteria"][0]["confidence"] = "probably"
    raw["institution_levels"] = ["dai_hoc"]
    messages = " ".join(e.message for e in validator.iter_errors(raw))
    assert "probably" in messages and "dai_hoc" in messages
    with pytest.raises(ValidationError):
        Framework.model_validate(raw)


@pytest.mark.parametrize("framework_id,per_standard", sorted(PER_STANDARD.items()))
def test_criterion_counts(framework_id, per_standard):
    framework = load_framework(framework_id)
    assert [len(s.criteria) for s in framework.standards] == per_standard
    assert len(framework.criteria()) == sum(per_standard)
    assert [c.id for c in framework.criteria()] == [f"{s.number}.{c.number}" for s in framework.standards for c in s.criteria]


def test_totals_match_the_research_notes():
    totals = {s.id: (s.standards, s.criteria, s.mandatory) for s in list_frameworks()}
    assert totals == {
        "tt57-mn": (4, 15, 8),
        "tt57-pt": (4, 15, 8),
        "tt57-gdtx": (4, 15, 8),
        "tt17-2018": (5, 27, 0),
        "tt18-2018": (5, 28, 0),
        "tt19-2018": (5, 25, 0),
        "tt19-tt22": (5, 22, 0),
    }


@pytest.mark.parametrize("framework_id", TT57)
def test_tt57_mandatory_criteria_indicators_and_rule(framework_id):
    framework = load_framework(framework_id)
    assert {c.id for c in framework.mandatory_criteria()} == TT57_MANDATORY
    assert framework.levels == ("Mức 1", "Mức 2")
    for criterion in framework.criteria():
        assert [i.level for i in criterion.indicators] == ["Mức 1", "Mức 2"]
        assert criterion.suggested_evidence and criterion.content_group
        # either quantitative data or the appendix's explicit "no separate data" sentence
        assert bool(criterion.quantitative_data) != bool(criterion.quantitative_data_note)
    rule = {r.level: r for r in framework.rating_rule.levels}
    assert rule["Mức 1"].mandatory_at_least == "Mức 1" and rule["Mức 1"].others_min_count == 5
    assert rule["Mức 2"].others_at_least == "Mức 2" and rule["Mức 2"].none_below == "Mức 1"
    assert "5 trong 7" in framework.rating_rule.sentence


def test_tt57_quantitative_items_match_appendix_totals():
    counts = {fid: sum(len(c.quantitative_data) for c in load_framework(fid).criteria()) for fid in TT57}
    assert counts == {"tt57-mn": 31, "tt57-pt": 37, "tt57-gdtx": 34}


def test_tt57_texts_are_quoted_verbatim():
    pt = load_framework("tt57-pt")
    assert pt.criterion("1.3").indicators[0].text.startswith(
        "Nhà trường có hồ sơ, thông tin và dữ liệu thiết yếu phục vụ quản lý hoạt động giáo dục"
    )
    assert pt.criterion("4.2").title == "Môi trường giáo dục an toàn, tích cực, hỗ trợ phát triển học sinh"
    assert load_framework("tt57-mn").criterion("1.1").quantitative_data_note == "Không yêu cầu dữ liệu định lượng riêng."
    assert pt.evidence_list_columns == (
        "TT", "Mã minh chứng", "Tên minh chứng", "Định dạng, vị trí lưu trữ hoặc đường dẫn điện tử", "Ghi chú",
    )


@pytest.mark.parametrize("framework_id", ["tt17-2018", "tt18-2018", "tt19-2018", "tt19-tt22"])
def test_2018_frameworks_invent_no_indicators(framework_id):
    framework = load_framework(framework_id)
    assert all(c.indicators == () for c in framework.criteria())
    assert framework.levels == ("Mức 1", "Mức 2", "Mức 3", "Mức 4")
    assert framework.evidence_list_columns[0] == "Tiêu chí" and len(framework.evidence_list_columns) == 7
    # practice-based suggestions are labelled as not official
    assert framework.suggested_evidence_note and "không phải văn bản chính thức" in framework.suggested_evidence_note
    assert framework.criterion("1.1").suggested_evidence


def test_tt17_has_practice_suggestions_for_every_criterion():
    assert all(c.suggested_evidence for c in load_framework("tt17-2018").criteria())
    assert all(load_framework(fid).suggested_evidence_note is None for fid in TT57)


def test_unconfirmed_titles_are_marked():
    assert {u.id for u in load_framework("tt57-pt").unconfirmed_titles()} == {"3", "1.4", "4.1"}
    tt18 = {u.id for u in load_framework("tt18-2018").unconfirmed_titles()}
    assert {"1.7", "2.1", "3.5", "5.1", "5.2"} <= tt18 and "3.6" not in tt18
    # every conflict explains itself
    for framework_id in framework_ids():
        for title in load_framework(framework_id).unconfirmed_titles():
            if title.confidence == "conflict":
                assert title.note, (framework_id, title.id)
    # the TT22 list is single-source throughout
    framework = load_framework("tt19-tt22")
    assert framework.confidence == "1"
    assert len(framework.unconfirmed_titles()) == len(framework.criteria()) + len(framework.standards)


def test_legacy_mappings_point_at_existing_tt57_criteria():
    for framework_id in ("tt17-2018", "tt18-2018", "tt19-2018", "tt19-tt22"):
        framework = load_framework(framework_id)
        assert framework.status == "legacy" and framework.mapping_to is not None
        target = load_framework(framework.mapping_to.target)
        target_ids = {c.id for c in target.criteria()}
        for entry in framework.mapping_to.entries:
            framework.criterion(entry.from_)
            assert set(entry.to) <= target_ids


# --- codes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("framework_id", sorted(PER_STANDARD))
def test_code_examples_parse_and_round_trip(framework_id):
    code = load_framework(framework_id).code
    for example in code.examples:
        parsed = code.parse(example)
        assert parsed is not None, example
        canonical = code.format(parsed.criterion_id, parsed.seq, parsed.box)
        again = code.parse(canonical)
        assert (again.criterion_id, again.seq) == (parsed.criterion_id, parsed.seq)
        assert canonical == code.format(again.criterion_id, again.seq, again.box)


def test_code_formats_and_tolerated_variants():
    tt57 = load_framework("tt57-pt").code
    assert tt57.format("1.3", 1) == "MC.1.3.01"
    assert tt57.parse("MC-1-1-01").criterion_id == "1.1"
    assert tt57.parse("MC.5.1.01") is None  # TT57 has 4 standards
    assert tt57.parse("MC.1.3.00") is None
    assert tt57.parse("Số: 05/QĐ-UBND") is None
    legacy = load_framework("tt17-2018").code
    assert legacy.format("1.10", 3) == "[H1-1.10-03]"
    assert legacy.format("2.1", 4, box=7) == "[H7-2.1-04]"
    for variant in ("H1-1.1-01", "1.1-01", "[H1 – 1.1 - 01]", "［H1-1.1-01］"):
        parsed = legacy.parse(variant)
        assert (parsed.criterion_id, parsed.seq) == ("1.1", 1), variant
    assert legacy.parse("MC.1.1.01") is None


# --- model rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda raw: raw["standards"][0]["criteria"][0].update(id="1.9"), "does not match standard 1"),
        (lambda raw: raw["standards"][1]["criteria"][0].update(confidence="S"), "not in confidence_scale"),
        (lambda raw: raw["code"].update(examples=["[H1-1.1-01]"]), "matches none of code.patterns"),
        (lambda raw: raw["rating_rule"]["levels"][0].update(others_min_count=9), "exceeds the 7 non-mandatory"),
        (lambda raw: raw["code"].update(patterns=["MC\\.(?P<standard>\\d)"]), "lacks named groups"),
    ],
)
def test_model_rejects_inconsistent_data(mutate, expected):
    raw = _raw("tt57-pt")
    mutate(raw)
    with pytest.raises(ValidationError, match=expected):
        Framework.model_validate(raw)


def test_frameworks_are_immutable_and_cached():
    framework = load_framework("tt57-pt")
    assert load_framework("tt57-pt") is framework
    with pytest.raises(ValidationError):
        framework.criterion("1.1").title = "khác"  # type: ignore[misc]


def test_unknown_ids_are_specific_errors():
    with pytest.raises(UnknownFrameworkError) as error:
        load_framework("../etc/passwd")
    assert error.value.exit_code == 2 and "tt57-pt" in error.value.message_vi
    with pytest.raises(UnknownCriterionError):
        load_framework("tt57-pt").criterion("1.6")


def test_default_framework_for_levels():
    assert {level: default_framework_for(level) for level in ("mam_non", "tieu_hoc", "thcs", "thpt", "nhieu_cap", "gdtx")} == {
        "mam_non": "tt57-mn", "tieu_hoc": "tt57-pt", "thcs": "tt57-pt", "thpt": "tt57-pt",
        "nhieu_cap": "tt57-pt", "gdtx": "tt57-gdtx",
    }
    with pytest.raises(FrameworkError, match="dai_hoc"):
        default_framework_for("dai_hoc")


# --- school overrides ----------------------------------------------------------------------------


def _write_override(folder, framework_id, payload, mtime=None):
    path = folder / f"{framework_id}.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))
    return path


def test_override_corrects_titles_and_marks(tmp_path):
    corrected = "Tự đánh giá, cải tiến chất lượng, công khai và trách nhiệm giải trình"
    _write_override(tmp_path, "tt57-pt", {
        "criteria": {"1.4": {"title": corrected, "confidence": "2+", "confidence_note": "Đã đối chiếu văn bản gốc"}},
        "standards": {"3": {"title": "Thực hiện chương trình  giáo dục hoà nhập"}},
    })
    framework = load_framework("tt57-pt", tmp_path)
    criterion = framework.criterion("1.4")
    assert (criterion.title, criterion.confidence, criterion.overridden) == (corrected, "2+", True)
    assert framework.standards[2].title == "Thực hiện chương trình giáo dục hòa nhập"  # normalised
    assert framework.standards[2].overridden and not framework.criterion("1.3").overridden
    assert {u.id for u in framework.unconfirmed_titles()} == {"3", "4.1"}
    # the shipped framework is untouched, other frameworks unaffected
    assert load_framework("tt57-pt").criterion("1.4").title != corrected
    assert load_framework("tt57-mn", tmp_path).criterion("1.4").overridden is False


def test_edited_override_is_picked_up(tmp_path):
    _write_override(tmp_path, "tt17-2018", {"criteria": {"3.1": {"title": "Khuôn viên, khu sân chơi, sân tập"}}}, mtime=1_000_000_000)
    assert load_framework("tt17-2018", tmp_path).criterion("3.1").title == "Khuôn viên, khu sân chơi, sân tập"
    _write_override(tmp_path, "tt17-2018", {"criteria": {"3.1": {"title": "Khuôn viên, sân chơi, bãi tập"}}}, mtime=2_000_000_000)
    assert load_framework("tt17-2018", tmp_path).criterion("3.1").title == "Khuôn viên, sân chơi, bãi tập"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"criteria": {"9.9": {"title": "x"}}}, "criteria.9.9"),
        ({"criteria": {"1.4": {"confidence": "chắc"}}}, "criteria.1.4.confidence"),
        ({"criteria": {"1.4": {"title": ""}}}, "criteria.1.4.title"),
        ({"criteria": {"1.4": {"titel": "x"}}}, "criteria.1.4.titel"),
        ({"criteria": {"1.4": {"confidence": "S"}}}, "confidence_scale"),
        ('{"criteria": {"1.4": ', "line 1"),
    ],
)
def test_invalid_override_names_file_and_field(tmp_path, payload, field):
    path = _write_override(tmp_path, "tt57-pt", payload)
    with pytest.raises(FrameworkError) as error:
        load_framework("tt57-pt", tmp_path)
    assert str(path.resolve()) in str(error.value)
    assert field in str(error.value)
    assert str(path.resolve()) in error.value.message_vi


# --- CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MINHCHUNG_HOME", str(tmp_path))
    monkeypatch.delenv("MINHCHUNG_CONFIG", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_cli_list(cli):
    result = cli("list")
    assert result.exit_code == 0, result.output
    for framework_id in framework_ids():
        assert framework_id in result.output
    row = next(line for line in result.output.splitlines() if "tt57-pt" in line)
    assert [cell.strip() for cell in row.split("│")[-5:-1]] == ["4", "15", "8", "3"]
    data = json.loads(cli("list", "--json").output)
    assert {d["id"]: d["criteria"] for d in data}["tt19-tt22"] == 22


def test_cli_show_prints_structure_marks_and_rule(cli):
    result = cli("show", "tt57-pt")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Tiêu chuẩn 4. Điều kiện giáo dục, môi trường an toàn và phối hợp xã hội" in out
    assert out.count("★") == 8 + 1  # 8 mandatory rows + the legend
    assert "conflict ?" in out and "khoản 3 Điều 5" in out and "5 trong 7" in out
    assert "MC.{standard}.{criterion}.{seq:02d}" in out


def test_cli_show_json_and_unknown_id(cli):
    shown = json.loads(cli("show", "tt19-tt22", "--json").output)
    assert shown["id"] == "tt19-tt22" and sum(len(s["criteria"]) for s in shown["standards"]) == 22
    assert "from" in shown["mapping_to"]["entries"][0]
    result = cli("show", "tt22-th")
    assert result.exit_code == 2
    assert "tt22-th" in result.output and "tt57-pt" in result.output


def test_cli_uses_the_data_folder_overrides(cli, tmp_path):
    (tmp_path / "frameworks").mkdir()
    _write_override(tmp_path / "frameworks", "tt57-pt", {"criteria": {"4.1": {"title": "Cơ sở vật chất đã sửa", "confidence": "2+"}}})
    result = cli("show", "tt57-pt")
    assert "Cơ sở vật chất đã sửa" in result.output and "(đã sửa)" in result.output
    _write_override(tmp_path / "frameworks", "tt57-pt", {"criteria": {"4.9": {"title": "x"}}})
    broken = cli("show", "tt57-pt")
    assert broken.exit_code == 2 and "4.9" in broken.output
