"""`minhchung suggest` — criteria for an evidence title, one at a time or a JSONL batch.

Output (``--json`` and each batch line): ``{suggestions[{criterion, score, reason}], abstain}``.
The school's confirmed items of the same framework (in the data folder) join the official
suggested evidence as exemplars, so what the secretary confirmed shapes the next suggestion.
In a batch the model loads once; a bad line yields ``{"error": …}`` on its line, not a crash.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from minhchung.ingest.errors import MinhchungError, UsageError
from minhchung.ui.context import AppContext
from minhchung.ui.services.suggestions import SuggesterPool


def _error(error: Exception) -> dict:
    if isinstance(error, MinhchungError):
        return {"error": {"message": error.message_en, "message_vi": error.message_vi}}
    return {"error": {"message": str(error), "message_vi": "Dòng không hợp lệ."}}


def _parse_line(line: str) -> tuple[str, str, str | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise UsageError(f"not JSON: {error.msg}", "Dòng không phải JSON hợp lệ.") from error
    if not isinstance(record, dict) or not isinstance(record.get("title"), str) or not record["title"].strip():
        raise UsageError("a line needs a non-empty 'title'", "Mỗi dòng cần có “title” (tên minh chứng).")
    if not isinstance(record.get("framework"), str):
        raise UsageError("a line needs 'framework' (e.g. tt57-pt)", "Mỗi dòng cần có “framework” (vd. tt57-pt).")
    text = record.get("text")
    return record["title"], record["framework"], text if isinstance(text, str) else None


def run_batch(pool: SuggesterPool, lines: list[str], k: int) -> list[dict]:
    """One result per input line, same order; lines of one framework are embedded together."""
    results: list[dict | None] = [None] * len(lines)
    by_framework: dict[str, list[tuple[int, str, str | None]]] = {}
    for index, line in enumerate(lines):
        try:
            title, framework_id, text = _parse_line(line)
            pool.get(framework_id)
            by_framework.setdefault(framework_id, []).append((index, title, text))
        except (MinhchungError, ValueError) as error:
            results[index] = _error(error)
    for framework_id, entries in by_framework.items():
        suggestions = pool.get(framework_id).suggest_batch([t for _, t, _ in entries], [x for *_, x in entries], k)
        for (index, _, _), result in zip(entries, suggestions):
            results[index] = result.as_dict()
    return results


def register(app: typer.Typer) -> None:
    @app.command("suggest", help="Gợi ý tiêu chí cho minh chứng (tên, và nội dung nếu có).")
    def suggest(
        title: str | None = typer.Option(None, "--title", help="tên minh chứng"),
        text_file: Path | None = typer.Option(None, "--text-file", help="tệp văn bản nội dung (UTF-8)"),
        framework: str | None = typer.Option(None, "--framework", help="bộ tiêu chuẩn, vd. tt57-pt"),
        k: int = typer.Option(5, "--k", min=1, help="số tiêu chí gợi ý"),
        as_json: bool = typer.Option(False, "--json", help="in JSON"),
        batch: Path | None = typer.Option(None, "--batch", help="tệp JSONL vào: {title, framework, text?} mỗi dòng"),
        out: Path | None = typer.Option(None, "--out", help="tệp JSONL ra (với --batch)"),
        embedder: str | None = typer.Option(None, "--embedder", hidden=True, help="default: settings suggest.embedder"),
    ) -> None:
        if batch is None and (not title or not framework):
            raise UsageError("Give --title and --framework, or --batch IN.jsonl --out OUT.jsonl.",
                             "Cần --title và --framework, hoặc --batch IN.jsonl --out OUT.jsonl.")
        if batch is not None and out is None:
            raise UsageError("--batch needs --out.", "--batch cần --out.")
        context = AppContext.open()
        try:
            pool = SuggesterPool(context, embedder or context.settings.suggest.embedder)
            if batch is not None:
                try:
                    lines = [line for line in batch.read_text(encoding="utf-8").splitlines() if line.strip()]
                except (OSError, UnicodeDecodeError) as error:
                    raise UsageError(f"Cannot read {batch}: {error}", f"Không đọc được tệp {batch}.") from error
                results = run_batch(pool, lines, k)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results), encoding="utf-8")
                failed = sum("error" in r for r in results)
                typer.echo(f"{len(results)} dòng → {out} ({failed} lỗi)", err=True)
                raise typer.Exit(1 if failed else 0)
            text = None
            if text_file is not None:
                try:
                    text = text_file.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    raise UsageError(f"Cannot read {text_file}: {error}", f"Không đọc được tệp {text_file}.") from error
            result = pool.get(framework).suggest(title, text, k)
        finally:
            context.close()
        if as_json:
            typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            return
        if result.abstain:
            typer.echo("Chưa đủ chắc chắn — cần thư ký xem xét (các gợi ý dưới đây chỉ để tham khảo).")
        for s in result.suggestions:
            typer.echo(f"{s.criterion:>5}  {s.score:5.2f}  {s.reason}")
