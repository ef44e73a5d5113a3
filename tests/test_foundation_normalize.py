"""The one normaliser: NFC, classic tone placement, Đ look-alikes, spaces; idempotent."""

import unicodedata

import pytest
from hypothesis import given, strategies as st

from minhchung.ingest.normalize import fold_accents, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hoà nhập", "hòa nhập"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("thuỷ lợi", "thủy lợi"),
        ("khoẻ mạnh", "khỏe mạnh"),
        ("tuỳ theo", "tùy theo"),
        ("quý I", "quý I"),  # qu- is the onset: the mark stays on y
        ("hoàng hôn", "hoàng hôn"),  # closed syllable: mark on the second vowel in both styles
        ("\u00d0à Nẵng", "Đà Nẵng"),  # Icelandic eth → Vietnamese Đ
        ("ﬁle  văn   bản \n", "file văn bản\n"),
        ("Ke\u0302\u0301 hoa\u0323ch", "Kế hoạch"),  # decomposed input → NFC
        ("a\u00a0b\u200bc", "a bc"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_both_tone_styles_compare_equal() -> None:
    assert normalize_text("giáo dục hoà nhập") == normalize_text("giáo dục hòa nhập")


def test_fold_accents_for_search() -> None:
    assert fold_accents("Kế hoạch TỰ ĐÁNH GIÁ") == "ke hoach tu danh gia"
    assert fold_accents("Đoàn đánh giá ngoài") == "doan danh gia ngoai"


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_nfc(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
