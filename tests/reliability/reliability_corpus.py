"""The bad-input corpus, generated at test time (nothing binary is committed).

``python tests/reliability/reliability_corpus.py OUTDIR`` writes every case to ``OUTDIR`` for
manual trials; the tests call :func:`bad_inputs` and :func:`awkward_names` directly. Each case
names the error class intake must raise and words its Vietnamese message must contain, so a
vague "unsupported" for an encrypted file fails the suite.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from minhchung.ingest import errors


@dataclass(frozen=True)
class BadInput:
    filename: str
    data: bytes
    error: type[errors.IngestError]
    says: str  # a fragment the Vietnamese message must contain (what to do or what it is)


def pdf_bytes(pages: int = 1, text: str | None = None) -> bytes:
    """A valid PDF of ``pages`` blank A4 pages (or one page showing ``text``)."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    if text is not None:
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Helvetica))
        page = pdf.pages[0]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode("latin-1"))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes(text="Bao cao mat")))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="chu", user="mo-khoa", R=6))
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header declares ``width``×``height`` pixels but that carries almost no data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def docx_with_macros() -> bytes:
    content_types = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     b'<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
                     b'</Types>')
    return zip_bytes({"[Content_Types].xml": content_types,
                      "word/document.xml": b'<?xml version="1.0"?><w:document/>',
                      "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})


# "Trường trung học cơ sở đạt chuẩn quốc gia, đường về trường" in the two legacy encodings:
# converted to Unicode at intake (the text, and what it must become).
LEGACY_UNICODE = "Trường trung học cơ sở đạt chuẩn quốc gia, đường về trường. " * 4
TCVN3_TEXT = "Tr\u00adêng trung häc c¬ së ®¹t chuÈn quèc gia, ®\u00adêng vÒ tr\u00adêng. " * 4
VNI_TEXT = "Tröôøng trung hoïc cô sôû ñaït chuaån quoác gia, ñöôøng veà tröôøng. " * 4
LEGACY_TEXTS: dict[str, tuple[bytes, str]] = {
    "tcvn3.txt": (TCVN3_TEXT.encode("cp1252"), "TCVN3 (ABC)"),
    "vni.txt": (VNI_TEXT.encode("cp1252"), "VNI"),
}
# A legacy text pasted under a Unicode heading: converting it would garble the heading.
MIXED_LEGACY_TEXT = "Kế hoạch tự đánh giá\n" + TCVN3_TEXT

CORRUPT_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%% garbage \x00\xff\xfe" * 20


def bad_inputs() -> list[BadInput]:
    """Every refused file, with the error intake must give."""
    whole = pdf_bytes(text="Ke hoach nam hoc")
    return [
        BadInput("rong.pdf", b"", errors.EmptyFileError, "rỗng"),
        BadInput("cat-ngang.pdf", whole[: len(whole) // 2], errors.CorruptFileError, "hỏng"),
        BadInput("hong.pdf", CORRUPT_PDF, errors.CorruptFileError, "hỏng"),
        BadInput("hong-co-eof.pdf", CORRUPT_PDF + b"\n%%EOF\n", errors.CorruptFileError, "hỏng"),
        BadInput("mat-khau.pdf", encrypted_pdf(), errors.EncryptedFileError, "mật khẩu"),
        BadInput("muoi-nghin-trang.pdf", pdf_bytes(pages=10_000), errors.TooManyPagesError, "10000"),
        BadInput("bom-anh.png", png_bomb(), errors.ImageTooLargeError, "ảnh"),
        BadInput("bom-anh-doi-ten.pdf", png_bomb(), errors.ImageTooLargeError, "ảnh"),
        BadInput("nen.pdf", zip_bytes({"a.txt": b"hello"}), errors.UnsupportedTypeError, "ZIP"),
        BadInput("chuong-trinh.pdf", b"MZ\x90\x00" + b"\x00" * 200, errors.UnsupportedTypeError, "Windows"),
        BadInput("macro.docx", docx_with_macros(), errors.MacroDocumentError, "macro"),
        BadInput("tcvn3-lan-unicode.txt", MIXED_LEGACY_TEXT.encode(), errors.LegacyEncodingError, "TCVN3"),
        BadInput("nhi-phan.txt", bytes(range(256)) * 4, errors.UnsupportedTypeError, "không"),
    ]


def awkward_names() -> dict[str, bytes]:
    """Good content under hostile names: path traversal, NUL, 1,000-character names."""
    body = "Thông báo về việc họp hội đồng trường ngày 05/9/2026, đề nghị các thành viên có mặt đúng giờ.\n"
    return {
        "../../../../etc/cron.d/evil.txt": (body + "1").encode(),
        "..\\..\\windows\\system32\\x.txt": (body + "2").encode(),
        "ten\x00an.txt": (body + "3").encode(),
        ("rất-dài-" * 200) + ".txt": (body + "4").encode(),
        "/tuyet-doi/duong-dan.txt": (body + "5").encode(),
        "..": (body + "6").encode(),
    }


FOREIGN_TEXTS: dict[str, str] = {
    "english.txt": "Minutes of the staff meeting. The school will organise a science fair on 12 March 2027.\n",
    "chinese.txt": "学校工作计划。二〇二六年九月五日召开全体教师会议。\n",
    "russian.txt": "План работы школы на 2026-2027 учебный год утверждён педагогическим советом.\n",
}


def write_corpus(folder: Path) -> list[Path]:
    """Write the refused files, the legacy-encoded and the foreign-language texts into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    cases: list[tuple[str, bytes]] = [(case.filename, case.data) for case in bad_inputs()]
    cases += [(name, data) for name, (data, _) in LEGACY_TEXTS.items()]
    cases += [(name, text.encode()) for name, text in FOREIGN_TEXTS.items()]
    for name, data in cases:
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    written = write_corpus(Path(argv[1]) if len(argv) > 1 else Path("bad-inputs"))
    print("\n".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
