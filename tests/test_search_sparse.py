"""Lexical vectors: stable hashing, accent folding, abbreviations, BM25 saturation."""

from minhchung.index.sparse import Abbreviations, bm25_tf, document_vector, feature_index, has_diacritics, query_vector, tokenize


def test_feature_index_is_stable_across_processes_and_31_bit():
    # blake2b, not Python's salted hash(): this exact value must never change, or old indexes break.
    assert feature_index("f:ke") == 1085167069
    assert all(0 <= feature_index(f"w:{i}") < 2**31 for i in range(1000))


def test_tokenize_keeps_offsets_into_the_original_text():
    text = "Kế hoạch số 12/KH-THCS"
    tokens = tokenize(text)
    assert [text[t.start : t.end] for t in tokens] == ["Kế", "hoạch", "số", "12", "KH", "THCS"]
    assert [t.folded for t in tokens[:2]] == ["ke", "hoach"]


def test_accent_free_query_shares_features_with_accented_document():
    doc = set(document_vector("Kế hoạch tự đánh giá năm học").indices)
    accent_free = set(query_vector("ke hoach tu danh gia").indices)
    accented = set(query_vector("kế hoạch tự đánh giá").indices)
    assert accent_free <= doc
    assert accented <= doc
    # the accented query also carries the exact-spelling features, which the folded one lacks
    assert len(accented) > len(accent_free)


def test_accent_free_query_uses_only_folded_features():
    assert not has_diacritics("ke hoach")
    assert has_diacritics("kế hoạch")
    # "hoa" typed plainly must not prefer the literal unaccented syllable over hòa/hóa/họa
    assert set(query_vector("hoa").indices) == {feature_index("f:hoa")}


def test_bm25_tf_is_sublinear_and_length_normalised():
    assert bm25_tf(2, 250) < 2 * bm25_tf(1, 250)
    assert bm25_tf(1, 50) > bm25_tf(1, 400)


def test_abbreviations_expand_only_where_they_cannot_be_words():
    table = Abbreviations.from_mapping({"QĐ": ["quyết định"], "CSVC": ["cơ sở vật chất"], "ĐA": ["đề án"]})
    assert table.expansions("QĐ thành lập") == ["quyết định"]
    assert table.expansions("kiểm kê csvc") == ["cơ sở vật chất"]  # no vowel: cannot be a syllable
    assert table.expansions("đã kiểm tra") == []  # "đã" folds to "da" but is an ordinary word
    assert table.expansions("kiểm kê csvc", uppercase_only=True) == []


def test_packaged_abbreviations_turn_kh_into_ke_hoach():
    expanded = query_vector("KH tự đánh giá", Abbreviations.load())
    assert set(query_vector("kế hoạch").indices) <= set(expanded.indices)
