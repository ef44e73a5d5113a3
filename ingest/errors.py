"""Errors a person can act on.

Every failure that reaches a user is a :class:`MinhchungError`: it carries a Vietnamese message
for the app, an English one for logs, and the CLI exit code. Layers above ``ingest`` subclass
these; nothing catches and hides them.
"""

from __future__ import annotations


class MinhchungError(Exception):
    """Base of all user-facing errors.

    ``message_vi`` is shown in the app; ``str(error)`` (English) goes to logs and the CLI.
    """

    exit_code: int = 1

    def __init__(self, message_en: str, message_vi: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi or message_en

    def __reduce__(self):  # noqa: ANN204 - pickle protocol
        """Rebuild from the two messages, whatever the subclass's constructor takes, so an
        error raised in an OCR worker process reaches the parent intact."""
        return (_rebuild_error, (type(self), self.message_en, self.message_vi))


def _rebuild_error(cls: type[MinhchungError], message_en: str, message_vi: str) -> MinhchungError:
    error = cls.__new__(cls)
    MinhchungError.__init__(error, message_en, message_vi)
    return error


class UsageError(MinhchungError):
    """Wrong arguments or a missing setting: exit code 2."""

    exit_code = 2


class IngestError(MinhchungError):
    """A file could not be turned into a document; the batch goes on without it."""


class EmptyFileError(IngestError):
    def __init__(self, filename: str) -> None:
        super().__init__(
            f"{filename}: the file is empty (0 bytes).",
            f"{filename}: tệp rỗng (0 byte). Hãy quét hoặc xuất lại tệp rồi tải lên lần nữa.",
        )


class TooLargeError(IngestError):
    def __init__(self, filename: str, size: int, limit: int) -> None:
        mb, limit_mb = size / 1_000_000, limit / 1_000_000
        super().__init__(
            f"{filename}: {mb:.1f} MB exceeds the {limit_mb:.0f} MB upload limit; split the file.",
            f"{filename}: dung lượng {mb:.1f} MB vượt giới hạn {limit_mb:.0f} MB. "
            "Hãy tách tệp thành nhiều phần nhỏ hơn.",
        )


class TooManyPagesError(IngestError):
    def __init__(self, filename: str, pages: int, limit: int) -> None:
        super().__init__(
            f"{filename}: {pages} pages exceeds the limit of {limit}; split the file.",
            f"{filename}: có {pages} trang, vượt giới hạn {limit} trang. Hãy tách tệp.",
        )


class ImageTooLargeError(IngestError):
    def __init__(self, filename: str, pixels: int, limit: int) -> None:
        super().__init__(
            f"{filename}: image of {pixels:,} pixels exceeds the limit of {limit:,} "
            "(possible decompression bomb); rescan at 300 DPI.",
            f"{filename}: ảnh quá lớn ({pixels:,} điểm ảnh, giới hạn {limit:,}). "
            "Hãy quét lại ở độ phân giải 300 DPI.",
        )


class EncryptedFileError(IngestError):
    def __init__(self, filename: str) -> None:
        super().__init__(
            f"{filename}: the PDF is password-protected; remove the password and upload again.",
            f"{filename}: tệp PDF có mật khẩu. Hãy gỡ mật khẩu (in lại ra PDF) rồi tải lên lần nữa.",
        )


class CorruptFileError(IngestError):
    def __init__(self, filename: str, detail: str) -> None:
        super().__init__(
            f"{filename}: the file is damaged or truncated ({detail}); export or scan it again.",
            f"{filename}: tệp bị hỏng hoặc không đầy đủ ({detail}). Hãy xuất hoặc quét lại tệp.",
        )


class UnsupportedTypeError(IngestError):
    def __init__(self, filename: str, detected: str) -> None:
        super().__init__(
            f"{filename}: unsupported file type ({detected}); accepted: PDF, JPEG, PNG, TIFF, DOCX, TXT.",
            f"{filename}: định dạng không được hỗ trợ ({detected}). "
            "Chỉ nhận PDF, ảnh JPEG/PNG/TIFF, Word (DOCX) và văn bản TXT.",
        )


class MacroDocumentError(UnsupportedTypeError):
    """A Word file that carries macros (DOCM or a DOCX with ``vbaProject.bin``): never opened."""

    def __init__(self, filename: str) -> None:
        IngestError.__init__(
            self,
            f"{filename}: the Word file contains macros (DOCM); save it as a plain DOCX without macros.",
            f"{filename}: tệp Word có chứa macro (DOCM). Hãy lưu lại thành DOCX thông thường (không macro).",
        )


class LegacyEncodingError(IngestError):
    """Text in a pre-Unicode Vietnamese encoding (TCVN3/ABC, VNI) that cannot be converted
    safely: mixed with Unicode text (``mixed``), or readable as more than one encoding."""

    def __init__(self, filename: str, encoding: str, mixed: bool = False) -> None:
        if mixed:
            super().__init__(
                f"{filename}: part of the text uses the legacy Vietnamese encoding {encoding} and part is "
                "Unicode; convert only the legacy part to Unicode (e.g. select it and use Unikey's "
                "converter) and upload again.",
                f"{filename}: một phần văn bản dùng bảng mã cũ {encoding}, phần còn lại là Unicode. "
                "Hãy chọn riêng phần bảng mã cũ, chuyển sang Unicode (ví dụ bằng công cụ chuyển mã "
                "của Unikey) rồi tải lên lần nữa.",
            )
            return
        super().__init__(
            f"{filename}: the text uses the legacy Vietnamese encoding {encoding}; "
            "convert it to Unicode (UTF-8), e.g. with Unikey's converter, and upload again.",
            f"{filename}: văn bản dùng bảng mã cũ {encoding}. Hãy chuyển sang Unicode (UTF-8), "
            "ví dụ bằng công cụ chuyển mã của Unikey, rồi tải lên lần nữa.",
        )


class InvalidBlobIdError(IngestError):
    """A blob id that is not a 64-character lower-case sha256 (never turned into a path)."""

    def __init__(self, blob_id: str) -> None:
        shown = blob_id[:80]
        super().__init__(
            f"invalid original-file id {shown!r}: expected 64 hexadecimal characters (sha256).",
            f"mã tệp gốc không hợp lệ {shown!r}: cần đúng 64 ký tự thập lục phân (sha256).",
        )


class OcrError(IngestError):
    """Tesseract failed or timed out on a page; the page number says where."""

    def __init__(self, filename: str, page: int, detail: str) -> None:
        super().__init__(
            f"{filename}: OCR failed on page {page} ({detail}); check that Tesseract with the "
            "'vie' language is installed, or rescan the page.",
            f"{filename}: nhận dạng chữ (OCR) thất bại ở trang {page} ({detail}). Hãy kiểm tra "
            "Tesseract và gói tiếng Việt 'vie', hoặc quét lại trang này.",
        )
