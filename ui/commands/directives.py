"""`minhchung directives extract FILE... [--json] [--out DIR] [--ics F] [--csv F]`.

Reads letter fields, deadlines and quotas of each file. Plain ``.txt`` is read directly; PDF,
images and DOCX go through the ingestion library. The pipeline is loaded once for all files.
A file that fails is reported on stderr (one line, Vietnamese + English) and the others are
still processed; exit code 1 then, 0 when all succeed, 2 for usage errors.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from minhchung.ingest.errors import MinhchungError
from minhchung.nlp.directives import DirectiveExtraction, DirectiveReader

app = typer.Typer(help="Đọc văn bản chỉ đạo: số, ngày, trích yếu, thời hạn, chỉ tiêu.", no_args_is_help=True)


class IngestionUnavailable(MinhchungError):
    def __init__(self, filename: str) -> None:
        super().__init__(
            f"{filename}: reading PDF/image/DOCX needs the ingestion pipeline, which is not available here; "
            "convert the file to .txt (`minhchung text FILE > FILE.txt`) or install the full package.",
            f"{filename}: cần bộ đọc PDF/ảnh/DOCX nhưng chưa có; hãy chuyển tệp sang .txt rồi chạy lại.",
        )


def _read(reader: DirectiveReader, path: Path) -> DirectiveExtraction:
    """One file → extraction; raises MinhchungError subclasses for files we cannot read."""
    if path.suffix.lower() == ".txt":
        raw = path.read_bytes().decode("utf-8", errors="replace")
        return reader.extract_text(raw, document_id=path.stem, filename=path.name)
    try:
        from minhchung.ingest.intake import read_upload
        from minhchung.ingest.pipeline import extract_document
        from minhchung.ui.settings import Settings
    except ImportError as error:
        raise IngestionUnavailable(path.name) from error
    settings = Settings().ingest
    document = extract_document(read_upload(path, settings), settings)
    return reader.extract(document)


def _print_human(extraction: DirectiveExtraction) -> None:
    data = extraction.to_json_dict()
    typer.echo(f"== {data['filename']}")
    for label, key in (("Loại", "doc_type"), ("Số", "number"), ("Cơ quan", "issuer"), ("Ngày", "issued_date"),
                       ("Nơi", "place"), ("Trích yếu", "subject"), ("Người ký", "signer")):
        if data.get(key):
            typer.echo(f"  {label}: {data[key]}")
    if data["recipients"]:
        typer.echo("  Kính gửi: " + "; ".join(data["recipients"]))
    for d in data["deadlines"]:
        when = d["date"] or d["recurring"] or (f"{d['relative']['amount']} {d['relative']['unit']}" if d["relative"] else "?")
        typer.echo(f"  ⏰ {when} [{d['mod']}] {d['who'] or ''}: {d['action'] or ''} — “{d['quote']}” (tr. {d['page']})")
    for q in data["quotas"]:
        where = f" [{q['row']} × {q['column']}]" if q.get("row") else ""
        typer.echo(f"  # {q['quantity']} {q['unit'] or ''} {q['what'] or ''}{where} — “{q['quote']}” (tr. {q['page']})")
    for warning in data["warnings"]:
        typer.echo(f"  ! {warning}")


def extract_command(files: list[Path], as_json: bool, out: Path | None, ics: Path | None, csv_path: Path | None) -> int:
    """Run the extraction over ``files``; returns the exit code."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    reader = DirectiveReader.load()
    results: list[DirectiveExtraction] = []
    failed = False
    for path in files:
        if not path.is_file():
            print(f"Lỗi: không tìm thấy tệp {path} / file not found: {path}", file=sys.stderr)
            failed = True
            continue
        try:
            extraction = _read(reader, path)
        except MinhchungError as error:
            print(f"Lỗi: {error.message_vi} / {error.message_en}", file=sys.stderr)
            failed = True
            continue
        except OSError as error:
            print(f"Lỗi: không đọc được {path} / cannot read {path}: {error.strerror}", file=sys.stderr)
            failed = True
            continue
        results.append(extraction)
        for warning in extraction.warnings:
            print(f"Cảnh báo / warning: {warning}", file=sys.stderr)
        payload = extraction.to_json_dict()
        if out is not None:
            (out / f"{path.stem}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        elif as_json:
            typer.echo(json.dumps(payload, ensure_ascii=False))
        else:
            _print_human(extraction)
    from minhchung.nlp.calendar_export import to_csv, to_ics

    if ics is not None:
        ics.write_bytes(to_ics(results))
    if csv_path is not None:
        csv_path.write_text(to_csv(results), encoding="utf-8")
    return 1 if failed else 0


@app.command("extract", help="Trích số, ngày, trích yếu, thời hạn và chỉ tiêu của văn bản (PDF, ảnh, DOCX, TXT).")
def extract(
    files: list[Path] = typer.Argument(..., help="các tệp văn bản"),
    as_json: bool = typer.Option(False, "--json", help="in JSON, mỗi tệp một dòng"),
    out: Path | None = typer.Option(None, "--out", help="thư mục ghi DIR/<tên>.json cho từng tệp"),
    ics: Path | None = typer.Option(None, "--ics", help="ghi lịch các thời hạn (iCalendar)"),
    csv_path: Path | None = typer.Option(None, "--csv", help="ghi các thời hạn ra CSV"),
) -> None:
    raise typer.Exit(extract_command(files, as_json, out, ics, csv_path))


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="directives")
