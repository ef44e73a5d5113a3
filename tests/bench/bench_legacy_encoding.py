"""Legacy Vietnamese encodings: what the check costs on Unicode input, and conversion speed.

* born-digital samples (``samples/letters/*.pdf``) through ``extract_document`` with the
  legacy check on, and with it switched off in the same run (baseline), in CPU-seconds;
* a TCVN3 born-digital PDF (``--pages`` pages, embedded TrueType font whose codes are TCVN3,
  like a ``.VnTime`` print): pages per CPU-second, all pages must stay ``text-layer``; and
  its Unicode twin (same lines, same layout) as the baseline;
* plain text of about 1 MB, Unicode and TCVN3: ``repair_legacy_text`` CPU time.

    .venv/bin/python tests/bench/bench_legacy_encoding.py [--pages 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from importlib.resources import files
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests"))

from ingest_pages import SENTENCES, _reportlab_canvas  # noqa: E402

from minhchung.ingest import legacy_encoding, textlayer  # noqa: E402
from minhchung.ingest.intake import read_upload  # noqa: E402
from minhchung.ingest.legacy_encoding import repair_legacy_text  # noqa: E402
from minhchung.ingest.pipeline import extract_document  # noqa: E402
from minhchung.ingest.settings import IngestSettings  # noqa: E402

LETTERS = json.loads(files("minhchung.models").joinpath("legacy-encodings.json").read_text(encoding="utf-8"))


def to_tcvn3(text: str) -> str:
    """Unicode → TCVN3 characters (capitals with marks take the lower-case code)."""
    table = LETTERS["tcvn3"]["letters"]
    return "".join(table.get(c, table.get(c.lower(), c)) for c in text)


def letter_pdf(pages: int, encode=to_tcvn3) -> bytes:
    """``pages`` dense pages of the sample sentences, each character through ``encode``."""
    buffer = io.BytesIO()
    pdf, (_, height) = _reportlab_canvas(buffer)
    lines = [encode(s) for s in SENTENCES]
    for _ in range(pages):
        pdf.setFont("DejaVuSerif", 11)
        for row in range(40):
            pdf.drawString(50, height - 60 - 18 * row, lines[row % len(lines)][:90])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def cpu_seconds(run, repeat: int) -> float:
    """Best of ``repeat`` runs, CPU-seconds of this process, word caches cold each time."""
    best = float("inf")
    for _ in range(repeat):
        legacy_encoding.convert_word.cache_clear()
        legacy_encoding._is_vietnamese_word.cache_clear()
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def born_digital(settings: IngestSettings) -> int:
    pages = 0
    for path in sorted((REPO / "samples" / "letters").glob("*.pdf")):
        pages += len(extract_document(read_upload(path, settings), settings).pages)
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = IngestSettings()

    pages = born_digital(settings)
    with_check = cpu_seconds(lambda: born_digital(settings), args.repeat)
    detector = textlayer.detect_legacy_encoding
    textlayer.detect_legacy_encoding = lambda _text: None  # baseline: no legacy check at all
    try:
        without = cpu_seconds(lambda: born_digital(settings), args.repeat)
    finally:
        textlayer.detect_legacy_encoding = detector
    print(f"born-digital samples ({pages} pages): {pages / with_check:.1f} pages per CPU-second with the legacy check, "
          f"{pages / without:.1f} without (same run); overhead {1000 * (with_check - without) / pages:.2f} ms/page")

    for label, encode in (("TCVN3", to_tcvn3), ("Unicode twin", str)):
        upload = read_upload(letter_pdf(args.pages, encode), settings, filename="letter.pdf")
        document = extract_document(upload, settings)
        strategies = {(p.strategy, p.source_encoding) for p in document.pages}
        seconds = cpu_seconds(lambda upload=upload: extract_document(upload, settings), args.repeat)
        print(f"{label} PDF ({args.pages} pages × 40 lines): {args.pages / seconds:.1f} pages per CPU-second, "
              f"pages read as {sorted(strategies)}")

    unicode_text = "\n".join(SENTENCES * (1_000_000 // sum(len(s) + 1 for s in SENTENCES)))
    legacy_text = to_tcvn3(unicode_text)
    for label, text in (("Unicode", unicode_text), ("TCVN3", legacy_text)):
        seconds = cpu_seconds(lambda text=text: repair_legacy_text(text, "x.txt"), args.repeat)
        print(f"plain text, {label}, {len(text) / 1e6:.2f} M characters: repair_legacy_text {seconds * 1000:.0f} ms CPU")
    print(f"load average: {os.getloadavg()[0]:.1f} (2 cores, shared)")


if __name__ == "__main__":
    main()
