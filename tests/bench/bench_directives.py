"""Benchmark: directive extraction against the sample letters' sidecar ground truth.

    .venv/bin/python tests/bench/bench_directives.py [samples/letters]

Scores (micro-averaged over all sidecars that have a ``.txt``):
- deadlines: a prediction matches a gold item when date, recurring and relative agree (relative
  on amount+unit+anchor) and the quotes overlap in the text; precision / recall / F1;
- quotas: quantity equal, unit equal (accent-folded; one may extend the other at a word or "/"
  boundary, e.g. "bộ" vs "bộ máy tính", "tiết/tuần" vs "tiết") and quotes overlap;
- fields: accuracy of doc_type, number, issuer, issued_date, subject (compared accent- and
  case-folded, whitespace collapsed).
The baseline is ``dateparser.search_dates(languages=['vi'])`` on the same texts: every date it
returns counts as a deadline (its spans are used as quotes). Timing: one ~3-page letter after
the pipeline is loaded.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

from minhchung.ingest.normalize import normalize_text
from minhchung.nlp.directives import DirectiveReader
from minhchung.nlp.textview import fold_view

FIELDS = ("doc_type", "number", "issuer", "issued_date", "subject")


def _norm(value) -> str:
    return " ".join(fold_view(str(value)).split()) if value is not None else ""


def _spans(text: str, quote: str) -> list[tuple[int, int]]:
    quote = normalize_text(quote).strip()
    if not quote:
        return []
    return [(m.start(), m.start() + len(quote)) for m in re.finditer(re.escape(quote), text)]


def _overlap(text: str, a: str, b: str) -> bool:
    sa, sb = _spans(text, a), _spans(text, b)
    if sa and sb:
        return any(x0 < y1 and y0 < x1 for x0, x1 in sa for y0, y1 in sb)
    na, nb = _norm(a), _norm(b)
    return bool(na and nb and (na in nb or nb in na))


def _relative_key(rel) -> tuple | None:
    return (rel["amount"], rel["unit"], rel["anchor"]) if rel else None


def _deadline_match(text: str, p: dict, g: dict) -> bool:
    return (p.get("date") == g.get("date") and p.get("recurring") == g.get("recurring")
            and _relative_key(p.get("relative")) == _relative_key(g.get("relative"))
            and _overlap(text, p["quote"], g["quote"]))


def _unit_match(a: str | None, b: str | None) -> bool:
    a, b = _norm(a), _norm(b)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return bool(short) and long.startswith(short) and long[len(short)] in " /"


def _quota_match(text: str, p: dict, g: dict) -> bool:
    return float(p["quantity"]) == float(g["quantity"]) and _unit_match(p["unit"], g["unit"]) \
        and _overlap(text, str(p["quote"]), str(g["quote"]))


def _prf(pred: list, gold: list, match) -> tuple[int, int, int]:
    used: set[int] = set()
    tp = 0
    for p in pred:
        for i, g in enumerate(gold):
            if i not in used and match(p, g):
                used.add(i)
                tp += 1
                break
    return tp, len(pred), len(gold)


def _f1(tp: int, n_pred: int, n_gold: int) -> dict:
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "tp": tp, "pred": n_pred, "gold": n_gold}


def _dateparser_deadlines(text: str) -> list[dict]:
    from dateparser.search import search_dates

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = search_dates(text, languages=["vi"]) or []
    return [{"date": value.date().isoformat(), "recurring": None, "relative": None, "quote": quote} for quote, value in found]


def main(samples: Path) -> dict:
    reader = DirectiveReader.load()
    totals = {"deadlines": [0, 0, 0], "quotas": [0, 0, 0], "baseline": [0, 0, 0]}
    field_hits = {f: 0 for f in FIELDS}
    n_docs = 0
    misses: list[str] = []
    texts: list[str] = []
    for sidecar in sorted(samples.glob("*.json")):
        txt = sidecar.with_suffix(".txt")
        if not txt.is_file():
            continue
        gold = json.loads(sidecar.read_text(encoding="utf-8"))
        raw = txt.read_text(encoding="utf-8")
        texts.append(raw)
        result = reader.extract_text(raw, document_id=sidecar.stem, filename=txt.name).to_json_dict()
        text = normalize_text(raw)
        n_docs += 1
        for f in FIELDS:
            if _norm(result.get(f)) == _norm(gold.get(f)):
                field_hits[f] += 1
            else:
                misses.append(f"{sidecar.stem}: {f}: got {result.get(f)!r}, want {gold.get(f)!r}")
        for key, pred, gold_items, match in (
            ("deadlines", result["deadlines"], gold.get("deadlines") or [], _deadline_match),
            ("quotas", result["quotas"], gold.get("quotas") or [], _quota_match),
            ("baseline", _dateparser_deadlines(text), gold.get("deadlines") or [], _deadline_match),
        ):
            tp, n_pred, n_gold = _prf(pred, gold_items, lambda p, g: match(text, p, g))
            totals[key][0] += tp
            totals[key][1] += n_pred
            totals[key][2] += n_gold
            if key != "baseline" and (tp < n_pred or tp < n_gold):
                misses.append(f"{sidecar.stem}: {key}: tp={tp} pred={n_pred} gold={n_gold}")
    longest = max(texts, key=len) if texts else ""
    three_pages = "\f".join([longest] * max(1, round(9000 / max(1, len(longest)))))
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        reader.extract_text(three_pages)
        timings.append(time.perf_counter() - start)
    report = {
        "documents": n_docs,
        "deadlines": _f1(*totals["deadlines"]),
        "quotas": _f1(*totals["quotas"]),
        "baseline_dateparser_deadlines": _f1(*totals["baseline"]),
        "field_accuracy": {f: round(field_hits[f] / n_docs, 3) if n_docs else None for f in FIELDS},
        "seconds_per_3_page_letter": round(statistics.median(timings), 3),
        "chars_in_timed_letter": len(three_pages),
    }
    for line in misses:
        print("MISS", line, file=sys.stderr)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return report


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("samples/letters"))
