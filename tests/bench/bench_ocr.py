"""OCR quality benchmark: our pipeline vs plain ``tesseract <img> - -l vie``, same pages, same run.

Two page sets:
* ``rendered``: letters drawn here at 300 DPI (tests/ingest_pages.py) under five conditions —
  clean, red seal + blue signature, 2° skew, noise + blur + JPEG q40, and a 150-DPI image;
* ``samples``: ``samples/scans/*.pdf`` (and the .tif/.jpg), ground truth ``samples/letters/<id>.txt``.

Both engines get the same pixels: PDF pages are rendered once at 300 DPI with PDFium and saved
as PNG for plain Tesseract; our pipeline reads the original file. CER is the edit distance over
the reference length on normalised text with whitespace runs collapsed (reading order counts),
also with every diacritic stripped ("base letters": separates letter errors from mark errors).

    .venv/bin/python tests/bench/bench_ocr.py [--set rendered|samples|all] [--json] [--dump DIR]

``--dump DIR`` writes, per page file, the truth and both engines' text, and prints each file's
CER: the per-page breakdown that shows which pages and lines dominate the error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from ingest_pages import Degradation, image_bytes, letter_page  # noqa: E402
from ocr_metrics import cer  # noqa: E402

from minhchung.ingest.intake import read_upload  # noqa: E402
from minhchung.ingest.pipeline import extract_document  # noqa: E402
from minhchung.ingest.raster import page_image, png_bytes  # noqa: E402
from minhchung.ingest.settings import IngestSettings, OcrSettings  # noqa: E402

REPO = HERE.parent.parent
CONDITIONS = {
    "clean": (Degradation(seal=False, signature=False), 300),
    "seal+signature": (Degradation(), 300),
    "skew 2°": (Degradation(skew_degrees=2.0), 300),
    "noise+blur+jpeg40": (Degradation(skew_degrees=-1.0, noise=0.002, blur=0.7, jpeg_quality=40), 300),
    "150 DPI image": (Degradation(), 150),
}


@dataclass
class Score:
    errors: int = 0
    errors_base: int = 0
    length: int = 0
    length_base: int = 0
    seconds: float = 0.0
    pages: int = 0

    def add(self, truth: str, text: str, seconds: float, pages: int) -> None:
        e, n = cer(truth, text)
        eb, nb = cer(truth, text, marks=False)
        self.errors, self.length = self.errors + e, self.length + n
        self.errors_base, self.length_base = self.errors_base + eb, self.length_base + nb
        self.seconds, self.pages = self.seconds + seconds, self.pages + pages

    def row(self) -> dict:
        return {"cer": self.errors / max(1, self.length), "cer_base": self.errors_base / max(1, self.length_base),
                "s_per_page": self.seconds / max(1, self.pages), "pages": self.pages}


def plain_tesseract(images: list[bytes], scratch: Path) -> tuple[str, float]:
    """Plain Tesseract on each page image (PNG bytes); text and wall seconds."""
    texts, started = [], time.perf_counter()
    for number, data in enumerate(images):
        path = scratch / f"page-{number}.png"
        path.write_bytes(data)
        result = subprocess.run(["tesseract", str(path), "-", "-l", "vie"], capture_output=True, text=True, check=True)
        texts.append(result.stdout)
    return "\n".join(texts), time.perf_counter() - started


def ours(data: bytes, filename: str, settings: IngestSettings) -> tuple[str, float]:
    started = time.perf_counter()
    document = extract_document(read_upload(data, settings, filename=filename), settings)
    return document.text, time.perf_counter() - started


def rendered_cases() -> list[tuple[str, str, bytes, list[bytes], str]]:
    """(condition, filename, file bytes for us, page PNGs for plain, truth) for rendered letters."""
    cases = []
    for condition, (degradation, dpi) in CONDITIONS.items():
        for seed in (11, 12):
            page = letter_page(seed, degradation)
            image = page.image if dpi == 300 else page.image.resize((page.image.width * dpi // 300, page.image.height * dpi // 300))
            data = image_bytes(image, dpi=dpi)
            cases.append((condition, f"letter-{seed}.png", data, [data], page.truth))
    return cases


def sample_cases() -> list[tuple[str, str, bytes, list[bytes], str]]:
    cases = []
    for scan in sorted((REPO / "samples" / "scans").glob("*")):
        truth_path = REPO / "samples" / "letters" / f"{scan.stem}.txt"
        if scan.suffix not in (".pdf", ".tif", ".jpg") or not truth_path.exists():
            continue
        data = scan.read_bytes()
        kind = {".pdf": "pdf", ".tif": "tiff", ".jpg": "jpeg"}[scan.suffix]
        upload = read_upload(data, IngestSettings(), filename=scan.name)
        truth = truth_path.read_text(encoding="utf-8")
        if kind == "jpeg":
            truth = truth.split("\f")[0]
        pngs = [png_bytes(page_image(str(scan), kind, i, 300)) for i in range(upload.page_count)]
        condition = {"pdf": "sample scan PDF", "tiff": "sample bilevel TIFF", "jpeg": "sample phone photo (page 1)"}[kind]
        cases.append((condition, scan.name, data, pngs, truth))
    return cases


def dump_case(folder: Path, condition: str, filename: str, truth: str, plain_text: str, our_text: str) -> None:
    """Write the three texts of one case (canonical form, one file each) and print its CER."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{condition}-{filename}".replace(" ", "_").replace("/", "_")
    for suffix, text in (("truth", truth), ("plain", plain_text), ("ours", our_text)):
        (folder / f"{stem}.{suffix}.txt").write_text(text, encoding="utf-8")
    errors, length = cer(truth, our_text)
    plain_errors, _ = cer(truth, plain_text)
    print(f"  {stem:60s} ours {errors:4d}/{length:5d} = {errors / max(1, length):6.2%}   plain {plain_errors / max(1, length):6.2%}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=["rendered", "samples", "all"], default="all")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--dump", type=Path, help="write truth / plain / ours text per case here and print per-case CER")
    args = parser.parse_args()
    settings = IngestSettings(ocr=OcrSettings(workers=1))  # one page at a time: same footing as plain
    cases = (rendered_cases() if args.set in ("rendered", "all") else []) + (sample_cases() if args.set in ("samples", "all") else [])
    table: dict[str, dict[str, Score]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for condition, filename, data, pngs, truth in cases:
            plain_text, plain_seconds = plain_tesseract(pngs, Path(scratch))
            our_text, our_seconds = ours(data, filename, settings)
            if args.dump:
                dump_case(args.dump, condition, filename, truth, plain_text, our_text)
            for name, text, seconds in (("plain", plain_text, plain_seconds), ("minhchung", our_text, our_seconds)):
                table.setdefault(condition, {}).setdefault(name, Score()).add(truth, text, seconds, len(pngs))
                table.setdefault("ALL", {}).setdefault(name, Score()).add(truth, text, seconds, len(pngs))
    rows = {c: {n: s.row() for n, s in scores.items()} for c, scores in table.items()}
    print(f"{'pages':28s} {'n':>3s} | {'plain CER':>9s} {'base':>7s} {'s/p':>5s} | {'ours CER':>9s} {'base':>7s} {'s/p':>5s} | ratio")
    for condition, result in rows.items():
        plain, mine = result["plain"], result["minhchung"]
        ratio = mine["cer"] / plain["cer"] if plain["cer"] else float("nan")
        print(f"{condition:28s} {plain['pages']:3d} | {plain['cer']:9.2%} {plain['cer_base']:7.2%} {plain['s_per_page']:5.1f} | "
              f"{mine['cer']:9.2%} {mine['cer_base']:7.2%} {mine['s_per_page']:5.1f} | {ratio:5.2f}")
    print(f"load average during run: {os.getloadavg()[0]:.1f} (2 cores)")
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
