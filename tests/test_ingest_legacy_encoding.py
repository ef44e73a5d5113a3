"""Legacy Vietnamese encodings (TCVN3/ABC, VNI): tables, detection, conversion through intake.

The sentences below are typed by hand in each encoding (not produced by the tables under
test), so a wrong table entry fails here even though the round trips are self-consistent.
"""

from __future__ import annotations

import io
import json
import unicodedata
from importlib.resources import files

import docx
import pikepdf
import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_pages import _reportlab_canvas

from minhchung.ingest.errors import LegacyEncodingError, UnsupportedTypeError
from minhchung.ingest.intake import read_upload
from minhchung.ingest.legacy_encoding import (
    convert_legacy,
    convert_word,
    detect_legacy_encoding,
    repair_legacy_text,
)
from minhchung.ingest.normalize import normalize_text
from minhchung.ingest.pipeline import extract_document
from minhchung.ingest.settings import IngestSettings
from minhchung.ingest.textlayer import judge_text_layer, page_words

SETTINGS = IngestSettings()
TABLES = json.loads(files("minhchung.models").joinpath("legacy-encodings.json").read_text(encoding="utf-8"))

UNICODE = "Trường Trung học cơ sở Hòa An — Kế hoạch tự đánh giá năm học 2025–2026"
HAND_TYPED = {
    "tcvn3": [
        ("Tr\u00adêng Trung häc c¬ së Hßa An — KÕ ho¹ch tù ®¸nh gi¸ n¨m häc 2025–2026", UNICODE),
        ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
        ("Hä vµ tªn ng\u00adêi ®\u00adîc giao nhiÖm vô: NguyÔn ThÞ Thñy, gi¸o viªn",
         "Họ và tên người được giao nhiệm vụ: Nguyễn Thị Thủy, giáo viên"),
        ("Tr\u00adëng ban: ¤ng TrÇn V¨n ¥n; Phã tr\u00adëng ban: Bµ §ç ThÞ YÕn",
         "Trưởng ban: Ông Trần Văn Ơn; Phó trưởng ban: Bà Đỗ Thị Yến"),
    ],
    "vni": [
        ("Tröôøng Trung hoïc cô sôû Hoøa An — Keá hoaïch töï ñaùnh giaù naêm hoïc 2025–2026", UNICODE),
        ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
        ("TRÖÔØNG THCS HOØA AN — BAÙO CAÙO TÖÏ ÑAÙNH GIAÙ", "TRƯỜNG THCS HÒA AN — BÁO CÁO TỰ ĐÁNH GIÁ"),
        ("Hoï vaø teân ngöôøi ñöôïc giao nhieäm vuï: Nguyeãn Thò Thuûy, chæ ñaïo kyø thi",
         "Họ và tên người được giao nhiệm vụ: Nguyễn Thị Thủy, chỉ đạo kỳ thi"),
    ],
}
TCVN3_LETTER = ("Tr\u00adêng THCS Hßa An\nKÕ ho¹ch tù ®¸nh gi¸ n¨m häc 2025–2026\n\n"
                "C¨n cø Th«ng t\u00ad sè 18/2018/TT-BGD§T, nhµ tr\u00adêng x©y dùng “kÕ ho¹ch” nh\u00ad sau.\n")
TCVN3_LETTER_UNICODE = ("Trường THCS Hòa An\nKế hoạch tự đánh giá năm học 2025–2026\n\n"
                        "Căn cứ Thông tư số 18/2018/TT-BGDĐT, nhà trường xây dựng “kế hoạch” như sau.")
FOREIGN = [
    "L'élève a été reçu à l'école première. Très bien. Où est-il? Là où il était, près du côté nord.",
    "Die Größe der Straße ist schön. Müller und Söhne über alles; Äpfel für Jürgen, weiß ich nicht.",
    "El año pasado el niño estuvo en la montaña; mañana irá allí con su señora. ¿Está bien? Sí.",
    "Jag bor på landet så det är lugnt, och på sommaren så är det varmt och skönt i söder.",
    "Eu não sei se há pão, mas é só amanhã que vou à praça com a avó e o avô.",
]


def vietnamese_letters() -> list[str]:
    """The 134 precomposed Vietnamese letters outside ASCII (67 lower case, 67 capitals)."""
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    lower = [unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in tones]
    lower = [c for c in lower if not c.isascii()] + ["đ"]
    return lower + [c.upper() for c in lower]


def test_there_are_134_letters_and_every_table_covers_them():
    letters = vietnamese_letters()
    assert len(letters) == len(set(letters)) == 134
    assert set(TABLES["vni"]["letters"]) == set(letters)
    lower, own_capitals = set(letters[:67]), {"Ă", "Â", "Ê", "Ô", "Ơ", "Ư", "Đ"}
    assert set(TABLES["tcvn3"]["letters"]) == lower | own_capitals
    for table in (TABLES["tcvn3"], TABLES["vni"]):
        codes = list(table["letters"].values())
        assert len(codes) == len(set(codes))  # no two letters share a code
        assert all(ord(c) < 0x100 for code in codes for c in code)  # bytes read as Latin-1


@pytest.mark.parametrize("letter", vietnamese_letters())
def test_every_letter_round_trips_through_vni(letter: str):
    code = TABLES["vni"]["letters"][letter]
    assert convert_legacy(code, "vni") == letter
    assert convert_legacy(f"n{code}n", "vni") == f"n{letter}n"


@pytest.mark.parametrize("letter", vietnamese_letters())
def test_every_letter_round_trips_through_tcvn3(letter: str):
    table = TABLES["tcvn3"]["letters"]
    if letter in table:
        assert convert_legacy(table[letter], "tcvn3") == letter
    else:  # a capital with a mark: the lower-case code, drawn as a capital by .VnTimeH
        code = table[letter.lower()]
        assert convert_legacy(code, "tcvn3", capitals=True) == letter
        assert convert_legacy(f"T{code}N", "tcvn3") == f"T{letter}N"  # inside a capital word


@pytest.mark.parametrize(("encoding", "legacy", "expected"),
                         [(e, legacy, expected) for e, pairs in HAND_TYPED.items() for legacy, expected in pairs])
def test_hand_typed_sentences_convert(encoding: str, legacy: str, expected: str):
    assert convert_legacy(legacy, encoding) == normalize_text(expected)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_detector_names_each_encoding(encoding: str):
    text = "\n".join(legacy for legacy, _ in HAND_TYPED[encoding])
    assert detect_legacy_encoding(text) == encoding
    converted, name = repair_legacy_text(text, "x.txt")
    assert name == TABLES[encoding]["name"]
    assert converted == normalize_text("\n".join(expected for _, expected in HAND_TYPED[encoding]))


@pytest.mark.parametrize("text", FOREIGN + [UNICODE, "Trư\u00adờng học (ngắt dòng mềm), đánh giá ngoài"])
def test_foreign_and_unicode_text_is_left_alone(text: str):
    assert detect_legacy_encoding(text) is None
    assert repair_legacy_text(text, "x.txt") == (text, None)
    upload = read_upload(text.encode("utf-8"), SETTINGS, filename="x.txt")
    assert (upload.text, upload.source_encoding) == (text, None)


def test_foreign_text_in_latin1_bytes_is_still_an_unknown_encoding():
    with pytest.raises(UnsupportedTypeError):
        read_upload(FOREIGN[0].encode("latin-1"), SETTINGS, filename="fr.txt")


def test_capital_words_and_lost_soft_hyphens():
    assert convert_legacy("Hä vµ tªn; §¹I HäC; TR¦êNG", "tcvn3") == "Họ và tên; ĐẠI HỌC; TRƯỜNG"
    assert convert_word("Tr-êng", "tcvn3") == "Trường"  # PDF text layers show 0xAD as "-"
    assert convert_word("®\u2212îc", "tcvn3") == "được"
    assert convert_word("Hßa-An", "tcvn3") == "Hòa-An"  # a real hyphen stays


def test_mixed_unicode_and_legacy_text_is_refused():
    mixed = "Kế hoạch tự đánh giá (bản Unicode)\n" + "\n".join(legacy for legacy, _ in HAND_TYPED["tcvn3"])
    assert detect_legacy_encoding(mixed) is None
    with pytest.raises(LegacyEncodingError) as refused:
        read_upload(mixed.encode("utf-8"), SETTINGS, filename="hon-hop.txt")
    assert "TCVN3" in refused.value.message_en and "Unikey" in refused.value.message_vi
    assert "một phần văn bản" in refused.value.message_vi and "part is Unicode" in refused.value.message_en


@pytest.mark.parametrize("codec", ["cp1252", "utf-8"])
def test_tcvn3_text_file_becomes_a_unicode_document(codec: str):
    data = TCVN3_LETTER.encode(codec)  # curly quotes: Windows-1252 bytes 0x93/0x94
    upload = read_upload(data, SETTINGS, filename="ke-hoach.txt")
    assert upload.source_encoding == "TCVN3 (ABC)"
    document = extract_document(upload, SETTINGS)
    assert document.text == normalize_text(TCVN3_LETTER_UNICODE)
    assert [(p.strategy, p.source_encoding) for p in document.pages] == [("plain-text", "TCVN3 (ABC)")]
    assert document.id == upload.sha256  # identity stays the original bytes


def test_vni_docx_becomes_a_unicode_document():
    word = docx.Document()
    for legacy, _ in HAND_TYPED["vni"][:3]:
        word.add_paragraph(legacy)
    table = word.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ["Tieâu chí", "Minh chöùng", "Tieâu chí 1.1", "Quyeát ñònh thaønh laäp"]):
        cell.text = text
    buffer = io.BytesIO()
    word.save(buffer)
    upload = read_upload(buffer.getvalue(), SETTINGS, filename="bao-cao.docx")
    document = extract_document(upload, SETTINGS)
    page = document.pages[0]
    assert (page.strategy, page.source_encoding) == ("docx", "VNI")
    expected = "\n\n".join(unicode for _, unicode in HAND_TYPED["vni"][:3])
    assert page.text == normalize_text(expected + "\n\nTiêu chí | Minh chứng\nTiêu chí 1.1 | Quyết định thành lập")


def _tcvn3_pdf_embedded_font() -> bytes:
    """A born-digital page set in an embedded TrueType font whose codes are TCVN3 (how
    ``.VnTime`` prints): its text layer is the TCVN3 characters, soft hyphen included."""
    buffer = io.BytesIO()
    pdf, (_, height) = _reportlab_canvas(buffer)
    pdf.setFont("DejaVuSerif", 12)
    for row, (legacy, _) in enumerate(HAND_TYPED["tcvn3"]):
        pdf.drawString(60, height - 80 - 18 * row, legacy)
    cells = [["Tiªu chÝ", "Minh chøng"], ["Tiªu chÝ 1.1", "QuyÕt ®Þnh thµnh lËp"]]
    columns, top = [60, 200, 450], height - 200
    for i, row in enumerate(cells):
        for x, cell in zip(columns, row):
            pdf.drawString(x + 4, top - 14 - 20 * i, cell)
    pdf.grid(columns, [top - 20 * i for i in range(len(cells) + 1)])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _tcvn3_pdf_winansi() -> bytes:
    """A page drawn with a WinAnsi font from TCVN3 bytes: PDFium reports 0xAD (ư) as "-"."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica, Encoding=pikepdf.Name.WinAnsiEncoding))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    lines = b"".join(b"(" + legacy.replace("—", "-").replace("–", "-").encode("cp1252") + b") Tj 0 -18 Td "
                     for legacy, _ in HAND_TYPED["tcvn3"])
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 18 TL 60 760 Td " + lines + b"ET")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_tcvn3_pdf_text_layer_is_converted_not_ocred():
    upload = read_upload(_tcvn3_pdf_embedded_font(), SETTINGS, filename="ke-hoach.pdf")
    document = extract_document(upload, SETTINGS)
    page = document.pages[0]
    assert (page.strategy, page.source_encoding) == ("text-layer", "TCVN3 (ABC)")
    for _, unicode in HAND_TYPED["tcvn3"]:
        assert normalize_text(unicode) in page.text
    table = next(b for b in page.blocks if b.kind == "table")
    assert table.rows == [["Tiêu chí", "Minh chứng"], ["Tiêu chí 1.1", "Quyết định thành lập"]]
    start = page.text.index("Trường")
    box = page.bbox_of(start, start + len("Trường"))
    assert box is not None and 55 < box.l < 70 and box.t < 100  # the word keeps its place


def test_tcvn3_pdf_whose_layer_shows_u_horn_as_hyphen():
    data = _tcvn3_pdf_winansi()
    pdf = pdfium.PdfDocument(data)
    layer = " ".join(w.text for w in page_words(pdf[0]))
    pdf.close()
    assert "Tr-êng" in layer
    verdict = judge_text_layer(layer, SETTINGS.min_text_chars)
    assert verdict.usable and verdict.reason.startswith("converted from TCVN3")
    document = extract_document(read_upload(data, SETTINGS, filename="cu.pdf"), SETTINGS)
    assert document.pages[0].strategy == "text-layer"
    assert "Trường Trung học cơ sở Hòa An - Kế hoạch tự đánh giá năm học 2025-2026" in document.pages[0].text
    assert "Trưởng ban: Ông Trần Văn Ơn" in document.pages[0].text


def test_tcvn3_title_lines_typed_in_capitals():
    text = "KÕ HO¹CH Tù §¸NH GI¸\nSè 12/Q§-UBND\nTR\u00adêNG THCS HßA AN"
    assert convert_legacy(text, "tcvn3") == "KẾ HOẠCH TỰ ĐÁNH GIÁ\nSố 12/QĐ-UBND\nTRƯỜNG THCS HÒA AN"


@settings(max_examples=150, deadline=2000)
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x1eff), max_size=400))
def test_any_text_is_either_left_converted_or_refused_cleanly(text: str):
    try:
        repaired, encoding = repair_legacy_text(text, "x.txt")
    except LegacyEncodingError as error:
        assert error.message_vi and error.message_en
        return
    assert repaired == text if encoding is None else repaired == normalize_text(repaired)
    for key in ("tcvn3", "vni"):
        assert convert_legacy(text, key) == normalize_text(convert_legacy(text, key))
