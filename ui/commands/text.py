"""`minhchung text FILE` — the extracted text of one file, all pages in reading order.

Pages are separated by a form feed on its own line (as :attr:`Document.text`). Bad input
(an empty, encrypted, damaged or unsupported file) is one line on stderr and exit code 1,
never a traceback; OCR progress goes to stderr so stdout stays the text alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from tqdm import tqdm

from minhchung.ingest.errors import IngestError
from minhchung.ingest.intake import read_upload
from minhchung.ingest.pipeline import extract_document
from minhchung.ingest.settings import IngestSettings
from minhchung.ui.settings import Settings


def text_command(file: Path, settings: IngestSettings) -> int:
    """Print the text of ``file``; returns the exit code (0, or 1 with a message on stderr)."""
    if not file.is_file():
        print(f"Lỗi: không tìm thấy tệp {file} / file not found: {file}", file=sys.stderr)
        return 1
    try:
        upload = read_upload(file, settings)
        with tqdm(total=upload.page_count, unit="trang", file=sys.stderr, leave=False,
                  disable=upload.page_count < 2 or not sys.stderr.isatty()) as bar:
            document = extract_document(upload, settings, progress=lambda done, _total: bar.update(done - bar.n))
    except IngestError as error:
        print(f"Lỗi: {error.message_vi} / {error.message_en}", file=sys.stderr)
        return 1
    sys.stdout.write(document.text)
    sys.stdout.write("\n")
    return 0


def register(app: typer.Typer) -> None:
    @app.command("text", help="In văn bản trích xuất của một tệp (mọi trang, theo thứ tự đọc).")
    def text(file: Path = typer.Argument(..., help="tệp PDF, ảnh, DOCX hoặc TXT")) -> None:
        raise typer.Exit(text_command(file, Settings().ingest))
