"""`minhchung frameworks` — list the accreditation frameworks and show one in detail.

Reads the shipped catalog plus the school's corrections in ``<MINHCHUNG_HOME>/frameworks/``
(see :mod:`minhchung.nlp.frameworks`), so what is printed is what the rest of the system uses.
Titles the research could not confirm are marked, because reviewers must know which wording to
check against the official text before quoting it in a report.
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from minhchung.nlp.frameworks import Framework, FrameworkError, Standard, list_frameworks, load_framework
from minhchung.ui.settings import Settings

app = typer.Typer(help="Bộ tiêu chuẩn đánh giá (TT57/2026, TT17/18/19/2018, TT19+TT22).", no_args_is_help=True)

LEVEL_NAMES = {
    "mam_non": "mầm non",
    "tieu_hoc": "tiểu học",
    "thcs": "THCS",
    "thpt": "THPT",
    "nhieu_cap": "nhiều cấp học",
    "gdtx": "GDTX",
}
STATUS_NAMES = {"current": "hiện hành", "legacy": "cũ (đọc hồ sơ lưu trữ)"}


def register(root: typer.Typer) -> None:
    """Hook used by ``ui/cli.py``: mounts :data:`app` as ``minhchung frameworks``."""
    root.add_typer(app, name="frameworks")


def _overrides_dir():
    folder = Settings().frameworks_override_dir
    return folder if folder.is_dir() else None


def _fail(error: FrameworkError) -> typer.Exit:
    Console(stderr=True).print(f"[red]Lỗi:[/red] {error.message_vi}\n[dim]{error.message_en}[/dim]")
    return typer.Exit(error.exit_code)


@app.command("list", help="Liệt kê các bộ tiêu chuẩn: số tiêu chuẩn, tiêu chí, tiêu chí bắt buộc, tên chưa xác nhận.")
def list_command(as_json: bool = typer.Option(False, "--json", help="in JSON")) -> None:
    try:
        summaries = list_frameworks(_overrides_dir())
    except FrameworkError as error:
        raise _fail(error) from error
    if as_json:
        typer.echo(json.dumps([s.model_dump(mode="json") for s in summaries], ensure_ascii=False, indent=2))
        return
    table = Table(title="Bộ tiêu chuẩn đánh giá")
    for header in ("Mã", "Tên", "Mức"):
        table.add_column(header, overflow="fold")
    for header in ("Tiêu chuẩn", "Tiêu chí", "Bắt buộc", "Tên chưa xác nhận"):
        table.add_column(header, justify="right")
    for s in summaries:
        table.add_row(s.id, s.name, f"{s.levels[0]}–{s.levels[-1]}", str(s.standards), str(s.criteria), str(s.mandatory), str(s.unconfirmed_titles))
    Console().print(table)


@app.command("show", help="Chi tiết một bộ tiêu chuẩn: tiêu chuẩn, tiêu chí (★ bắt buộc), độ tin cậy, quy tắc xếp mức.")
def show_command(
    framework_id: str = typer.Argument(..., metavar="ID", help="mã bộ tiêu chuẩn, ví dụ tt57-pt"),
    as_json: bool = typer.Option(False, "--json", help="in toàn bộ dữ liệu dạng JSON"),
) -> None:
    try:
        framework = load_framework(framework_id, _overrides_dir())
    except FrameworkError as error:
        raise _fail(error) from error
    if as_json:
        typer.echo(framework.model_dump_json(by_alias=True, exclude_none=True, indent=2))
        return
    console = Console()
    for line in _header_lines(framework):
        console.print(line, highlight=False)
    for standard in framework.standards:
        console.print(_standard_table(framework, standard))
        for note in _notes(standard):
            console.print(note, highlight=False)
    console.print(_legend(framework), highlight=False)


def _header_lines(fw: Framework) -> list[str]:
    basis = fw.legal_basis
    effective = f", hiệu lực {basis.effective:%d/%m/%Y}" if basis.effective else ""
    appendix = f" – {basis.appendix}" if basis.appendix else ""
    lines = [
        f"[bold]{fw.name}[/bold]  ({fw.id}, {STATUS_NAMES[fw.status]})",
        f"Căn cứ: {basis.number} ngày {basis.issued:%d/%m/%Y}{effective}{appendix}",
    ]
    lines += [f"Sửa đổi bởi: {doc.number} ngày {doc.issued:%d/%m/%Y}" for doc in basis.amended_by]
    lines += [
        "Áp dụng cho: " + ", ".join(LEVEL_NAMES[level] for level in fw.institution_levels),
        "Mức đánh giá: " + ", ".join(fw.levels),
        f"Mã minh chứng: {fw.code.template}  (ví dụ {fw.code.examples[0]})",
        "Danh mục minh chứng: " + " | ".join(fw.evidence_list_columns),
        f"Quy tắc xếp mức nhà trường ({fw.rating_rule.legal_ref}, độ tin cậy {fw.rating_rule.confidence}): {fw.rating_rule.sentence}",
    ]
    if fw.suggested_evidence_note:
        lines.append(f"[dim]Minh chứng gợi ý: {fw.suggested_evidence_note}[/dim]")
    if fw.confidence_note:
        lines.append(f"[dim]Độ tin cậy chung {fw.confidence}: {fw.confidence_note}[/dim]")
    return lines


def _mark(fw: Framework, mark: str, overridden: bool) -> str:
    text = mark if fw.is_confirmed(mark) else f"[yellow]{mark} ?[/yellow]"
    return text + (" [cyan](đã sửa)[/cyan]" if overridden else "")


def _standard_table(fw: Framework, standard: Standard) -> Table:
    table = Table(title=f"Tiêu chuẩn {standard.number}. {standard.title}  [{_mark(fw, standard.confidence, standard.overridden)}]", title_justify="left")
    table.add_column("Tiêu chí")
    table.add_column("Tên", overflow="fold")
    table.add_column("Bắt buộc", justify="center")
    table.add_column("Độ tin cậy")
    table.add_column("Chỉ báo", justify="right")
    table.add_column("MC gợi ý", justify="right")
    for c in standard.criteria:
        title = c.title + (" †" if c.confidence_note else "")
        table.add_row(c.id, title, "★" if c.mandatory else "", _mark(fw, c.confidence, c.overridden), str(len(c.indicators)), str(len(c.suggested_evidence)))
    return table


def _notes(standard: Standard) -> list[str]:
    notes = [f"[dim]† Tiêu chuẩn {standard.number}: {standard.confidence_note}[/dim]"] if standard.confidence_note else []
    notes += [f"[dim]† {c.id}: {c.confidence_note}[/dim]" for c in standard.criteria if c.confidence_note]
    return notes


def _legend(fw: Framework) -> str:
    marks = "; ".join(f"{mark}: {info.label}" for mark, info in fw.confidence_scale.items())
    return f"★ tiêu chí bắt buộc. Độ tin cậy — {marks}. Dấu ? = tên chưa xác nhận."
