"""Intake: the first stage. Bytes in, a checked :class:`Upload` out, or a clear error.

The type comes from the bytes (magic numbers), never from the extension: a ZIP or an EXE
renamed ``.pdf`` is refused, a scan saved as ``.pdf.jpg`` is read as the JPEG it is. Every limit
of :class:`~minhchung.ingest.settings.IngestSettings` is enforced here, before any decoding that
could be expensive: image dimensions are read from the header (a decompression bomb is refused
before a single pixel is decoded), PDF page counts from the page tree.

Contract of :func:`read_upload`: it never writes anything and never returns a half-checked
upload; every refusal is an :class:`~minhchung.ingest.errors.IngestError` subclass whose
message names the file and says what to do.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pikepdf
from PIL import Image

from minhchung.ingest.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    ImageTooLargeError,
    MacroDocumentError,
    TooLargeError,
    TooManyPagesError,
    UnsupportedTypeError,
)
from minhchung.ingest.legacy_encoding import repair_legacy_text
from minhchung.ingest.settings import IngestSettings

FileKind = Literal["pdf", "jpeg", "png", "tiff", "docx", "text"]

MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text": "text/plain",
}

_IMAGE_MAGIC: tuple[tuple[bytes, FileKind], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)

# Formats we recognise only to refuse them by name (the message then says what the file is).
_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows executable"),
    (b"\x7fELF", "Linux executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office file (.doc/.xls); save it as DOCX or PDF"),
    (b"GIF8", "GIF image"),
    (b"BM", "BMP image"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"{\\rtf", "RTF document; save it as DOCX"),
    (b"II+\x00", "BigTIFF image"),
)

# Text controls other than tab, newline, carriage return and form feed mean binary data.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Latin-1 → Windows-1252 for the bytes 0x80–0x9F Windows defines (curly quotes, dashes);
# legacy Vietnamese files were saved by Windows programs.
_WINDOWS_1252 = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


@dataclass(frozen=True)
class Upload:
    """A file that passed intake: its bytes, identity, real type and page count.

    ``sha256`` is the document id everywhere downstream (same bytes → same document).
    ``text`` is set for plain-text uploads only (decoded, not yet normalised).
    ``source_encoding`` names the legacy encoding (e.g. "TCVN3 (ABC)") a plain text was
    converted from; None when it was Unicode.
    """

    filename: str
    data: bytes
    sha256: str
    kind: FileKind
    page_count: int
    text: str | None = None
    source_encoding: str | None = None

    @property
    def mime(self) -> str:
        return MIME_TYPES[self.kind]

    @property
    def size(self) -> int:
        return len(self.data)


def sha256_hex(data: bytes) -> str:
    """The content address of ``data``: lower-case hex sha256."""
    return hashlib.sha256(data).hexdigest()


def read_upload(source: Path | bytes, settings: IngestSettings, filename: str | None = None) -> Upload:
    """Read, identify and check one file (a path, or bytes plus the name it was uploaded as).

    Raises :class:`EmptyFileError`, :class:`TooLargeError`, :class:`UnsupportedTypeError`
    (incl. :class:`MacroDocumentError`), :class:`EncryptedFileError`, :class:`CorruptFileError`,
    :class:`TooManyPagesError`, :class:`ImageTooLargeError` or :class:`LegacyEncodingError`.
    """
    if isinstance(source, Path):
        name = filename or source.name
        size = source.stat().st_size
        _check_size(name, size, settings)
        data = source.read_bytes()
    else:
        name = filename or "upload"
        data = bytes(source)
        _check_size(name, len(data), settings)
    return inspect_bytes(data, name, settings)


def inspect_bytes(data: bytes, filename: str, settings: IngestSettings) -> Upload:
    """Identify and check bytes already in memory (see :func:`read_upload`)."""
    _check_size(filename, len(data), settings)
    sha = sha256_hex(data)
    kind = sniff(data, filename)
    if kind == "pdf":
        return Upload(filename, data, sha, kind, _check_pdf(data, filename, settings))
    if kind in ("jpeg", "png", "tiff"):
        return Upload(filename, data, sha, kind, _check_image(data, filename, settings))
    if kind == "docx":
        _check_docx(data, filename, settings)
        return Upload(filename, data, sha, kind, 1)
    text, source_encoding = decode_text(data, filename)
    return Upload(filename, data, sha, kind, text.count("\f") + 1, text=text, source_encoding=source_encoding)


def _check_size(filename: str, size: int, settings: IngestSettings) -> None:
    if size == 0:
        raise EmptyFileError(filename)
    if size > settings.max_bytes:
        raise TooLargeError(filename, size, settings.max_bytes)


def sniff(data: bytes, filename: str) -> FileKind:
    """The real type of ``data`` from its leading bytes; refuses anything we do not read."""
    paged = sniff_paged(data[:2048])
    if paged:
        return paged
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data, filename)
    for magic, description in _REFUSED_MAGIC:
        if data.startswith(magic):
            raise UnsupportedTypeError(filename, description)
    return "text"


def sniff_paged(head: bytes) -> FileKind | None:
    """The kind of a file that has page images (PDF, JPEG, PNG, TIFF) from its first bytes."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return next((kind for magic, kind in _IMAGE_MAGIC if head.startswith(magic)), None)


def _sniff_zip(data: bytes, filename: str) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except zipfile.BadZipFile as error:
        raise CorruptFileError(filename, f"broken ZIP container: {error}") from error
    if "word/document.xml" not in names:
        raise UnsupportedTypeError(filename, "ZIP archive (not a Word document)")
    if b"macroEnabled" in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise MacroDocumentError(filename)
    return "docx"


def _check_pdf(data: bytes, filename: str, settings: IngestSettings) -> int:
    """Page count of a readable, unencrypted, complete PDF."""
    if b"%%EOF" not in data[-2048:]:
        raise CorruptFileError(filename, "PDF is truncated: no end-of-file marker")
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
    except pikepdf.PasswordError as error:
        raise EncryptedFileError(filename) from error
    except pikepdf.PdfError as error:
        raise CorruptFileError(filename, f"unreadable PDF structure: {error}") from error
    if pages == 0:
        raise CorruptFileError(filename, "PDF has no pages")
    if pages > settings.max_pages:
        raise TooManyPagesError(filename, pages, settings.max_pages)
    return pages


def _check_image(data: bytes, filename: str, settings: IngestSettings) -> int:
    """Frame count of a decodable image whose every frame is within the pixel limit.

    Dimensions are checked from each frame's header before that frame is decoded; Pillow's own
    decompression-bomb guard stays on as a second line (its warning is turned into our error).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                frames = getattr(image, "n_frames", 1)
                if frames > settings.max_pages:
                    raise TooManyPagesError(filename, frames, settings.max_pages)
                for index in range(frames):
                    image.seek(index)
                    pixels = image.size[0] * image.size[1]
                    if pixels > settings.max_pixels:
                        raise ImageTooLargeError(filename, pixels, settings.max_pixels)
                    image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLargeError(filename, _declared_pixels(error), settings.max_pixels) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise CorruptFileError(filename, f"image cannot be decoded: {error}") from error
    return frames


def _declared_pixels(error: Exception) -> int:
    """Pixel count quoted in Pillow's decompression-bomb message (0 if absent)."""
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else 0


def _check_docx(data: bytes, filename: str, settings: IngestSettings) -> None:
    """Refuse a zip bomb: the main part, uncompressed, must fit the upload limit."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        size = archive.getinfo("word/document.xml").file_size
    if size > settings.max_bytes:
        raise TooLargeError(filename, size, settings.max_bytes)


def decode_text(data: bytes, filename: str) -> tuple[str, str | None]:
    """Decode plain text: UTF-8 (with or without BOM), UTF-16 with a BOM, or a pre-Unicode
    Vietnamese encoding (TCVN3/ABC, VNI) converted to Unicode.

    Returns the text and the name of the legacy encoding it was converted from (None for
    Unicode). Legacy bytes are read as Windows-1252 (Latin-1 where that has no character), as
    the fonts' own programs did; the same mojibake already saved as UTF-8 is converted too.
    Text that shows a legacy encoding but cannot be converted safely (mixed with Unicode,
    ambiguous) is :class:`LegacyEncodingError`; other undecodable or binary data is
    :class:`UnsupportedTypeError`.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(data, "utf-16", filename)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _decode_legacy_bytes(data, filename)
    if _BINARY_CONTROLS.search(text):
        raise UnsupportedTypeError(filename, "binary data")
    return repair_legacy_text(text, filename)


def _decode_legacy_bytes(data: bytes, filename: str) -> tuple[str, str]:
    """Bytes that are not UTF-8: converted if they are TCVN3 or VNI text, else refused."""
    text = data.decode("latin-1").translate(_WINDOWS_1252)
    if _BINARY_CONTROLS.search(text):
        raise UnsupportedTypeError(filename, "binary data or unknown text encoding")
    converted, encoding = repair_legacy_text(text, filename)
    if encoding is None:
        raise UnsupportedTypeError(filename, "binary data or unknown text encoding")
    return converted, encoding


def _decode(data: bytes, encoding: str, filename: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise UnsupportedTypeError(filename, f"undecodable text ({encoding})") from error
