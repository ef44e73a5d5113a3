"""Intake: real type from the bytes, limits, and one clear error per bad file."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from minhchung.ingest.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    ImageTooLargeError,
    IngestError,
    LegacyEncodingError,
    MacroDocumentError,
    TooLargeError,
    TooManyPagesError,
    UnsupportedTypeError,
)
from minhchung.ingest.intake import read_upload, sha256_hex
from minhchung.ingest.legacy_encoding import detect_legacy_encoding
from minhchung.ingest.settings import IngestSettings

SETTINGS = IngestSettings()


def _pdf(pages: int = 1) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def _docx_zip(extra: dict[str, bytes] | None = None, content_type: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types>" + content_type + b"</Types>")
        archive.writestr("word/document.xml", b"<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares ``width``×``height`` but carries almost no pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _error_of(data: bytes, filename: str, settings: IngestSettings = SETTINGS) -> IngestError:
    with pytest.raises(IngestError) as caught:
        read_upload(data, settings, filename=filename)
    return caught.value


def test_pdf_is_identified_by_its_bytes_and_hashed():
    data = _pdf(3)
    upload = read_upload(data, SETTINGS, filename="ke-hoach.bin")
    assert (upload.kind, upload.page_count, upload.mime) == ("pdf", 3, "application/pdf")
    assert upload.sha256 == sha256_hex(data) and len(upload.sha256) == 64


def test_path_source_uses_the_file_name(tmp_path: Path):
    path = tmp_path / "Công văn 12.pdf"
    path.write_bytes(_pdf())
    assert read_upload(path, SETTINGS).filename == "Công văn 12.pdf"


def test_empty_file_is_refused_with_both_languages():
    error = _error_of(b"", "trong.pdf")
    assert isinstance(error, EmptyFileError)
    assert "trong.pdf" in error.message_en and "0 bytes" in error.message_en
    assert "tệp rỗng" in error.message_vi


def test_too_large_is_refused_before_reading(tmp_path: Path):
    path = tmp_path / "lon.pdf"
    path.write_bytes(_pdf())
    error = _error_of(path.read_bytes(), "lon.pdf", IngestSettings(max_bytes=100))
    assert isinstance(error, TooLargeError) and "split the file" in error.message_en


def test_too_many_pages():
    error = _error_of(_pdf(4), "dai.pdf", IngestSettings(max_pages=3))
    assert isinstance(error, TooManyPagesError) and "4 pages" in error.message_en


def test_encrypted_pdf_says_remove_the_password():
    pdf = pikepdf.open(io.BytesIO(_pdf()))
    buffer = io.BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(user="mat-khau", owner="chu"))
    error = _error_of(buffer.getvalue(), "mat.pdf")
    assert isinstance(error, EncryptedFileError)
    assert "password" in error.message_en and "mật khẩu" in error.message_vi


def test_truncated_pdf_is_corrupt():
    data = _pdf(2)
    error = _error_of(data[: len(data) // 2], "cut.pdf")
    assert isinstance(error, CorruptFileError) and "truncated" in error.message_en


def test_garbage_after_pdf_magic_is_corrupt():
    error = _error_of(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n", "hong.pdf")
    assert isinstance(error, CorruptFileError)


@pytest.mark.parametrize(("data", "described"), [
    (b"MZ\x90\x00" + b"\x00" * 200, "executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "legacy Office"),
    (b"GIF89a" + b"\x00" * 50, "GIF"),
])
def test_renamed_binaries_are_unsupported(data: bytes, described: str):
    error = _error_of(data, "gia-mao.pdf")
    assert isinstance(error, UnsupportedTypeError) and described in error.message_en
    assert "Chỉ nhận PDF" in error.message_vi


def test_zip_renamed_pdf_is_unsupported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    error = _error_of(buffer.getvalue(), "nen.pdf")
    assert isinstance(error, UnsupportedTypeError) and "ZIP archive" in error.message_en


def test_docx_is_recognised_and_docm_refused():
    assert read_upload(_docx_zip(), SETTINGS, filename="a.docx").kind == "docx"
    error = _error_of(_docx_zip({"word/vbaProject.bin": b"vba"}), "macro.docx")
    assert isinstance(error, MacroDocumentError) and "macros" in error.message_en
    error = _error_of(_docx_zip(content_type=b'<Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'), "m.docm")
    assert isinstance(error, MacroDocumentError)


def test_image_dimensions_are_checked_before_decoding():
    error = _error_of(_png_header_only(40_000, 40_000), "bom.png", IngestSettings(max_pixels=50_000_000))
    assert isinstance(error, ImageTooLargeError) and "1,600,000,000" in error.message_en


def test_pillows_own_bomb_guard_is_an_error_too():
    # within our limit, above Pillow's default 89.5 Mpx warning level
    error = _error_of(_png_header_only(10_000, 10_000), "bom2.png", IngestSettings(max_pixels=500_000_000))
    assert isinstance(error, ImageTooLargeError)


def test_truncated_jpeg_is_corrupt():
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, format="JPEG")
    error = _error_of(buffer.getvalue()[:300], "cut.jpg")
    assert isinstance(error, CorruptFileError)


def test_multipage_tiff_counts_frames():
    buffer = io.BytesIO()
    frames = [Image.new("L", (200, 100), 255) for _ in range(3)]
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    upload = read_upload(buffer.getvalue(), SETTINGS, filename="scan.tif")
    assert (upload.kind, upload.page_count) == ("tiff", 3)


def test_text_utf8_and_utf16_bom():
    text = "Kế hoạch tự đánh giá\fTrang hai"
    assert read_upload(text.encode("utf-8"), SETTINGS, filename="a.txt").text == text
    upload = read_upload(text.encode("utf-16"), SETTINGS, filename="b.txt")
    assert (upload.kind, upload.text, upload.page_count) == ("text", text, 2)


# "Trường học được công nhận đạt chuẩn quốc gia và đánh giá ngoài" typed in the two
# pre-Unicode encodings, saved by a Windows program (not UTF-8).
TCVN3 = "Tr\u00adêng häc ®\u00adîc c«ng nhËn ®¹t chuÈn quèc gia vµ ®¸nh gi¸ ngoµi".encode("cp1252")
VNI = "Tröôøng hoïc ñöôïc coâng nhaän ñaït chuaån quoác gia vaø ñaùnh giaù ngoaøi".encode("cp1252")
CONVERTED = "Trường học được công nhận đạt chuẩn quốc gia và đánh giá ngoài"


@pytest.mark.parametrize(("data", "name"), [(TCVN3, "TCVN3 (ABC)"), (VNI, "VNI")])
def test_legacy_vietnamese_encodings_are_converted(data: bytes, name: str):
    upload = read_upload(data, SETTINGS, filename="cu.txt")
    assert (upload.kind, upload.text, upload.source_encoding) == ("text", CONVERTED, name)
    assert upload.sha256 == sha256_hex(data) and upload.data == data  # the original is kept as is


def test_legacy_text_mixed_with_unicode_is_refused_with_its_encoding():
    mixed = "Trường học (Unicode)\n".encode() + TCVN3.decode("cp1252").encode()
    error = _error_of(mixed, "cu.txt")
    assert isinstance(error, LegacyEncodingError)
    assert "TCVN3" in error.message_en and "Unicode" in error.message_en and "Unikey" in error.message_vi


def test_legacy_detector_leaves_unicode_and_french_alone():
    assert detect_legacy_encoding("Trường học được công nhận đạt chuẩn quốc gia") is None
    assert detect_legacy_encoding("L'élève a été reçu à l'école première. Très bien.") is None


def test_binary_text_is_unsupported():
    error = _error_of(b"abc\x00\x01\x02def" * 10, "x.txt")
    assert isinstance(error, UnsupportedTypeError)


def test_errors_survive_pickling_between_processes():
    import pickle

    from minhchung.ingest.errors import OcrError

    error = pickle.loads(pickle.dumps(OcrError("scan.pdf", 7, "timeout")))
    assert isinstance(error, OcrError) and "page 7" in str(error) and "trang 7" in error.message_vi
    assert error.exit_code == 1
